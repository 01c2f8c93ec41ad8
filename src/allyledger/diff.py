"""Row-level differences between two editions, builds or dataset folders."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from allyledger.textform import folder_as_text


@dataclass
class TableDiff:
    """Rows added, removed and changed (by primary key) in one table."""

    table: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, tuple[str | None, str | None]]] = field(
        default_factory=dict
    )

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.removed)} removed, "
            f"{len(self.changed)} changed"
        )


def diff_frames(
    name: str, old: pd.DataFrame, new: pd.DataFrame, key: str, columns: list[str]
) -> TableDiff:
    """Rows added, removed and changed between two text frames of one table; a
    column present on one side only counts as empty on the other."""
    result = TableDiff(name)
    for frame in (old, new):
        for column in columns:
            if column not in frame.columns:
                frame[column] = None
    old = old.drop_duplicates(key).set_index(key)
    new = new.drop_duplicates(key).set_index(key)
    result.added = sorted(new.index.difference(old.index))
    result.removed = sorted(old.index.difference(new.index))
    common = old.index.intersection(new.index)
    columns = [c for c in columns if c != key]
    a = (
        old.loc[common, columns]
        .astype(object)
        .where(old.loc[common, columns].notna(), None)
    )
    b = (
        new.loc[common, columns]
        .astype(object)
        .where(new.loc[common, columns].notna(), None)
    )
    differs = (a != b) & ~(a.isna() & b.isna())
    for row_key in sorted(common[differs.any(axis=1).to_numpy()]):
        cols = [c for c in columns if differs.at[row_key, c]]
        result.changed[row_key] = {
            c: (_text(a.at[row_key, c]), _text(b.at[row_key, c])) for c in cols
        }
    return result


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _derived_if_csv(*folders: Path) -> set[str]:
    """The derived tables, when a side is a CSV dataset (which has none of them, since
    the build computes them): a dataset and its build then compare equal."""
    if all((f / "datapackage.json").exists() for f in folders):
        return set()
    from allyledger.schemas import TABLES

    return {name for name, table in TABLES.items() if table.derived}


def diff_folders(old: Path | str, new: Path | str) -> dict[str, TableDiff]:
    """Compare every table of two folders (Parquet builds/editions or CSV datasets).

    Each side is read by its own description, so editions made under different
    schemas compare: a table missing on one side counts as empty there. Derived
    tables are left out when a side is a CSV dataset, which cannot hold them.
    """
    before, after = folder_as_text(Path(old)), folder_as_text(Path(new))
    out: dict[str, TableDiff] = {}
    skip = _derived_if_csv(Path(old), Path(new))
    for name in [*before, *(n for n in after if n not in before)]:
        if name in skip:
            continue
        a, b = before.get(name), after.get(name)
        side = a or b
        assert side is not None
        columns = [*side.columns]
        for other in (a, b):
            if other is not None:
                columns += [c for c in other.columns if c not in columns]
        empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        out[name] = diff_frames(
            name,
            a.frame.copy() if a else empty.copy(),
            b.frame.copy() if b else empty.copy(),
            side.key,
            columns,
        )
    return out


def to_dict(diffs: dict[str, TableDiff]) -> dict[str, object]:
    return {
        name: {
            "added": d.added,
            "removed": d.removed,
            "changed": {
                k: {c: {"old": o, "new": n} for c, (o, n) in cols.items()}
                for k, cols in d.changed.items()
            },
        }
        for name, d in diffs.items()
    }


def render_text(diffs: dict[str, TableDiff]) -> str:
    lines: list[str] = []
    for name, d in diffs.items():
        lines.append(f"{name}: {d.summary()}")
        lines += [f"  + {k}" for k in d.added]
        lines += [f"  - {k}" for k in d.removed]
        for k, cols in d.changed.items():
            lines.append(f"  ~ {k}")
            lines += [
                f"      {c}: {_show(o)} -> {_show(n)}" for c, (o, n) in cols.items()
            ]
    return "\n".join(lines)


def render_markdown(diffs: dict[str, TableDiff], title: str = "Dataset changes") -> str:
    lines = [
        f"### {title}",
        "",
        "| table | added | removed | changed |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, d in diffs.items():
        lines.append(
            f"| `{name}` | {len(d.added)} | {len(d.removed)} | {len(d.changed)} |"
        )
    for name, d in diffs.items():
        if d.empty:
            continue
        lines += ["", f"#### `{name}`", ""]
        lines += [f"- added `{k}`" for k in d.added]
        lines += [f"- removed `{k}`" for k in d.removed]
        for k, cols in d.changed.items():
            lines.append(f"- changed `{k}`")
            lines += [f"  - `{c}`: {_md(o)} → {_md(n)}" for c, (o, n) in cols.items()]
    return "\n".join(lines)


def render_json(diffs: dict[str, TableDiff]) -> str:
    return json.dumps(to_dict(diffs), indent=2, ensure_ascii=False, sort_keys=True)


def _show(value: str | None) -> str:
    return "(empty)" if value is None else json.dumps(value, ensure_ascii=False)


def _md(value: str | None) -> str:
    if value is None:
        return "*(empty)*"
    return "`" + value.replace("`", "'").replace("|", "\\|") + "`"
