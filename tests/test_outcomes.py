"""The outcomes table, the ledger and the survival estimate, on hand-made cases whose
every status, lag, share and survival point is worked out by hand below."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from allyledger.build import to_arrow
from allyledger.metrics import crisis_of, headline, ledger, survival
from allyledger.outcomes import derive
from allyledger.problems import UsageProblem
from allyledger.schemas import TABLES
from conftest import AS_OF, VALID, run

COLUMNS = TABLES["support_events"].columns


def ev(event_id, date, kind, responds=None, *, provider="p", recipient="x", **cells):
    row = dict.fromkeys(COLUMNS)
    row.update(
        event_id=event_id,
        date=date,
        kind=kind,
        provider_id=provider if kind != "crisis" else None,
        recipient_id=recipient,
        responds_to_id=responds,
        certainty="confirmed",
        support_type=None if kind == "crisis" else "weapons",
        crisis_type="airstrikes" if kind == "crisis" else None,
        **cells,
    )
    return row


def events(*rows):
    return pd.DataFrame(list(rows), columns=COLUMNS)


# The case: one patron p, one client x, edition date 2026-06-30.
CASE = events(
    ev("c1", "2024-03-10", "crisis"),
    # pa: 10 units pledged, 4 + 6 delivered -> delivered; lag 2024-03-11 -> 03-20 = 9
    ev("pa", "2024-03-11", "pledge", "c1", amount="10", unit="units"),
    ev("da1", "2024-03-20", "delivery", "pa", amount="4", unit="units"),
    ev("da2", "2024-04", "delivery", "pa", amount="6", unit="units"),
    # pb: 10 pledged, 3 delivered -> partly (share 0.3); lag 03-12 -> 05-01 = 50
    ev("pb", "2024-03-12", "pledge", "c1", amount="10", unit="units"),
    ev("db", "2024-05-01", "delivery", "pb", amount="3", unit="units"),
    # pc (known to the year): delivered 2024-07, then withheld -> partly; lag 0..212
    ev("pc", "2024", "pledge"),
    ev("dc", "2024-07", "delivery", "pc"),
    ev("wc", "2024-09-01", "withholding", "pc"),
    # pd: only a withholding -> withheld, censored
    ev("pd", "2024-02-01", "pledge"),
    ev("wd", "2024-03-01", "withholding", "pd"),
    # pe: delivered, then a withdrawal answers the pledge -> reversed; lag 17
    ev("pe", "2024-01-15", "pledge"),
    ev("de", "2024-02-01", "delivery", "pe"),
    ev("xe", "2024-06-01", "withdrawal", "pe"),
    # pf: the withdrawal answers the delivery (a mission ended) -> still delivered
    ev("pf", "2024-01-15", "pledge"),
    ev("df", "2024-02-01", "delivery", "pf"),
    ev("xf", "2024-06-01", "withdrawal", "df"),
    # pg: due 2027, nothing yet -> pending; ph: due 2025-06, passed -> unresolved
    ev("pg", "2026-01-10", "pledge", due="2027"),
    ev("ph", "2025-01-10", "pledge", due="2025-06"),
    ev("pi", "2025-01-10", "pledge"),  # no due date -> unresolved
    # r1 answered by pledge pr, which dr delivers -> granted, lag 03-01 -> 03-25 = 24
    ev("r1", "2024-03-01", "request"),
    ev("pr", "2024-03-05", "pledge", "r1"),
    ev("dr", "2024-03-25", "delivery", "pr"),
    ev("r2", "2024-03-01", "request"),  # only a pledge -> promised
    ev("pr2", "2024-03-02", "pledge", "r2"),  # itself unresolved
    ev("r3", "2024-03-01", "request"),  # a withholding -> refused
    ev("w3", "2024-03-02", "withholding", "r3"),
    ev("r4", "2024-03-01", "request"),  # nothing -> unanswered
)
CASE_AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def outcomes():
    table = derive(CASE, CASE_AS_OF).astype(object)  # text, None where empty
    return table.where(table.notna(), None).set_index("event_id")


def typed(text: pd.DataFrame) -> pd.DataFrame:
    return to_arrow(TABLES["outcomes"], text).to_pandas()


def test_every_status_by_hand(outcomes):
    assert outcomes["status"].to_dict() == {
        "pa": "delivered",
        "pb": "partly_delivered",
        "pc": "partly_delivered",
        "pd": "withheld",
        "pe": "reversed",
        "pf": "delivered",
        "pg": "pending",
        "ph": "unresolved",
        "pi": "unresolved",
        "pr": "delivered",
        "pr2": "unresolved",
        "r1": "granted",
        "r2": "promised",
        "r3": "refused",
        "r4": "unanswered",
    }


def test_lags_respect_precision(outcomes):
    lags = {
        k: (outcomes.loc[k, "lag_days_min"], outcomes.loc[k, "lag_days_max"])
        for k in ("pa", "pb", "pc", "pe", "pr", "r1", "pd")
    }
    assert lags == {
        "pa": ("9", "9"),  # da1 is the earliest; da2 (April) cannot come sooner
        "pb": ("50", "50"),
        # pledged some day of 2024, delivered some day of July 2024: from the same
        # day up to 1 Jan -> 31 Jul = 212 days (2024 is a leap year)
        "pc": ("0", "212"),
        "pe": ("17", "17"),
        "pr": ("20", "20"),
        "r1": ("24", "24"),  # through the pledge made in reply
        "pd": (None, None),
    }


def test_answers_first_delivery_amounts_and_censoring(outcomes):
    assert outcomes.loc["pa", "answered_by"] == "da1|da2"
    assert outcomes.loc["pc", "answered_by"] == "dc|wc"
    assert outcomes.loc["r1", "answered_by"] == "pr"
    assert outcomes.loc["r4", "answered_by"] is None
    assert outcomes.loc["pa", "first_delivery_id"] == "da1"
    assert outcomes.loc["r1", "first_delivery_id"] == "dr"
    assert outcomes.loc["pc", "first_delivery_date"] == "2024-07"
    assert (
        outcomes.loc["pa", "delivered_amount"],
        outcomes.loc["pa", "delivered_share"],
    ) == (
        "10",
        "1",
    )
    assert outcomes.loc["pb", "delivered_share"] == "0.3"
    assert outcomes.loc["pc", "delivered_amount"] is None  # no amount pledged
    censored = outcomes.index[outcomes["censored"] == "true"]
    assert sorted(censored) == ["pd", "pg", "ph", "pi", "pr2", "r2", "r3", "r4"]
    assert (
        outcomes.loc["pa", "crisis_id"] == "c1"
        and outcomes.loc["pc", "crisis_id"] is None
    )
    assert set(outcomes["as_of"]) == {"2026-06-30"}


def test_ledger_counts_shares_and_median_lag(outcomes):
    frames = {"outcomes": typed(derive(CASE, CASE_AS_OF))}
    row = ledger(frames, by="dyad").iloc[0]
    assert (row["provider_id"], row["recipient_id"], row["promises"]) == ("p", "x", 11)
    counts = [row[s] for s in ("delivered", "partly_delivered", "withheld", "reversed")]
    assert counts == [3, 2, 1, 1]
    assert (row["pending"], row["unresolved"]) == (1, 3)
    assert row["kept_share"] == pytest.approx(3 / 7)  # 3 delivered of 7 resolved
    assert row["unresolved_share"] == pytest.approx(3 / 11)
    requests = [
        row[s] for s in ("requests", "granted", "promised", "refused", "unanswered")
    ]
    assert requests == [4, 1, 1, 1, 1]
    # lags of the delivered pledges pa, pb, pc, pe, pf, pr: min 9 50 0 17 17 20,
    # max 9 50 212 17 17 20 -> medians 17 and (17 + 20) / 2
    assert (row["median_lag_days_min"], row["median_lag_days_max"]) == (17, 18.5)


def test_ledger_per_crisis_splits_the_promises():
    frames = {
        "outcomes": typed(derive(CASE, CASE_AS_OF)),
        "support_events": to_arrow(TABLES["support_events"], CASE).to_pandas(),
    }
    table = ledger(frames, by="crisis")
    in_crisis = table[table["crisis_id"] == "c1"].iloc[0]
    assert (
        in_crisis["promises"],
        in_crisis["delivered"],
        in_crisis["partly_delivered"],
    ) == (
        2,
        1,
        1,
    )
    assert in_crisis["crisis_type"] == "airstrikes"
    assert table["promises"].sum() == 11


def survival_case():
    # Four pledges of patron q made 2024-01-01: delivered after 10 and 30 days, two
    # still open at 2024-03-01 (60 days). Kaplan-Meier: at day 10, 4 at risk and 1
    # delivered -> 1/4; at day 30, 3 at risk and 1 delivered -> 1 - 3/4 * 2/3 = 1/2.
    # Patron r: one pledge known only as 2024-01, delivered 2024-02-15: 15 to 45 days.
    return events(
        ev("q1", "2024-01-01", "pledge", provider="q"),
        ev("d1", "2024-01-11", "delivery", "q1", provider="q"),
        ev("q2", "2024-01-01", "pledge", provider="q"),
        ev("d2", "2024-01-31", "delivery", "q2", provider="q"),
        ev("q3", "2024-01-01", "pledge", provider="q"),
        ev("q4", "2024-01-01", "pledge", provider="q"),
        ev("r1", "2024-01", "pledge", provider="r"),
        ev("e1", "2024-02-15", "delivery", "r1", provider="r"),
    )


def test_kaplan_meier_by_hand():
    frames = {"outcomes": typed(derive(survival_case(), dt.date(2024, 3, 1)))}
    curve = survival(frames).set_index(["provider_id", "days"])
    assert curve.loc[("q", 10), "at_risk"] == 4
    assert curve.loc[("q", 10), "delivered_low"] == pytest.approx(0.25)
    assert curve.loc[("q", 30), "at_risk"] == 3
    assert curve.loc[("q", 30), "delivered_high"] == pytest.approx(0.5)
    top = headline(frames, by="patron").set_index("provider_id")
    assert top.loc["q", "delivered_within_30_days_low"] == pytest.approx(0.5)
    assert top.loc["q", "delivered_within_90_days_high"] == pytest.approx(0.5)
    # r: 15 days at the earliest, 45 at the latest: within 30 days is 0 to 1
    assert top.loc["r", "delivered_within_30_days_low"] == 0.0
    assert top.loc["r", "delivered_within_30_days_high"] == 1.0
    assert top.loc["r", "delivered_within_90_days_low"] == 1.0


def test_crisis_of_follows_chains_to_the_root():
    case = events(
        ev("c", "2024-01-01", "crisis"),
        ev("r", "2024-01-02", "request", "c"),
        ev("p", "2024-01-03", "pledge", "r"),
        ev("d", "2024-01-04", "delivery", "p"),
        ev("z", "2024-01-05", "delivery"),
    )
    assert list(crisis_of(case)) == ["c", "c", "c", "c", None]


@pytest.fixture
def built(tmp_path):
    run("build", VALID, "--out", tmp_path / "b", "--as-of", AS_OF)
    return tmp_path / "b"


def test_build_writes_outcomes_with_foreign_keys(built):
    # The fixture: request 2025-01-02 answered by pledge 2025-01, which a delivery
    # dated only "2025" answers (1.5e6 USD against 2 units pledged: no common unit).
    table = pq.read_table(built / "outcomes.parquet").to_pandas().set_index("event_id")
    assert table["status"].astype(str).to_dict() == {
        "2025-01-02-request": "granted",
        "2025-01-pledge": "delivered",
    }
    # pledge: some day of January 2025 -> some day of 2025: 0 to 364 days
    pledge = table.loc["2025-01-pledge"]
    assert (pledge["lag_days_min"], pledge["lag_days_max"]) == (0, 364)
    assert pd.isna(pledge["delivered_share"]) and not pledge["censored"]
    assert str(table.loc["2025-01-02-request", "as_of"]) == AS_OF
    package = json.loads((built / "datapackage.json").read_text())
    resource = next(r for r in package["resources"] if r["name"] == "outcomes")
    keys = {
        tuple(k["fields"]) if isinstance(k["fields"], list) else k["fields"]: k
        for k in resource["schema"]["foreignKeys"]
    }
    assert keys["event_id"]["reference"] == {
        "resource": "support_events",
        "fields": "event_id",
    }
    assert keys["provider_id"]["reference"]["resource"] == "actors"
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["as_of"] == AS_OF and manifest["tables"]["outcomes"] == {"rows": 2}


def test_ledger_command_formats(built):
    out = run("ledger", built, "--format", "csv")
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].startswith("provider_id,recipient_id,promises,delivered,")
    assert lines[1].startswith("rus,ven,1,1,0,0,0,0,0,1.0,0.0,1,1,0,0,0,0.0,364.0,")
    records = json.loads(
        run("ledger", built, "--format", "json", "--by", "crisis").output
    )
    assert (
        records[0]["crisis_id"] == "2025-01-01-crisis" and records[0]["promises"] == 1
    )
    markdown = run("ledger", built, "--format", "markdown").output.splitlines()
    assert markdown[0].startswith("| provider_id | recipient_id | promises |")
    text = run("ledger", built, "--established-only").output
    # the pledge is alleged, so only the (reported) request is left
    assert text.splitlines()[1].split()[:3] == ["rus", "ven", "0"]


def test_ledger_refuses_what_it_cannot_read(tmp_path, built):
    result = run("ledger", tmp_path / "nothing-here")
    assert result.exit_code == 2
    assert "is neither a folder nor an edition name" in result.output
    (built / "outcomes.parquet").unlink()
    with pytest.raises(UsageProblem, match="has no outcomes table"):
        ledger(built)


def test_due_dates_are_checked_where_they_sit(ds):
    from conftest import set_cell, validate

    set_cell(ds, "support_events", 3, "due", "2030")  # the pledge: a future due date
    assert validate(ds).exit_code == 0
    set_cell(ds, "support_events", 2, "due", "2026")  # the request, line 3
    set_cell(ds, "support_events", 3, "due", "2024-12")  # before the pledge (2025-01)
    result = validate(ds)
    assert result.exit_code == 1
    assert (
        "support_events.csv:3:due: due-on-non-pledge: only a pledge has a due date; "
        'this event is a "request"'
    ) in result.output
    assert (
        'support_events.csv:4:due: due-before-date: due "2024-12" ends before the '
        'pledge was made ("2025-01")'
    ) in result.output


def test_a_pledge_not_yet_due_is_pending_until_its_due_period_ends(ds, tmp_path):
    from conftest import set_cell

    # Drop the delivery's link so the pledge (2025-01) has no answer, due 2026-12.
    set_cell(ds, "support_events", 5, "responds_to_id", "")
    set_cell(ds, "support_events", 3, "due", "2026-12")
    statuses = {}
    for as_of in ("2026-12-01", "2027-01-01"):
        out = tmp_path / as_of
        assert run("build", ds, "--out", out, "--as-of", as_of).exit_code == 0
        table = pq.read_table(out / "outcomes.parquet").to_pandas()
        statuses[as_of] = table.set_index("event_id").loc["2025-01-pledge", "status"]
    # still within December 2026: pending; from January 2027: past due, unresolved
    assert statuses == {"2026-12-01": "pending", "2027-01-01": "unresolved"}
