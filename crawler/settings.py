"""Scrapy settings of the nianbao crawler (``scrapy crawl reports`` and ``nianbao crawl``).

Polite by default: robots.txt obeyed, AutoThrottle on, at most 2 requests at once per
host, an honest User-Agent with a contact URL. ``nianbao crawl -s NAME=VALUE`` overrides
any of these the way ``scrapy crawl -s`` does. Settings of nianbao itself start with
``NIANBAO_``.
"""
import shutil

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# An honest User-Agent: who we are and where to complain (override NIANBAO_CONTACT_URL).
NIANBAO_CONTACT_URL = "https://github.com/nianbao/nianbao"
USER_AGENT = f"nianbao/0.1 (annual-report archive; +{NIANBAO_CONTACT_URL})"

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# What one response's callback yields is handled by this many asyncio tasks, started
# afresh for every response (Scrapy's default 100 cost ~2 ms of the reactor's CPU a page).
# The spider yields one item a page at most, then its requests (handled at once): 16 is
# room for all of them.
CONCURRENT_ITEMS = 16
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024  # a report PDF is rarely above 20 MB
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
COOKIES_ENABLED = True  # some portals set a session cookie on the first page
# 5xx and timeouts are retried with exponential backoff (crawler.middlewares.BackoffRetryMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
NIANBAO_RETRY_BACKOFF = 2.0  # seconds before the first retry, doubled each time
NIANBAO_RETRY_BACKOFF_MAX = 60.0

# Scrapy 2.19 starts a remote-control server and a telnet console by default; two crawls
# at once would clash on their ports (see NOTES.md).
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Breadth-first: listing pages before the reports they list, and a frontier that can
# live on disk (JOBDIR) without growing memory.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

DOWNLOADER_MIDDLEWARES = {
    # First of all (before robots.txt, and on every redirect hop): public addresses only.
    "crawler.netguard.OriginGuardMiddleware": 40,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.antibot.AntiBotMiddleware": 560,
    "crawler.browser.BrowserMiddleware": 565,
    "crawler.middlewares.ConditionalRequestMiddleware": 580,
    "crawler.bounds.NewReportBound": 585,
    "crawler.middlewares.EncodingMiddleware": 590,
}
# Connections only to public addresses (the hosts of start URLs excepted): DNS rebinding
# cannot lead a crawl inside (crawler.netguard).
TWISTED_DNS_RESOLVER = "crawler.netguard.PublicOnlyResolver"
SPIDER_MIDDLEWARES = {
    "crawler.bounds.CrawlBounds": 960,  # before the archive look-up (950) sees the requests
    # After the bounds, before the look-up: requests for documents already requested.
    "crawler.middlewares.RepeatedDocumentsMiddleware": 955,
    "crawler.middlewares.ArchiveLookupSpiderMiddleware": 950,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ParsePipeline": 300,
    "crawler.pipelines.ArchivePipeline": 400,
}
EXTENSIONS = {
    "crawler.progress.Progress": 500,
    "crawler.challenges.Clearances": 510,
    "crawler.browser.Browser": 520,
    # The archive connection and the crawl's bookkeeping (the pipelines and the archive
    # middlewares find it with crawler.get_extension, and need it). Last: its summary at
    # spider_closed reads what the others leave in the stats when they close.
    "crawler.bookkeeping.Bookkeeping": 900,
}

# --- the browser (scrapy-playwright), only for the pages that need one ---
# Scrapy's own HTTP handler serves every other request; Chromium starts on the first
# request that needs it (crawler.browser.BrowserDownloadHandler). Debian's chromium:
# Playwright's downloaded browsers are never used.
DOWNLOAD_HANDLERS = {
    "http": "crawler.browser.BrowserDownloadHandler",
    "https": "crawler.browser.BrowserDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium",
    "headless": True,
    "args": ["--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--mute-audio"],
}
PLAYWRIGHT_MAX_CONTEXTS = 1  # one browser context per crawl
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4  # a few pages at once
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000  # ms
PLAYWRIGHT_ABORT_REQUEST = "crawler.browser.abort_request"  # no pictures, media, fonts
PLAYWRIGHT_PROCESS_REQUEST_HEADERS = None  # the browser's own headers (its cookies, not Scrapy's jar)

LOG_LEVEL = "INFO"
LOGSTATS_INTERVAL = 60.0

# --- nianbao's own settings ---
# The archive (None: $NIANBAO_DB, else sqlite:///nianbao.db).
NIANBAO_DB = None
# The sources file (None: the one shipped with the package) and the sources to crawl (names).
NIANBAO_SOURCES_FILE = None
NIANBAO_SOURCE_NAMES = []
# Parsing runs in a process pool, off the reactor thread (0: one worker per CPU core).
NIANBAO_PARSE_WORKERS = 0
# How the pool's workers start: "fork" (the first ones forked from the crawling process
# with the parsers imported there, ready at once; a worker that replaces a dead one is
# spawned) or "spawn" (each imports the parsers itself: ~1.6 s of CPU a worker).
NIANBAO_PARSE_START_METHOD = "fork"
# Documents waiting for the parse pool before new document downloads wait (0: two batches
# per worker, at least 4).
NIANBAO_PARSE_BACKLOG = 0
# Parsed documents are archived in batches, each in one write transaction (one wait for
# the SQLite write lock, one commit): up to NIANBAO_ARCHIVE_BATCH documents, or those that
# came within NIANBAO_ARCHIVE_BATCH_WAIT seconds. 1: one transaction a document.
NIANBAO_ARCHIVE_BATCH = 8
NIANBAO_ARCHIVE_BATCH_WAIT = 0.25
# Limits of one parse job (crawled documents are hostile): seconds of parsing (a job still
# running a minute past it has its worker replaced) and the worker's address space in MB
# (a forked worker: in MB more than the address space it starts with, the crawling process's).
# Either 0: no limit. Over a limit, the document is recorded as failed with the reason.
NIANBAO_PARSE_TIMEOUT = 30.0
NIANBAO_PARSE_MEMORY_MB = 2048
# Scanned PDFs are read by OCR (the ocr extra) in the parse pool, 12-19 s a page: at most
# this many pages a document, none started after this many seconds on one document. A
# PDF's job may take this budget on top of NIANBAO_PARSE_TIMEOUT (only an OCR reading uses it).
NIANBAO_OCR_MAX_PAGES = 30
NIANBAO_OCR_TIME_BUDGET = 300.0
# Report pages are re-checked by age: a report first seen less than YOUNG_DAYS ago is
# re-fetched when its last check is older than RECHECK_YOUNG_HOURS, an older one after
# RECHECK_OLD_HOURS. Conditional requests make an unchanged re-check cheap (a 304).
NIANBAO_YOUNG_DAYS = 400
NIANBAO_RECHECK_YOUNG_HOURS = 0.0
NIANBAO_RECHECK_OLD_HOURS = 24.0 * 7
# Every crawl ends: folder depth per source (start page 0; a column, a year folder, a report
# page listing others each one deeper; pagination stays), and new reports one source may
# add in one crawl before it is stopped and put on hold until `nianbao sources confirm`.
NIANBAO_MAX_DEPTH = 10
NIANBAO_MAX_NEW_REPORTS = 1000
# How many hops from a home page to look for the annual-report column.
NIANBAO_DISCOVERY_HOPS = 2
# Progress line on stderr every N seconds (0: off).
NIANBAO_PROGRESS_INTERVAL = 5.0
# The browser: seconds a page may take to come through a challenge and render; seconds to
# wait for a script pager's next page; memory (MB, all Chromium processes) above which
# the browser context is recycled; seconds between memory samples (0: no watch).
NIANBAO_BROWSER_TIMEOUT = 30.0
NIANBAO_BROWSER_STEP_TIMEOUT = 8.0
NIANBAO_BROWSER_MAX_MEMORY_MB = 1024.0
NIANBAO_BROWSER_MEMORY_INTERVAL = 5.0
# Solves of one host's cookie challenge per crawl (its cookies expire: it is solved again),
# and seconds of solving per crawl, all hosts together (then hosts that need a solve are
# reported blocked): a crawl of many challenged hosts ends in bounded time.
NIANBAO_CHALLENGE_MAX_SOLVES = 20
NIANBAO_CHALLENGE_TIME_BUDGET = 300.0
# scrapy-redis: how long (s) an idle worker waits for others' requests before closing.
NIANBAO_REDIS_IDLE_CLOSE = 30.0
