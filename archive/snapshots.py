"""Raw snapshots: every fetched byte string, content-addressed by SHA-256, zlib-compressed in the DB."""
from __future__ import annotations

import datetime as dt
import hashlib
import zlib

import sqlalchemy as sa
from sqlalchemy.orm import Session

from archive.models import Snapshot
from archive.sql import insert_ignore


class SnapshotError(Exception):
    """A stored snapshot is missing or does not match its hash."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store(session: Session, data: bytes, at: dt.datetime, digest: str | None = None) -> str:
    """Store ``data`` once (a no-op when the same bytes are stored already); its SHA-256."""
    digest = digest or sha256(data)
    store_many(session, [(data, at, digest)])
    return digest


def store_many(session: Session, snapshots: list[tuple[bytes, dt.datetime, str]]) -> None:
    """Store each (bytes, time, SHA-256) once, in one statement."""
    rows = {digest: {"sha256": digest, "size": len(data), "compression": "zlib",
                     "data": zlib.compress(data, 6), "created_at": at} for data, at, digest in snapshots}
    insert_ignore(session, Snapshot, list(rows.values()), ["sha256"])


def load(session: Session, digest: str) -> bytes:
    """The bytes of a stored snapshot, checked against their hash."""
    row = session.execute(sa.select(Snapshot.compression, Snapshot.data).where(Snapshot.sha256 == digest)).first()
    if row is None:
        raise SnapshotError(f"snapshot {digest} is not in the archive")
    if row.compression != "zlib":
        raise SnapshotError(f"snapshot {digest}: unknown compression {row.compression!r}")
    data = zlib.decompress(row.data)
    if sha256(data) != digest:
        raise SnapshotError(f"snapshot {digest} is corrupt (hash mismatch)")
    return data
