"""Alert settings: defaults, overridable from the environment (``NIANBAO_ALERTS_*``) or in code."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields, replace


class SettingsError(ValueError):
    """A malformed alert setting (e.g. a deadline that is not MM-DD)."""


def parse_deadline(text: str) -> tuple[int, int]:
    """``"01-31"`` -> ``(1, 31)``; raises `SettingsError` unless it is a real month-day."""
    match = re.fullmatch(r"\s*(\d{1,2})-(\d{1,2})\s*", text or "")
    if not match:
        raise SettingsError(f"deadline must be MM-DD, got {text!r}")
    month, day = int(match.group(1)), int(match.group(2))
    import datetime as dt

    try:
        dt.date(2001, month, day)  # a non-leap year: 02-29 is not a yearly deadline
    except ValueError:
        raise SettingsError(f"deadline {text!r} is not a day of the year") from None
    return month, day


@dataclass(frozen=True)
class AlertSettings:
    """How the outbox retries and when reports are overdue.

    - ``max_attempts``: outbox attempts before a delivery is ``failed``.
    - ``retry_base`` / ``retry_max``: seconds; attempt *n* failing schedules the next one
      ``min(retry_base * 2**(n-1), retry_max)`` later (across runs of the sender).
    - ``send_tries`` / ``send_wait``: in-process tries of one attempt (tenacity), waiting
      ``send_wait``, 2×``send_wait``, … seconds between them.
    - ``lease``: seconds a claimed delivery stays reserved for its sender; a sender killed
      mid-send leaves the row to be picked up after this (must exceed one attempt's duration).
    - ``batch``: deliveries claimed per transaction.
    - ``max_seconds``: a run stops claiming deliveries after this long (the rest waits
      for the next run), so that a crawl's end is never held up for long.
    - ``deadline``: (month, day) of year Y+1 after which a department's report for year Y
      is overdue; ``government_deadline`` the same for a people's government's overall report.
    """

    max_attempts: int = 8
    retry_base: float = 60.0
    retry_max: float = 6 * 3600.0
    send_tries: int = 3
    send_wait: float = 1.0
    lease: float = 300.0
    batch: int = 20
    max_seconds: float = 300.0
    deadline: tuple[int, int] = (1, 31)
    government_deadline: tuple[int, int] = (3, 31)

    @classmethod
    def from_env(cls, environ=None) -> "AlertSettings":
        """Defaults overridden by ``NIANBAO_ALERTS_<FIELD>`` (e.g. ``NIANBAO_ALERTS_DEADLINE=02-15``)."""
        environ = os.environ if environ is None else environ
        changes: dict = {}
        for f in fields(cls):
            raw = environ.get(f"NIANBAO_ALERTS_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            try:
                if f.name in ("deadline", "government_deadline"):
                    changes[f.name] = parse_deadline(raw)
                elif f.type in ("int", int):
                    changes[f.name] = int(raw)
                else:
                    changes[f.name] = float(raw)
            except ValueError as exc:
                raise SettingsError(f"NIANBAO_ALERTS_{f.name.upper()}={raw!r}: {exc}") from None
        return replace(cls(), **changes)

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        return min(self.retry_base * 2 ** max(0, attempts - 1), self.retry_max)
