"""Debian's chromium driven by selenium for the web's browser tests: found once, started one way."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = "/usr/bin/chromedriver" if shutil.which("/usr/bin/chromedriver") else shutil.which("chromedriver")


def require_chromium() -> None:
    """Skip the calling test module (at import) when the browser is not installed."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("browser tests need Debian's chromium and chromedriver (apt-get install chromium chromium-driver)",
                    allow_module_level=True)


def chrome(user_data_dir: Path, *extra: str):
    """A headless chromium (selenium ``webdriver.Chrome``) with its own profile; the caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", f"--user-data-dir={user_data_dir}", *extra):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver
