"""Where the crawler may go: http(s) to public addresses, checked after DNS resolution and
on every redirect hop.

A portal is untrusted: a page may link an "attachment" at ``http://127.0.0.1:8080/admin``,
``http://[::1]/`` or ``http://169.254.169.254/`` (cloud metadata), or redirect there.
The crawler must never fetch it, nor store what it says.

- :class:`OriginGuardMiddleware` (downloader middleware, before robots.txt and everything
  else, so it also sees each redirect hop and each robots.txt request): the URL's scheme
  must be http(s); its host is resolved and every address must be public — unless the
  request's origin (scheme, host, port) is one a source's start URLs name (an intranet
  portal or a test fixture the user configured). A redirect hop must also pass the
  source's allow/deny rules. A refused request is counted and logged in one line.
- :class:`PublicOnlyResolver` (Twisted's name resolver for the crawl): the connection
  itself is made only to public addresses, except for the hosts of start URLs, so that a
  name that answered a public address to the check and a private one to the connection
  (DNS rebinding) still cannot reach inside.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingHostnameResolver
from twisted.internet.interfaces import IResolutionReceiver
from zope.interface import provider

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}
RESOLVE_TTL = 300.0  # seconds a host's addresses are trusted by the guard


class Refused(IgnoreRequest):
    """A request the crawler must not make (a private address, a scheme other than http(s))."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"refused {url}: {reason}")
        self.url = url
        self.reason = reason


def origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of a URL (``None`` for a malformed one)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return None
    return (parts.scheme.lower(), host, port) if host else None


def is_public(address: str) -> bool:
    """Whether an IP address is a public (globally routable unicast) one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        for embedded in (ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None):
            if embedded is not None:
                return is_public(str(embedded))
    return ip.is_global and not ip.is_multicast


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def start_origins(sources) -> dict[str, set[tuple[str, str, int]]]:
    """Per source name, the origins its start URLs name."""
    return {s.name: {o for o in map(origin, s.start_urls) if o} for s in sources}


class OriginGuardMiddleware:
    """Refuse requests to non-http(s) URLs and to private addresses (see the module doc)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self._resolved: dict[str, tuple[float, list[str]]] = {}
        self._origins: dict[str, set] | None = None

    @classmethod
    def from_crawler(cls, crawler):
        guard = cls(crawler)
        crawler.signals.connect(guard._opened, signal=signals.spider_opened)
        return guard

    def _opened(self, spider):
        self._origins = start_origins(getattr(spider, "sources", {}).values())

    def _allowed_origins(self, source: str | None) -> set:
        origins = self._origins or {}
        if source in origins:
            return origins[source]
        return set().union(*origins.values()) if origins else set()

    async def _addresses(self, host: str) -> list[str]:
        cached = self._resolved.get(host)
        if cached and time.monotonic() - cached[0] < RESOLVE_TTL:
            return cached[1]
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return []  # unresolvable: the download fails as it would ("cannot resolve host")
        addresses = sorted({info[4][0] for info in infos})
        self._resolved[host] = (time.monotonic(), addresses)
        return addresses

    def _refuse(self, request, reason: str):
        source = request.meta.get("source", "?")
        stats = self.crawler.stats
        stats.inc_value("nianbao/refused")
        stats.inc_value(f"nianbao/refused/{source}")
        logger.warning("%s: refused %s: %s", source, request.url, reason)
        raise Refused(request.url, reason)

    async def process_request(self, request):
        where = origin(request.url)
        if where is None or where[0] not in ("http", "https"):
            self._refuse(request, "not an http(s) URL")
        source_name = request.meta.get("source")
        if request.meta.get("redirect_urls") and source_name:
            spider = self.crawler.spider
            source = getattr(spider, "sources", {}).get(source_name)
            if source is not None and not source.allows(request.url) and request.url not in source.start_urls:
                self._refuse(request, "redirected outside the source's allow/deny rules")
        if where in self._allowed_origins(source_name):
            return None  # an origin the user named: an intranet portal or a fixture may be private
        host = where[1]
        literal = _literal(host)
        addresses = [literal] if literal else await self._addresses(host)
        private = [a for a in addresses if not is_public(a)]
        if private:
            hop = " (a redirect)" if request.meta.get("redirect_urls") else ""
            self._refuse(request, f"{host} is a private or local address ({private[0]}){hop}; only the origins "
                                  "of a source's start URLs may be")
        return None


@provider(IResolutionReceiver)
class _PublicOnlyReceiver:
    """Pass on only public addresses (the hosts of start URLs: all)."""

    def __init__(self, receiver, host: str, allow_private: bool):
        self.receiver, self.host, self.allow_private = receiver, host, allow_private

    def resolutionBegan(self, resolution):  # noqa: N802 - Twisted's interface
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address):  # noqa: N802
        if self.allow_private or is_public(getattr(address, "host", "")):
            self.receiver.addressResolved(address)
        else:
            logger.warning("refused to connect to %s at %s (a private or local address)", self.host,
                           getattr(address, "host", "?"))

    def resolutionComplete(self):  # noqa: N802
        self.receiver.resolutionComplete()


class PublicOnlyResolver(CachingHostnameResolver):
    """Scrapy's caching resolver (IPv4 and IPv6) that yields only public addresses, except
    for the hosts of the crawl's start URLs (set ``TWISTED_DNS_RESOLVER`` to this class)."""

    def __init__(self, reactor, cache_size: int, private_hosts: set[str]):
        super().__init__(reactor, cache_size)
        self.private_hosts = private_hosts

    @classmethod
    def from_crawler(cls, crawler, reactor):
        from crawler.sources import load_sources, select

        settings = crawler.settings
        try:
            sources = select(load_sources(settings.get("NIANBAO_SOURCES_FILE")),
                             settings.getlist("NIANBAO_SOURCE_NAMES"))
        except ValueError:
            sources = []
        hosts = {o[1] for s in sources for o in map(origin, s.start_urls) if o}
        cache = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache, hosts)

    def resolveHostName(self, resolutionReceiver, hostName, portNumber=0, addressTypes=None,  # noqa: N802,N803
                        transportSemantics="TCP"):  # noqa: N803
        allow = hostName.lower() in self.private_hosts
        return super().resolveHostName(_PublicOnlyReceiver(resolutionReceiver, hostName, allow), hostName,
                                       portNumber, addressTypes, transportSemantics)
