"""A static, self-contained HTML report of a build or edition.

One file, no network: an overview (counts, coverage by year and country), the ledger
per dyad and per crisis, a timeline for each crisis, and every event linked to its
sources. The work is in three steps: `data.report_data` reads the folder into a plain
dictionary, `charts` draws its SVG charts with matplotlib, and the jinja2 template
`templates/report.html.j2` lays the page out (autoescaped; only the charts' SVG goes in
unescaped). Tables sort and filter with a few lines of inline JavaScript. The same input
gives the same bytes.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import jinja2

from allyledger.outputs import MANIFEST, file_entry, require_replaceable, staging_dir
from allyledger.report.charts import COLOURS, coverage_chart, timeline
from allyledger.report.data import period, report_data

__all__ = ["period", "render_report", "report_data", "write_report"]


def _thousands(number: int) -> str:
    """A count with thousands separators: 12,345."""
    return f"{number:,}"


@functools.cache
def _environment() -> jinja2.Environment:
    """The jinja2 environment of the package's templates, escaping every value."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("allyledger.report"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["thousands"] = _thousands
    return environment


def render_report(folder: Path | str, *, name: str | None = None) -> str:
    """The report of a build or edition folder, as one HTML document.

    `name` titles it (default: "edition X" from manifest.json, else "a build").
    """
    data = report_data(folder, name=name)
    charts = {
        "coverage": coverage_chart(data["overview"]["by_year"]),
        "timelines": [timeline(crisis) for crisis in data["timelines"]["crises"]],
    }
    template = _environment().get_template("report.html.j2")
    return template.render(**data, charts=charts, colours=COLOURS)


def write_report(folder: Path | str, out_dir: Path | str) -> Path:
    """Write `index.html` (and its manifest) for the build or edition in `folder` into
    the folder `out_dir`, which must be new, empty or an earlier report."""
    out = Path(out_dir)
    require_replaceable(out, command="report", source=Path(folder))
    html = render_report(folder)
    with staging_dir(out) as tmp:
        (tmp / "index.html").write_text(html, encoding="utf-8")
        manifest = {
            "generator": "allyledger report",
            "files": [file_entry(tmp / "index.html")],
        }
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    return out / "index.html"
