"""A static, self-contained HTML report of a build or edition.

One file, no network: an overview (counts, coverage by year and country), the ledger
per dyad and per crisis, a timeline for each crisis, and every event linked to its
sources. Charts are inline SVG drawn with matplotlib; tables sort and filter with a
few lines of inline JavaScript. The same input gives the same bytes.
"""

from __future__ import annotations

import html
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allyledger.ledger import crisis_of, headline, ledger
from allyledger.load import read_table
from allyledger.outputs import MANIFEST, file_entry, require_replaceable, staging_dir
from allyledger.schemas import TABLES
from allyledger.schemas._vocab import EVENT_KINDS

COLOURS = {
    "crisis": "#b2182b",
    "request": "#ef8a62",
    "pledge": "#67a9cf",
    "delivery": "#1a9850",
    "withholding": "#762a83",
    "withdrawal": "#8c510a",
}
LANES = list(EVENT_KINDS)
MAX_TIMELINES = 150  # crises drawn, those with the most events first
MAX_ROWS = 5000  # rows per table; a note says how many more the data holds
EVENT_COLUMNS = [
    "event_id",
    "date",
    "date_precision",
    "kind",
    "provider_id",
    "recipient_id",
    "support_type",
    "certainty",
    "summary",
    "source_ids",
]

SCRIPT = """
document.querySelectorAll('table.data').forEach(function (table) {
  var body = table.tBodies[0];
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var asc = th.dataset.dir !== 'asc';
      th.dataset.dir = asc ? 'asc' : 'desc';
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.v || a.cells[col].textContent;
        var y = b.cells[col].dataset.v || b.cells[col].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  var input = document.querySelector('input[data-for="' + table.id + '"]');
  if (input) {
    input.addEventListener('input', function () {
      var q = input.value.toLowerCase();
      Array.prototype.forEach.call(body.rows, function (r) {
        r.style.display = r.textContent.toLowerCase().indexOf(q) >= 0 ? '' : 'none';
      });
    });
  }
});
"""

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1200px;padding:0 1rem;color:#222;line-height:1.4}
h1{margin-bottom:.2rem} h2{margin-top:2.5rem;border-bottom:1px solid #ddd}
table.data{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0 1rem}
table.data th{cursor:pointer;background:#f3f3f3;text-align:left;position:sticky;top:0}
table.data th,table.data td{border:1px solid #ddd;padding:.25rem .4rem;vertical-align:top}
input.filter{width:20rem;padding:.3rem;margin:.3rem 0}
.kind{display:inline-block;padding:0 .35rem;border-radius:3px;color:#fff;font-size:.75rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #ddd;padding:.6rem 1rem;
border-radius:6px}.card b{font-size:1.4rem;display:block}
section.crisis{margin-bottom:2rem} .scroll{overflow-x:auto} svg{max-width:100%;height:auto}
"""


def _e(value: Any) -> str:
    if value is None or (np.ndim(value) == 0 and bool(pd.isna(value))):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return html.escape(str(value))


def _table(
    frame: pd.DataFrame, table_id: str, cells: dict[str, object] | None = None
) -> str:
    note = ""
    if len(frame) > MAX_ROWS:
        note = (
            f"<p><em>Showing the first {MAX_ROWS:,} of {len(frame):,} rows; the "
            "full table is in the edition's Parquet files.</em></p>"
        )
        frame = frame.head(MAX_ROWS)
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for record in frame.itertuples(index=False):
        tds = []
        for column, value in zip(frame.columns, record, strict=True):
            render = (cells or {}).get(column)
            content = render(value) if callable(render) else _e(value)
            tds.append(f"<td>{content}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return note + (
        f'<input class="filter" type="search" placeholder="Filter rows…" '
        f'data-for="{table_id}" aria-label="Filter {table_id}">'
        f'<div class="scroll"><table class="data" id="{table_id}"><thead><tr>{head}'
        f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _svg(figure: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(
        buffer,
        format="svg",
        metadata={"Date": None},
        bbox_inches="tight",
    )
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _setup() -> None:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {"svg.hashsalt": "allyledger", "svg.fonttype": "none", "font.size": 9}
    )


def _coverage_chart(events: pd.DataFrame) -> str:
    import matplotlib.pyplot as plt

    years = pd.to_datetime(events["date"]).dt.year
    counts = pd.crosstab(years, events["kind"].astype(str)).reindex(
        columns=[k for k in LANES if k in set(events["kind"].astype(str))], fill_value=0
    )
    figure, axes = plt.subplots(figsize=(10, 3))
    bottom = np.zeros(len(counts))
    for kind in counts.columns:
        axes.bar(
            counts.index,
            counts[kind],
            bottom=bottom,
            color=COLOURS[kind],
            label=kind,
            width=0.8,
        )
        bottom += counts[kind].to_numpy()
    axes.set_ylabel("events")
    axes.legend(ncol=6, fontsize=8, frameon=False, loc="upper left")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def _days(*moments: pd.Timestamp) -> Any:
    """Matplotlib's day numbers for timestamps (what its date axis plots)."""
    import matplotlib.dates as mdates

    return mdates.date2num([m.to_pydatetime() for m in moments])  # type: ignore[no-untyped-call]


def _timeline(crisis: pd.Series, part: pd.DataFrame) -> str:
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(10, 2.4))
    for _, event in part.iterrows():
        kind = str(event["kind"])
        lane = LANES.index(kind)
        start = pd.Timestamp(event["date"])
        precision = str(event["date_precision"])
        end = (
            start + pd.offsets.YearEnd(0)
            if precision == "year"
            else start + pd.offsets.MonthEnd(0)
            if precision == "month"
            else start
        )
        if end > start:
            axes.plot(
                _days(start, end),
                [lane, lane],
                color=COLOURS[kind],
                linewidth=5,
                alpha=0.35,
                solid_capstyle="butt",
            )
        axes.plot(
            _days(start),
            [lane],
            marker="o",
            color=COLOURS[kind],
            markersize=6,
        )
    axes.set_yticks(range(len(LANES)), LANES)
    axes.set_ylim(-0.7, len(LANES) - 0.3)
    axes.invert_yaxis()
    axes.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(mdates.AutoDateLocator())  # type: ignore[no-untyped-call]
    )
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(
        f"{crisis['event_id']}: {crisis['summary']}", fontsize=9, loc="left", wrap=True
    )
    return _svg(figure)


def _kind_badge(value: object) -> str:
    kind = str(value)
    return (
        f'<span class="kind" style="background:{COLOURS.get(kind, "#555")}">'
        f"{_e(kind)}</span>"
    )


def _items(value: object) -> list[str]:
    """The items of a list cell (an empty list for a null cell)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value]
    return []


def _sources_cell(urls: dict[str, str]) -> object:
    def render(value: object) -> str:
        ids = _items(value)
        return "<br>".join(
            f'<a href="{_e(urls.get(i, "#source-" + i))}">{_e(i)}</a>' for i in ids
        )

    return render


def _edition_name(folder: Path) -> str:
    manifest = folder / "manifest.json"
    if manifest.exists():
        edition = json.loads(manifest.read_text("utf-8")).get("edition")
        if edition:
            return f"edition {edition}"
    return "a build"


def render_report(folder: Path | str, *, name: str | None = None) -> str:
    """The report of a build or edition folder, as one HTML document.

    `name` titles it (default: "edition X" from manifest.json, else "a build").
    """
    _setup()
    folder = Path(folder)
    frames = {name: read_table(folder / f"{name}.parquet") for name in TABLES}
    events, actors, sources = (
        frames["support_events"],
        frames["actors"],
        frames["sources"],
    )
    names = dict(zip(actors["actor_id"], actors["name"], strict=True))
    urls = dict(zip(sources["source_id"], sources["url"], strict=True))
    events = events.assign(crisis_id=crisis_of(events))
    table = ledger(frames)
    title = f"allyledger — {name or _edition_name(folder)}"
    parts = [
        f"<h1>{_e(title)}</h1>",
        "<p>What patrons promised their allies, and what arrived. Every event "
        "below links to its sources; certainty says how well each is "
        "established.</p>",
    ]
    cards = "".join(
        f'<div class="card"><b>{len(frames[n])}</b>{_e(n)}</div>' for n in TABLES
    )
    kinds = events["kind"].astype(str).value_counts()
    cards += "".join(
        f'<div class="card"><b>{int(kinds.get(k, 0))}</b>{k}</div>' for k in LANES
    )
    parts += [
        '<h2 id="overview">Overview</h2>',
        f'<div class="cards">{cards}</div>',
        "<h3>Events by year</h3>",
        _coverage_chart(events),
    ]
    country = events["recipient_id"].map(
        dict(zip(actors["actor_id"], actors["country"].fillna(""), strict=True))
    )
    coverage = pd.crosstab(country.replace("", "(none)"), events["kind"].astype(str))
    coverage = coverage.reindex(columns=[k for k in LANES if k in coverage.columns])
    coverage.insert(0, "recipient country", coverage.index)
    parts += [
        "<h3>Events by recipient country</h3>",
        _table(coverage.reset_index(drop=True), "coverage"),
    ]

    summary = headline(table)
    summary.insert(2, "recipient", summary["recipient_id"].map(names))
    summary.insert(1, "provider", summary["provider_id"].map(names))
    summary["pledge_delivery_share"] = summary["pledge_delivery_share"].round(2)
    parts += [
        '<h2 id="ledger">Ledger per dyad</h2>',
        "<p>Share of pledges followed by a delivery that answers them "
        "(<code>responds_to_id</code>), across crises.</p>",
        _table(summary, "ledger-dyads"),
        "<h3>Per dyad and crisis</h3>",
        "<p>Lags in days from the crisis (or first request) to the first "
        "delivery; a range where a date is known only to the month or year.</p>",
        _table(
            table.assign(pledge_delivery_share=table["pledge_delivery_share"].round(2)),
            "ledger",
        ),
    ]

    parts.append('<h2 id="crises">Crisis timelines</h2>')
    crises = events[events["kind"].astype(str) == "crisis"].sort_values(
        ["date", "event_id"]
    )
    if len(crises) > MAX_TIMELINES:
        sizes = events["crisis_id"].value_counts()
        keep = sizes.reindex(crises["event_id"]).fillna(0).to_numpy()
        order = np.lexsort((crises["event_id"].to_numpy(), -keep))[:MAX_TIMELINES]
        parts.append(
            f"<p><em>Timelines for the {MAX_TIMELINES} crises with the most "
            f"events, of {len(crises):,}.</em></p>"
        )
        crises = crises.iloc[np.sort(order)]
    by_crisis = dict(list(events.groupby("crisis_id", sort=False)))
    for _, crisis in crises.iterrows():
        part = by_crisis.get(crisis["event_id"], events.iloc[:0]).sort_values(
            ["date", "event_id"]
        )
        rows = part[EVENT_COLUMNS]
        anchor = f"crisis-{crisis['event_id']}"
        parts += [
            f'<section class="crisis" id="{_e(anchor)}">',
            f"<h3>{_e(crisis['event_id'])} — {_e(names.get(crisis['recipient_id']))}"
            "</h3>",
            _timeline(crisis, part),
            _table(
                rows,
                f"events-{crisis['event_id']}",
                {"kind": _kind_badge, "source_ids": _sources_cell(urls)},
            ),
            "</section>",
        ]
    loose = events[events["crisis_id"].isna()].sort_values(["date", "event_id"])
    parts += [
        '<h2 id="events">Events outside a crisis</h2>',
        _table(
            loose[EVENT_COLUMNS],
            "events-other",
            {"kind": _kind_badge, "source_ids": _sources_cell(urls)},
        ),
    ]
    ties = frames["relationships"][
        [
            "relationship_id",
            "from_actor_id",
            "to_actor_id",
            "kind",
            "obligations",
            "start",
            "end",
            "status",
            "source_ids",
        ]
    ]
    parts += [
        '<h2 id="relationships">Standing relationships</h2>',
        _table(
            ties,
            "relationships",
            {
                "obligations": lambda v: _e(", ".join(_items(v))),
                "source_ids": _sources_cell(urls),
            },
        ),
    ]
    src = sources[["source_id", "publisher", "published", "title", "url"]].copy()
    parts += [
        '<h2 id="sources">Sources</h2>',
        _table(src, "sources", {"url": lambda u: f'<a href="{_e(u)}">{_e(u)}</a>'}),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<title>{_e(title)}</title><meta name="viewport" '
        'content="width=device-width, initial-scale=1">'
        f"<style>{STYLE}</style></head><body>{''.join(parts)}"
        f"<script>{SCRIPT}</script></body></html>\n"
    )


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
