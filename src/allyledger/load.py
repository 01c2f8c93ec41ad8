"""Download (checksummed, cached) and read an edition into pandas.

`base_url` (or ALLYLEDGER_BASE_URL) points at a DIST-shaped location: `editions.json`
and `<edition>/<file>`. Files are verified against the SHA-256 in editions.json,
cached in the user cache folder, and read from the cache when offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import platformdirs
import pooch
import pyarrow as pa
import pyarrow.parquet as pq

from allyledger.outputs import sha256
from allyledger.problems import AllyledgerError, ChecksumMismatch, UsageProblem
from allyledger.schemas import TABLES

DEFAULT_BASE_URL = "https://allyledger.github.io/allyledger/editions"
ENV_BASE_URL = "ALLYLEDGER_BASE_URL"


class DownloadFailed(AllyledgerError):
    """The edition index or a file could not be fetched and is not cached."""


def base_url_of(base_url: str | None) -> str:
    return (base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL).rstrip("/")


def cache_dir_of(base: str, cache_dir: Path | str | None) -> Path:
    root = (
        Path(cache_dir)
        if cache_dir
        else Path(platformdirs.user_cache_dir("allyledger"))
    )
    slug = re.sub(r"[^A-Za-z0-9]+", "-", base).strip("-")[:80]
    short = hashlib.sha256(base.encode()).hexdigest()[:8]
    return root / f"{slug}-{short}"


def _fetch(url: str, dest: Path) -> None:
    """Download `url` to `dest` (via a temporary file, so nothing half-written stays)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.part")
    try:
        pooch.HTTPDownloader(progressbar=False, timeout=30)(url, str(tmp), None)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def edition_index(
    base_url: str | None = None,
    *,
    cache_dir: Path | str | None = None,
    refresh: bool = True,
) -> dict[str, Any]:
    """The editions.json of `base_url`: fetched fresh, or the cached copy when offline."""
    base = base_url_of(base_url)
    cached = cache_dir_of(base, cache_dir) / "editions.json"
    if refresh or not cached.exists():
        try:
            _fetch(f"{base}/editions.json", cached)
        except Exception as exc:  # noqa: BLE001 - any network failure: try the cache
            if not cached.exists():
                raise DownloadFailed(
                    f"cannot fetch {base}/editions.json ({exc}) and "
                    "there is no cached copy"
                ) from None
    try:
        index: dict[str, Any] = json.loads(cached.read_text("utf-8"))
    except ValueError:
        cached.unlink(missing_ok=True)
        raise DownloadFailed(f"{base}/editions.json is not valid JSON") from None
    return index


def _entry(index: dict[str, Any], edition: str) -> dict[str, Any]:
    names = [e["edition"] for e in index.get("editions", [])]
    wanted = index.get("latest") if edition == "latest" else edition
    for entry in index.get("editions", []):
        if entry["edition"] == wanted:
            return dict(entry)
    raise UsageProblem(
        f"unknown edition {edition!r}; the editions are: "
        f"{', '.join(names) or '(none)'} (or 'latest')"
    )


def fetch_file(
    name: str,
    edition: str = "latest",
    *,
    base_url: str | None = None,
    cache_dir: Path | str | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> Path:
    """Path of a verified local copy of one file of an edition, downloading if needed."""
    base = base_url_of(base_url)
    cache = cache_dir_of(base, cache_dir)
    try:
        index = edition_index(base, cache_dir=cache_dir)
    except DownloadFailed:
        raise
    entry = _entry(index, edition)
    files = {f["name"]: f for f in entry["files"]}
    if name not in files:
        raise UsageProblem(
            f"edition {entry['edition']} has no file {name!r}; it has: "
            f"{', '.join(sorted(files))}"
        )
    expected = str(files[name]["sha256"])
    path: Path = cache / str(entry["edition"]) / name
    if path.exists() and sha256(path) == expected:
        return path
    url = f"{base}/{entry['edition']}/{name}"
    try:
        _fetch(url, path)
    except Exception as exc:  # noqa: BLE001
        raise DownloadFailed(f"cannot download {url}: {exc}") from None
    actual = sha256(path)
    if actual != expected:
        path.unlink(missing_ok=True)
        raise ChecksumMismatch(
            f"{name} of edition {entry['edition']} from {url} is corrupt or truncated: "
            f"expected SHA-256 {expected}, got {actual}; it was not kept"
        )
    if on_progress:
        on_progress(name)
    return path


def _list_as_arrow(dtype: pa.DataType) -> pd.ArrowDtype | None:
    return pd.ArrowDtype(dtype) if pa.types.is_list(dtype) else None


def read_table(path: Path | str) -> pd.DataFrame:
    """Read one built table with its declared dtypes.

    Enums become categoricals whose categories are the schema's vocabulary (in schema
    order), dates become datetime64 (with a `<name>_precision` categorical beside each
    partial date), lists become Arrow-backed list columns (each cell a Python list).
    """
    arrow = pq.read_table(path)
    frame: pd.DataFrame = arrow.to_pandas(
        types_mapper=_list_as_arrow, date_as_object=False
    )
    return frame


def load(
    table: str,
    edition: str = "latest",
    *,
    base_url: str | None = None,
    cache_dir: Path | str | None = None,
) -> pd.DataFrame:
    """Return one table of an edition as a typed DataFrame (see `read_table`)."""
    if table not in TABLES:
        raise UsageProblem(
            f"unknown table {table!r}; the tables are: {', '.join(TABLES)}"
        )
    return read_table(
        fetch_file(f"{table}.parquet", edition, base_url=base_url, cache_dir=cache_dir)
    )


def load_all(
    edition: str = "latest",
    *,
    base_url: str | None = None,
    cache_dir: Path | str | None = None,
) -> dict[str, pd.DataFrame]:
    """Return every table of an edition, by name."""
    return {
        name: load(name, edition, base_url=base_url, cache_dir=cache_dir)
        for name in TABLES
    }


def download(
    edition: str,
    to: Path | str,
    *,
    base_url: str | None = None,
    cache_dir: Path | str | None = None,
    on_file: Callable[[str, int, int], None] | None = None,
) -> list[Path]:
    """Copy every file of an edition, verified, into folder `to`; return the paths."""
    index = edition_index(base_url, cache_dir=cache_dir)
    entry = _entry(index, edition)
    names = [f["name"] for f in entry["files"]]
    target = Path(to)
    target.mkdir(parents=True, exist_ok=True)
    out = []
    for i, name in enumerate(names, start=1):
        cached = fetch_file(
            name, entry["edition"], base_url=base_url, cache_dir=cache_dir
        )
        dest = target / name
        dest.write_bytes(cached.read_bytes())
        out.append(dest)
        if on_file:
            on_file(name, i, len(names))
    return out
