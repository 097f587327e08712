"""Delivery of one message to one apprise URL, retried in-process with tenacity.

apprise does not raise on a failed notification: `notify()` returns False and logs the
reason. We capture that log so the outbox can store it as `last_error`.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

import apprise
from tenacity import RetryError, Retrying, retry_if_result, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)

_MAX_ERROR = 500
# Parameters apprise adds to every URL it shows; listed only when the user set them.
_DEFAULT_KNOBS = frozenset({"overflow", "retry", "wait", "optional", "format", "method", "cto", "rto", "emojis"})


class ChannelError(ValueError):
    """An apprise URL that apprise does not support or cannot parse."""


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send (all its in-process tries)."""

    ok: bool
    tries: int
    error: str | None = None


@contextmanager
def _apprise_log() -> Iterator:
    """Capture apprise's log (its only way of saying why) and keep it off the console."""
    logger = logging.getLogger("apprise")
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        propagate, logger.propagate = logger.propagate, False
        try:
            yield captured
        finally:
            logger.propagate = propagate


def _instantiate(url: str):
    with _apprise_log():
        return apprise.Apprise.instantiate(url)


def _notification_schemes() -> set[str] | None:
    try:  # apprise's plugin registry (its public details() takes a second to build)
        from apprise.apprise import N_MGR
    except ImportError:
        return None
    return {scheme.lower() for scheme in N_MGR.schemas()}


def check_url(url: str) -> None:
    """Raise `ChannelError` unless apprise recognises `url` as a notification service URL."""
    url = (url or "").strip()
    if not url:
        raise ChannelError("empty apprise URL")
    if "://" not in url:
        raise ChannelError("not an apprise URL: no scheme (e.g. json://host/path, dingtalk://TOKEN/)")
    if _instantiate(url) is None:
        scheme = url.split("://", 1)[0]
        # apprise's own reason may quote the URL, secrets and all: say only which part is wrong.
        known = _notification_schemes()
        why = ("unknown scheme or bad parameters" if known is None
               else "bad parameters" if scheme.lower() in known else "unknown scheme")
        raise ChannelError(f"not a supported apprise URL ({scheme}://…: {why}; "
                           "see https://github.com/caronc/apprise/wiki)")


def mask_url(url: str) -> str:
    """The URL with secrets hidden, as apprise shows it (`privacy=True`), custom header values masked too."""
    plugin = _instantiate(url)
    if plugin is None:
        scheme = url.split("://", 1)[0] if "://" in url else "?"
        return f"{scheme}://****"
    shown = plugin.url(privacy=True)
    given = {key.lower() for key in parse_qs(urlsplit(url).query, keep_blank_values=True)}
    # apprise keeps `?:Header=value` overrides as given, and webhook headers often carry tokens.
    if "?" in shown:
        base, query = shown.split("?", 1)
        parts = []
        for part in query.split("&"):
            name, sep, value = part.partition("=")
            if name.startswith("%3A") or name.startswith(":"):
                value = "****" if value else value
            # Drop apprise's default knobs: they make the listing long without saying anything.
            if name in _DEFAULT_KNOBS and name.lower() not in given:
                continue
            parts.append(name + sep + value)
        shown = base + ("?" + "&".join(parts) if parts else "")
    return shown


def _one_try(url: str, title: str, body: str) -> tuple[bool, str | None]:
    notifier = apprise.Apprise()
    with _apprise_log() as captured:
        if not notifier.add(url):
            return False, "not a supported apprise URL"
        try:
            ok = bool(notifier.notify(body=body, title=title))
        except Exception as exc:  # a plugin bug must not kill the sender; record it
            log.exception("apprise raised while notifying")
            return False, f"{type(exc).__name__}: {exc}"
        logged = captured.getvalue().strip()
    if ok:
        return True, None
    lines = [line for line in logged.splitlines() if line.strip()]
    log.debug("apprise notify failed: %s", lines)
    return False, " | ".join(lines)[-_MAX_ERROR:] or "notification failed (no reason given by apprise)"


def send(url: str, title: str, body: str, *, tries: int = 3, wait: float = 1.0, wait_max: float = 10.0) -> SendResult:
    """Send once, retrying up to `tries` times with exponential waits (`wait`, 2×`wait`, … ≤ `wait_max`)."""
    errors: list[str | None] = []

    def attempt() -> bool:
        ok, error = _one_try(url, title, body)
        errors.append(error)
        return ok

    retrying = Retrying(
        stop=stop_after_attempt(max(1, tries)),
        wait=wait_exponential(multiplier=wait, max=wait_max),
        retry=retry_if_result(lambda ok: not ok),
        reraise=True,
    )
    try:
        ok = retrying(attempt)
    except RetryError:
        ok = False
    return SendResult(ok=ok, tries=len(errors), error=None if ok else errors[-1])
