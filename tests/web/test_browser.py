"""The interface in real headless Chromium (Debian's chromium + chromedriver, selenium 4).

uvicorn serves the app from a thread on a free port over a populated SQLite archive; the
browser searches, opens an agency and checks its charts are drawn, opens a report and its
diff, checks the phone layout, and that hostile crawled text never runs script.
"""
from __future__ import annotations

import time

import pytest

from browser_driver import chrome, require_chromium
from web_archive import XSS, populate, served

pytestmark = pytest.mark.browser

require_chromium()

from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402



@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from archive import db

    url = f"sqlite:///{tmp_path_factory.mktemp('archive') / 'nianbao.db'}"
    Session = db.open_archive(url)
    ids = populate(Session)
    with served(Session) as base:
        yield base, ids
    db.engine_for(db.database_url(url)).dispose()


@pytest.fixture
def browser(tmp_path):
    driver = chrome(tmp_path / "chrome", "--window-size=1280,900")
    yield driver
    driver.quit()


def _no_alert(driver) -> bool:
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def test_search_agency_chart_report_diff(server, browser):
    base, ids = server
    wait = WebDriverWait(browser, 15)
    browser.get(base + "/")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("复议")
    box.submit()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "ol.hits li.hit")))
    hits = browser.find_elements(By.CSS_SELECTOR, "ol.hits li.hit")
    assert len(hits) == 4
    assert all(m.text == "复议" for m in browser.find_elements(By.CSS_SELECTOR, ".snippet mark"))

    # open the agency from the first hit
    hits[0].find_element(By.CSS_SELECTOR, ".meta a").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "svg.chart")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "北京市公安局"
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) == 3
    points = charts[0].find_elements(By.CSS_SELECTOR, "circle.point")
    assert len(points) >= 4  # four years of received requests (and more series)
    requests = [(p.get_attribute("data-year"), p.get_attribute("data-value")) for p in points
                if p.get_attribute("data-series") == "本年新收申请"]
    assert requests == [("2019", "120"), ("2020", "150"), ("2021", "95"), ("2022", "200")]
    # drawn for real: the points have a size on screen and rise with the values
    boxes = browser.execute_script(
        "return Array.from(arguments[0].querySelectorAll('circle.point.s0')).map(c => c.getBoundingClientRect())"
        ".map(r => [r.width, r.top])", charts[0])
    assert all(w > 0 for w, _ in boxes)
    assert boxes[3][1] < boxes[2][1]  # 200 is drawn higher than 95
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart polyline.line")

    # the 2021 report, then its diff
    browser.find_element(By.LINK_TEXT, "2021").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.report-table.requests")))
    assert "三、收到和处理政府信息公开申请情况" in browser.page_source
    cell = browser.find_element(By.CSS_SELECTOR, 'td[data-key="requests/new/total"]')
    assert cell.text == "95"
    browser.find_element(By.CSS_SELECTOR, "a.difflink").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".diff-text")))
    assert "版本 1 → 2" in browser.find_element(By.TAG_NAME, "h1").text
    assert "信访" in browser.find_element(By.CSS_SELECTOR, ".diff-text ins").text
    assert [td.text for td in browser.find_elements(By.CSS_SELECTOR, "table.changes td")] == ["90", "95"]


def test_phone_layout_has_no_page_overflow(server, browser):
    base, ids = server
    browser.set_window_size(390, 844)
    for path in ("/search?q=公开", f"/agencies/{ids['北京市公安局']}", f"/reports/{ids['reports'][('上海市财政局', 2021)]}",
                 "/events"):
        browser.get(base + path)
        width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] + 1, (path, width)  # wide tables scroll inside their box


def test_hostile_text_never_runs(server, browser):
    base, ids = server
    rid = ids["reports"][(XSS + "局", 2021)]
    browser.get(base + f"/reports/{rid}")
    assert _no_alert(browser)
    assert XSS in browser.find_element(By.TAG_NAME, "h1").text  # shown as text
    assert not browser.find_elements(By.CSS_SELECTOR, "main img")
    browser.get(base + f"/reports/{rid}/versions/1/original")  # the crawled bytes, script tag and all
    time.sleep(0.5)
    assert _no_alert(browser)
    # CSP sandbox: the document has an opaque origin, so it cannot read our cookies or call our API
    assert browser.execute_script("return window.origin") == "null"
    assert "<script>" in browser.execute_script("return document.documentElement.outerHTML")
