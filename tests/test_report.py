from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import AS_OF, VALID, run

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
