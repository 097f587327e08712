"""scrapy-redis scale-out: many workers share one frontier and one duplicate filter in Redis.

scrapy-redis 0.9.1 passes a deprecated ``spider`` argument to ``StatsCollector.inc_value``
(with warnings as errors a crawl silently did nothing); this scheduler counts without it.
"""
from __future__ import annotations

from scrapy_redis.scheduler import Scheduler as _RedisScheduler


class Scheduler(_RedisScheduler):
    """scrapy-redis's scheduler without the deprecated stats argument."""

    def enqueue_request(self, request):
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        request = self.queue.pop(self.idle_before_close)
        if request and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


def redis_settings(url: str, prefix: str) -> dict:
    """Settings that put the crawl's frontier and duplicate filter in Redis under ``prefix``."""
    return {
        "SCHEDULER": "crawler.redis_scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # With the default (False) one worker stopping wipes the shared filter (NOTES.md).
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.FifoQueue",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
        "REDIS_URL": url,
        "NIANBAO_REDIS": url,
    }


def reset(url: str, prefix: str, spider: str = "reports") -> int:
    """Delete the shared frontier and duplicate filter (before a new distributed run)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        return client.delete(f"{prefix}:{spider}:requests", f"{prefix}:{spider}:dupefilter")
    finally:
        client.close()
