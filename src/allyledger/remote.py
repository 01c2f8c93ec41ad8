"""Talking to an edition server that is not trusted: bounded fetches, a checked index.

Everything a server says is checked before it is used. `parse_index` accepts an
`editions.json` only when every edition name and file name in it is one the loader
may turn into a local path (see `is_edition_name` and `is_file_name`), and every size
and checksum is well formed. `get_bytes` and `get_file` stream with bounded connect
and read timeouts (`timeouts`, `ALLYLEDGER_TIMEOUT`), stop as soon as a response is
longer than it may be, and `get_file` moves a file into place only once its size and
SHA-256 match: nothing half-written or unverified is ever left behind.

This module is plumbing: it imports nothing of pandas or pandera.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import urllib3

from allyledger.problems import AllyledgerError, ChecksumMismatch, UsageProblem

ENV_TIMEOUT = "ALLYLEDGER_TIMEOUT"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0
INDEX_LIMIT = 16 * 1024 * 1024
CHUNK = 1 << 16

EDITION_NAME = re.compile(r"[0-9]{4}\.[1-9][0-9]*")
EDITION_NAME_MAX = 32
TABLE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
FIXED_FILES = frozenset(
    {
        "datapackage.json",
        "croissant.json",
        "manifest.json",
        "CHANGES.md",
        "report.html",
        "allyledger.xlsx",
    }
)
FILE_KINDS = (
    "datapackage.json, croissant.json, manifest.json, CHANGES.md, report.html, "
    "allyledger.xlsx, <table>.parquet or <table>.csv"
)


class DownloadFailed(AllyledgerError):
    """The edition index or a file could not be fetched and is not cached."""


class Unreachable(DownloadFailed):
    """The server could not be reached, or did not serve what was asked for."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot fetch {url} ({reason})")
        self.url = url
        self.reason = reason


class IndexInvalid(DownloadFailed):
    """An editions.json (served, or cached) is not one the loader may use."""


class NotCached(DownloadFailed):
    """Offline, and what is needed is not in the cache."""


def is_edition_name(value: object) -> bool:
    """True for an edition name such as 2026.1 (YYYY.N, at most 32 characters)."""
    return (
        isinstance(value, str)
        and len(value) <= EDITION_NAME_MAX
        and EDITION_NAME.fullmatch(value) is not None
    )


def is_file_name(value: object) -> bool:
    """True for a plain name an edition may hold: one of FIXED_FILES, or
    `<table>.parquet` / `<table>.csv` with a lowercase table name."""
    if not isinstance(value, str):
        return False
    if value in FIXED_FILES:
        return True
    stem, dot, suffix = value.rpartition(".")
    return (
        bool(dot) and suffix in ("parquet", "csv") and bool(TABLE_NAME.fullmatch(stem))
    )


@dataclass(frozen=True)
class FileEntry:
    """One file of an edition as editions.json lists it."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Edition:
    """One checked entry of editions.json; `raw` is the entry as served."""

    name: str
    date: str
    files: tuple[FileEntry, ...]
    raw: dict[str, Any] = field(compare=False, hash=False, repr=False)

    def file(self, name: str) -> FileEntry | None:
        """The entry of file `name`, or None if the edition has no such file."""
        return next((f for f in self.files if f.name == name), None)


@dataclass(frozen=True)
class Index:
    """A checked editions.json; `raw` is the JSON object as served."""

    editions: tuple[Edition, ...]
    latest: str | None
    raw: dict[str, Any] = field(compare=False, hash=False, repr=False)

    def find(self, edition: str) -> Edition:
        """The entry of `edition` (or of the latest one for 'latest')."""
        names = [e.name for e in self.editions]
        wanted = self.latest if edition == "latest" else edition
        for entry in self.editions:
            if entry.name == wanted:
                return entry
        raise UsageProblem(
            f"unknown edition {edition!r}; the editions are: "
            f"{', '.join(names) or '(none)'} (or 'latest')"
        )


def _show(value: object, limit: int = 80) -> str:
    """A JSON value on one line, escaped and shortened, for a message."""
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_EXPECTED = {dict: "an object", list: "a list", str: "a string", int: "a whole number"}


class _Checker:
    """Checks one parsed editions.json; each problem raises IndexInvalid."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, problem: str) -> IndexInvalid:
        return IndexInvalid(f"{self.source} is not a valid list of editions: {problem}")

    def get(self, obj: dict[str, Any], key: str, where: str, kind: type) -> Any:
        if key not in obj:
            raise self.fail(f"{where or 'the top level'} has no {key!r}")
        value = obj[key]
        if not isinstance(value, kind) or (
            kind is not bool and isinstance(value, bool)
        ):
            raise self.fail(
                f"{where + '.' if where else ''}{key} is {_show(value)}, "
                f"not {_EXPECTED[kind]}"
            )
        return value

    def edition(self, obj: object, where: str) -> Edition:
        if not isinstance(obj, dict):
            raise self.fail(f"{where} is {_show(obj)}, not an object")
        name = self.get(obj, "edition", where, str)
        if not is_edition_name(name):
            raise self.fail(
                f"{where}.edition {_show(name)} is not an edition name "
                "(YYYY.N, e.g. 2026.1)"
            )
        date = self.get(obj, "date", where, str)
        files: list[FileEntry] = []
        for i, item in enumerate(self.get(obj, "files", where, list)):
            files.append(self.file(item, f"{where}.files[{i}]"))
            if any(f.name == files[-1].name for f in files[:-1]):
                raise self.fail(
                    f"{where}.files[{i}].name {_show(files[-1].name)} is listed twice"
                )
        return Edition(name, date, tuple(files), dict(obj))

    def file(self, obj: object, where: str) -> FileEntry:
        if not isinstance(obj, dict):
            raise self.fail(f"{where} is {_show(obj)}, not an object")
        name = self.get(obj, "name", where, str)
        if not is_file_name(name):
            raise self.fail(
                f"{where}.name {_show(name)} is not a file an edition may hold "
                f"({FILE_KINDS})"
            )
        size = self.get(obj, "bytes", where, int)
        if size < 0:
            raise self.fail(f"{where}.bytes {size} is not a size (at least 0)")
        digest = self.get(obj, "sha256", where, str)
        if not SHA256_HEX.fullmatch(digest):
            raise self.fail(
                f"{where}.sha256 {_show(digest)} is not a SHA-256 "
                "(64 lowercase hex digits)"
            )
        return FileEntry(name, size, digest)


def parse_edition(obj: object, source: str) -> Edition:
    """Check one editions.json entry (as kept in the cache); raise IndexInvalid."""
    return _Checker(source).edition(obj, "the entry")


def parse_index(data: bytes, source: str) -> Index:
    """Parse and check a whole editions.json before anything in it is used.

    Raises IndexInvalid, with a one-line message naming the first bad value.
    """
    checker = _Checker(source)
    try:
        top = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise checker.fail("it is not UTF-8 text") from None
    except RecursionError:
        raise checker.fail("it is nested too deeply") from None
    except ValueError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise IndexInvalid(f"{source} is not valid JSON ({first})") from None
    if not isinstance(top, dict):
        raise checker.fail(f"the top level is {_show(top, 40)}, not an object")
    editions: list[Edition] = []
    for i, item in enumerate(checker.get(top, "editions", "", list)):
        editions.append(checker.edition(item, f"editions[{i}]"))
        if any(e.name == editions[-1].name for e in editions[:-1]):
            raise checker.fail(f"edition {_show(editions[-1].name)} is listed twice")
    if "latest" not in top:
        raise checker.fail("the top level has no 'latest'")
    latest = top["latest"]
    if latest is not None and latest not in {e.name for e in editions}:
        raise checker.fail(f"latest {_show(latest)} is not a listed edition")
    return Index(tuple(editions), latest, top)


def timeouts() -> tuple[float, float]:
    """(connect, read) timeouts in seconds: 5 and 20, or both ALLYLEDGER_TIMEOUT."""
    text = os.environ.get(ENV_TIMEOUT, "").strip()
    if not text:
        return CONNECT_TIMEOUT, READ_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise UsageProblem(
            f"{ENV_TIMEOUT} is {text!r}; set it to a number of seconds above 0 "
            "(e.g. 0.5)"
        )
    return seconds, seconds


def _reason(exc: BaseException) -> str:
    """A few words on why a request failed, for a one-line message."""
    response = getattr(exc, "response", None)
    if isinstance(exc, requests.HTTPError) and response is not None:
        return f"HTTP {response.status_code}"
    text = str(exc).lower()
    if isinstance(exc, requests.Timeout) or "timed out" in text:
        return "timed out"
    if "refused" in text:
        return "connection refused"
    if "resolve" in text or "name or service not known" in text:
        return "host not found"
    if isinstance(
        exc, requests.exceptions.InvalidSchema | requests.exceptions.InvalidURL
    ):
        return "not an http:// or https:// address"
    if isinstance(exc, requests.exceptions.MissingSchema):
        return "not an http:// or https:// address"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return "connection broken"


class _TooLong(Exception):
    """A response went past the number of bytes it may have."""


def _stream_file(url: str, limit: int, sink: Callable[[bytes], None]) -> None:
    """The same as `_stream` for a file:// URL: read the local file block by block."""
    from urllib.parse import unquote, urlparse
    from urllib.request import url2pathname

    path = Path(url2pathname(unquote(urlparse(url).path)))
    try:
        with path.open("rb") as handle:
            total = 0
            while block := handle.read(CHUNK):
                total += len(block)
                if total > limit:
                    raise _TooLong
                sink(block)
    except OSError as exc:
        raise Unreachable(url, exc.strerror or type(exc).__name__) from None


def _stream(url: str, limit: int, sink: Callable[[bytes], None]) -> None:
    """GET `url` and pass its body to `sink` block by block; raise _TooLong as soon
    as it passes `limit` bytes and Unreachable when the request fails. A file://
    URL (a local folder of editions, such as a clone's `editions/`) is read from
    disk under the same limits."""
    if url.startswith("file://"):
        _stream_file(url, limit, sink)
        return
    try:
        with requests.get(
            url,
            stream=True,
            timeout=timeouts(),
            headers={"Accept-Encoding": "identity"},
        ) as response:
            response.raise_for_status()
            declared = response.headers.get("Content-Length", "")
            plain = response.headers.get("Content-Encoding", "identity") == "identity"
            if plain and declared.isdigit() and int(declared) > limit:
                raise _TooLong
            total = 0
            for block in response.iter_content(CHUNK):
                total += len(block)
                if total > limit:
                    raise _TooLong
                sink(block)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise Unreachable(url, _reason(exc)) from None


def get_bytes(url: str, limit: int = INDEX_LIMIT) -> bytes:
    """The body of `url`, at most `limit` bytes (else IndexInvalid); kept in memory."""
    parts: list[bytes] = []
    try:
        _stream(url, limit, parts.append)
    except _TooLong:
        raise IndexInvalid(
            f"{url} is larger than {limit // (1024 * 1024)} MiB; refusing it"
        ) from None
    return b"".join(parts)


def get_file(url: str, dest: Path, entry: FileEntry, label: str) -> None:
    """Download `url` to `dest`, which appears only once it has `entry`'s size and
    SHA-256. The body streams into a `.part` file beside `dest`, removed on any failure.
    `label` names the file in messages (e.g. "actors.parquet of edition 2026.1")."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    handle, part = tempfile.mkstemp(
        prefix=f".{dest.name}.", suffix=".part", dir=dest.parent
    )
    digest = hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as out:

            def sink(block: bytes) -> None:
                digest.update(block)
                out.write(block)

            try:
                _stream(url, entry.size, sink)
            except _TooLong:
                raise DownloadFailed(
                    f"{url} sent more than the {entry.size} bytes editions.json "
                    f"declares for {label}; stopped, nothing was kept"
                ) from None
            except Unreachable as exc:
                raise DownloadFailed(
                    f"cannot download {url} ({exc.reason}); nothing was kept"
                ) from None
        actual = digest.hexdigest()
        if actual != entry.sha256:
            raise ChecksumMismatch(
                f"{label} from {url} is corrupt or truncated: expected SHA-256 "
                f"{entry.sha256}, got {actual}; it was not kept"
            )
        os.chmod(part, 0o644)
        os.replace(part, dest)
    except OSError as exc:
        Path(part).unlink(missing_ok=True)
        raise DownloadFailed(f"cannot write {dest}: {exc.strerror or exc}") from None
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise


__all__ = [
    "CONNECT_TIMEOUT",
    "DownloadFailed",
    "ENV_TIMEOUT",
    "Edition",
    "FileEntry",
    "INDEX_LIMIT",
    "Index",
    "IndexInvalid",
    "NotCached",
    "READ_TIMEOUT",
    "Unreachable",
    "get_bytes",
    "get_file",
    "is_edition_name",
    "is_file_name",
    "parse_edition",
    "parse_index",
    "timeouts",
]
