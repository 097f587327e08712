"""The parse pool: worker processes that parse each fetched document and archive it.

Parsing (~25-100 ms a page) and archiving (~15 ms) are CPU-heavy Python: done in worker
processes they run on every core and leave the crawling process's reactor free. Each
worker opens its own connection pool to the archive (``archive.db`` caches one per URL
and process); ``archive_document`` is the same code path as ``nianbao ingest``. On SQLite
one worker writes at a time: ``archive.db`` queues the writers on a lock that the kernel
frees with its holder, so a worker killed while writing never wedges the crawl.

The first workers are forked from the crawling process once :func:`preload` has imported
the parsers there (a spawned worker spent ~1.6 s of CPU importing them, inside the crawl);
a worker that replaces a dead one is spawned (:class:`_ForkFirst`).

Crawled documents are hostile input, so every job is bounded (:class:`ParsePool`):

- memory: ``RLIMIT_AS`` in each worker (``NIANBAO_PARSE_MEMORY_MB``): a parse that asks
  for more gets ``MemoryError`` and the document is recorded as failed;
- time: the parse step gets ``NIANBAO_PARSE_TIMEOUT`` seconds (``SIGALRM`` in the worker
  ends a parse running Python code), and a scanned PDF read by OCR ``NIANBAO_OCR_TIME_BUDGET``
  more (the OCR reader starts no page past its budget, and extends the alarm when it starts); a job still running ``JOB_GRACE`` seconds after
  that (stuck in C code, or waiting) has its worker killed and replaced by the pool
  (pebble), and the document is recorded as failed with the reason;
- a worker that dies (SIGKILL, the OOM killer, a crashing PDF library) fails only its own
  job, which is tried once more (the death may have been another's fault); a pool that
  breaks as a whole (``BrokenProcessPool``) is started again once and its jobs re-queued.

Module-level functions only run in the workers (pickled by reference).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

from pebble import ProcessExpired, ProcessPool

from crawler.items import ReportItem

logger = logging.getLogger(__name__)

JOB_GRACE = 60.0  # seconds a job may run past its parse limit (lock wait, archiving) before its worker is killed
DEFAULT_TIMEOUT = 30.0
DEFAULT_MEMORY_MB = 2048
DEFAULT_START_METHOD = "fork"

_PARSE_TIMEOUT = DEFAULT_TIMEOUT  # set in each worker by init_worker
_DEADLINE = 0.0  # monotonic end of the current parse's time (moved on by an OCR reading)
_MEMORY_MB = 0
_FORK_PARENT = 0  # pid of the process the workers were forked from (0 in a spawned worker)


class JobFailed(Exception):
    """A job that the pool could not finish: its worker died, ran out of time, or the pool broke."""


class ParseTimeout(BaseException):
    """Raised inside a worker by ``SIGALRM`` when a parse runs past its time limit.

    A ``BaseException``, like ``KeyboardInterrupt``: a reader's ``except Exception``
    fallback must not swallow it and go on parsing without a limit."""


# --- in the worker processes ------------------------------------------------------------------

def init_worker(parse_timeout: float, memory_mb: int, ocr_limits: tuple[int, float] | None = None) -> None:
    """Pool initializer: the job limits (OCR: pages and seconds a document), and exit if the
    crawling process dies (a killed crawl must not leave workers behind).

    A worker forked from the crawling process (:meth:`ParsePool.start`) drops the signal
    handlers it inherited (the reactor's, whose wake-up descriptor is the crawling
    process's), and its memory limit counts from the address space it starts with (the
    crawling process's, thread stacks and malloc arenas included, none of it the worker's).
    """
    global _PARSE_TIMEOUT, _MEMORY_MB
    _PARSE_TIMEOUT, _MEMORY_MB = parse_timeout, memory_mb
    forked = _FORK_PARENT != 0 and _FORK_PARENT == os.getppid()
    if forked:
        _forget_parent_signals()
    if ocr_limits is not None:
        from parsers.formats import ocr

        ocr.configure(max_pages=ocr_limits[0], budget=ocr_limits[1], on_start=_extend_alarm)
    if memory_mb:
        limit = memory_mb * 1024 * 1024 + (_address_space() if forked else 0)
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    signal.signal(signal.SIGALRM, _on_alarm)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _forget_parent_signals() -> None:
    """In a forked worker: no Python signal handler of the crawling process (the reactor's
    SIGCHLD, Scrapy's shutdown handlers) and no wake-up descriptor (the reactor's, whose
    bytes would wake the crawling process). pebble set SIGINT and SIGTERM for the worker."""
    try:
        signal.set_wakeup_fd(-1)
    except ValueError:  # not the main thread (never in a worker)
        pass
    for signum in signal.valid_signals():
        if signum in (signal.SIGINT, signal.SIGTERM):
            continue
        try:
            if callable(signal.getsignal(signum)):
                signal.signal(signum, signal.SIG_DFL)
        except (OSError, ValueError):
            pass


def _address_space() -> int:
    """This process's address space in bytes (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _extend_alarm(budget: float) -> None:
    """An OCR reading starts: its time budget comes on top of the parse limit."""
    global _DEADLINE
    if _PARSE_TIMEOUT:
        _DEADLINE += budget
        signal.setitimer(signal.ITIMER_REAL, max(_DEADLINE - time.monotonic(), 0.001))


def _on_alarm(_signum, _frame) -> None:
    raise ParseTimeout(f"parsing took more than {_PARSE_TIMEOUT:g} s")


def _exit_with_parent(parent: int) -> None:
    while True:
        time.sleep(2)
        if os.getppid() != parent:
            os._exit(1)


def preload() -> None:
    """Import what a job needs: the parsers, the HTML reader and trafilatura (which the
    first page would import), the archive's write path. In the crawling process before the
    workers are forked from it (they start with all of it), or in a spawned worker."""
    import parsers  # noqa: F401
    import parsers.api  # noqa: F401
    import parsers.formats.html  # noqa: F401
    import trafilatura  # noqa: F401

    import archive.ingest  # noqa: F401


def warm_up(db_url: str | None = None) -> bool:
    """Import the parsers (and open the archive) in a fresh worker before real work arrives."""
    preload()
    if db_url:
        from archive.db import open_archive

        open_archive(db_url, migrated=True)  # the crawling process migrated it
    return True


def parse_job(data: bytes, name: str, content_type: str | None = None):
    """``parsers.parse`` within the worker's limits: (Record, None) or (None, a one-line error)."""
    from parsers import ParseError, parse

    global _DEADLINE
    if _PARSE_TIMEOUT:
        _DEADLINE = time.monotonic() + _PARSE_TIMEOUT
        signal.setitimer(signal.ITIMER_REAL, _PARSE_TIMEOUT)
    try:
        record = parse(data, name, content_type=content_type)
        if _PARSE_TIMEOUT and time.monotonic() > _DEADLINE:
            # The alarm went off inside code that swallowed it (a library's broad except).
            raise ParseTimeout(f"parsing took more than {_PARSE_TIMEOUT:g} s")
        return record, None
    except ParseError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    except ParseTimeout as exc:
        return None, f"timed out: {exc}"
    except MemoryError:
        return None, f"out of memory: parsing needed more than the {_MEMORY_MB} MB limit"
    except RecursionError:
        return None, "parser failure (nesting too deep)"
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the crawl; it is recorded
        return None, f"parser failure ({type(exc).__name__}: {exc})"
    finally:
        if _PARSE_TIMEOUT:
            signal.setitimer(signal.ITIMER_REAL, 0)


def process_job(db_url: str, item: ReportItem) -> dict:
    """Parse one fetched document and archive it; what happened.

    ``item``: the spider's item (an :class:`archive.fetched.Fetched`) with its crawl id.
    Returns ``{"events", "archived", "parse_error", "template"}`` and the seconds spent
    parsing, waiting for the archive's write lock, archiving.
    """
    return process_batch(db_url, [item])[0]


def process_batch(db_url: str, items: list[ReportItem]) -> list[dict]:
    """:func:`process_job` for several documents: each parsed within the worker's limits,
    then all archived in one write transaction (one wait for the write lock, one commit).

    When every document parsed, they are archived together
    (:func:`archive.ingest.archive_documents`: the first versions of new reports written
    at once); otherwise one at a time, each in its own savepoint. Either way a failure
    (``"error"`` in a result) undoes only what it covers — the batch, or one document — and
    the pipeline does those documents again one at a time. A worker killed in the middle
    loses the whole transaction, never a part of it.
    """
    from archive.db import open_archive

    cpu = time.process_time()
    parsed = [_parse(item) for item in items]
    parse_cpu = (time.process_time() - cpu) / len(items)
    waited = time.monotonic()
    with open_archive(db_url, migrated=True).begin() as session:
        session.connection()  # begins: on SQLite, waits for the write lock
        lock_seconds = (time.monotonic() - waited) / len(items)
        if len(items) > 1 and all(error is None for _record, error, _seconds in parsed):
            results = _archive_together(session, items, parsed)
        else:
            results = [_archive_alone(session, item, record, error, savepoint=len(items) > 1)
                       for item, (record, error, _seconds) in zip(items, parsed)]
    # CPU seconds beside the wall-clock ones: on a busy machine the worker waits for a core.
    archive_cpu = (time.process_time() - cpu) / len(items) - parse_cpu
    for result, (record, _error, seconds) in zip(results, parsed):
        result.update(parse_seconds=seconds, lock_seconds=lock_seconds, parse_cpu_seconds=parse_cpu,
                      archive_cpu_seconds=archive_cpu,
                      # Scans (and PDFs with scanned pages) read by OCR, and how many pages it read.
                      ocr=record is not None and record.source in ("ocr", "mixed"),
                      ocr_pages=len(record.ocr_pages) if record is not None else 0)
    return results


def _parse(item: ReportItem):
    """(record, error, seconds) of one document, parsed within the worker's limits."""
    started = time.monotonic()
    record, error = parse_job(item.data, item.url, item.content_type)
    if record is not None and item.attachments and not record.facts and record.template != "unknown":
        # A stub page ("详见附件") names the report but holds none of its tables: the
        # report is its attachment, archived on its own; the page is kept as a document.
        record.template = "unknown"
    return record, error, time.monotonic() - started


def _kept(session, item: ReportItem, record) -> bool:
    """Whether the archive keeps this document.

    A page found by a report title is kept even when it is no report itself (its snapshot
    tells later crawls, which only get a 304 for it, which attachments it lists); an
    attachment that is no report is kept only if the archive knows it."""
    from archive.bookkeeping import document_validators

    is_report = record is not None and record.template != "unknown"
    return is_report or item.listed_as_report or document_validators(session, item.url) is not None


def _result(events: list[dict] | None, record, parse_error: str | None, *, failure: str | None = None,
            archive_seconds: float = 0.0) -> dict:
    """What happened to one document (``events`` None: not archived; ``failure``: its
    archiving failed, and the pipeline does it again alone)."""
    result = {"events": events or [], "archived": events is not None, "parse_error": parse_error,
              "template": record.template if record else None, "archive_seconds": archive_seconds}
    if failure:
        result["error"] = failure
    return result


def _archive_alone(session, item: ReportItem, record, error: str | None, savepoint: bool = False) -> dict:
    """One document archived (inside the caller's transaction; in a savepoint of its own
    within a batch, its failure then reported in the result instead of raised)."""
    from archive.ingest import archive_document

    started = time.monotonic()
    if not _kept(session, item, record):
        return _result(None, record, error, archive_seconds=0.0)
    if not savepoint:
        events = archive_document(session, item, record=record, parse_error=error)
        return _result(events, record, error, archive_seconds=time.monotonic() - started)
    try:
        with session.begin_nested():
            events = archive_document(session, item, record=record, parse_error=error)
    except Exception as exc:  # noqa: BLE001 - this document only; the pipeline does it again alone
        return _result(None, record, error, failure=f"archiving failed: {type(exc).__name__}: {exc}")
    return _result(events, record, error, archive_seconds=time.monotonic() - started)


def _archive_together(session, items: list[ReportItem], parsed: list) -> list[dict]:
    """Documents that all parsed, archived with one ``archive_documents`` in a savepoint."""
    from archive.ingest import archive_documents

    started = time.monotonic()
    kept = [i for i, (item, (record, _e, _s)) in enumerate(zip(items, parsed)) if _kept(session, item, record)]
    results = [_result(None, record, None, archive_seconds=0.0) for record, _e, _s in parsed]
    try:
        with session.begin_nested():
            made = archive_documents(session, [(items[i], parsed[i][0]) for i in kept])
    except Exception as exc:  # noqa: BLE001 - undone together; the pipeline does them again alone
        failure = f"archiving failed: {type(exc).__name__}: {exc}"
        for i in kept:
            results[i] = _result(None, parsed[i][0], None, failure=failure)
        return results
    seconds = (time.monotonic() - started) / max(1, len(kept))
    for i, events in zip(kept, made):
        results[i] = _result(events, parsed[i][0], None, archive_seconds=seconds)
    return results


def record_failure(db_url: str, item: ReportItem, reason: str) -> dict:
    """Store a document whose job failed (worker killed, out of time): its snapshot and the
    reason as its parse error, by the same rule as :func:`process_job` (pages listed as
    reports, and documents the archive knows). Runs in the crawling process, no parse."""
    from archive.db import open_archive

    with open_archive(db_url).begin() as session:
        return _archive_alone(session, item, None, reason)


def mark_not_modified_batch(session, urls: list[str]) -> list[dict]:
    """``mark_not_modified`` for a batch of 304 answers (in the caller's transaction); the
    events (a ``restored`` when a withdrawn document answers again)."""
    from archive.bookkeeping import mark_not_modified

    now = dt.datetime.now(dt.timezone.utc)
    events: list[dict] = []
    for url in urls:
        events += mark_not_modified(session, url, at=now)
    return events


def not_modified_job(db_url: str, urls: list[str]) -> list[dict]:
    """:func:`mark_not_modified_batch` in a worker, in one transaction."""
    from archive.db import open_archive

    with open_archive(db_url, migrated=True).begin() as session:
        return mark_not_modified_batch(session, urls)


# --- in the crawling process --------------------------------------------------------------------

class _ForkFirst(multiprocessing.context.SpawnContext):
    """The pool's first workers forked (from the reactor's thread, at :meth:`ParsePool.start`,
    with no database connection open, before the crawl's requests and writes begin), the
    workers that replace them later spawned: pebble starts those from its own thread while the crawl runs, and a
    fork then could copy a lock another thread holds (a SQLite connection's, a logging
    handler's) into the worker. The pipes and locks are the spawn context's, which serve both."""

    def __init__(self):
        super().__init__()
        self.forking = True

    def Process(self, *args, **kwargs):  # noqa: N802 - multiprocessing's name
        from multiprocessing.context import ForkProcess, SpawnProcess

        return (ForkProcess if self.forking else SpawnProcess)(*args, **kwargs)


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class ParsePool:
    """Worker processes (pebble's ``ProcessPool``: a job over its time limit, or whose worker
    dies, fails alone and its worker is replaced) with the limits of the module docstring.

    ``run`` is awaited from the reactor's asyncio loop; it raises :class:`JobFailed` with a
    one-line reason when the job could not be done.
    """

    def __init__(self, workers: int, *, parse_timeout: float = DEFAULT_TIMEOUT,
                 memory_mb: int = DEFAULT_MEMORY_MB, db_url: str | None = None,
                 ocr_limits: tuple[int, float] | None = None, start_method: str = DEFAULT_START_METHOD):
        self.workers = workers
        self.start_method = start_method
        self.ocr_limits = ocr_limits
        self.parse_timeout = parse_timeout
        self.memory_mb = memory_mb
        self.db_url = db_url
        self.job_timeout = parse_timeout + JOB_GRACE if parse_timeout else None
        self.restarts = 0
        self.deaths = 0
        self.timeouts = 0
        self._pool = None
        self._closed = False

    @classmethod
    def from_settings(cls, settings, workers: int, db_url: str | None = None) -> "ParsePool":
        return cls(workers, parse_timeout=settings.getfloat("NIANBAO_PARSE_TIMEOUT", DEFAULT_TIMEOUT),
                   memory_mb=settings.getint("NIANBAO_PARSE_MEMORY_MB", DEFAULT_MEMORY_MB),
                   db_url=db_url,
                   ocr_limits=(settings.getint("NIANBAO_OCR_MAX_PAGES", 30),
                               settings.getfloat("NIANBAO_OCR_TIME_BUDGET", 300.0)),
                   start_method=settings.get("NIANBAO_PARSE_START_METHOD") or DEFAULT_START_METHOD)

    def timeout_for(self, body: bytes) -> float | None:
        """The job time limit for a document: a PDF may be a scan, read by OCR within its budget."""
        if self.job_timeout and self.ocr_limits and b"%PDF-" in body[:1024]:
            return self.job_timeout + self.ocr_limits[1]
        return self.job_timeout

    def timeout_for_batch(self, bodies: list[bytes]) -> float | None:
        """The time limit of a batch: each document's parse limit, and one grace for them all."""
        if not self.job_timeout:
            return None
        return sum(self.timeout_for(body) - JOB_GRACE for body in bodies) + JOB_GRACE

    def start(self) -> None:
        """Start the workers: forked from this process with the parsers imported here first
        (``fork``: a worker is ready at once, where a spawned one spends ~1.6 s of CPU on its
        imports), or spawned (``spawn``: nothing of this process's state goes with them).
        A pool started again after a breakage (mid-crawl, other threads at work) is spawned."""
        global _FORK_PARENT
        fork_first = self.start_method == "fork" and not self.restarts
        if fork_first:
            context = _ForkFirst()
            preload()
            # No database connection of this process goes into a worker (SQLite's locks
            # cannot be carried across a fork); the next use here opens new ones.
            from archive.db import dispose_all

            dispose_all()
            # What this process made so far (modules, settings, the crawl's components) is
            # never scanned by the collector again, here or in the workers: the collector
            # would write to every object it scans and unshare the workers' copied pages.
            gc.freeze()
            _FORK_PARENT = os.getpid()
        else:
            context = multiprocessing.get_context("spawn" if self.start_method == "fork" else self.start_method)
        self._pool = ProcessPool(self.workers, initializer=init_worker,
                                 initargs=(self.parse_timeout, self.memory_mb, self.ocr_limits),
                                 context=context)
        # pebble starts the workers with the first job, here in the reactor's thread.
        for _ in range(self.workers):
            self._pool.schedule(warm_up, args=(self.db_url,))
        if fork_first:
            context.forking = False

    def _restart(self, broken) -> None:
        """Start a new pool in place of ``broken`` (once per breakage, however many jobs saw it)."""
        if self._pool is not broken or self._closed:
            return
        self.restarts += 1
        logger.error("the parse worker pool broke; starting a new one and re-queueing its jobs")
        try:
            broken.stop()
        except Exception:  # noqa: BLE001 - a broken pool may fail to stop cleanly; it is dropped
            pass
        self.start()

    async def run(self, fn, *args, timeout: float | None = None):
        """``fn(*args)`` in a worker; its result, or :class:`JobFailed`.

        A job whose worker died is tried once more, as is a job the broken pool dropped.
        """
        timeout = timeout if timeout is not None else self.job_timeout
        last = None
        for _attempt in range(2):
            pool = self._pool
            try:
                return await asyncio.wrap_future(pool.schedule(fn, args=args, timeout=timeout))
            except FutureTimeout:
                self.timeouts += 1
                raise JobFailed(f"parse worker stopped after {timeout:g} s (parse time limit "
                                f"{self.parse_timeout:g} s)") from None
            except BrokenProcessPool as exc:
                last = f"the parse worker pool broke ({exc or 'a worker died'})"
                self._restart(pool)
            except RuntimeError as exc:  # pebble: "Unexpected error within the Pool" / not active
                if self._closed:
                    raise JobFailed("the parse pool is closed") from None
                last = f"the parse worker pool broke ({exc})"
                self._restart(pool)
            except ProcessExpired as exc:
                self.deaths += 1
                last = f"parse worker died ({_death(exc.exitcode)})"
                logger.warning("%s; trying its job once more", last)
        raise JobFailed(last)

    def submit(self, fn, *args):
        """``fn(*args)`` in a worker as a concurrent future (for work that must not be retried)."""
        return self._pool.schedule(fn, args=args)

    def close(self) -> None:
        """Let the queued jobs finish, then stop the workers."""
        self._closed = True
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
