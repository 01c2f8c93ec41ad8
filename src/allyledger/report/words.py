"""How the report says things: plain words for codes, dates at their precision,
shares as percentages, lags as day ranges.

Every function takes plain values and returns text (never HTML); the template escapes
it. The page's palette lives here too, so the charts and the page agree: Okabe and
Ito's eight colours, which stay apart for readers with any common colour-vision
deficiency, and which the page never uses alone (each colour has a label, a pattern or
a position beside it).
"""

from __future__ import annotations

import datetime as dt
import math
import re

# Okabe & Ito (2008), "Color Universal Design".
KIND_COLOURS = {
    "crisis": "#000000",
    "request": "#E69F00",
    "pledge": "#0072B2",
    "delivery": "#009E73",
    "withholding": "#D55E00",
    "withdrawal": "#CC79A7",
}
STATUS_COLOURS = {
    "delivered": "#009E73",
    "partly_delivered": "#56B4E9",
    "withheld": "#D55E00",
    "reversed": "#CC79A7",
    "pending": "#F0E442",
    "unresolved": "#BBBBBB",
    "granted": "#009E73",
    "promised": "#56B4E9",
    "refused": "#D55E00",
    "unanswered": "#BBBBBB",
}
# Hatching for the status chart, so no status is told apart by colour alone.
STATUS_HATCHES = {
    "delivered": "",
    "partly_delivered": "//",
    "withheld": "xx",
    "reversed": "\\\\",
    "pending": "..",
    "unresolved": "",
}
STATUS_WORDS = {
    "delivered": "kept",
    "partly_delivered": "partly kept",
    "withheld": "withheld",
    "reversed": "reversed",
    "pending": "pending",
    "unresolved": "unresolved",
    "granted": "granted",
    "promised": "promised only",
    "refused": "refused",
    "unanswered": "unanswered",
}
# What each status means, in a reader's words (the codebook has the exact rules).
STATUS_MEANINGS = {
    "delivered": "support arrived as promised",
    "partly_delivered": "some arrived, short of the promise",
    "withheld": "held back, nothing delivered",
    "reversed": "given, then taken back or stopped",
    "pending": "not yet due",
    "unresolved": "no evidence either way",
}
KIND_WORDS = {
    "crisis": "crisis",
    "request": "request",
    "pledge": "promise",
    "delivery": "delivery",
    "withholding": "withholding",
    "withdrawal": "withdrawal",
}
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def human_date(iso: str | None, precision: str | None) -> str:
    """A date as precisely as it is known: `2013`, `Jun 2024` or `14 Jun 2024`."""
    if not iso:
        return ""
    day = dt.date.fromisoformat(iso)
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{MONTHS[day.month - 1]} {day.year}"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def machine_date(iso: str | None, precision: str | None) -> str:
    """The same date for an HTML `<time datetime>`: `2013`, `2024-06`, `2024-06-14`."""
    if not iso:
        return ""
    return {"year": iso[:4], "month": iso[:7]}.get(precision or "", iso)


def parse_human_date(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day a `human_date` label stands for (for tests and tools
    that read the page back)."""
    parts = text.split()
    if len(parts) == 1:
        year = int(parts[0])
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if len(parts) == 2:
        month, year = MONTHS.index(parts[0]) + 1, int(parts[1])
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return dt.date(year, month, 1), following - dt.timedelta(days=1)
    day = dt.date(int(parts[2]), MONTHS.index(parts[1]) + 1, int(parts[0]))
    return day, day


def percent(share: float | None) -> str:
    """A share as a whole percentage (`57 %`); empty when it is undefined."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return ""
    return f"{round(share * 100)} %"


def share_range(low: float | None, high: float | None) -> str:
    """A share known as a range: `44 %`, or `44–57 %` where the bounds differ."""
    lo, hi = percent(low), percent(high)
    if not lo:
        return ""
    if lo == hi:
        return lo
    return f"{lo[:-2]}–{hi}"


def days(low: float | None, high: float | None) -> str:
    """A lag in days, as a range where dates are imprecise: `12 days`, `46–76 days`."""
    if low is None or (isinstance(low, float) and math.isnan(low)):
        return ""
    lo = round(low)
    hi = lo if high is None or math.isnan(high) else round(high)
    unit = "day" if hi == 1 else "days"
    return f"{lo} {unit}" if lo == hi else f"{lo}–{hi} {unit}"


def slug(text: str) -> str:
    """An HTML id fragment: lowercase letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def amount(value: float | None, unit: str | None) -> str:
    """An amount with its unit, with thousands separators: `2,200,000,000 USD`."""
    if value is None or math.isnan(value):
        return ""
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return f"{number} {unit or ''}".strip()
