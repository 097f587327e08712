"""Alerts: subscriptions (an apprise URL + filters), a persistent outbox, overdue reports.

Entry points: `archive.alerts.outbox.deliver_pending` (run at the end of a crawl and by
`nianbao alerts send`), `archive.alerts.outbox.enqueue_new_events`,
`archive.alerts.deadline.check_overdue`. See docs/alerts.md.
"""
