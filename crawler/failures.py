"""Why a request failed, in the words a person reads: one short line, never a traceback.

A portal that cannot be reached is ordinary news for a crawler that runs from cron, not
a program error: ``cannot resolve host www.example.gov.cn``, ``connection refused by
127.0.0.1:9``, ``timed out``. :func:`reason` turns a download failure into such a line,
and :class:`NetworkTracebackFilter` strips the tracebacks Scrapy's own components attach
to these failures in its log (even at ``-vv`` a DNS failure is one line).
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.exceptions import (
    CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError, DownloadFailedError,
    DownloadTimeoutError, ResponseDataLossError, UnsupportedURLSchemeError,
)
from twisted.internet import error as tx_error
from twisted.web.client import ResponseFailed, ResponseNeverReceived

# Failures of the network or of the remote server, as opposed to bugs in nianbao.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError, DownloadFailedError,
    DownloadCancelledError, ResponseDataLossError, UnsupportedURLSchemeError,
    tx_error.DNSLookupError, tx_error.ConnectError, tx_error.TimeoutError, tx_error.ConnectionLost,
    tx_error.ConnectionDone, ResponseFailed, ResponseNeverReceived, ConnectionError, TimeoutError,
)


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
        return parts.netloc or url
    except ValueError:
        return url


def _root(exc: BaseException) -> BaseException:
    """The innermost cause (Scrapy wraps Twisted's errors: ``raise … from e``)."""
    seen = set()
    while exc.__cause__ is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc = exc.__cause__
    return exc


def reason(exc: BaseException, url: str) -> str:
    """A one-line reason for a failed download of ``url`` (``exc``: the exception)."""
    host = _host(url)
    inner = _root(exc)
    if isinstance(exc, CannotResolveHostError) or isinstance(inner, tx_error.DNSLookupError):
        return f"cannot resolve host {urlsplit(url).hostname or host}"
    if isinstance(exc, DownloadConnectionRefusedError) or isinstance(inner, tx_error.ConnectionRefusedError):
        return f"connection refused by {host}"
    if isinstance(exc, DownloadTimeoutError) or isinstance(inner, (tx_error.TimeoutError, TimeoutError)):
        return f"timed out waiting for {host}"
    if isinstance(inner, tx_error.NoRouteError):
        return f"no route to {host}"
    if isinstance(exc, (ResponseFailed, ResponseNeverReceived, DownloadFailedError, ResponseDataLossError)):
        text = str(exc)
        if "SSL" in text or "certificate" in text.lower() or "tls" in text.lower():
            return f"TLS handshake with {host} failed"
        return f"{host} closed the connection without a complete answer"
    if isinstance(inner, (tx_error.ConnectError, ConnectionError)):
        return f"cannot connect to {host} ({str(inner).strip() or type(inner).__name__})"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def is_network_error(exc: BaseException | None) -> bool:
    """Whether ``exc`` is a failure of the network or the remote side (not a bug)."""
    return exc is not None and (isinstance(exc, NETWORK_ERRORS) or isinstance(_root(exc), NETWORK_ERRORS))


class NetworkTracebackFilter(logging.Filter):
    """Drop the traceback of log records about network failures (the message stays)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and is_network_error(record.exc_info[1]):
            record.exc_info = None
            record.exc_text = None
        return True
