"""Download (checksummed, cached) and read an edition into pandas.

`base_url` (or ALLYLEDGER_BASE_URL) points at a DIST-shaped location: `editions.json`
and `<edition>/<file>`. The server is not trusted: the whole editions.json is checked
before anything in it is used (`allyledger.remote`), downloads are capped at the size
it declares, and each file is kept only once it matches its SHA-256.

The cache (one folder per base URL in the user cache folder, or `cache_dir`) holds
`editions.json` as last fetched and, per edition, its files and `files.json`: the
editions.json entry they were checked against. A pinned edition (`load("actors",
"2026.1")`) whose files verify against its `files.json` is read without touching the
network. When editions.json cannot be fetched, the cached copy is used and a
`StaleIndexWarning` says so, once per process and base URL. `offline=True` (or
ALLYLEDGER_OFFLINE=1) reads the cache only and raises `NotCached` for what is not there.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import platformdirs

from allyledger.frames import reader
from allyledger.outputs import require_replaceable, sha256, staging_dir, write_atomic
from allyledger.problems import ChecksumMismatch, UsageProblem
from allyledger.remote import (
    DownloadFailed,
    Edition,
    FileEntry,
    Index,
    IndexInvalid,
    NotCached,
    Unreachable,
    get_bytes,
    get_file,
    is_edition_name,
    parse_edition,
    parse_index,
)

DEFAULT_BASE_URL = "https://allyledger.github.io/allyledger/editions"
ENV_BASE_URL = "ALLYLEDGER_BASE_URL"
ENV_CACHE_DIR = "ALLYLEDGER_CACHE_DIR"
ENV_OFFLINE = "ALLYLEDGER_OFFLINE"
INDEX_FILE = "editions.json"
ENTRY_FILE = "files.json"

_WARNED: set[str] = set()
# The latest edition as this version of the package was released with it: its
# tables and datapackage.json, and an editions.json listing just those files. It is
# served, through the same checks and cache as any base URL, when the public site
# cannot be reached and nothing of it is cached, so `load()` works out of the box.
BUNDLE = Path(__file__).parent / "bundled"


class StaleIndexWarning(UserWarning):
    """editions.json could not be fetched; the cached copy was used instead."""


class BundledEditionWarning(UserWarning):
    """The public site could not be reached; the edition bundled with the package
    was served instead."""


def base_url_of(base_url: str | Path | None) -> str:
    """The base URL to use: `base_url`, else ALLYLEDGER_BASE_URL, else the public site.

    A local folder (a path, such as a clone's `editions/`) becomes its file:// URL.
    """
    chosen = str(base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL)
    if "://" not in chosen:
        chosen = Path(chosen).expanduser().resolve().as_uri()
    return chosen.rstrip("/")


def cache_root(cache_dir: Path | str | None = None) -> Path:
    """The folder caches live in: `cache_dir`, else ALLYLEDGER_CACHE_DIR, else the
    user cache folder (platformdirs)."""
    chosen = cache_dir or os.environ.get(ENV_CACHE_DIR)
    return Path(chosen) if chosen else Path(platformdirs.user_cache_dir("allyledger"))


def cache_dir_of(base: str, cache_dir: Path | str | None) -> Path:
    """The cache folder of base URL `base` inside `cache_root(cache_dir)`."""
    root = cache_root(cache_dir)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", base).strip("-")[:80]
    short = hashlib.sha256(base.encode()).hexdigest()[:8]
    return root / f"{slug}-{short}"


def offline_of(offline: bool) -> bool:
    """True when `offline` is, or ALLYLEDGER_OFFLINE is 1 (or true, yes, on)."""
    flag = os.environ.get(ENV_OFFLINE, "").strip().lower()
    return offline or flag in ("1", "true", "yes", "on")


def _age(seconds: float) -> str:
    """'3 days ago', '1 hour ago', 'less than a minute ago'."""
    whole = max(0, int(seconds))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if whole >= size:
            count = whole // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "less than a minute ago"


def _caller_level() -> int:
    """The `stacklevel` that points a warning at the first caller outside allyledger."""
    here = os.path.dirname(os.path.abspath(__file__))
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and os.path.abspath(
        frame.f_code.co_filename
    ).startswith(here + os.sep):
        frame = frame.f_back
        level += 1
    return level


def _write_cache(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
    except OSError as exc:
        raise DownloadFailed(
            f"cannot write the cache {path}: {exc.strerror or exc}"
        ) from None


def _cached_index(cache: Path) -> Index | None:
    """The cached editions.json, or None when it is missing or not valid."""
    path = cache / INDEX_FILE
    try:
        return parse_index(path.read_bytes(), str(path))
    except (OSError, IndexInvalid):
        return None


def _index(base: str, cache: Path, *, refresh: bool, offline: bool) -> Index:
    """The checked editions.json of `base`: fetched (and then cached), or the cached
    copy when offline, when not `refresh`, or (with a warning) when it cannot be fetched."""
    cached = _cached_index(cache) if offline or not refresh else None
    if cached is not None:
        return cached
    if offline:
        raise NotCached(
            f"the list of editions of {base} is not in the cache {cache}; offline, so "
            "nothing was fetched"
        )
    url = f"{base}/{INDEX_FILE}"
    try:
        data = get_bytes(url)
    except Unreachable as exc:
        fallback = _cached_index(cache)
        if fallback is None:
            raise DownloadFailed(
                f"cannot fetch {url} ({exc.reason}) and there is no cached copy"
            ) from None
        if base not in _WARNED:
            _WARNED.add(base)
            age = _age(time.time() - (cache / INDEX_FILE).stat().st_mtime)
            warnings.warn(
                f"could not reach {base} ({exc.reason}); using the cached list of "
                f"editions from {age}",
                StaleIndexWarning,
                stacklevel=_caller_level(),
            )
        return fallback
    index = parse_index(data, url)
    _write_cache(cache / INDEX_FILE, data)
    return index


def edition_index(
    base_url: str | None = None,
    *,
    cache_dir: Path | str | None = None,
    refresh: bool = True,
    offline: bool = False,
) -> dict[str, Any]:
    """The checked editions.json of `base_url`: fetched fresh (`refresh`), or the
    cached copy when offline or when it cannot be fetched (see the module docstring)."""
    base = base_url_of(base_url)
    cache = cache_dir_of(base, cache_dir)
    return _index(base, cache, refresh=refresh, offline=offline_of(offline)).raw


def editions(
    base_url: str | None = None,
    *,
    cache_dir: Path | str | None = None,
    offline: bool = False,
) -> list[dict[str, Any]]:
    """The editions `base_url` offers, oldest first: each its `edition` name, `date`,
    `schema_version`, `latest` (True for the one `load()` reads by default) and
    `files` (names)."""
    index = edition_index(base_url, cache_dir=cache_dir, offline=offline)
    return [
        {
            "edition": e["edition"],
            "date": e["date"],
            "schema_version": e.get("schema_version"),
            "latest": e["edition"] == index.get("latest"),
            "files": [f["name"] for f in e["files"]],
        }
        for e in index["editions"]
    ]


def clear_cache(
    base_url: str | None = None, *, cache_dir: Path | str | None = None
) -> Path | None:
    """Delete the cached editions of `base_url` (its own folder inside the cache
    root, which only the loader writes); return that folder, or None if there was
    none. Other base URLs' caches and anything else in the root are left alone."""
    folder = cache_dir_of(base_url_of(base_url), cache_dir)
    if not folder.is_dir():
        return None
    shutil.rmtree(folder)
    return folder


def _kept(cache: Path, edition: str) -> Edition | None:
    """The index entry cached beside the files of `edition`, if any and valid."""
    path = cache / edition / ENTRY_FILE
    try:
        entry = parse_edition(json.loads(path.read_bytes()), str(path))
    except (OSError, ValueError, RecursionError, IndexInvalid):
        return None
    return entry if entry.name == edition else None


def _keep(cache: Path, entry: Edition) -> None:
    """Cache the (checked) index entry of `entry` beside its files."""
    path = cache / entry.name / ENTRY_FILE
    data = json.dumps(entry.raw, indent=2, sort_keys=True).encode("utf-8")
    if not (path.is_file() and path.read_bytes() == data):
        _write_cache(path, data)


def _verified(path: Path, entry: FileEntry) -> bool:
    """True when `path` is a file of `entry`'s size and SHA-256."""
    try:
        return path.stat().st_size == entry.size and sha256(path) == entry.sha256
    except OSError:
        return False


def _wanted(entry: Edition, names: list[str] | None) -> list[FileEntry]:
    """The entries of files `names` of an edition (all of them for None)."""
    if names is None:
        return list(entry.files)
    found = []
    for name in names:
        item = entry.file(name)
        if item is None:
            raise UsageProblem(
                f"edition {entry.name} has no file {name!r}; it has: "
                f"{', '.join(sorted(f.name for f in entry.files))}"
            )
        found.append(item)
    return found


def _bundled(edition: str) -> str | None:
    """The file:// base URL of the bundled copy when it holds `edition` (or it is
    'latest'), else None."""
    index = _cached_index(BUNDLE)
    if index is None:
        return None
    if edition not in ("latest", index.raw.get("latest")):
        return None
    return BUNDLE.resolve().as_uri()


def _open(
    base_url: str | Path | None,
    cache_dir: Path | str | None,
    offline: bool,
    edition: str,
    names: list[str] | None,
) -> tuple[str, Path, bool, Edition, list[FileEntry]]:
    """Where an edition's files come from (base, cache, offline) and its checked
    entry: the base URL asked for, or, when that is the public site and neither it
    nor a cached copy can serve the edition, the copy bundled with the package
    (said once per process by a BundledEditionWarning)."""
    base = base_url_of(base_url)
    cache = cache_dir_of(base, cache_dir)
    off = offline_of(offline)
    try:
        entry, wanted = _resolve(base, cache, edition, names, off)
        return base, cache, off, entry, wanted
    except DownloadFailed as failure:
        bundle = _bundled(edition) if base == DEFAULT_BASE_URL else None
        if bundle is None:
            raise
        reason = str(failure)
    cache = cache_dir_of(bundle, cache_dir)
    entry, wanted = _resolve(bundle, cache, edition, names, False)
    if "bundle" not in _WARNED:
        _WARNED.add("bundle")
        warnings.warn(
            f"serving edition {entry.name}, the copy bundled with allyledger "
            f"(newer editions may exist): {reason}",
            BundledEditionWarning,
            stacklevel=_caller_level(),
        )
    return bundle, cache, False, entry, wanted


def _resolve(
    base: str, cache: Path, edition: str, names: list[str] | None, offline: bool
) -> tuple[Edition, list[FileEntry]]:
    """The entry of `edition` and of files `names`: from the cache when the edition
    is pinned and every file verifies, else from editions.json."""
    kept = _kept(cache, edition) if is_edition_name(edition) else None
    if kept is not None:
        wanted = _wanted(kept, names)
        if all(_verified(cache / kept.name / f.name, f) for f in wanted):
            return kept, wanted
    if not offline:
        entry = _index(base, cache, refresh=True, offline=False).find(edition)
        _keep(cache, entry)
        return entry, _wanted(entry, names)
    if kept is None:
        index = _cached_index(cache)
        if index is None:
            raise NotCached(
                f"edition {edition} is not in the cache {cache} (nor is the list of "
                f"editions of {base}); offline, so nothing was fetched"
            )
        kept = index.find(edition)
    wanted = _wanted(kept, names)
    missing = [f.name for f in wanted if not _verified(cache / kept.name / f.name, f)]
    if missing:
        raise NotCached(
            f"edition {kept.name} is not in the cache {cache} (missing "
            f"{', '.join(missing)}); offline, so nothing was downloaded"
        )
    return kept, wanted


def _ensure(
    base: str,
    cache: Path,
    edition: Edition,
    entry: FileEntry,
    on_progress: Callable[[str], None] | None = None,
) -> Path:
    """Path of a verified cached copy of one file, downloading it if needed."""
    path = cache / edition.name / entry.name
    if _verified(path, entry):
        return path
    url = f"{base}/{edition.name}/{entry.name}"
    get_file(url, path, entry, f"{entry.name} of edition {edition.name}")
    if on_progress:
        on_progress(entry.name)
    return path


def fetch_file(
    name: str,
    edition: str = "latest",
    *,
    base_url: str | None = None,
    cache_dir: Path | str | None = None,
    on_progress: Callable[[str], None] | None = None,
    offline: bool = False,
) -> Path:
    """Path of a verified local copy of one file of an edition, downloading if needed.

    `on_progress(name)` is called after a download (not for a cached file).
    """
    base, cache, _, entry, wanted = _open(base_url, cache_dir, offline, edition, [name])
    return _ensure(base, cache, entry, wanted[0], on_progress)


def tables_of(entry: Edition) -> list[str]:
    """The tables an edition holds, in its own order: its `<table>.parquet` files.

    An edition describes itself, so an older edition still loads after a table is
    added to the schema, and a newer one with a table this version does not know.
    """
    return [
        f.name.removesuffix(".parquet")
        for f in entry.files
        if f.name.endswith(".parquet")
    ]


def _table_file(
    base: str, cache: Path, entry: Edition, table: str, offline: bool
) -> Path:
    tables = tables_of(entry)
    if table not in tables:
        raise UsageProblem(
            f"unknown table {table!r}; the tables of edition {entry.name} are: "
            f"{', '.join(tables)}"
        )
    item = _wanted(entry, [f"{table}.parquet"])[0]
    if offline and not _verified(cache / entry.name / item.name, item):
        raise NotCached(
            f"edition {entry.name} is not in the cache {cache} (missing "
            f"{item.name}); offline, so nothing was downloaded"
        )
    return _ensure(base, cache, entry, item)


def load(
    table: str,
    edition: str = "latest",
    *,
    base_url: str | None = None,
    cache_dir: Path | str | None = None,
    offline: bool = False,
    backend: str = "pandas",
) -> Any:
    """Return one table of an edition as a typed DataFrame (see `read_table`), or,
    with `backend="polars"`, a polars DataFrame of the same types (`read_polars`)."""
    read = reader(backend)
    base, cache, off, entry, _ = _open(base_url, cache_dir, offline, edition, [])
    return read(_table_file(base, cache, entry, table, off))


def load_all(
    edition: str = "latest",
    *,
    base_url: str | None = None,
    cache_dir: Path | str | None = None,
    offline: bool = False,
    backend: str = "pandas",
) -> dict[str, Any]:
    """Return every table of an edition, by name, as the edition itself lists them
    (one look at editions.json at most), as pandas or (`backend`) polars frames."""
    read = reader(backend)
    base, cache, off, entry, _ = _open(base_url, cache_dir, offline, edition, [])
    return {
        table: read(_table_file(base, cache, entry, table, off))
        for table in tables_of(entry)
    }


def edition_folder(
    edition: str = "latest",
    *,
    base_url: str | None = None,
    cache_dir: Path | str | None = None,
    offline: bool = False,
) -> Path:
    """The cached folder of an edition's tables and its datapackage.json (which says
    their keys), each verified and downloaded where missing, for what reads a folder
    (`diff`)."""
    entry = _open(base_url, cache_dir, offline, edition, [])[3]
    names = [f"{t}.parquet" for t in tables_of(entry)]
    base, cache, _, entry, wanted = _open(
        base_url, cache_dir, offline, edition, [*names, "datapackage.json"]
    )
    for item in wanted:
        _ensure(base, cache, entry, item)
    return cache / entry.name


def folder_of(
    source: str | Path,
    *,
    base_url: str | None = None,
    cache_dir: Path | str | None = None,
    offline: bool = False,
) -> Path:
    """A local folder as given, or the cached folder of an edition name (YYYY.N or
    latest, see `edition_folder`); anything else is a usage problem."""
    path = Path(source)
    if path.is_dir():
        return path
    if str(source) != "latest" and not is_edition_name(str(source)):
        raise UsageProblem(
            f"{source} is neither a folder nor an edition name (YYYY.N or latest)"
        )
    return edition_folder(
        str(source), base_url=base_url, cache_dir=cache_dir, offline=offline
    )


def download(
    edition: str,
    to: Path | str,
    *,
    base_url: str | None = None,
    cache_dir: Path | str | None = None,
    on_file: Callable[[str, int, int], None] | None = None,
    offline: bool = False,
) -> list[Path]:
    """Copy every file of an edition, verified, into folder `to`; return the paths.

    `to` must be missing, empty or an earlier download (`require_replaceable`). Every
    file is fetched and verified into a staging folder beside it, which then replaces
    `to` whole: a failure leaves `to` as it was.
    """
    target = Path(to)
    require_replaceable(target, command="download")
    base = base_url_of(base_url)
    cache = cache_dir_of(base, cache_dir)
    entry, wanted = _resolve(base, cache, edition, None, offline_of(offline))
    out = []
    with staging_dir(target) as staging:
        for i, item in enumerate(wanted, start=1):
            copy = staging / item.name
            shutil.copyfile(_ensure(base, cache, entry, item), copy)
            if not _verified(copy, item):
                raise ChecksumMismatch(
                    f"the copy of {item.name} of edition {entry.name} in {staging} does "
                    "not match its SHA-256; nothing was changed"
                )
            out.append(target / item.name)
            if on_file:
                on_file(item.name, i, len(wanted))
    return out


__all__ = [
    "BUNDLE",
    "BundledEditionWarning",
    "DEFAULT_BASE_URL",
    "ENV_CACHE_DIR",
    "cache_root",
    "clear_cache",
    "edition_folder",
    "editions",
    "folder_of",
    "ENV_BASE_URL",
    "ENV_OFFLINE",
    "DownloadFailed",
    "IndexInvalid",
    "NotCached",
    "StaleIndexWarning",
    "base_url_of",
    "cache_dir_of",
    "download",
    "edition_index",
    "fetch_file",
    "load",
    "load_all",
    "offline_of",
    "tables_of",
]
