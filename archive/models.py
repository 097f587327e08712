"""The archive's tables as SQLAlchemy 2 typed models (schema of migration ``0001_initial``).

Reading guide: an :class:`Agency` publishes one :class:`Report` a year; each change of the
report's content makes a :class:`Version` (record JSON, text, cells). Every fetched byte
string is a :class:`Snapshot` (sha256, zlib), linked to the :class:`Document` (URL) it
came from and to the version it produced. :class:`Event` rows are the change log.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON everywhere, JSONB on PostgreSQL.
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    """Now, timezone-aware UTC."""
    return dt.datetime.now(dt.timezone.utc)


def aware(value: dt.datetime | None) -> dt.datetime:
    """``value`` as timezone-aware UTC (a naive time is taken as UTC); now when None."""
    if value is None:
        return utcnow()
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC timestamps on every backend (SQLite stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType}


class Agency(Base):
    """An issuing agency, by its full name (region code and level where known)."""

    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    region_code: Mapped[str | None] = mapped_column(sa.String(12), index=True)
    level: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Source(Base):
    """A crawled portal (created on demand by name)."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Crawl(Base):
    """One crawl of a source; the first crawl of a source is its baseline."""

    __tablename__ = "crawls"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("sources.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    complete: Mapped[bool] = mapped_column(default=False)
    baseline: Mapped[bool] = mapped_column(default=False)
    listed: Mapped[int | None]


class Snapshot(Base):
    """The bytes of one fetched document, content-addressed and zlib-compressed."""

    __tablename__ = "snapshots"
    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int]
    compression: Mapped[str] = mapped_column(sa.String(8), default="zlib")
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Document(Base):
    """A URL as fetched: HTTP validators, first/last seen, gone marks, the report it holds."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.Text, unique=True)
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sources.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id"), index=True)
    content_type: Mapped[str | None] = mapped_column(sa.String(200))
    etag: Mapped[str | None] = mapped_column(sa.Text)
    last_modified: Mapped[str | None] = mapped_column(sa.String(100))
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_checked: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_crawl_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crawls.id"))
    # The newest bytes and the content fingerprint (with the parser version that made it).
    sha256: Mapped[str | None] = mapped_column(sa.ForeignKey("snapshots.sha256"))
    fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    parser_version: Mapped[str | None] = mapped_column(sa.String(20))
    parse_error: Mapped[str | None] = mapped_column(sa.Text)
    # A 404/410 (gone_*) or a complete crawl no longer listing it (unlisted_since); either
    # confirmed on a later check makes it withdrawn.
    gone_since: Mapped[dt.datetime | None]
    gone_status: Mapped[int | None]
    unlisted_since: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None]


class DocumentSnapshot(Base):
    """Which bytes a URL served, and when first and last."""

    __tablename__ = "document_snapshots"
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.ForeignKey("snapshots.sha256"), primary_key=True, index=True)
    first_fetched: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_fetched: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Report(Base):
    """One agency's report for one year; points at its latest version."""

    __tablename__ = "reports"
    __table_args__ = (sa.UniqueConstraint("agency_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(index=True)
    # Denormalised so that listing never scans versions.
    latest_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("versions.id", use_alter=True, name="fk_reports_latest_version_id_versions"))
    version_count: Mapped[int] = mapped_column(default=0)
    document_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("documents.id", use_alter=True, name="fk_reports_document_id_documents"))
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None]
    # Who published it first (migration 0004): only this source, or a document on this
    # host, may make a later version; a copy from elsewhere is a `conflict` event. A
    # ``sources.id`` without a foreign key (see the migration: SQLite would rebuild reports).
    owner_source_id: Mapped[int | None]
    owner_host: Mapped[str | None] = mapped_column(sa.String(253))

    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    latest: Mapped["Version | None"] = relationship(foreign_keys=[latest_version_id], post_update=True)
    document: Mapped["Document | None"] = relationship(foreign_keys=[document_id], post_update=True)

    @property
    def status(self) -> str:
        return "withdrawn" if self.withdrawn_at else "live"


class Version(Base):
    """One content version of a report: the record JSON, its text, the parser that made it."""

    __tablename__ = "versions"
    __table_args__ = (sa.UniqueConstraint("report_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id"))
    number: Mapped[int]
    record: Mapped[dict[str, Any]]
    text: Mapped[str] = mapped_column(sa.Text, default="")
    parser_version: Mapped[str] = mapped_column(sa.String(20))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    sha256: Mapped[str] = mapped_column(sa.ForeignKey("snapshots.sha256"))
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    crawl_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crawls.id"))


class VersionSnapshot(Base):
    """Every snapshot whose content is this version (chrome-only changes add rows here)."""

    __tablename__ = "version_snapshots"
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.ForeignKey("snapshots.sha256"), primary_key=True, index=True)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Cell(Base):
    """One table cell of a version: ``table/row/column`` -> number (and its text if not plain)."""

    __tablename__ = "cells"
    # Clustered by version (WITHOUT ROWID on SQLite: one B-tree, not two). No index on the
    # cell key: questions reach cells from reports.latest_version_id through the primary
    # key, and a second index on every cell halved ingest speed on SQLite (measured).
    __table_args__ = {"sqlite_with_rowid": False}
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    table_name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    row_key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    column_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[float | None] = mapped_column(sa.Float(precision=53))
    text: Mapped[str | None] = mapped_column(sa.Text)


class Event(Base):
    """A change of the archive: ``new``, ``revised``, ``withdrawn``, ``restored``, ``overdue``."""

    __tablename__ = "events"
    __table_args__ = (sa.Index("ix_events_kind_at", "kind", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    year: Mapped[int | None]
    url: Mapped[str | None] = mapped_column(sa.Text)
    baseline: Mapped[bool] = mapped_column(default=False)
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("versions.id"))
    crawl_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crawls.id"))
    # revised: fact key -> [old, new]; detail: sections and paragraph diff.
    changes: Mapped[dict[str, Any] | None]
    detail: Mapped[dict[str, Any] | None]

    agency: Mapped[Agency | None] = relationship(lazy="joined")
