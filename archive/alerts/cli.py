"""`nianbao alerts`: subscriptions, test messages, delivering the outbox."""
from __future__ import annotations

import json

import click

from archive.alerts.filters import FilterError, Filters
from archive.alerts.settings import AlertSettings, SettingsError, parse_deadline
from archive.command import db_option, open_or_fail, user_errors
from archive.labels import EVENT_KINDS

#: The subscription a command acts on: its number, as `nianbao alerts list` shows it (``sub_id``).
subscription_id = click.argument("sub_id", metavar="ID", type=int)


@click.group("alerts")
def alerts_group() -> None:
    """Alert subscriptions: new, revised, withdrawn, restored and overdue reports, sent
    through apprise (webhooks, e-mail, DingTalk, WeCom, Feishu, …).

    \b
    Example:
      nianbao alerts add 'dingtalk://TOKEN/' --region 11 --kind new --kind revised
      nianbao alerts list
      nianbao alerts test 1
      nianbao alerts send
    """


@alerts_group.command("add")
@click.argument("url")
@click.option("--agency", help="Only this agency (full name, or a unique part of one in the archive).")
@click.option("--region", metavar="PREFIX", help="Only agencies whose region code starts so (11 = 北京, 4403 = 深圳).")
@click.option("--keyword", help="Only reports whose agency, title or text contains it.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(EVENT_KINDS),
              help="Only these event kinds (repeatable; default: all).")
@db_option
def add_command(url: str, agency: str | None, region: str | None, keyword: str | None,
                kinds: tuple[str, ...], db_url: str | None) -> None:
    """Subscribe an apprise URL to the events that pass the filters (all filters must match).

    The subscription hears about events recorded from now on. --agency means what it
    means everywhere: the exact name or a unique part of one; an agency the archive does
    not know yet is accepted with a warning (it matches once its reports arrive).

    \b
    Example:
      nianbao alerts add 'json://example.org/hook' --agency 北京市公安局
      nianbao alerts add 'mailtos://user:pass@smtp.qq.com?to=me@example.cn' --keyword 行政复议
      nianbao alerts add 'wecombot://BOTKEY' --region 44 --kind overdue
    """
    from archive.alerts.send import ChannelError, check_url, mask_url
    from archive.alerts.subscriptions import DuplicateSubscription, add_subscription

    with user_errors(ChannelError, FilterError, DuplicateSubscription):
        check_url(url)  # before the archive is opened (or created)
        filters = Filters.build(agency=agency, region=region, keyword=keyword, kinds=kinds)
        Session = open_or_fail(db_url)
        with Session.begin() as session:
            if agency:
                filters = _resolve_agency(session, filters)
            sub_id = add_subscription(session, url, filters).id
    click.echo(f"subscription #{sub_id}: {mask_url(url.strip())} — {filters.describe()}")


def _resolve_agency(session, filters: Filters) -> Filters:
    """The subscription's agency as ``--agency`` means everywhere (archive.queries.find_agency)."""
    from dataclasses import replace

    from archive.alerts.filters import normalize
    from archive.queries import AmbiguousAgency, NotFound, find_agency

    try:
        found = find_agency(session, filters.agency)
    except AmbiguousAgency as exc:
        raise FilterError(str(exc)) from None
    except NotFound:
        click.echo(f"warning: no agency named '{filters.agency}' in the archive yet; "
                   "the subscription matches it once its reports arrive", err=True)
        return filters
    return replace(filters, agency=normalize(found.name))


@alerts_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON output for scripts.")
@db_option
def list_command(as_json: bool, db_url: str | None) -> None:
    """List subscriptions (secrets in URLs masked) with their delivery counts.

    \b
    Example:
      nianbao alerts list --json
    """
    from archive.alerts.subscriptions import list_subscriptions

    with open_or_fail(db_url)() as session:
        rows = list_subscriptions(session)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no subscriptions (add one with: nianbao alerts add URL)")
    for row in rows:
        click.echo(f"#{row['id']}  {row['url']}  {row['filters']}  "
                   f"(sent {row['sent']}, pending {row['pending']}, failed {row['failed']})")
        if row["last_error"] and (row["pending"] or row["failed"]):
            click.echo(f"    last error: {row['last_error']}")


@alerts_group.command("remove")
@subscription_id
@db_option
def remove_command(sub_id: int, db_url: str | None) -> None:
    """Remove a subscription and its outbox rows.

    \b
    Example:
      nianbao alerts remove 3
    """
    from archive.alerts.subscriptions import NoSuchSubscription, remove_subscription

    with user_errors(NoSuchSubscription), open_or_fail(db_url).begin() as session:
        remove_subscription(session, sub_id)
    click.echo(f"removed subscription #{sub_id}")


@alerts_group.command("test")
@subscription_id
@db_option
def test_command(sub_id: int, db_url: str | None) -> None:
    """Send a test message to a subscription now; one line says whether it arrived.

    \b
    Example:
      nianbao alerts test 1
    """
    from archive.alerts.messages import format_test
    from archive.alerts.send import mask_url, send
    from archive.alerts.subscriptions import NoSuchSubscription, get_subscription, subscription_filters

    settings = _settings()
    with user_errors(NoSuchSubscription), open_or_fail(db_url)() as session:
        sub = get_subscription(session, sub_id)
        url, filters = sub.url, subscription_filters(sub)
    title, body = format_test(sub_id, filters.describe())
    result = send(url, title, body, tries=settings.send_tries, wait=settings.send_wait)
    if not result.ok:
        raise click.ClickException(f"test message to #{sub_id} {mask_url(url)} failed "
                                   f"after {result.tries} tries: {result.error}")
    click.echo(f"test message to #{sub_id} {mask_url(url)} sent")


@alerts_group.command("send")
@click.option("--deadline", metavar="MM-DD", help="Deadline in year Y+1 for the report of year Y "
              "(default: $NIANBAO_ALERTS_DEADLINE, else 01-31).")
@click.option("--no-overdue", is_flag=True, help="Do not check for overdue reports.")
@click.option("--json", "as_json", is_flag=True, help="JSON output for scripts.")
@db_option
def send_command(deadline: str | None, no_overdue: bool, as_json: bool, db_url: str | None) -> None:
    """Check overdue reports, match new events to subscriptions and deliver what is due.

    `nianbao crawl` does the same when it ends. Failed deliveries are retried with
    growing delays on later runs and given up after NIANBAO_ALERTS_MAX_ATTEMPTS tries.

    \b
    Example:
      nianbao alerts send
      nianbao alerts send --deadline 02-15 --json
    """
    from dataclasses import replace

    from archive.alerts.outbox import deliver_pending

    settings = _settings()
    if deadline:
        with user_errors(SettingsError):
            settings = replace(settings, deadline=parse_deadline(deadline))
    counts = deliver_pending(open_or_fail(db_url), settings=settings, check_deadline=not no_overdue)
    if as_json:
        click.echo(json.dumps(counts))
        return
    line = (f"overdue raised {counts['overdue']}, queued {counts['enqueued']}, sent {counts['sent']}, "
            f"retrying {counts['retrying']}, failed {counts['failed']}")
    if counts["deferred"] or counts["lost"]:
        line += f", deferred {counts['deferred'] + counts['lost']}"
    click.echo(line)


def _settings() -> AlertSettings:
    with user_errors(SettingsError):
        return AlertSettings.from_env()


commands = [alerts_group]
