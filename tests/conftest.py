from __future__ import annotations

import contextlib
import csv
import functools
import http.server
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from allyledger.cli import cli

DATA = Path(__file__).parent / "data"
VALID = DATA / "valid"
AS_OF = "2026-12-01"


@pytest.fixture
def ds(tmp_path: Path) -> Path:
    """A fresh copy of the small valid dataset."""
    target = tmp_path / "ds"
    shutil.copytree(VALID, target)
    return target


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Set one cell; `row` counts data rows from 1 (so it sits on line row + 1)."""
    path = folder / f"{table}.csv"
    rows = read_rows(path)
    rows[row][rows[0].index(column)] = value
    write_rows(path, rows)


def add_row(folder: Path, table: str, values: dict[str, str]) -> None:
    path = folder / f"{table}.csv"
    rows = read_rows(path)
    rows.append([values.get(c, "") for c in rows[0]])
    write_rows(path, rows)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def validate(folder: Path, *extra: str) -> Result:
    return run("validate", folder, "--as-of", AS_OF, *extra)


def release(edition: str, dataset: Path, dist: Path, changelog: Path) -> Result:
    return run(
        "release",
        edition,
        dataset,
        "--dist",
        dist,
        "--as-of",
        AS_OF,
        "--changelog",
        changelog,
    )


@pytest.fixture
def dist(tmp_path: Path, ds: Path) -> Path:
    """DIST with 2026.1 (the valid fixture) and 2026.2 (one cell changed, one row added,
    one row removed)."""
    folder = tmp_path / "dist"
    log = tmp_path / "CHANGELOG.md"
    log.write_text("# Changelog\n\n## Unreleased\n\n- The test fixture changed.\n")
    assert release("2026.1", VALID, folder, log).exit_code == 0
    set_cell(ds, "actors", 1, "name", "CSTO")
    add_row(
        ds,
        "actors",
        {"actor_id": "zzz-new", "name": "New", "kind": "person", "country": "RUS"},
    )
    path = ds / "support_events.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(
        "".join(line for line in lines if not line.startswith("2025-06-01-withholding"))
    )
    # A released ID goes only with a record of why.
    add_row(
        ds,
        "retired_ids",
        {
            "old_id": "2025-06-01-withholding",
            "table": "support_events",
            "reason": "Removed from the test fixture.",
            "retired": "2026-11-30",
        },
    )
    result = release("2026.2", ds, folder, log)
    assert result.exit_code == 0, result.output
    return folder


Route = Callable[[http.server.BaseHTTPRequestHandler], None]


@dataclass
class Site:
    """A local HTTP server of a folder: the paths asked for, and per-path overrides
    (`routes`) that answer instead of the file."""

    url: str = ""
    requests: list[str] = field(default_factory=list)
    routes: dict[str, Route] = field(default_factory=dict)
    stop: Callable[[], None] = lambda: None


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        site: Site = self.server.site  # type: ignore[attr-defined]
        site.requests.append(self.path)
        route = site.routes.get(self.path)
        if route is None:
            super().do_GET()
        else:
            route(self)


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[Site]:
    """Serve `directory` from 127.0.0.1 until the block ends (or `site.stop()`)."""
    handler = functools.partial(_Handler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    site = Site(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.site = site  # type: ignore[attr-defined]
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    stopped = threading.Event()

    def stop() -> None:
        if not stopped.is_set():
            stopped.set()
            httpd.shutdown()
            httpd.server_close()

    site.stop = stop
    try:
        yield site
    finally:
        stop()


@pytest.fixture
def site(dist: Path) -> Iterator[Site]:
    """The `dist` folder served from 127.0.0.1."""
    with serve(dist) as served:
        yield served


@pytest.fixture
def server(site: Site) -> str:
    """The base URL of the served `dist` folder."""
    return site.url
