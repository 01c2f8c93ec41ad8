"""The edition loader and `download` against good, hostile, broken and absent servers.

Every server here is on 127.0.0.1: `site` serves a released DIST, `bare` a folder the
test writes an editions.json into, `hang` accepts connections and never answers, and
`down_url` is a port nobody listens on.
"""

from __future__ import annotations

import hashlib
import http.server
import importlib
import json
import os
import shutil
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import allyledger
from allyledger.frames import read_table
from allyledger.loader import (
    DownloadFailed,
    IndexInvalid,
    NotCached,
    StaleIndexWarning,
    cache_dir_of,
    download,
    edition_index,
    fetch_file,
)
from allyledger.outputs import sha256
from allyledger.problems import ChecksumMismatch, UsageProblem
from allyledger.remote import timeouts
from conftest import AS_OF, VALID, Route, Site, run, serve

loader = importlib.import_module("allyledger.loader")

MIB = 1024 * 1024
FILE_KINDS = (
    "datapackage.json, croissant.json, manifest.json, CHANGES.md, report.html, "
    "allyledger.xlsx, <table>.parquet or <table>.csv"
)


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the environment; every test warns afresh."""
    for name in ("ALLYLEDGER_BASE_URL", "ALLYLEDGER_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALLYLEDGER_TIMEOUT", "5")
    monkeypatch.setattr(loader, "_WARNED", set())


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder` with its bytes (None for a folder)."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Hang:
    """A TCP server that accepts connections and never sends a byte."""

    url: str
    accepted: list[socket.socket] = field(default_factory=list)


@pytest.fixture
def hang(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hang]:
    monkeypatch.setenv("ALLYLEDGER_TIMEOUT", "0.5")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.05)
    server = Hang(f"http://127.0.0.1:{listener.getsockname()[1]}")
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            server.accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server
    stop.set()
    thread.join(5)
    for conn in server.accepted:
        conn.close()
    listener.close()


@pytest.fixture
def down_url() -> str:
    """The address of a port on 127.0.0.1 that nothing listens on."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[tuple[Site, Path]]:
    """An empty folder served from 127.0.0.1 (write its editions.json yourself)."""
    folder = tmp_path / "site"
    folder.mkdir()
    with serve(folder) as served:
        yield served, folder


def clone_cache(root: Path, source: str, target: str) -> None:
    """Make the cache of base URL `target` a copy of that of `source`."""
    shutil.copytree(cache_dir_of(source, root), cache_dir_of(target, root))


def answer(
    body: bytes, *, length: int | None = None, stall: threading.Event | None = None
) -> Route:
    """A route that sends `body` (declaring `length` bytes), then waits for `stall`
    if given, then closes the connection."""

    def route(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header(
            "Content-Length", str(len(body) if length is None else length)
        )
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
        if stall is not None:
            stall.wait(30)
        handler.close_connection = True

    return route


def endless(sent: list[int], done: threading.Event, cap: int = 64 * MIB) -> Route:
    """A route that streams spaces with no declared length until the client hangs up
    (or `cap` bytes), recording how much it sent."""

    def route(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        total = 0
        block = b" " * 65536
        try:
            while total < cap:
                handler.wfile.write(block)
                total += len(block)
        except OSError:
            pass
        finally:
            handler.close_connection = True
            sent.append(total)
            done.set()

    return route


FILES = {"actors.parquet": b"not really parquet", "CHANGES.md": b"## 2026.1\n"}


def file_entry(name: str, body: bytes) -> dict[str, Any]:
    return {"name": name, "bytes": len(body), "sha256": digest(body)}


def index_of(*entries: dict[str, Any], latest: str | None = "2026.1") -> dict[str, Any]:
    return {"editions": list(entries), "latest": latest}


def entry_of(
    edition: str = "2026.1", files: dict[str, bytes] = FILES
) -> dict[str, Any]:
    return {
        "edition": edition,
        "date": AS_OF,
        "files": [file_entry(name, body) for name, body in files.items()],
    }


def publish(folder: Path, index: object, files: dict[str, bytes] = FILES) -> None:
    """Write an editions.json (bytes as given, anything else as JSON) and the files
    of edition 2026.1 into the served folder."""
    data = index if isinstance(index, bytes) else json.dumps(index).encode()
    (folder / "editions.json").write_bytes(data)
    (folder / "2026.1").mkdir(exist_ok=True)
    for name, body in files.items():
        (folder / "2026.1" / name).write_bytes(body)


# --- what worked before ----------------------------------------------------------


def test_load_latest_and_by_edition(server, dist, tmp_path):
    cache = tmp_path / "cache"
    latest = allyledger.load("actors", base_url=server, cache_dir=cache)
    first = allyledger.load("actors", "2026.1", base_url=server, cache_dir=cache)
    assert "zzz-new" in set(latest["actor_id"]) and "zzz-new" not in set(
        first["actor_id"]
    )
    pd.testing.assert_frame_equal(
        latest, read_table(dist / "2026.2" / "actors.parquet")
    )


def test_loaded_frames_are_typed(server, tmp_path):
    frames = allyledger.load_all("2026.1", base_url=server, cache_dir=tmp_path / "c")
    assert set(frames) == set(allyledger.TABLES)
    events = frames["support_events"].set_index("event_id")
    assert list(events["kind"].cat.categories)[:3] == ["crisis", "request", "pledge"]
    assert str(events["date"].dtype).startswith("datetime64")
    assert events.loc["2025-01-pledge", "date"] == pd.Timestamp("2025-01-01")
    assert events.loc["2025-01-pledge", "date_precision"] == "month"
    assert list(events.loc["2025-delivery", "source_ids"]) == [
        "example-2025-01-01-original",
        "example-2025-01-02-retelling",
    ]


def test_cache_is_used_without_the_server(site, tmp_path):
    cache = tmp_path / "cache"
    online = allyledger.load("sources", base_url=site.url, cache_dir=cache)
    site.stop()
    with pytest.warns(StaleIndexWarning, match="using the cached list of editions"):
        offline = allyledger.load("sources", base_url=site.url, cache_dir=cache)
    pd.testing.assert_frame_equal(online, offline)


def test_env_variable_sets_base_url(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ALLYLEDGER_BASE_URL", server)
    frame = allyledger.load("relationships", "2026.1", cache_dir=tmp_path / "c")
    assert len(frame) == 3


def test_corrupt_file_is_refused_and_not_cached(server, dist, tmp_path):
    path = dist / "2026.2" / "sources.parquet"
    path.write_bytes(path.read_bytes()[:-10])
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumMismatch) as info:
        allyledger.load("sources", base_url=server, cache_dir=cache)
    message = str(info.value.message)
    entry = next(
        f
        for e in json.loads((dist / "editions.json").read_text())["editions"]
        if e["edition"] == "2026.2"
        for f in e["files"]
        if f["name"] == "sources.parquet"
    )
    assert "sources.parquet of edition 2026.2" in message
    assert f"expected SHA-256 {entry['sha256']}, got {sha256(path)}" in message
    assert not list(cache.rglob("sources.parquet"))
    assert not list(cache.rglob("*.part"))


def test_unknown_table_and_edition_list_valid_ones(server, tmp_path):
    with pytest.raises(
        UsageProblem,
        match="the tables of edition 2026.2 are: actors, relationships, support_events, sources",
    ):
        allyledger.load("events", base_url=server, cache_dir=tmp_path)
    with pytest.raises(Exception, match=r"the editions are: 2026\.1, 2026\.2"):
        allyledger.load("actors", "2025.9", base_url=server, cache_dir=tmp_path)


def test_download_command(server, dist, tmp_path):
    result = run(
        "download",
        "2026.1",
        "--to",
        tmp_path / "got",
        "--base-url",
        server,
        "--cache-dir",
        tmp_path / "cache",
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"downloaded 20 files into {tmp_path / 'got'}\n"
    assert tree(tmp_path / "got") == tree(dist / "2026.1")


def test_release_loads_back_identical_to_build(server, dist, tmp_path):
    run("build", VALID, "--out", tmp_path / "b", "--as-of", AS_OF)
    for name in allyledger.TABLES:
        loaded = allyledger.load(
            name, "2026.1", base_url=server, cache_dir=tmp_path / "c"
        )
        pd.testing.assert_frame_equal(
            loaded, read_table(tmp_path / "b" / f"{name}.parquet")
        )
    assert (tmp_path / "b" / "actors.parquet").read_bytes() == (
        dist / "2026.1" / "actors.parquet"
    ).read_bytes()


# --- 1. a hostile index: names that would leave the cache or the target -----------

HOSTILE_FILE_NAMES = [
    "../../.bashrc",
    "../../../../.bashrc",
    "a/b.parquet",
    "/tmp/actors.parquet",
    "a\\b.csv",
    "..",
    ".",
    "",
    ".parquet",
    "actors..parquet",
    "Actors.parquet",
    "actors.PARQUET",
    "actors.parquet\n",
    "actors.parquet/",
    "x.txt",
    "editions.json",
    "files.json",
    "a" * 65 + ".csv",
]
HOSTILE_EDITIONS = [
    "../x",
    "2026.1/..",
    "2026.1/../../..",
    "..",
    "2026.1\n",
    "2026.1 ",
    "2026.01",
    "2026",
    "26.1",
    "2026.1" + "0" * 40,
]


def _refused_file(url: str, name: str) -> str:
    return (
        f"{url}/editions.json is not a valid list of editions: editions[0].files[0]"
        f".name {json.dumps(name)} is not a file an edition may hold ({FILE_KINDS})"
    )


def _refused_edition(url: str, edition: str) -> str:
    return (
        f"{url}/editions.json is not a valid list of editions: editions[0].edition "
        f"{json.dumps(edition)} is not an edition name (YYYY.N, e.g. 2026.1)"
    )


@pytest.mark.parametrize("name", HOSTILE_FILE_NAMES)
def test_hostile_file_name_is_refused_and_nothing_is_written(bare, tmp_path, name):
    site, folder = bare
    entry = entry_of()
    entry["files"][0]["name"] = name
    publish(folder, index_of(entry))
    sentinel = tmp_path / ".bashrc"
    sentinel.write_text("mine\n")
    before = tree(tmp_path)
    with pytest.raises(IndexInvalid) as info:
        allyledger.load("actors", base_url=site.url, cache_dir=tmp_path / "cache")
    assert info.value.message == _refused_file(site.url, name)
    with pytest.raises(IndexInvalid) as info:
        download(
            "2026.1", tmp_path / "got", base_url=site.url, cache_dir=tmp_path / "c"
        )
    assert info.value.message == _refused_file(site.url, name)
    assert tree(tmp_path) == before
    assert sentinel.read_text() == "mine\n"
    assert site.requests == ["/editions.json", "/editions.json"]


@pytest.mark.parametrize("edition", HOSTILE_EDITIONS)
def test_hostile_edition_name_is_refused_and_nothing_is_written(
    bare, tmp_path, edition
):
    site, folder = bare
    publish(folder, index_of(entry_of(edition), latest=None))
    before = tree(tmp_path)
    with pytest.raises(IndexInvalid) as info:
        allyledger.load("actors", base_url=site.url, cache_dir=tmp_path / "cache")
    assert info.value.message == _refused_edition(site.url, edition)
    assert tree(tmp_path) == before
    assert site.requests == ["/editions.json"]


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (
            lambda ix: ix["editions"][0]["files"].append(ix["editions"][0]["files"][0]),
            'editions[0].files[2].name "actors.parquet" is listed twice',
        ),
        (
            lambda ix: ix["editions"].append(ix["editions"][0]),
            'edition "2026.1" is listed twice',
        ),
    ],
    ids=["file-twice", "edition-twice"],
)
def test_duplicates_are_refused(bare, tmp_path, mutate, problem):
    site, folder = bare
    index = index_of(entry_of())
    mutate(index)
    publish(folder, index)
    before = tree(tmp_path)
    with pytest.raises(IndexInvalid) as info:
        allyledger.load("actors", "2026.1", base_url=site.url, cache_dir=tmp_path / "c")
    assert info.value.message == (
        f"{site.url}/editions.json is not a valid list of editions: {problem}"
    )
    assert tree(tmp_path) == before


@pytest.mark.parametrize(
    "value", ["../../.bashrc", "a/b.parquet", "../x", "2026.1/.."], ids=str
)
def test_download_command_refuses_a_hostile_index(bare, tmp_path, value):
    site, folder = bare
    entry = entry_of()
    if "parquet" in value or "bashrc" in value:
        entry["files"][0]["name"] = value
        expected = _refused_file(site.url, value)
    else:
        entry["edition"] = value
        expected = _refused_edition(site.url, value)
    publish(folder, index_of(entry, latest=None))
    earlier = tmp_path / "got"
    earlier.mkdir()
    before = tree(tmp_path)
    result = run(
        "download",
        "--to",
        earlier,
        "--base-url",
        site.url,
        "--cache-dir",
        tmp_path / "c",
    )
    assert result.exit_code == 1
    assert result.output == f"Error: {expected}\n"
    assert tree(tmp_path) == before


def test_a_hostile_edition_asked_for_builds_no_path(site, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(UsageProblem) as info:
        allyledger.load("actors", "../2026.1", base_url=site.url, cache_dir=cache)
    assert info.value.message == (
        "unknown edition '../2026.1'; the editions are: 2026.1, 2026.2 (or 'latest')"
    )
    assert sorted(tree(cache)) == [cache_dir_of(site.url, cache).name] + [
        f"{cache_dir_of(site.url, cache).name}/editions.json"
    ]


# --- 2. a malformed index: one line, never a traceback ------------------------------


def _with_file(**changes: object) -> bytes:
    item: dict[str, object] = file_entry("actors.parquet", FILES["actors.parquet"])
    for key, value in changes.items():
        if value is KeyError:
            del item[key]
        else:
            item[key] = value
    entry = entry_of()
    entry["files"] = [item]
    return json.dumps(index_of(entry)).encode()


def _with_entry(**changes: object) -> bytes:
    entry: dict[str, object] = entry_of()
    for key, value in changes.items():
        if value is KeyError:
            del entry[key]
        else:
            entry[key] = value
    return json.dumps(index_of(entry)).encode()


MALFORMED = [
    (b'{"editions": [], "latest": null}'[:-5], "not valid JSON"),
    (b"", "not valid JSON"),
    (b'{"editions": [], "latest": null,}', "not valid JSON"),
    (b'{"editions": [], "latest": ' + b"1" * 5000 + b"}", "not valid JSON"),
    (b"\xff\xfe{}", "it is not UTF-8 text"),
    (b"[" * 100000, "it is nested too deeply"),
    (b"[]", "the top level is [], not an object"),
    (b'"editions"', 'the top level is "editions", not an object'),
    (b"null", "the top level is null, not an object"),
    (b"{}", "the top level has no 'editions'"),
    (b'{"latest": null}', "the top level has no 'editions'"),
    (b'{"editions": {}, "latest": null}', "editions is {}, not a list"),
    (b'{"editions": []}', "the top level has no 'latest'"),
    (b'{"editions": [1], "latest": null}', "editions[0] is 1, not an object"),
    (
        b'{"editions": [], "latest": "2026.1"}',
        'latest "2026.1" is not a listed edition',
    ),
    (b'{"editions": [], "latest": 2026.1}', "latest 2026.1 is not a listed edition"),
    (_with_entry(edition=KeyError), "editions[0] has no 'edition'"),
    (_with_entry(edition=2026.1), "editions[0].edition is 2026.1, not a string"),
    (_with_entry(date=KeyError), "editions[0] has no 'date'"),
    (_with_entry(date=None), "editions[0].date is null, not a string"),
    (_with_entry(files=KeyError), "editions[0] has no 'files'"),
    (_with_entry(files={}), "editions[0].files is {}, not a list"),
    (_with_entry(files=["x"]), 'editions[0].files[0] is "x", not an object'),
    (_with_file(name=KeyError), "editions[0].files[0] has no 'name'"),
    (_with_file(name=5), "editions[0].files[0].name is 5, not a string"),
    (_with_file(bytes=KeyError), "editions[0].files[0] has no 'bytes'"),
    (_with_file(bytes=-1), "editions[0].files[0].bytes -1 is not a size (at least 0)"),
    (_with_file(bytes=True), "editions[0].files[0].bytes is true, not a whole number"),
    (_with_file(bytes=1.5), "editions[0].files[0].bytes is 1.5, not a whole number"),
    (_with_file(bytes="18"), 'editions[0].files[0].bytes is "18", not a whole number'),
    (_with_file(sha256=KeyError), "editions[0].files[0] has no 'sha256'"),
    (_with_file(sha256=None), "editions[0].files[0].sha256 is null, not a string"),
    (
        _with_file(sha256="A" * 64),
        f'editions[0].files[0].sha256 "{"A" * 64}" is not a SHA-256 '
        "(64 lowercase hex digits)",
    ),
    (
        _with_file(sha256="a" * 63),
        f'editions[0].files[0].sha256 "{"a" * 63}" is not a SHA-256 '
        "(64 lowercase hex digits)",
    ),
]


MALFORMED_IDS = [problem.split(",")[0][:48] for _, problem in MALFORMED]


def _expected(url: str, problem: str) -> str:
    if problem == "not valid JSON":
        return f"{url}/editions.json is not valid JSON ("
    return f"{url}/editions.json is not a valid list of editions: {problem}"


@pytest.mark.parametrize(("data", "problem"), MALFORMED, ids=MALFORMED_IDS)
def test_malformed_index_is_one_clear_error(bare, tmp_path, data, problem):
    site, folder = bare
    publish(folder, data)
    before = tree(tmp_path)
    with pytest.raises(IndexInvalid) as info:
        edition_index(site.url, cache_dir=tmp_path / "cache")
    message = info.value.message
    assert "\n" not in message
    if problem == "not valid JSON":
        assert message.startswith(_expected(site.url, problem)) and message.endswith(
            ")"
        )
    else:
        assert message == _expected(site.url, problem)
    assert tree(tmp_path) == before


@pytest.mark.parametrize(("data", "problem"), MALFORMED, ids=MALFORMED_IDS)
def test_download_command_reports_a_malformed_index(bare, tmp_path, data, problem):
    site, folder = bare
    publish(folder, data)
    before = tree(tmp_path)
    result = run(
        "download",
        "--to",
        tmp_path / "got",
        "--base-url",
        site.url,
        "--cache-dir",
        tmp_path / "cache",
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: " + _expected(site.url, problem))
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert tree(tmp_path) == before


def test_an_invalid_cached_index_is_not_used(bare, tmp_path, down_url):
    site, folder = bare
    publish(folder, index_of(entry_of()))
    edition_index(site.url, cache_dir=tmp_path / "cache")
    clone_cache(tmp_path / "cache", site.url, down_url)
    cached = cache_dir_of(down_url, tmp_path / "cache") / "editions.json"
    cached.write_text('{"editions": [{"edition": "../x"}], "latest": null}')
    with pytest.raises(DownloadFailed) as info:
        edition_index(down_url, cache_dir=tmp_path / "cache")
    assert info.value.message == (
        f"cannot fetch {down_url}/editions.json (connection refused) and there is no "
        "cached copy"
    )
    with pytest.raises(NotCached):
        edition_index(down_url, cache_dir=tmp_path / "cache", offline=True)


# --- 3. sizes ------------------------------------------------------------------------


def test_a_file_longer_than_declared_is_cut_off(bare, tmp_path):
    site, folder = bare
    publish(folder, index_of(entry_of()))
    sent: list[int] = []
    done = threading.Event()
    site.routes["/2026.1/actors.parquet"] = endless(sent, done)
    cache = tmp_path / "cache"
    with pytest.raises(DownloadFailed) as info:
        fetch_file("actors.parquet", base_url=site.url, cache_dir=cache)
    assert info.value.message == (
        f"{site.url}/2026.1/actors.parquet sent more than the 18 bytes editions.json "
        "declares for actors.parquet of edition 2026.1; stopped, nothing was kept"
    )
    assert done.wait(30) and sent[0] < 64 * MIB
    slug = cache_dir_of(site.url, cache).name
    assert sorted(tree(cache)) == [
        slug,
        f"{slug}/2026.1",
        f"{slug}/2026.1/files.json",
        f"{slug}/editions.json",
    ]


def test_a_declared_length_over_the_size_is_refused_before_reading(bare, tmp_path):
    site, folder = bare
    publish(folder, index_of(entry_of()))
    site.routes["/2026.1/actors.parquet"] = answer(b"", length=10**12)
    cache = tmp_path / "cache"
    with pytest.raises(DownloadFailed) as info:
        fetch_file("actors.parquet", base_url=site.url, cache_dir=cache)
    assert info.value.message == (
        f"{site.url}/2026.1/actors.parquet sent more than the 18 bytes editions.json "
        "declares for actors.parquet of edition 2026.1; stopped, nothing was kept"
    )
    assert not list(cache.rglob("actors.parquet*")) and not list(cache.rglob(".*part"))


def test_an_index_over_16_mib_is_refused(bare, tmp_path):
    site, _ = bare
    sent: list[int] = []
    done = threading.Event()
    site.routes["/editions.json"] = endless(sent, done)
    before = tree(tmp_path)
    with pytest.raises(IndexInvalid) as info:
        edition_index(site.url, cache_dir=tmp_path / "cache")
    assert info.value.message == (
        f"{site.url}/editions.json is larger than 16 MiB; refusing it"
    )
    assert done.wait(30) and sent[0] < 64 * MIB
    assert tree(tmp_path) == before


# --- 4. timeouts -------------------------------------------------------------------


def test_timeouts_default_and_from_the_environment(monkeypatch):
    monkeypatch.delenv("ALLYLEDGER_TIMEOUT")
    assert timeouts() == (5.0, 20.0)
    monkeypatch.setenv("ALLYLEDGER_TIMEOUT", "0.5")
    assert timeouts() == (0.5, 0.5)


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf", "1s"])
def test_a_bad_timeout_setting_is_a_usage_error(bare, tmp_path, monkeypatch, value):
    site, folder = bare
    publish(folder, index_of(entry_of()))
    monkeypatch.setenv("ALLYLEDGER_TIMEOUT", value)
    message = (
        f"ALLYLEDGER_TIMEOUT is {value!r}; set it to a number of seconds above 0 "
        "(e.g. 0.5)"
    )
    with pytest.raises(UsageProblem) as info:
        timeouts()
    assert info.value.message == message
    result = run(
        "download",
        "--to",
        tmp_path / "got",
        "--base-url",
        site.url,
        "--cache-dir",
        tmp_path / "cache",
    )
    assert (result.exit_code, result.output) == (2, f"Error: {message}\n")
    assert site.requests == []


def test_a_server_that_never_answers_times_out(hang, tmp_path):
    before = tree(tmp_path)
    with pytest.raises(DownloadFailed) as info:
        allyledger.load("actors", base_url=hang.url, cache_dir=tmp_path / "cache")
    assert info.value.message == (
        f"cannot fetch {hang.url}/editions.json (timed out) and there is no cached copy"
    )
    assert tree(tmp_path) == before


def test_a_file_that_stalls_midway_times_out_and_is_not_kept(
    bare, tmp_path, monkeypatch
):
    monkeypatch.setenv("ALLYLEDGER_TIMEOUT", "0.5")
    site, folder = bare
    publish(folder, index_of(entry_of()))
    stall = threading.Event()
    site.routes["/2026.1/actors.parquet"] = answer(b"not ", length=18, stall=stall)
    cache = tmp_path / "cache"
    try:
        with pytest.raises(DownloadFailed) as info:
            fetch_file("actors.parquet", base_url=site.url, cache_dir=cache)
    finally:
        stall.set()
    assert info.value.message == (
        f"cannot download {site.url}/2026.1/actors.parquet (timed out); nothing was kept"
    )
    assert not list(cache.rglob("actors.parquet*")) and not list(cache.rglob(".*part"))


# --- 5. a pinned, cached edition needs no network -----------------------------------


@pytest.mark.parametrize("absent", ["hang", "down_url"])
def test_pinned_cached_edition_loads_without_the_network(
    site, dist, tmp_path, request, monkeypatch, absent
):
    monkeypatch.setenv("ALLYLEDGER_TIMEOUT", "0.5")
    root = tmp_path / "cache"
    online = allyledger.load_all("2026.1", base_url=site.url, cache_dir=root)
    download("2026.1", tmp_path / "first", base_url=site.url, cache_dir=root)
    kept = json.loads(
        (cache_dir_of(site.url, root) / "2026.1" / "files.json").read_text()
    )
    assert kept == json.loads((dist / "editions.json").read_text())["editions"][0]
    gone = request.getfixturevalue(absent)
    url = gone if isinstance(gone, str) else gone.url
    clone_cache(root, site.url, url)
    one = allyledger.load("actors", "2026.1", base_url=url, cache_dir=root)
    every = allyledger.load_all("2026.1", base_url=url, cache_dir=root)
    pd.testing.assert_frame_equal(one, online["actors"])
    for name, frame in every.items():
        pd.testing.assert_frame_equal(frame, online[name])
    path = fetch_file("report.html", "2026.1", base_url=url, cache_dir=root)
    assert path.read_bytes() == (dist / "2026.1" / "report.html").read_bytes()
    result = run(
        "download",
        "2026.1",
        "--to",
        tmp_path / "got",
        "--base-url",
        url,
        "--cache-dir",
        root,
    )
    assert result.exit_code == 0, result.output
    assert tree(tmp_path / "got") == tree(dist / "2026.1")
    if absent == "hang":
        assert gone.accepted == []


def test_a_tampered_cached_file_is_fetched_again(site, dist, tmp_path):
    root = tmp_path / "cache"
    allyledger.load("actors", "2026.1", base_url=site.url, cache_dir=root)
    cached = cache_dir_of(site.url, root) / "2026.1" / "actors.parquet"
    cached.write_bytes(b"tampered")
    del site.requests[:]
    frame = allyledger.load("actors", "2026.1", base_url=site.url, cache_dir=root)
    pd.testing.assert_frame_equal(frame, read_table(dist / "2026.1" / "actors.parquet"))
    # The pinned edition's kept entry says what the file must be: only it is fetched.
    assert site.requests == ["/2026.1/actors.parquet"]
    assert cached.read_bytes() == (dist / "2026.1" / "actors.parquet").read_bytes()


# --- 6. offline --------------------------------------------------------------------

OFFLINE_CALLS: dict[str, Callable[[str, Path, bool], object]] = {
    "load": lambda url, root, off: allyledger.load(
        "actors", "2026.1", base_url=url, cache_dir=root, offline=off
    ),
    "load_all": lambda url, root, off: allyledger.load_all(
        "2026.1", base_url=url, cache_dir=root, offline=off
    ),
    "fetch_file": lambda url, root, off: fetch_file(
        "CHANGES.md", "2026.1", base_url=url, cache_dir=root, offline=off
    ),
    "download": lambda url, root, off: download(
        "2026.1", root.parent / "got", base_url=url, cache_dir=root, offline=off
    ),
}


@pytest.mark.parametrize("how", ["argument", "environment"])
@pytest.mark.parametrize("call", sorted(OFFLINE_CALLS))
def test_offline_with_nothing_cached_says_so(bare, tmp_path, monkeypatch, call, how):
    site, folder = bare
    publish(folder, index_of(entry_of()))
    if how == "environment":
        monkeypatch.setenv("ALLYLEDGER_OFFLINE", "1")
    root = tmp_path / "cache"
    before = tree(tmp_path)
    with pytest.raises(NotCached) as info:
        OFFLINE_CALLS[call](site.url, root, how == "argument")
    assert info.value.message == (
        f"edition 2026.1 is not in the cache {cache_dir_of(site.url, root)} (nor is "
        f"the list of editions of {site.url}); offline, so nothing was fetched"
    )
    with pytest.raises(NotCached) as info:
        edition_index(site.url, cache_dir=root, offline=how == "argument")
    assert info.value.message == (
        f"the list of editions of {site.url} is not in the cache "
        f"{cache_dir_of(site.url, root)}; offline, so nothing was fetched"
    )
    assert site.requests == []
    assert tree(tmp_path) == before


def test_offline_reads_what_is_cached_and_names_what_is_not(site, dist, tmp_path):
    root = tmp_path / "cache"
    online = allyledger.load("actors", base_url=site.url, cache_dir=root)
    del site.requests[:]
    offline = allyledger.load("actors", base_url=site.url, cache_dir=root, offline=True)
    pd.testing.assert_frame_equal(online, offline)
    assert edition_index(site.url, cache_dir=root, offline=True) == json.loads(
        (dist / "editions.json").read_text()
    )
    with pytest.raises(NotCached) as info:
        allyledger.load("sources", base_url=site.url, cache_dir=root, offline=True)
    assert info.value.message == (
        f"edition 2026.2 is not in the cache {cache_dir_of(site.url, root)} (missing "
        "sources.parquet); offline, so nothing was downloaded"
    )
    with pytest.raises(NotCached) as info:
        allyledger.load(
            "actors", "2026.1", base_url=site.url, cache_dir=root, offline=True
        )
    assert info.value.message == (
        f"edition 2026.1 is not in the cache {cache_dir_of(site.url, root)} (missing "
        "actors.parquet); offline, so nothing was downloaded"
    )
    assert site.requests == []


def test_download_command_offline(bare, tmp_path):
    site, folder = bare
    publish(folder, index_of(entry_of()))
    result = run(
        "download",
        "2026.1",
        "--to",
        tmp_path / "got",
        "--base-url",
        site.url,
        "--cache-dir",
        tmp_path / "cache",
        "--offline",
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: edition 2026.1 is not in the cache "
        f"{cache_dir_of(site.url, tmp_path / 'cache')} (nor is the list of editions "
        f"of {site.url}); offline, so nothing was fetched\n"
    )
    assert site.requests == [] and not (tmp_path / "got").exists()


# --- 7. a stale index is announced once ----------------------------------------------


def _age_cached_index(root: Path, url: str, seconds: float) -> None:
    path = cache_dir_of(url, root) / "editions.json"
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_stale_index_warns_once_with_its_age(site, tmp_path):
    root = tmp_path / "cache"
    online = allyledger.load("actors", base_url=site.url, cache_dir=root)
    _age_cached_index(root, site.url, 3 * 86400 + 600)
    site.stop()
    with pytest.warns(StaleIndexWarning) as record:
        first = allyledger.load("actors", base_url=site.url, cache_dir=root)
        second = allyledger.load("actors", base_url=site.url, cache_dir=root)
    assert [str(w.message) for w in record] == [
        f"could not reach {site.url} (connection refused); using the cached list of "
        "editions from 3 days ago"
    ]
    assert record[0].filename == __file__
    pd.testing.assert_frame_equal(first, online)
    pd.testing.assert_frame_equal(second, online)


def test_stale_index_warns_once_per_base_url(site, hang, tmp_path):
    root = tmp_path / "cache"
    allyledger.load_all(base_url=site.url, cache_dir=root)
    clone_cache(root, site.url, hang.url)
    _age_cached_index(root, hang.url, 5 * 3600 + 60)
    _age_cached_index(root, site.url, 60)
    site.stop()
    with pytest.warns(StaleIndexWarning) as record:
        for _ in range(2):
            allyledger.load_all(base_url=hang.url, cache_dir=root)
            allyledger.load("actors", base_url=site.url, cache_dir=root)
    assert [str(w.message) for w in record] == [
        f"could not reach {hang.url} (timed out); using the cached list of editions "
        "from 5 hours ago",
        f"could not reach {site.url} (connection refused); using the cached list of "
        "editions from 1 minute ago",
    ]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "less than a minute ago"),
        (59, "less than a minute ago"),
        (60, "1 minute ago"),
        (7199, "1 hour ago"),
        (7200, "2 hours ago"),
        (86400, "1 day ago"),
        (10 * 86400, "10 days ago"),
    ],
)
def test_age_text(seconds, text):
    assert loader._age(seconds) == text


def test_download_command_prints_the_stale_index_warning(site, dist, tmp_path):
    root = tmp_path / "cache"
    got = tmp_path / "got"
    first = run("download", "--to", got, "--base-url", site.url, "--cache-dir", root)
    assert first.exit_code == 0, first.output
    site.stop()
    again = run("download", "--to", got, "--base-url", site.url, "--cache-dir", root)
    assert again.exit_code == 0, again.output
    assert again.output == (
        f"warning: could not reach {site.url} (connection refused); using the cached "
        f"list of editions from less than a minute ago\ndownloaded 20 files into {got}\n"
    )
    assert tree(got) == tree(dist / "2026.2")


# --- 8. download writes atomically --------------------------------------------------


def _fifth(dist: Path, edition: str) -> str:
    index = json.loads((dist / "editions.json").read_text())
    entry = next(e for e in index["editions"] if e["edition"] == edition)
    name: str = entry["files"][4]["name"]
    return name


@pytest.mark.parametrize("failure", ["corrupt", "dies"])
@pytest.mark.parametrize("earlier", [False, True], ids=["missing", "earlier-download"])
def test_a_failed_download_leaves_the_target_as_it_was(
    site, dist, tmp_path, failure, earlier
):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "got"
    root = tmp_path / "cache"
    if earlier:
        result = run(
            "download",
            "2026.1",
            "--to",
            target,
            "--base-url",
            site.url,
            "--cache-dir",
            root,
        )
        assert result.exit_code == 0, result.output
    fifth = _fifth(dist, "2026.2")
    good = (dist / "2026.2" / fifth).read_bytes()
    url = f"{site.url}/2026.2/{fifth}"
    if failure == "corrupt":
        bad = bytes([good[0] ^ 1]) + good[1:]
        site.routes[f"/2026.2/{fifth}"] = answer(bad)
        message = (
            f"{fifth} of edition 2026.2 from {url} is corrupt or truncated: expected "
            f"SHA-256 {digest(good)}, got {digest(bad)}; it was not kept"
        )
    else:
        site.routes[f"/2026.2/{fifth}"] = answer(
            good[: len(good) // 2], length=len(good)
        )
        message = f"cannot download {url} (connection broken); nothing was kept"
    before = tree(out)
    earlier_files = {f"got/{k}": v for k, v in tree(dist / "2026.1").items()}
    assert before == ({"got": None, **earlier_files} if earlier else {})
    cache_before = tree(root)
    result = run(
        "download",
        "2026.2",
        "--to",
        target,
        "--base-url",
        site.url,
        "--cache-dir",
        root,
    )
    assert (result.exit_code, result.output) == (1, f"Error: {message}\n")
    assert tree(out) == before
    # Nothing cached before was removed; the bad file was not kept.
    after = tree(root)
    assert {k: v for k, v in after.items() if k in cache_before} == cache_before
    assert not [k for k in after if k.endswith((f"2026.2/{fifth}", ".part"))]


def test_a_folder_not_from_download_is_refused(site, tmp_path):
    target = tmp_path / "got"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    before = tree(tmp_path)
    result = run(
        "download",
        "2026.1",
        "--to",
        target,
        "--base-url",
        site.url,
        "--cache-dir",
        tmp_path / "cache",
    )
    assert result.exit_code == 2
    assert result.output == (
        f"Error: refusing to replace {target}: it is not empty and is not an earlier "
        "output of `allyledger download` (no manifest.json; it has notes.txt); choose "
        "a new or empty folder\n"
    )
    assert tree(tmp_path) == before
    assert site.requests == []


def test_an_earlier_download_is_replaced_whole(site, dist, tmp_path):
    target = tmp_path / "got"
    root = tmp_path / "cache"
    assert download("2026.1", target, base_url=site.url, cache_dir=root)
    paths = download("2026.2", target, base_url=site.url, cache_dir=root)
    assert sorted(paths) == sorted(target / name for name in tree(dist / "2026.2"))
    assert tree(target) == tree(dist / "2026.2")
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == ["CHANGELOG.md", "cache", "dist", "ds", "got"]


def test_a_checksum_mismatch_deletes_nothing_it_did_not_write(site, dist, tmp_path):
    root = tmp_path / "cache"
    allyledger.load_all("2026.1", base_url=site.url, cache_dir=root)
    allyledger.load("actors", base_url=site.url, cache_dir=root)
    before = tree(root)
    path = dist / "2026.2" / "sources.parquet"
    path.write_bytes(path.read_bytes()[::-1])
    with pytest.raises(ChecksumMismatch):
        allyledger.load("sources", base_url=site.url, cache_dir=root)
    assert tree(root) == before


def test_certainty_and_precision_are_ordered_scales(tmp_path):
    assert run("build", VALID, "--out", tmp_path / "b", "--as-of", AS_OF).exit_code == 0
    events = read_table(tmp_path / "b" / "support_events.parquet")
    assert list(events["certainty"].cat.categories) == [
        "confirmed",
        "reported",
        "alleged",
        "disputed",
    ]
    established = events[events["certainty"] <= "reported"]
    assert sorted(established["event_id"]) == sorted(
        events.loc[events["certainty"].isin(["confirmed", "reported"]), "event_id"]
    )
    assert sorted(established["event_id"]) == [
        "2025-01-01-crisis",
        "2025-01-02-request",
        "2025-06-01-withholding",
    ]
    precise = events[events["date_precision"] >= "month"]
    assert sorted(precise["event_id"]) == [
        "2025-01-01-crisis",
        "2025-01-02-request",
        "2025-01-pledge",
        "2025-06-01-withholding",
    ]
    outcomes = read_table(tmp_path / "b" / "outcomes.parquet")
    assert outcomes["certainty"].cat.ordered and outcomes["date_precision"].cat.ordered
    assert not events["kind"].cat.ordered  # a kind is no scale


def test_a_local_folder_or_file_url_is_a_base_url(dist, tmp_path):
    from allyledger.loader import base_url_of

    for base in (dist, str(dist), dist.as_uri()):
        events = allyledger.load(
            "support_events", "2026.1", base_url=base, cache_dir=tmp_path / "c"
        )
        assert len(events) == 5
    assert base_url_of(dist) == dist.resolve().as_uri()
    # A missing folder is a clear download failure, never a traceback.
    missing = tmp_path / "nowhere"
    with pytest.raises(Exception, match="cannot fetch .*editions.json"):
        allyledger.load("actors", base_url=missing, cache_dir=tmp_path / "c2")
    # The same checks as over HTTP: a file that does not match editions.json is refused.
    (tmp_path / "copy").mkdir()
    shutil.copytree(dist / "2026.1", tmp_path / "copy" / "2026.1")
    shutil.copy(dist / "editions.json", tmp_path / "copy" / "editions.json")
    with open(tmp_path / "copy" / "2026.1" / "actors.parquet", "ab") as handle:
        handle.write(b"x")
    with pytest.raises(Exception, match="actors.parquet"):
        allyledger.load(
            "actors", "2026.1", base_url=tmp_path / "copy", cache_dir=tmp_path / "c3"
        )


def test_editions_lists_what_a_server_offers(server, tmp_path):
    listed = allyledger.editions(base_url=server, cache_dir=tmp_path)
    assert [(e["edition"], e["latest"]) for e in listed] == [
        ("2026.1", False),
        ("2026.2", True),
    ]
    assert listed[0]["date"] == AS_OF and "actors.parquet" in listed[0]["files"]


def test_the_cache_folder_comes_from_the_environment_and_clears(
    server, tmp_path, monkeypatch
):
    monkeypatch.setenv("ALLYLEDGER_CACHE_DIR", str(tmp_path / "envcache"))
    allyledger.load("actors", "2026.1", base_url=server)
    (ours,) = (tmp_path / "envcache").iterdir()
    assert (ours / "2026.1" / "actors.parquet").is_file()
    keep = tmp_path / "envcache" / "not-ours.txt"
    keep.write_text("a user's file")
    assert allyledger.clear_cache(base_url=server) == ours
    assert not ours.exists() and keep.read_text() == "a user's file"
    assert allyledger.clear_cache(base_url=server) is None


def test_the_bundled_edition_is_served_when_the_site_is_out_of_reach(
    dist, tmp_path, monkeypatch
):
    """A fresh machine with no server: the package's bundled copy, said once."""
    from allyledger.release import write_bundle

    bundle = tmp_path / "bundled"
    assert write_bundle(bundle, dist / "2026.2", create=True)
    assert sorted(p.name for p in (bundle / "2026.2").iterdir()) == sorted(
        [*(p.name for p in (dist / "2026.2").glob("*.parquet")), "datapackage.json"]
    )
    monkeypatch.setattr(loader, "BUNDLE", bundle)
    monkeypatch.setattr(loader, "DEFAULT_BASE_URL", "http://127.0.0.1:9/editions")
    monkeypatch.delenv("ALLYLEDGER_BASE_URL", raising=False)
    monkeypatch.setattr(loader, "_WARNED", set())
    cache = tmp_path / "cache"
    with pytest.warns(loader.BundledEditionWarning, match="serving edition 2026.2"):
        actors = allyledger.load("actors", cache_dir=cache)
    expected = allyledger.read_table(dist / "2026.2" / "actors.parquet")
    pd.testing.assert_frame_equal(actors, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once per process, not again
        tables = allyledger.load_all(cache_dir=cache)
    assert "outcomes" in tables
    # Offline, nothing cached: still the bundled copy.
    monkeypatch.setattr(loader, "_WARNED", set())
    with pytest.warns(loader.BundledEditionWarning):
        allyledger.load("actors", cache_dir=tmp_path / "other", offline=True)
    # A pinned edition the bundle does not hold is not invented.
    with pytest.raises(loader.DownloadFailed):
        allyledger.load("actors", "2026.1", cache_dir=tmp_path / "third")
    # Another base URL never falls back to the bundle.
    with pytest.raises(loader.DownloadFailed):
        allyledger.load("actors", base_url="http://127.0.0.1:9/x", cache_dir=cache)


def test_write_bundle_replaces_only_what_a_release_wrote(dist, tmp_path):
    from allyledger.release import write_bundle

    bundle = tmp_path / "bundled"
    assert not write_bundle(bundle, dist / "2026.1")  # no bundle yet, none asked for
    assert not bundle.exists()
    assert write_bundle(bundle, dist / "2026.1", create=True)
    assert write_bundle(bundle, dist / "2026.2")  # an earlier release wrote it
    assert sorted(p.name for p in bundle.iterdir()) == ["2026.2", "editions.json"]
    (bundle / "notes.txt").write_text("mine")
    with pytest.raises(allyledger.AllyledgerError, match="notes.txt"):
        write_bundle(bundle, dist / "2026.2")
    assert (bundle / "notes.txt").read_text() == "mine"


def test_the_committed_bundle_is_the_latest_edition():
    root = Path(__file__).parent.parent
    bundle = root / "src" / "allyledger" / "bundled"
    index = json.loads((bundle / "editions.json").read_text())
    latest = json.loads((root / "editions" / "editions.json").read_text())["latest"]
    assert index["latest"] == latest
    for entry in index["editions"][0]["files"]:
        assert sha256(bundle / latest / entry["name"]) == entry["sha256"]
        assert (bundle / latest / entry["name"]).read_bytes() == (
            root / "editions" / latest / entry["name"]
        ).read_bytes()


def test_polars_backend_has_the_same_types(dist, tmp_path):
    import polars as pl

    with serve(dist) as site:
        kw = {"base_url": site.url, "cache_dir": tmp_path / "c"}
        events = allyledger.load("support_events", backend="polars", **kw)
        tables = allyledger.load_all("2026.2", backend="polars", **kw)
        pandas_events = allyledger.load("support_events", **kw)
        with pytest.raises(UsageProblem, match="unknown backend 'spark'"):
            allyledger.load("actors", backend="spark", **kw)
    assert isinstance(events, pl.DataFrame) and set(tables) >= {"actors", "outcomes"}
    assert events.schema["date"] == pl.Date and events.schema["date_end"] == pl.Date
    assert events.schema["source_ids"] == pl.List(pl.String)
    certainty = events.schema["certainty"]
    assert isinstance(certainty, pl.Enum)
    assert list(certainty.categories) == list(pandas_events["certainty"].cat.categories)
    # Enums compare in schema order, as the ordered categoricals do in pandas.
    sure = events.filter(pl.col("certainty") <= "reported")["event_id"].sort()
    assert sure.to_list() == sorted(
        pandas_events[pandas_events["certainty"] <= "reported"]["event_id"]
    )
    assert events.height == len(pandas_events)
