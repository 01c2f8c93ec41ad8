"""Where outputs go: safe targets, staging folders, atomic writes, checksums.

The rule every command that writes a folder follows (build, release, report,
download, fmt): it never removes or overwrites a file it did not write.

- A folder is replaced only when it is missing, empty, or holds an earlier output of
  an allyledger command: a `manifest.json` that lists every other file in it.
- Some targets are refused outright, whatever they hold: the dataset folder, a
  folder inside it or holding it, the root of a git work tree, the current folder,
  the home folder, and any folder that holds one of those.
- Output is written to a staging folder beside the target and moved into place only
  when complete, so a failure leaves the earlier output as it was.

This module is plumbing: it imports nothing of pandas, pandera or click.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from allyledger.problems import UsageProblem

MANIFEST = "manifest.json"


class UnsafeOutput(UsageProblem):
    """A command was pointed at a folder it must not replace (exit 2)."""


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entry(path: Path) -> dict[str, object]:
    """The manifest entry of one written file: name, size and SHA-256."""
    return {"name": path.name, "bytes": path.stat().st_size, "sha256": sha256(path)}


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def refuse_unsafe(
    target: Path, *, dataset: Path | None = None, source: Path | None = None
) -> None:
    """Raise UnsafeOutput when `target` is a folder no command may replace.

    `dataset` is the dataset folder the command reads, `source` any other folder it
    reads (the build a report is made from): the target may not be, hold or lie
    inside either.
    """
    where = target.absolute().resolve()
    reasons: list[tuple[Path, str]] = []
    for folder, name in ((dataset, "dataset"), (source, "input")):
        if folder is None:
            continue
        ds = folder.absolute().resolve()
        if where == ds:
            reasons.append((ds, f"it is the {name} folder"))
        elif _inside(where, ds):
            reasons.append((ds, f"it lies inside the {name} folder"))
        elif _inside(ds, where):
            reasons.append((ds, f"it contains the {name} folder"))
    for special, name in ((Path.cwd(), "current"), (Path.home(), "home")):
        special = special.absolute().resolve()
        if where == special:
            reasons.append((special, f"it is the {name} folder"))
        elif _inside(special, where):
            reasons.append((special, f"it contains the {name} folder"))
    if (where / ".git").exists():
        reasons.append((where, "it is the root of a git work tree"))
    if reasons:
        raise UnsafeOutput(
            f"refusing to write {target}: {reasons[0][1]}; choose a new or empty "
            "folder (e.g. build/)"
        )


def made_by(manifest: dict[str, object]) -> str:
    """Which command wrote a manifest: "build", "report" or "download" (an edition's
    own manifest, as `release` writes it and `download` copies it)."""
    generator = manifest.get("generator")
    if isinstance(generator, str) and generator.startswith("allyledger "):
        return generator.removeprefix("allyledger ")
    return "download" if "edition" in manifest else "build"


def manifest_names(folder: Path, command: str | None = None) -> set[str] | None:
    """The files an earlier output's manifest says it wrote, or None if `folder`
    holds no readable allyledger manifest (of `command`, when given)."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text("utf-8"))
        names = {str(f["name"]) for f in data["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if command is not None and made_by(data) != command:
        return None
    return names | {MANIFEST}


def require_replaceable(
    target: Path,
    *,
    command: str | None = None,
    dataset: Path | None = None,
    source: Path | None = None,
) -> None:
    """Raise UnsafeOutput unless `target` may be replaced whole: missing, empty, or
    an earlier output (of `command`, when given) whose manifest lists every entry."""
    refuse_unsafe(target, dataset=dataset, source=source)
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink() or not target.is_dir():
        raise UnsafeOutput(f"refusing to write {target}: it is not a folder")
    entries = sorted(p.name for p in target.iterdir())
    if not entries:
        return
    known = manifest_names(target, command)
    if known is None:
        other = manifest_names(target)
        of = f" of `allyledger {command}`" if command else ""
        why = (
            f"its {MANIFEST} is another command's"
            if other is not None
            else f"no {MANIFEST}; it has {_few(entries)}"
        )
        raise UnsafeOutput(
            f"refusing to replace {target}: it is not empty and is not an earlier "
            f"output{of} ({why}); choose a new or empty folder"
        )
    foreign = [
        name
        for name in entries
        if name not in known
        or not (target / name).is_file()
        or (target / name).is_symlink()
    ]
    if foreign:
        raise UnsafeOutput(
            f"refusing to replace {target}: it holds {_few(foreign)}, which no "
            "allyledger command wrote; move them away or choose another folder"
        )


def _few(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


@contextlib.contextmanager
def staging_dir(target: Path) -> Iterator[Path]:
    """A fresh folder beside `target`; moved onto it on success, deleted on error.

    The caller has checked that `target` may be replaced (`require_replaceable`).
    """
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def swap_in(tmp: Path, target: Path) -> None:
    """Move the finished folder `tmp` onto `target`, putting back the old one if the
    move fails."""
    os.chmod(tmp, 0o755)
    if not target.exists():
        os.replace(tmp, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    old.rmdir()
    os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder.

    A link is followed, so the file it points at is rewritten and the link stays.
    """
    path = path.resolve() if path.is_symlink() else path
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = [
    "MANIFEST",
    "UnsafeOutput",
    "file_entry",
    "refuse_unsafe",
    "require_replaceable",
    "sha256",
    "staging_dir",
    "swap_in",
    "write_atomic",
]
