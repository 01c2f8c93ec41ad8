from __future__ import annotations

import ast
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

import allyledger.report as report_package
import allyledger.report.data as data_module
from allyledger.metrics import headline
from allyledger.report import period, render_report, report_data
from allyledger.report.charts import timeline
from allyledger.vocab import PLEDGE_STATUSES, REQUEST_STATUSES
from conftest import AS_OF, VALID, run, set_cell

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    assert run("build", VALID, "--out", tmp / "b", "--as-of", AS_OF).exit_code == 0
    result = run("report", tmp / "b", "--out", tmp / "r")
    assert result.exit_code == 0, result.output
    return tmp / "r" / "index.html"


def test_report_is_self_contained(report):
    text = report.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert 'id="ledger-dyads"' in text and 'id="ledger"' in text
    assert 'id="crisis-2025-01-01-crisis"' in text and "<svg" in text
    # Every external reference is a source link, never a script or style.
    assert "<script src" not in text and "<link" not in text
    assert 'href="https://example.org/news/original"' in text


def test_report_is_deterministic(report, tmp_path):
    run("report", report.parent.parent / "b", "--out", tmp_path / "again")
    assert (tmp_path / "again" / "index.html").read_bytes() == report.read_bytes()


def test_report_of_a_folder_without_build_is_usage_error(tmp_path):
    result = run("report", VALID, "--out", tmp_path / "r")
    assert result.exit_code == 2
    assert "run `allyledger build` first" in result.output


def test_report_in_a_real_browser(report, tmp_path):
    if CHROMIUM is None:
        pytest.skip(
            "Chromium is not installed (apt-get install chromium); .ci/run "
            "installs it so CI always runs this test"
        )
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on(
            "console", lambda m: errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        assert page.locator("table#ledger-dyads tbody tr").count() >= 1
        assert page.locator("section.crisis svg").count() >= 1
        # Sorting and filtering work.
        page.fill('input[data-for="sources"]', "treaty")
        visible = page.locator("table#sources tbody tr:visible").count()
        assert visible == 1
        page.click("table#ledger-dyads th >> nth=0")
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
    assert errors == []


def test_report_links_relationships_to_sources(report):
    text = report.read_text()
    assert 'id="relationships"' in text
    assert "consultation, defense" in text  # the partnership's obligations
    assert 'href="http://example.org/treaty.pdf"' in text


# The data step, tested without HTML.


@pytest.fixture(scope="module")
def data(report) -> dict:
    return report_data(report.parent.parent / "b")


def test_report_data_is_plain_json(data):
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data  # only str, int, float, bool, None, lists, dicts
    assert "<" not in text  # and no HTML
    assert data["title"] == "allyledger — a build"
    assert data["caps"] == {"timelines": 150, "rows": 5000}


def test_report_data_counts_per_dyad_equal_the_headline(data, report):
    expected = headline(report.parent.parent / "b")
    rows = data["ledger"]["dyads"]["rows"]
    assert len(rows) == len(expected) >= 1
    for row, want in zip(rows, expected.to_dict("records"), strict=True):
        counts = ["promises", *PLEDGE_STATUSES, "requests", *REQUEST_STATUSES]
        for column in counts:
            assert row[column] == want[column], column
            assert type(row[column]) is int
    assert rows[0]["provider"] == "Russia" and rows[0]["recipient"] == "Venezuela"
    assert data["overview"]["tables"] == {
        "actors": 4,
        "relationships": 3,
        "support_events": 5,
        "sources": 3,
        "outcomes": 2,
    }
    assert data["overview"]["kinds"]["withdrawal"] == 0
    assert data["overview"]["by_year"]["years"] == [2025]


def test_period_spans_what_the_precision_leaves_open():
    assert period(dt.date(2025, 1, 1), "year") == (
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
    )
    assert period(dt.date(2024, 2, 1), "month") == (
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 29),
    )
    assert period(dt.date(2025, 12, 1), "month")[1] == dt.date(2025, 12, 31)
    assert period(dt.datetime(2025, 3, 4, 5), "day") == (dt.date(2025, 3, 4),) * 2


def test_report_data_timeline_events_carry_their_period(data):
    (crisis,) = data["timelines"]["crises"]
    assert crisis["anchor"] == "crisis-2025-01-01-crisis"
    assert data["timelines"]["cut"] == 0
    events = {e["event_id"]: e for e in crisis["events"]}
    year = events["2025-delivery"]
    assert (year["date"], year["date_precision"]) == ("2025-01-01", "year")
    assert (year["start"], year["end"]) == ("2025-01-01", "2025-12-31")
    month = events["2025-01-pledge"]
    assert (month["start"], month["end"]) == ("2025-01-01", "2025-01-31")
    day = events["2025-01-02-request"]
    assert day["start"] == day["end"] == "2025-01-02"
    assert day["kind"] == "request" and day["label"] == day["summary"]


def test_report_data_lists_every_event_with_its_source_urls(data):
    urls = {row["source_id"]: row["url"] for row in data["sources"]["rows"]}
    events = [e for c in data["timelines"]["crises"] for e in c["events"]]
    events += data["events"]["rows"]
    assert sorted(e["event_id"] for e in events) == [
        "2025-01-01-crisis",
        "2025-01-02-request",
        "2025-01-pledge",
        "2025-06-01-withholding",
        "2025-delivery",
    ]
    for event in events:
        assert event["source_ids"], event["event_id"]
        for source in event["source_ids"]:
            assert source["url"] == urls[source["id"]]
    delivery = next(e for e in events if e["event_id"] == "2025-delivery")
    assert [s["url"] for s in delivery["source_ids"]] == [
        "https://example.org/news/original",
        "https://example.org/blog/retelling?id=2",
    ]
    ties = {t["relationship_id"]: t for t in data["relationships"]["rows"]}
    assert ties["rus-ven-partnership"]["obligations"] == ["consultation", "defense"]
    assert ties["rus-ven-partnership"]["source_ids"] == [
        {"id": "example-2025-02-treaty", "url": "http://example.org/treaty.pdf"}
    ]


def test_report_data_says_what_the_caps_cut(report, monkeypatch):
    monkeypatch.setattr(data_module, "MAX_ROWS", 2)
    monkeypatch.setattr(data_module, "MAX_TIMELINES", 0)
    folder = report.parent.parent / "b"
    data = report_data(folder)
    assert data["caps"] == {"timelines": 0, "rows": 2}
    sources = data["sources"]
    assert (len(sources["rows"]), sources["total"], sources["cut"]) == (2, 3, 1)
    assert (data["timelines"]["total"], data["timelines"]["cut"]) == (1, 1)
    assert data["timelines"]["crises"] == []
    text = render_report(folder)
    assert "Showing the first 2 of 3 rows" in text
    assert "Timelines for the 0 crises with the most events, of 1." in text


# The page escapes every value.

ATTACK = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A build whose actor name and crisis summary are a script tag."""
    tmp = tmp_path_factory.mktemp("hostile")
    shutil.copytree(VALID, tmp / "ds")
    set_cell(tmp / "ds", "actors", 4, "name", ATTACK)  # ven
    set_cell(tmp / "ds", "support_events", 1, "summary", f'{ATTACK} & "$x$"')
    assert run("build", tmp / "ds", "--out", tmp / "b", "--as-of", AS_OF).exit_code == 0
    return tmp / "b"


def test_report_escapes_names_and_summaries(hostile):
    data = report_data(hostile)
    assert data["ledger"]["dyads"]["rows"][0]["recipient"] == ATTACK  # data stays raw
    text = render_report(hostile)
    assert ATTACK not in text and "<script>alert" not in text
    assert text.count("<script") == 1  # the page's own script
    # In the tables, the crisis heading and the timeline's SVG title.
    assert text.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4
    assert "<h3>2025-01-01-crisis — &lt;script&gt;alert(1)&lt;/script&gt;</h3>" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;$x$&#34;" in text


def test_timeline_draws_a_title_as_written():
    # Charts take the plain data; a title with dollar signs is text, not mathtext.
    crisis = {
        "title": r"c: $\frac{1}{$ and $x$",
        "events": [
            {
                "kind": "crisis",
                "date": "2025-01-01",
                "start": "2025-01-01",
                "end": "2025-01-01",
            },
            {
                "kind": "pledge",
                "date": "2025-02-01",
                "start": "2025-02-01",
                "end": "2025-02-28",
            },
        ],
    }
    svg = timeline(crisis)
    assert svg.startswith("<svg") and svg == timeline(crisis)
    assert r"c: $\frac{1}{$ and $x$" in svg


def test_report_package_imports_no_build_validate_release_or_click():
    banned = {"allyledger.build", "allyledger.validate", "allyledger.release", "click"}
    package = Path(report_package.__file__).parent
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {node.module or ""}
            else:
                continue
            hits = {n for n in names for b in banned if n == b or n.startswith(b + ".")}
            assert not hits, f"{path.name} imports {sorted(hits)}"
