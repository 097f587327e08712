"""The readers' pages in real headless Chromium at desktop and phone sizes: home, coverage,
agency, report, diff and events. Each page is checked (content, no page overflow on a
phone, chart labels big enough to read) and a screenshot saved, to
``$NIANBAO_SCREENSHOTS`` when set (to look at them), else to the test's temporary directory.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from browser_driver import chrome, require_chromium
from web_archive import populate, served

pytestmark = pytest.mark.browser

require_chromium()

from selenium.webdriver.common.by import By  # noqa: E402

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}



@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The populated archive, followed since mid-2022 (so some years are overdue), served by uvicorn."""
    import sqlalchemy as sa

    from archive import db
    from archive.alerts.deadline import check_overdue
    from archive.models import Report

    url = f"sqlite:///{tmp_path_factory.mktemp('archive') / 'nianbao.db'}"
    Session = db.open_archive(url)
    ids = populate(Session)
    with Session.begin() as s:
        s.execute(sa.update(Report).values(first_seen=dt.datetime(2022, 6, 1, tzinfo=dt.timezone.utc)))
    with Session.begin() as s:
        assert check_overdue(s)  # the years after 2022 that 北京市公安局 and 上海市财政局 did not publish
    with served(Session) as base:
        yield base, ids
    db.engine_for(db.database_url(url)).dispose()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chrome(tmp_path_factory.mktemp("chrome"), "--hide-scrollbars", "--lang=zh-CN")
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    where = os.environ.get("NIANBAO_SCREENSHOTS")
    path = Path(where) if where else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pages(ids) -> dict[str, tuple[str, str]]:
    """name -> (path, a CSS selector that must be on it)."""
    report = ids["reports"][("北京市公安局", 2021)]
    return {
        "home": ("/", "ul.counts"),
        "coverage": ("/coverage", "table.coverage"),
        "agency": (f"/agencies/{ids['北京市公安局']}", "svg.chart"),
        "report": (f"/reports/{report}", "table.report-table.requests"),
        "diff": (f"/reports/{report}/diff", "table.changes"),
        "events": ("/events", "ol.events li.event"),
    }


@pytest.mark.parametrize("size", list(SIZES))
def test_readers_pages(server, browser, shots, size):
    base, ids = server
    width, height = SIZES[size]
    browser.set_window_size(width, height)
    for name, (path, selector) in _pages(ids).items():
        browser.get(base + path)
        assert browser.find_elements(By.CSS_SELECTOR, selector), (name, size)
        assert "Traceback" not in browser.page_source
        overflow = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1] + 1, (name, size, overflow)  # wide tables scroll in their box
        # a full-page screenshot: the window as tall as the page
        full = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, min(max(full + 140, height), 6000))
        assert browser.save_screenshot(str(shots / f"{name}-{size}.png"))
        browser.set_window_size(width, height)


def test_home_and_coverage_content(server, browser):
    base, ids = server
    browser.set_window_size(*SIZES["desktop"])
    browser.get(base + "/")
    counts = browser.find_element(By.CSS_SELECTOR, "ul.counts").text
    assert "3 个机关" in counts and "6 份报告" in counts and "逾期未发布" in counts
    assert browser.find_elements(By.CSS_SELECTOR, "section.latest li.event")
    browser.find_element(By.LINK_TEXT, "北京市").click()
    assert "北京市公安局" in browser.find_element(By.CSS_SELECTOR, "ul.agencies").text
    browser.get(base + "/coverage")
    rows = {r.find_element(By.CSS_SELECTOR, "th").text: r.find_element(By.CSS_SELECTOR, ".status").text
            for r in browser.find_elements(By.CSS_SELECTOR, "table.coverage tbody tr")}
    assert rows.get("北京市公安局") == "逾期未发布" and rows.get("上海市财政局") == "逾期未发布"
    link = browser.find_element(By.LINK_TEXT, "下载 CSV").get_attribute("href")
    assert link.startswith(base + "/coverage.csv?year=")


def test_chart_labels_are_readable_on_a_phone(server, browser):
    base, ids = server
    browser.set_window_size(*SIZES["phone"])
    browser.get(base + f"/agencies/{ids['北京市公安局']}")
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg.chart text')).map(t => t.getBoundingClientRect().height)")
    assert sizes and min(sizes) >= 10, sizes  # CSS pixels on screen
    # the year labels do not run into each other
    boxes = browser.execute_script(
        "return Array.from(document.querySelector('svg.chart').querySelectorAll('text.xlabel'))"
        ".map(t => {const r = t.getBoundingClientRect(); return [r.left, r.right];})")
    assert all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:])), boxes
