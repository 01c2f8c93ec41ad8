"""The report of the real dataset, read in Chromium as a journalist would.

The page is built from `dataset/` (every dyad, every crisis), rendered, opened at
desktop and at phone width, and checked: the headline numbers against `headline()`,
the timelines' date axes against their stories' spans, every in-page link, the
headings' order, the charts' text alternatives, the filter, and the console.
Screenshots go to test-output/ (or $ALLYLEDGER_TEST_OUTPUT) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from allyledger.metrics import headline
from allyledger.report.words import parse_human_date
from allyledger.vocab import PLEDGE_STATUSES
from conftest import AS_OF, run

ROOT = Path(__file__).parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OUTPUT = Path(os.environ.get("ALLYLEDGER_TEST_OUTPUT", ROOT / "test-output"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SHOTS = {
    "charts": "#side-by-side",
    "delivery": "#time-to-delivery",
    "story": "section.story",
    "events": "#events",
    "cite": "#cite",
}

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium); .ci/run installs "
    "it so CI always runs these tests",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("real")
    result = run("build", ROOT / "dataset", "--out", tmp / "b", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    result = run("report", tmp / "b", "--out", tmp / "r")
    assert result.exit_code == 0, result.output
    return tmp


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _open(browser, built, width, height, errors):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((built / "r" / "index.html").as_uri())
    return page


@pytest.fixture(scope="module")
def desktop(browser, built):
    errors: list[str] = []
    page = _open(browser, built, 1280, 900, errors)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "report-desktop.png"))
    # The whole page is taller than Chromium can capture at once: one shot per part.
    for name, selector in SHOTS.items():
        page.locator(selector).first.scroll_into_view_if_needed()
        page.screenshot(path=str(OUTPUT / f"report-desktop-{name}.png"))
    page.evaluate("window.scrollTo(0, 0)")
    yield page, errors
    page.close()


def test_headline_numbers_on_the_page_equal_the_headline(desktop, built):
    page, _ = desktop
    expected = headline(built / "b")
    rows = page.eval_on_selector_all(
        "#answer-table tr[data-dyad]",
        """rows => rows.map(r => [r.dataset.dyad, Object.fromEntries(
            [...r.querySelectorAll('td[data-status]')].map(
                c => [c.dataset.status, parseInt(c.textContent, 10)]))])""",
    )
    assert len(rows) == len(expected) >= 15
    shown = dict(rows)
    for want in expected.to_dict("records"):
        cells = shown[f"{want['provider_id']}|{want['recipient_id']}"]
        for column in ["promises", *PLEDGE_STATUSES, "requests"]:
            assert cells[column] == want[column], (want["recipient_id"], column)
    # The seed question's five dyads are all on the first screen.
    for client in ["ven", "irn", "cub", "syr", "arm"]:
        box = page.locator(f'#answer-table tr[data-dyad="rus|{client}"]').bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900, client


def test_timeline_ticks_are_dates_inside_each_crisis(desktop):
    page, _ = desktop
    figures = page.eval_on_selector_all(
        "figure.timeline",
        """fs => fs.map(f => [f.dataset.first, f.dataset.last,
            [...f.querySelectorAll('g[id*="xtick"] text')].map(t => t.textContent.trim())])""",
    )
    assert len(figures) >= 30
    import datetime as dt

    for first, last, labels in figures:
        lo, hi = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        assert labels, (first, last)
        for label in labels:
            start, _ = parse_human_date(label)  # raises unless a date label
            assert lo <= start <= hi, (label, first, last)


def test_every_in_page_link_resolves(desktop):
    page, _ = desktop
    broken = page.evaluate(
        """() => [...document.querySelectorAll('a[href^="#"]')]
            .map(a => a.getAttribute('href').slice(1))
            .filter(id => !document.getElementById(decodeURIComponent(id)))"""
    )
    assert broken == []
    contents = page.eval_on_selector_all("#contents a", "as => as.length")
    dyads = page.eval_on_selector_all("ol.dyads a", "as => as.length")
    assert contents >= 7 and dyads >= 15


def test_an_event_anchor_opens_its_story(browser, built):
    errors: list[str] = []
    page = _open(browser, built, 1280, 900, errors)
    target = page.eval_on_selector("li.event[id]", "e => e.id")
    page.goto((built / "r" / "index.html").as_uri() + "#" + target)
    assert page.evaluate("document.querySelector(':target').id") == target
    assert page.locator(f"#{target}").is_visible()
    page.close()
    assert errors == []


def test_headings_are_in_order_and_charts_have_text(desktop):
    page, _ = desktop
    levels = page.eval_on_selector_all(
        "h1, h2, h3, h4, h5, h6", "hs => hs.map(h => parseInt(h.tagName[1], 10))"
    )
    assert levels.count(1) == 1 and levels[0] == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, (before, after)
    alts = page.eval_on_selector_all(
        "svg",
        "ss => ss.map(s => [s.getAttribute('role'), s.getAttribute('aria-label')])",
    )
    assert len(alts) >= 3
    assert all(role == "img" and label for role, label in alts)
    duplicates = page.evaluate(
        """() => { const seen = new Set(), twice = [];
            document.querySelectorAll('[id]').forEach(e => {
                if (seen.has(e.id)) twice.push(e.id); seen.add(e.id); });
            return twice; }"""
    )
    assert duplicates == []


def test_the_filter_finds_events_across_the_page(desktop):
    page, _ = desktop
    total = page.locator("table#events-table tbody tr").count()
    page.fill('input[data-for="events-table"]', "s-300")
    visible = page.locator("table#events-table tbody tr:visible")
    expected = page.eval_on_selector_all(
        "table#events-table tbody tr",
        "rs => rs.filter(r => r.textContent.toLowerCase().includes('s-300')).length",
    )
    assert 0 < visible.count() == expected < total
    page.fill('input[data-for="events-table"]', "")
    assert page.locator("table#events-table tbody tr:visible").count() == total


def test_no_console_errors(desktop):
    _, errors = desktop
    assert errors == []


def test_the_page_fits_a_phone(browser, built):
    errors: list[str] = []
    page = _open(browser, built, 390, 844, errors)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # wide tables scroll inside their own box
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "report-phone.png"))
    page.locator("#time-to-delivery").scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "report-phone-charts.png"))
    page.close()
    assert errors == []
    assert (OUTPUT / "report-phone.png").stat().st_size > 10_000
