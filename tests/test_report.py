from __future__ import annotations

import ast
import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import allyledger.report as report_package
import allyledger.report.data as data_module
from allyledger.metrics import headline
from allyledger.report import period, render_report, report_data
from allyledger.report.charts import _ticks, timeline
from allyledger.report.words import (
    days,
    human_date,
    machine_date,
    parse_human_date,
    percent,
    share_range,
)
from allyledger.vocab import PLEDGE_STATUSES, REQUEST_STATUSES
from conftest import AS_OF, VALID, run, set_cell

ROOT = Path(__file__).parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Where the browser test leaves its screenshots for a person to look at.
OUTPUT = Path(os.environ.get("ALLYLEDGER_TEST_OUTPUT", ROOT / "test-output"))


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    assert run("build", VALID, "--out", tmp / "b", "--as-of", AS_OF).exit_code == 0
    result = run("report", tmp / "b", "--out", tmp / "r")
    assert result.exit_code == 0, result.output
    return tmp / "r" / "index.html"


@pytest.fixture(scope="module")
def data(report) -> dict:
    return report_data(report.parent.parent / "b")


def test_report_is_self_contained(report):
    text = report.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert 'id="answer-table"' in text and 'id="survival-table"' in text
    assert 'id="dyad-rus--ven"' in text and "<svg" in text
    # Every external reference is a source link, never a script or style.
    assert "<script src" not in text and "<link" not in text
    assert 'href="https://example.org/news/original"' in text


def test_report_is_deterministic(report):
    again = report.parent.parent / "again"  # beside the first, so links read the same
    assert run("report", report.parent.parent / "b", "--out", again).exit_code == 0
    assert (again / "index.html").read_bytes() == report.read_bytes()


def test_report_of_a_folder_without_build_is_usage_error(tmp_path):
    result = run("report", VALID, "--out", tmp_path / "r")
    assert result.exit_code == 2
    assert "run `allyledger build` first" in result.output


# The answer on the first screen.


def test_answer_counts_per_dyad_equal_the_headline(data, report):
    expected = headline(report.parent.parent / "b")
    rows = data["answer"]["dyads"]
    assert len(rows) == len(expected) >= 1
    for row, want in zip(rows, expected.to_dict("records"), strict=True):
        assert (row["provider_id"], row["recipient_id"]) == (
            want["provider_id"],
            want["recipient_id"],
        )
        assert row["promises"] == want["promises"]
        for status in PLEDGE_STATUSES:
            assert row["counts"][status] == want[status], status
        for status in REQUEST_STATUSES:
            assert row["request_counts"][status] == want[status], status
        assert row["requests"] == want["requests"]
    (dyad,) = rows
    assert (dyad["provider"], dyad["recipient"]) == ("Russia", "Venezuela")
    # One pledge, delivered: 100 % kept; the delivery is dated to 2025 and the pledge
    # to January, so the lag runs from 0 (1-31 Jan to 1 Jan) to 364 days.
    assert dyad["shares"]["delivered"] == "100 %"
    assert dyad["parts"] == ["1 kept (100 %)"]
    assert dyad["lag"] == "0–364 days"
    assert dyad["anchor"] == "dyad-rus--ven"
    assert data["answer"]["lead"] == []  # no patron has five promises


def test_words_print_shares_and_lags_as_a_reader_reads_them():
    assert (
        percent(0.5714) == "57 %"
        and percent(None) == ""
        and percent(float("nan")) == ""
    )
    assert share_range(0.44, 0.44) == "44 %"
    assert share_range(0.14, 0.23) == "14–23 %"
    assert days(12.0, 12.0) == "12 days" and days(1.0, 1.0) == "1 day"
    assert days(46.0, 76.0) == "46–76 days" and days(float("nan"), None) == ""


def test_dates_print_at_their_precision():
    assert human_date("2013-01-01", "year") == "2013"
    assert human_date("2024-06-01", "month") == "Jun 2024"
    assert human_date("2024-06-14", "day") == "14 Jun 2024"
    assert machine_date("2013-01-01", "year") == "2013"
    assert machine_date("2024-06-01", "month") == "2024-06"
    assert machine_date("2024-06-14", "day") == "2024-06-14"
    assert parse_human_date("Feb 2024") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert parse_human_date("Dec 2025") == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))


def test_the_page_prints_each_event_date_at_its_precision(data, report):
    events = {e["event_id"]: e for e in data["index"]["rows"]}
    assert events["2025-delivery"]["date_text"] == "2025"
    assert events["2025-01-pledge"]["date_text"] == "Jan 2025"
    assert events["2025-01-02-request"]["date_text"] == "2 Jan 2025"
    text = report.read_text()
    assert '<time datetime="2025">2025</time>' in text
    assert '<time datetime="2025-01">Jan 2025</time>' in text
    # No date prints more precisely than it is known (event IDs aside).
    shown = re.sub(r'(datetime|data-\w+|id|href|aria-label)="[^"]*"', "", text)
    assert not re.search(r"(?<![\w-])2025-01-01(?![\w-])", shown)


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


# Each crisis as a story.


def test_a_crisis_is_told_as_a_story(data):
    (section,) = data["sections"]["dyads"]
    assert (section["provider"], section["recipient"]) == ("Russia", "Venezuela")
    assert [t["relationship_id"] for t in section["ties"]] == [
        "rus-ven-arms-supply",
        "rus-ven-partnership",
    ]
    (story,) = section["stories"]
    assert story["anchor"] == "dyad-rus--ven--2025-01-01-crisis"
    assert story["title"] == "Airstrikes, 1 Jan 2025"
    assert story["crisis"]["anchor"] == "event-2025-01-01-crisis"
    ids = {
        part: [e["event_id"] for e in story[part]]
        for part in ("asked", "promised", "came", "held", "never")
    }
    assert ids == {
        "asked": ["2025-01-02-request"],
        "promised": ["2025-01-pledge"],
        "came": ["2025-delivery"],
        "held": ["2025-06-01-withholding"],
        "never": [],
    }
    request, pledge = story["asked"][0], story["promised"][0]
    assert (request["status"], request["status_word"]) == ("granted", "granted")
    assert (pledge["status"], pledge["status_word"]) == ("delivered", "kept")
    assert pledge["outcome"] == "first delivery 2025, 0–364 days later"
    # The story spans the periods its dates stand for: the delivery is dated 2025.
    assert (story["first"], story["last"]) == ("2025-01-01", "2025-12-31")


def test_every_event_has_one_permanent_anchor(data, report):
    text = report.read_text()
    for event in data["index"]["rows"]:
        assert text.count(f'id="event-{event["event_id"]}"') == 1, event["event_id"]
        assert f'href="#event-{event["event_id"]}"' in text


def test_what_never_came_lists_the_unanswered_promises(tmp_path):
    shutil.copytree(VALID, tmp_path / "ds")
    # Point the delivery at the crisis, so the pledge has no answer and is unresolved.
    set_cell(
        tmp_path / "ds", "support_events", 5, "responds_to_id", "2025-01-01-crisis"
    )
    assert (
        run(
            "build", tmp_path / "ds", "--out", tmp_path / "b", "--as-of", AS_OF
        ).exit_code
        == 0
    )
    (story,) = report_data(tmp_path / "b")["sections"]["dyads"][0]["stories"]
    assert [(e["event_id"], e["status"]) for e in story["never"]] == [
        ("2025-01-pledge", "unresolved")
    ]
    text = render_report(tmp_path / "b")
    assert '<a href="#event-2025-01-pledge">Promise of Jan 2025</a>' in text


@given(
    st.dates(dt.date(1950, 1, 1), dt.date(2090, 1, 1)),
    st.integers(0, 40 * 366),
)
def test_timeline_ticks_are_dates_inside_the_span(lo, length):
    hi = lo + dt.timedelta(days=length)
    ticks, labels = _ticks(lo, hi)
    assert 1 <= len(ticks) <= 12
    for tick, label in zip(ticks, labels, strict=True):
        assert lo <= tick <= hi
        first, _ = parse_human_date(label)
        assert first == tick  # each label names the date it sits at


def test_timeline_axis_is_ticked_in_dates_inside_its_span(data):
    (story,) = data["sections"]["dyads"][0]["stories"]
    svg = timeline(story, "t0")
    labels = re.findall(r'<g id="t0-xtick_\d+">.*?<text[^>]*>(.*?)</text>', svg, re.S)
    labels = [re.sub(r"<[^>]+>|\s+", " ", x).strip() for x in labels]
    assert labels == [
        "Jan 2025",
        "Mar 2025",
        "May 2025",
        "Jul 2025",
        "Sep 2025",
        "Nov 2025",
    ]
    assert svg.startswith(
        '<svg role="img" aria-label="Timeline from 1 Jan 2025 to 31 Dec 2025'
    )


# Cite and download.


def test_about_gives_licence_citation_and_files(data, report):
    about = data["about"]
    assert about["licence"] == {
        "name": "CC-BY-4.0",
        "title": "Creative Commons Attribution 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert about["citation"]["text"] == (
        "allyledger contributors (2026). allyledger: what patrons promise their "
        "allies, and what they deliver [Data set]. https://github.com/allyledger/allyledger"
    )
    names = [f["name"] for f in about["files"]]
    assert names == [
        "actors.parquet",
        "events_flat.parquet",
        "outcomes.parquet",
        "relationships.parquet",
        "retired_ids.parquet",
        "sources.parquet",
        "support_events.parquet",
        "datapackage.json",
        "manifest.json",
    ]
    # The report sits in r/, beside the build b/: every file link resolves.
    text = report.read_text()
    for name in names:
        assert f'<a href="../b/{name}">{name}</a>' in text
        assert (report.parent / "../b" / name).resolve().is_file()


def test_citation_cff_agrees_with_the_package_metadata():
    from allyledger.tableschema import AUTHORS, DATA_LICENSE, HOMEPAGE, KEYWORDS, TITLE

    text = (ROOT / "CITATION.cff").read_text("utf-8")
    assert f'title: "{TITLE}"' in text
    assert f"license: {DATA_LICENSE['name']}" in text
    assert f'repository-code: "{HOMEPAGE}"' in text
    authors = re.findall(r'- name: "([^"]+)"', text)
    assert tuple(authors) == AUTHORS
    listed = text.split("keywords:\n", 1)[1].split("\n")
    keywords = [x.removeprefix("  - ") for x in listed if x.startswith("  - ")]
    assert tuple(keywords) == KEYWORDS


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    """A released edition (2026.1, then 2026.2 with a changed row and notes)."""
    tmp = tmp_path_factory.mktemp("edition")
    shutil.copytree(VALID, tmp / "ds")
    changelog = tmp / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## Unreleased\n")
    args = ("--dist", tmp / "dist", "--changelog", changelog)
    assert (
        run("release", "2026.1", tmp / "ds", *args, "--as-of", "2026-06-01").exit_code
        == 0
    )
    set_cell(
        tmp / "ds", "support_events", 4, "summary", "A test withholding, reworded."
    )
    changelog.write_text(
        "# Changelog\n\n## Unreleased\n\n### Changed\n- Reworded a summary "
        "<script>alert(1)</script>.\n"
    )
    result = run("release", "2026.2", tmp / "ds", *args, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return tmp / "dist" / "2026.2"


def test_edition_report_cites_the_edition_and_says_what_changed(edition):
    text = (edition / "report.html").read_text()
    assert "edition <strong>2026.2</strong>" in text
    assert 'data as of <time datetime="2026-12-01">1 Dec 2026</time>' in text
    assert (
        "allyledger contributors (2026). allyledger: what patrons promise their "
        "allies, and what they deliver, edition 2026.2 [Data set]." in text
    )
    # The change notes: the human notes and the row-level changes, headings moved
    # under the page's own, raw HTML shown as text.
    changes = text[text.index('<section id="changes"') :]
    assert "<h3>2026.2 (2026-12-01)</h3>" in changes
    assert "Reworded a summary &lt;script&gt;alert(1)&lt;/script&gt;." in changes
    assert "2025-06-01-withholding" in changes
    assert "<table>" in changes and ">added</th>" in changes  # the diff's table
    # Every linked file is in the edition.
    for href in re.findall(r'<li><a href="([^"#:]+)">', text):
        assert (edition / href).is_file(), href


def test_edition_report_describes_the_dataset_in_json_ld(edition):
    text = (edition / "report.html").read_text()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert block is not None
    described = json.loads(block.group(1))
    assert described["@type"] == "Dataset"
    assert described["version"] == "2026.2" and described["dateModified"] == AS_OF
    assert described["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert described["name"].startswith("allyledger") and described["description"]
    base = "https://allyledger.github.io/allyledger/editions/2026.2/"
    tables = [
        "actors",
        "events_flat",
        "outcomes",
        "relationships",
        "retired_ids",
        "sources",
        "support_events",
    ]
    assert {d["contentUrl"] for d in described["distribution"]} == {
        base + name
        for name in [
            *(f"{t}.parquet" for t in tables),
            *(f"{t}.csv" for t in tables),
            "allyledger.xlsx",
            "datapackage.json",
            "croissant.json",
        ]
    }
    formats = {d["name"]: d["encodingFormat"] for d in described["distribution"]}
    assert formats["actors.csv"] == "text/csv"


def test_report_of_an_edition_before_outcomes_says_so(tmp_path):
    old = ROOT / "editions" / "2026.1"
    text = render_report(old)
    assert "This edition predates the outcomes table (schema 1.1)" in text
    assert "edition <strong>2026.1</strong>" in text


# Limits and escaping.


def test_report_data_is_plain_json(data):
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data  # only str, int, float, bool, None, lists, dicts
    assert "<" not in text  # and no HTML
    assert data["title"] == "allyledger a build: did patrons keep their promises?"
    assert data["caps"] == {"timelines": 150, "rows": 5000}
    assert data["overview"]["tables"] == {
        "actors": 4,
        "relationships": 3,
        "support_events": 5,
        "sources": 3,
        "retired_ids": 0,
        "events_flat": 5,
        "outcomes": 2,
    }
    assert data["overview"]["kinds"]["withdrawal"] == 0
    assert data["overview"]["by_year"]["years"] == [2025]


def test_report_data_lists_every_event_with_its_source_urls(data):
    urls = {row["source_id"]: row["url"] for row in data["sources"]["rows"]}
    events = data["index"]["rows"]
    assert [e["event_id"] for e in events] == [
        "2025-01-01-crisis",
        "2025-01-pledge",
        "2025-delivery",
        "2025-01-02-request",
        "2025-06-01-withholding",
    ]
    for event in events:
        assert event["sources"], event["event_id"]
        for source in event["sources"]:
            assert source["url"] == urls[source["id"]]
    delivery = next(e for e in events if e["event_id"] == "2025-delivery")
    assert [s["url"] for s in delivery["sources"]] == [
        "https://example.org/news/original",
        "https://example.org/blog/retelling?id=2",
    ]
    ties = {t["relationship_id"]: t for t in data["relationships"]["rows"]}
    assert ties["rus-ven-partnership"]["obligations"] == ["consultation", "defense"]
    assert [s["url"] for s in ties["rus-ven-partnership"]["sources"]] == [
        "http://example.org/treaty.pdf"
    ]


def test_report_data_says_what_the_caps_cut(report, monkeypatch):
    monkeypatch.setattr(data_module, "MAX_ROWS", 2)
    monkeypatch.setattr(data_module, "MAX_TIMELINES", 0)
    folder = report.parent.parent / "b"
    data = report_data(folder)
    assert data["caps"] == {"timelines": 0, "rows": 2}
    sources = data["sources"]
    assert (len(sources["rows"]), sources["total"], sources["cut"]) == (2, 3, 1)
    text = render_report(folder)
    assert "Showing the first 2 of 3 rows" in text
    assert '<figure class="timeline"' not in text


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
    assert data["answer"]["dyads"][0]["recipient"] == ATTACK  # data stays raw
    text = render_report(hostile)
    assert ATTACK not in text and "<script>alert" not in text
    assert text.count("<script") == 2  # the JSON-LD and the page's own script
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert f'<h2 id="dyad-rus--ven-h">Russia → {escaped}</h2>' in text
    assert f"{escaped} &amp; &#34;$x$&#34;" in text
    # In the charts' text alternatives and labels too ($ drawn as text, not math).
    assert 'aria-label="Bar chart of 1 patron' in text
    assert f"Russia → {escaped}" in text[text.index('id="status-') :]


def test_timeline_prefixes_its_ids_so_charts_never_collide(data):
    (story,) = data["sections"]["dyads"][0]["stories"]
    one, two = timeline(story, "t1"), timeline(story, "t2")
    ids = re.findall(r'\bid="([^"]+)"', one)
    assert ids and all(i.startswith("t1-") for i in ids)
    assert not set(ids) & set(re.findall(r'\bid="([^"]+)"', two))
    for ref in re.findall(r'url\(#([^)]+)\)|xlink:href="#([^"]+)"', one):
        assert (ref[0] or ref[1]) in ids


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
