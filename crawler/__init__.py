"""nianbao crawler: a Scrapy project that discovers and fetches annual reports."""
