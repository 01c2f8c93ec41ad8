"""The report's charts: matplotlib figures drawn as inline SVG from the plain data.

Each chart is a function from part of `report_data`'s result to an SVG string. The
output is deterministic: the SVG carries no date, its ids come from a fixed salt, and
text stays text (no glyph paths), so the same data gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

from allyledger.vocab import EVENT_KINDS

COLOURS = {
    "crisis": "#b2182b",
    "request": "#ef8a62",
    "pledge": "#67a9cf",
    "delivery": "#1a9850",
    "withholding": "#762a83",
    "withdrawal": "#8c510a",
}
LANES = list(EVENT_KINDS)


def _setup() -> None:
    """Draw off-screen, with the settings that make SVG output reproducible."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {"svg.hashsalt": "allyledger", "svg.fonttype": "none", "font.size": 9}
    )


def _svg(figure: Any) -> str:
    """The figure as an `<svg>` element (without the XML prolog), then closed."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


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
    for kind, heights in counts.items():
        axes.bar(
            years,
            heights,
            bottom=bottom,
            color=COLOURS[kind],
            label=kind,
            width=0.8,
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_ylabel("events")
    axes.legend(ncol=6, fontsize=8, frameon=False, loc="upper left")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def _days(*dates: str) -> Any:
    """Matplotlib's day numbers for ISO dates (what its date axis plots)."""
    import matplotlib.dates as mdates

    return mdates.date2num([dt.date.fromisoformat(d) for d in dates])  # type: ignore[no-untyped-call]


def timeline(crisis: Mapping[str, Any]) -> str:
    """A crisis's events on one lane per kind: a dot at each event's date and a bar
    over the period it stands for where it is known only to the month or year.

    `crisis` is one of `report_data(...)["timelines"]["crises"]`: its `title` and its
    `events`, each with `kind`, `start` and `end` (ISO dates).
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    _setup()
    figure, axes = plt.subplots(figsize=(10, 2.4))
    for event in crisis["events"]:
        kind = event["kind"]
        lane = LANES.index(kind)
        if event["end"] > event["start"]:
            axes.plot(
                _days(event["start"], event["end"]),
                [lane, lane],
                color=COLOURS[kind],
                linewidth=5,
                alpha=0.35,
                solid_capstyle="butt",
            )
        axes.plot(
            _days(event["date"]),
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
    # The title is data: draw it as written, never as mathtext (an escaped dollar is a
    # dollar; parse_math=False would not do, as wrapping still measures it as math).
    title = crisis["title"].replace("$", r"\$")
    axes.set_title(title, fontsize=9, loc="left", wrap=True)
    return _svg(figure)
