"""The workers' CPU seconds (parsing, archiving) beside the wall-clock ones: on a busy
machine a worker waits for a core, and only the CPU seconds say what the work costs."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from crawler import parsing

PAGE = ("<html><head><meta charset='utf-8'><title>示例市公安局2023年政府信息公开工作年度报告</title></head>"
        "<body><h1>示例市公安局2023年政府信息公开工作年度报告</h1><p>一、总体情况</p></body></html>").encode()


def test_a_job_reports_the_cpu_seconds_of_parsing_and_archiving(sqlite_url):
    from archive.db import open_archive
    from crawler.items import ReportItem

    open_archive(sqlite_url)  # migrated, as the crawl's bookkeeping does before the workers start
    items = [ReportItem(url=f"http://gov.example/{n}.html", data=PAGE, content_type="text/html", source="s")
             for n in range(3)]
    results = parsing.process_batch(sqlite_url, items)
    for result in results:
        assert result["parse_cpu_seconds"] > 0 and result["archive_cpu_seconds"] >= 0

    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.pipelines import ParsePipeline

    class Pool:  # the worker's answer, without a worker
        async def run(self, fn, *args, timeout=None):
            return dict(results[0])

        def timeout_for(self, body):
            return None

    crawler = SimpleNamespace(settings=Settings({"NIANBAO_PARSE_WORKERS": 1}))
    crawler.stats = MemoryStatsCollector(SimpleNamespace(settings=crawler.settings))
    pipeline = ParsePipeline(crawler, SimpleNamespace(crawl_ids={}, archive=SimpleNamespace(url=sqlite_url)))
    pipeline.pool = Pool()
    asyncio.run(pipeline.process_item(items[0]))
    stats = crawler.stats.get_stats()
    assert stats["nianbao/parse_cpu_seconds"] == results[0]["parse_cpu_seconds"]
    assert stats["nianbao/archive_cpu_seconds"] == results[0]["archive_cpu_seconds"]
