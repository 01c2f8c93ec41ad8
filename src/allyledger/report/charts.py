"""The report's charts: matplotlib figures drawn as inline SVG from the plain data.

Each chart is a function from part of `report_data`'s result to an `<svg>` string
with `role="img"` and an `aria-label` saying what it shows (the page puts the same
numbers in a table beside it). The output is deterministic: the SVG carries no date,
its ids come from a fixed salt and carry a per-chart prefix (so several charts on one
page never share an id), and text stays text, so the same data gives the same bytes.
Colour never carries meaning alone: statuses also differ by hatching and printed
counts, event kinds by lane and marker, patrons by panel.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from allyledger.report.words import (
    KIND_COLOURS,
    KIND_WORDS,
    MONTHS,
    STATUS_COLOURS,
    STATUS_HATCHES,
    STATUS_WORDS,
    human_date,
)
from allyledger.vocab import EVENT_KINDS, PLEDGE_STATUSES

LANES = list(EVENT_KINDS)
MARKERS = {
    "crisis": "*",
    "request": "s",
    "pledge": "D",
    "delivery": "o",
    "withholding": "v",
    "withdrawal": "^",
}


def _setup() -> None:
    """Draw off-screen, with the settings that make SVG output reproducible."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "allyledger",
            "svg.fonttype": "none",
            "font.size": 9,
            "hatch.linewidth": 0.6,
        }
    )


def _text(value: str) -> str:
    """Data drawn as written, never as mathtext (an escaped dollar is a dollar)."""
    return value.replace("$", r"\$")


def _svg(figure: Any, prefix: str, label: str) -> str:
    """The figure as an `<svg>` element (without the XML prolog), its ids prefixed
    and its text alternative set, then closed."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = text.replace("url(#", f"url(#{prefix}-")
    text = text.replace('xlink:href="#', f'xlink:href="#{prefix}-')
    alt = html.escape(label, quote=True)
    return text.replace("<svg ", f'<svg role="img" aria-label="{alt}" ', 1)


def coverage_chart(by_year: Mapping[str, Any]) -> str:
    """A stacked bar chart of events per year and kind.

    `by_year` is `report_data(...)["overview"]["by_year"]`: `years` (a list of years)
    and `counts` (per kind, in lane order, one count per year).
    """
    import matplotlib.pyplot as plt

    _setup()
    years: Sequence[int] = by_year["years"]
    counts: Mapping[str, Sequence[int]] = by_year["counts"]
    figure, axes = plt.subplots(figsize=(10, 3))
    bottom = [0] * len(years)
    hatches = ["", "//", "..", "", "xx", "\\\\"]
    for kind, heights in counts.items():
        axes.bar(
            years,
            heights,
            bottom=bottom,
            color=KIND_COLOURS[kind],
            hatch=hatches[LANES.index(kind)],
            edgecolor="white",
            linewidth=0.4,
            label=KIND_WORDS[kind],
            width=0.8,
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_ylabel("events")
    axes.legend(ncol=6, fontsize=8, frameon=False, loc="upper left")
    axes.spines[["top", "right"]].set_visible(False)
    span = f"{years[0]} to {years[-1]}" if years else "no years"
    label = f"Bar chart of events per year, {span}, stacked by kind of event."
    return _svg(figure, "coverage", label)


def status_chart(dyads: Sequence[Mapping[str, Any]]) -> str:
    """One bar per patron → client pair: its promises split by what came of them,
    each part coloured, hatched and labelled with its count.

    `dyads` is `report_data(...)["answer"]["dyads"]`.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    _setup()
    shown = [d for d in dyads if d["promises"]]
    figure, axes = plt.subplots(figsize=(9, 0.8 + 0.32 * max(len(shown), 1)))
    labels = [_text(f"{d['provider']} → {d['recipient']}") for d in shown]
    rows = list(range(len(shown)))
    left = [0] * len(shown)
    for status in PLEDGE_STATUSES:
        widths = [d["counts"][status] for d in shown]
        bars = axes.barh(
            rows,
            widths,
            left=left,
            color=STATUS_COLOURS[status],
            hatch=STATUS_HATCHES[status],
            edgecolor="#333333",
            linewidth=0.4,
            label=STATUS_WORDS[status],
            height=0.7,
        )
        for bar, width in zip(bars, widths, strict=True):
            if width:
                x = bar.get_x() + bar.get_width() / 2
                y = bar.get_y() + bar.get_height() / 2
                axes.text(x, y, str(width), ha="center", va="center", fontsize=7)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.set_yticks(rows, labels)
    axes.invert_yaxis()
    axes.set_xlabel("promises")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(
        ncol=6, fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0, 1)
    )
    axes.spines[["top", "right"]].set_visible(False)
    label = (
        f"Bar chart of {len(shown)} patron and client pairs: each pair's promises "
        "split into kept, partly kept, withheld, reversed, pending and unresolved. "
        "The table above gives the same numbers."
    )
    return _svg(figure, "status", label)


def _steps(
    points: Sequence[Mapping[str, Any]], key: str, end: float
) -> tuple[list[float], list[float]]:
    xs, ys = [0.0], [0.0]
    for point in points:
        xs.append(float(point["days"]))
        ys.append(float(point[key]))
    xs.append(end)
    ys.append(ys[-1])
    return xs, ys


HORIZON_YEARS = 5  # the delivery curves' time axis, in years


def _year_labels(years: int) -> list[str]:
    return ["0"] + [f"{y} yr" if y == 1 else f"{y} yrs" for y in range(1, years + 1)]


def survival_chart(curves: Sequence[Mapping[str, Any]]) -> str:
    """One panel per patron: the share of its promises delivered within a given
    number of days (Kaplan–Meier), as the band between the estimate from the longest
    and the shortest spans the dates allow.

    `curves` is `report_data(...)["answer"]["curves"]`.
    """
    import matplotlib.pyplot as plt

    _setup()
    columns = min(3, max(len(curves), 1))
    rows = max(1, math.ceil(len(curves) / columns))
    longest = max([float(p["days"]) for c in curves for p in c["points"]] + [365.0])
    years = min(HORIZON_YEARS, math.ceil(longest / 365.25))
    end = years * 365.25
    figure, grid = plt.subplots(
        rows,
        columns,
        figsize=(3.2 * columns, 2.3 * rows),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    for index, axes in enumerate(grid.flat):
        if index >= len(curves):
            axes.set_visible(False)
            continue
        curve = curves[index]
        xs, low = _steps(curve["points"], "delivered_low", end)
        _, high = _steps(curve["points"], "delivered_high", end)
        percent_low = [v * 100 for v in low]
        percent_high = [v * 100 for v in high]
        axes.fill_between(
            xs,
            percent_low,
            percent_high,
            step="post",
            color="#56B4E9",
            alpha=0.4,
            linewidth=0,
        )
        axes.step(
            xs,
            percent_high,
            where="post",
            color="#0072B2",
            linewidth=1.4,
            label="reading the dates at their shortest spans",
        )
        axes.step(
            xs,
            percent_low,
            where="post",
            color="#000000",
            linewidth=1.0,
            linestyle="--",
            label="at their longest spans",
        )
        axes.set_title(
            _text(f"{curve['provider']} ({curve['pledges']} promises)"),
            fontsize=9,
            loc="left",
        )
        axes.set_ylim(0, 100)
        axes.set_xlim(0, end)
        axes.grid(axis="y", color="#dddddd", linewidth=0.5)
        axes.spines[["top", "right"]].set_visible(False)
    for axes in grid[-1]:
        axes.set_xticks([y * 365.25 for y in range(years + 1)], _year_labels(years))
        axes.set_xlabel("time after the promise")
    for axes in grid[:, 0]:
        axes.set_ylabel("% delivered")
    figure.legend(
        *grid.flat[0].get_legend_handles_labels(),
        fontsize=8,
        frameon=False,
        ncol=2,
        loc="lower left",
        bbox_to_anchor=(0, 1),
    )
    figure.tight_layout()
    names = ", ".join(c["provider"] for c in curves)
    label = (
        "Step charts, one per patron, of the share of promises with a first delivery "
        f"within each time after the promise, up to {years} years: {names}. The "
        "table below gives the shares within 30, 90 and 365 days."
    )
    return _svg(figure, "survival", label)


def _ticks(lo: dt.date, hi: dt.date) -> tuple[list[dt.date], list[str]]:
    """Tick dates inside [lo, hi] at a scale that fits the span, and their labels."""
    span = (hi - lo).days
    if span <= 60:
        step = max(1, math.ceil(span / 5))
        ticks = [lo + dt.timedelta(days=n) for n in range(0, span + 1, step)]
        return ticks, [human_date(t.isoformat(), "day") for t in ticks]
    if span <= 730:
        months = (hi.year - lo.year) * 12 + hi.month - lo.month
        step = max(1, math.ceil(months / 7))
        ticks = []
        year, month = lo.year, lo.month
        while dt.date(year, month, 1) <= hi:
            if dt.date(year, month, 1) >= lo and (year * 12 + month - 1) % step == 0:
                ticks.append(dt.date(year, month, 1))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return ticks, [f"{MONTHS[t.month - 1]} {t.year}" for t in ticks]
    step = max(1, math.ceil((hi.year - lo.year) / 9))
    ticks = [
        dt.date(y, 1, 1)
        for y in range(
            lo.year + (1 if (lo.month, lo.day) != (1, 1) else 0), hi.year + 1
        )
        if y % step == 0
    ]
    return ticks, [str(t.year) for t in ticks]


def timeline(story: Mapping[str, Any], prefix: str) -> str:
    """A story's events on one lane per kind present: a marker at each event's date and a bar
    over the period it stands for where it is known only to the month or year. The
    date axis is ticked at a scale that fits the story's span, every tick inside it.

    `story` is one of a dyad section's `stories`, with its `timeline` (events with
    `kind`, `start`, `end`), `first` and `last` (the span's ends, ISO dates).
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    _setup()
    lo = dt.date.fromisoformat(story["first"])
    hi = dt.date.fromisoformat(story["last"])
    present = {e["kind"] for e in story["timeline"]}
    lanes = [k for k in LANES if k in present]
    figure, axes = plt.subplots(figsize=(10, 0.6 + 0.3 * len(lanes)))
    for event in story["timeline"]:
        kind = event["kind"]
        lane = lanes.index(kind)
        start, end = (
            dt.date.fromisoformat(event["start"]),
            dt.date.fromisoformat(event["end"]),
        )
        if end > start:
            axes.plot(
                mdates.date2num([start, end]),  # type: ignore[no-untyped-call]
                [lane, lane],
                color=KIND_COLOURS[kind],
                linewidth=5,
                alpha=0.35,
                solid_capstyle="butt",
            )
        axes.plot(
            mdates.date2num([start]),  # type: ignore[no-untyped-call]
            [lane],
            marker=MARKERS[kind],
            color=KIND_COLOURS[kind],
            markersize=6,
            linestyle="none",
        )
    ticks, labels = _ticks(lo, hi)
    pad = max((hi - lo).days * 0.03, 3)
    axes.set_xlim(
        mdates.date2num(lo) - pad,  # type: ignore[no-untyped-call]
        mdates.date2num(hi) + pad,  # type: ignore[no-untyped-call]
    )
    axes.set_xticks(mdates.date2num(ticks), labels)  # type: ignore[no-untyped-call]
    axes.set_yticks(range(len(lanes)), [KIND_WORDS[k] for k in lanes])
    axes.set_ylim(-0.7, len(lanes) - 0.3)
    axes.invert_yaxis()
    axes.grid(axis="x", color="#eeeeee", linewidth=0.5)
    axes.spines[["top", "right"]].set_visible(False)
    counts: dict[str, int] = {}
    for event in story["timeline"]:
        counts[event["kind"]] = counts.get(event["kind"], 0) + 1
    parts = ", ".join(f"{n} {KIND_WORDS[k]}" for k, n in counts.items())
    label = (
        f"Timeline from {human_date(story['first'], 'day')} to "
        f"{human_date(story['last'], 'day')}: {parts}. The list below tells each event."
    )
    return _svg(figure, prefix, label)
