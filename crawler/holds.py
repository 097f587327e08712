"""Sources on hold: a source that tried to add more new reports in one crawl than its
bound (``NIANBAO_MAX_NEW_REPORTS`` or the source's ``max_new_reports``) is stopped, and
later crawls leave it out — raising no events for it — until a person has looked at the
portal and run ``nianbao sources confirm NAME``; the next crawl of that source is then
unbounded once.

Holds are kept per archive in ``$NIANBAO_STATE_DIR/holds.json`` (default
``~/.local/state/nianbao``), beside the crawls' job directories: the crawl and the
person confirming must use the same state directory (cron and systemd: set it).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
from pathlib import Path


def state_dir() -> Path:
    """Where nianbao keeps crawl state (job directories, holds)."""
    base = os.environ.get("NIANBAO_STATE_DIR") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "nianbao")
    return Path(base)


def _key(db_url: str) -> str:
    return hashlib.sha1(db_url.encode()).hexdigest()[:12]


@contextlib.contextmanager
def _locked():
    """The holds of every archive, read and written under an exclusive file lock."""
    path = state_dir() / "holds.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        except (OSError, ValueError):
            data = {}  # a damaged file holds nothing (the bound trips again if need be)
        before = json.dumps(data, sort_keys=True)
        yield data
        if json.dumps(data, sort_keys=True) != before:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
            tmp.replace(path)


def load(db_url: str) -> dict[str, dict]:
    """``name → {"since", "reason", "confirmed"}`` of the sources on hold for this archive."""
    with _locked() as data:
        return dict(data.get(_key(db_url), {}))


def hold(db_url: str, name: str, reason: str) -> None:
    """Put a source on hold (a hold already there is kept as it is)."""
    with _locked() as data:
        data.setdefault(_key(db_url), {}).setdefault(name, {
            "since": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "reason": reason,
            "confirmed": False, "db": db_url})


def confirm(db_url: str, name: str) -> dict | None:
    """A person looked: the next crawl of the source goes on, unbounded once. The hold, or None."""
    with _locked() as data:
        entry = data.get(_key(db_url), {}).get(name)
        if entry is not None:
            entry["confirmed"] = True
        return entry


def release(db_url: str, name: str) -> None:
    """A confirmed source was crawled: its hold is gone."""
    with _locked() as data:
        held = data.get(_key(db_url), {})
        if held.get(name, {}).get("confirmed"):
            del held[name]
