"""A static, self-contained HTML report of a build or edition, for a reader.

One file, no network. The first screen answers the question (what came of each
patron's promises to each client, and how long support took); then one section per
patron → client pair tells each crisis as a story; then every event, relationship and
source, and how to cite and download the edition. The work is in three steps:
`data.report_data` reads the folder into a plain dictionary, `charts` draws its SVG
charts with matplotlib, and the jinja2 template `templates/report.html.j2` lays the
page out (autoescaped; only the charts' SVG and the rendered change notes go in
unescaped). Tables sort and filter with a few lines of inline JavaScript. The same
input gives the same bytes.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from allyledger.outputs import MANIFEST, file_entry, require_replaceable, staging_dir
from allyledger.report import charts as draw
from allyledger.report import data as data_step
from allyledger.report.data import report_data
from allyledger.report.stories import period
from allyledger.report.words import KIND_COLOURS, STATUS_COLOURS

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


def _changes_html(markdown: str | None) -> str:
    """The edition's change notes as HTML: raw HTML in them is shown as text, unsafe
    link schemes are dropped, and headings move one level down under the page's."""
    if not markdown:
        return ""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(markdown)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 1)}"
    return str(parser.renderer.render(tokens, parser.options, {}))


def _charts(data: dict[str, Any]) -> dict[str, Any]:
    answer = data["answer"]
    stories = [
        s
        for d in data["sections"]["dyads"]
        for s in d["stories"]
        if len({e["start"] for e in s["timeline"]}) >= 2  # one date needs no axis
    ]
    return {
        "coverage": draw.coverage_chart(data["overview"]["by_year"]),
        "status": draw.status_chart(answer["bars"]) if answer else "",
        "survival": draw.survival_chart(answer["curves"]) if answer else "",
        "timelines": {
            story["anchor"]: draw.timeline(story, f"t{number}")
            for number, story in enumerate(stories[: data_step.MAX_TIMELINES])
        },
    }


def render_report(
    folder: Path | str,
    *,
    edition: str | None = None,
    as_of: str | None = None,
    files_base: str = "",
) -> str:
    """The report of a build or edition folder, as one HTML document.

    `edition` and `as_of` default to the folder's manifest.json; `files_base` is the
    address of the folder's files relative to the page ("" when it sits beside them).
    """
    data = report_data(folder, edition=edition, as_of=as_of, files_base=files_base)
    answer = data["answer"]
    template = _environment().get_template("report.html.j2")
    return template.render(
        **data,
        charts=_charts(data),
        changes_html=_changes_html(data["about"]["changes"]),
        kind_colours=KIND_COLOURS,
        status_colours=STATUS_COLOURS,
        answer_by_anchor={d["anchor"]: d for d in answer["dyads"]} if answer else {},
        section_anchors={d["anchor"] for d in data["sections"]["dyads"]},
    )


def write_report(folder: Path | str, out_dir: Path | str) -> Path:
    """Write `index.html` (and its manifest) for the build or edition in `folder` into
    the folder `out_dir`, which must be new, empty or an earlier report."""
    out = Path(out_dir)
    require_replaceable(out, command="report", source=Path(folder))
    source = Path(folder).resolve()
    relative = os.path.relpath(source, out.resolve()).replace(os.sep, "/")
    html = render_report(folder, files_base=quote(relative) + "/")
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
