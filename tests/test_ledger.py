"""The ledger on hand-made cases whose answers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from allyledger.metrics import crisis_of, headline, ledger
from conftest import AS_OF, VALID, run


@pytest.fixture
def built(tmp_path):
    run("build", VALID, "--out", tmp_path / "b", "--as-of", AS_OF)
    return tmp_path / "b"


def test_fixture_ledger_by_hand(built):
    # The fixture: crisis 2025-01-01 (ven); request 2025-01-02 (rus -> ven) answering it;
    # pledge 2025-01 answering the request; delivery dated only "2025" fulfilling the
    # pledge; withholding 2025-06-01 answering the crisis. All belong to the crisis.
    table = ledger(built)
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["provider_id"], row["recipient_id"], row["crisis_id"]) == (
        "rus",
        "ven",
        "2025-01-01-crisis",
    )
    assert (
        row["requests"],
        row["pledges"],
        row["deliveries"],
        row["withholdings"],
        row["withdrawals"],
    ) == (1, 1, 1, 1, 0)
    assert row["pledges_delivered"] == 1 and row["pledge_delivery_share"] == 1.0
    # Crisis on 2025-01-01 (a day); first delivery known only to the year 2025: it may
    # have come the same day or as late as 2025-12-31, 364 days on.
    assert (row["lag_days_min"], row["lag_days_max"]) == (0, 364)
    assert row["crisis_type"] == "airstrikes"


def test_established_only_drops_alleged_and_disputed(built):
    # The pledge is alleged and the delivery disputed: only the reported request and
    # withholding remain, so there is no pledge to fulfil and no delivery lag.
    row = ledger(built, established_only=True).iloc[0]
    assert (
        row["requests"],
        row["pledges"],
        row["deliveries"],
        row["withholdings"],
    ) == (1, 0, 0, 1)
    assert np.isnan(row["pledge_delivery_share"])
    assert pd.isna(row["lag_days_min"]) and pd.isna(row["lag_days_max"])


def test_breakdown_by_support_type(built):
    table = ledger(built, by=["support_type"]).set_index("support_type")
    assert (
        table.loc["weapons", "requests"] == 1 and table.loc["weapons", "pledges"] == 1
    )
    assert table.loc["financial", "deliveries"] == 1
    assert table.loc["military_technical", "withholdings"] == 1
    # The weapons pledge was answered by a financial delivery: within the weapons
    # group it still counts as delivered (the link is what counts).
    assert table.loc["weapons", "pledges_delivered"] == 1


def _frames(rows):
    events = pd.DataFrame(
        rows,
        columns=[
            "event_id",
            "date",
            "date_precision",
            "kind",
            "provider_id",
            "recipient_id",
            "support_type",
            "crisis_type",
            "responds_to_id",
            "certainty",
        ],
    )
    events["date"] = pd.to_datetime(events["date"])
    return {"support_events": events}


def test_two_pledges_one_delivered_and_precise_lag():
    # Crisis 2024-03-10; pledges A (03-11) and B (03-12); a delivery of A on 03-20.
    # Share 1/2; lag exactly 10 days as both dates are known to the day.
    frames = _frames(
        [
            [
                "c",
                "2024-03-10",
                "day",
                "crisis",
                None,
                "x",
                None,
                "airstrikes",
                None,
                "confirmed",
            ],
            [
                "pa",
                "2024-03-11",
                "day",
                "pledge",
                "p",
                "x",
                "weapons",
                None,
                "c",
                "confirmed",
            ],
            [
                "pb",
                "2024-03-12",
                "day",
                "pledge",
                "p",
                "x",
                "financial",
                None,
                "c",
                "reported",
            ],
            [
                "d",
                "2024-03-20",
                "day",
                "delivery",
                "p",
                "x",
                "weapons",
                None,
                "pa",
                "confirmed",
            ],
            [
                "q",
                "2024-04-01",
                "month",
                "pledge",
                "other",
                "x",
                "diplomatic",
                None,
                "c",
                "confirmed",
            ],
        ]
    )
    table = ledger(frames).set_index("provider_id")
    assert table.loc["p", "pledges"] == 2 and table.loc["p", "pledges_delivered"] == 1
    assert table.loc["p", "pledge_delivery_share"] == 0.5
    assert (table.loc["p", "lag_days_min"], table.loc["p", "lag_days_max"]) == (10, 10)
    assert table.loc["other", "deliveries"] == 0
    assert table.loc["other", "pledge_delivery_share"] == 0.0
    summary = headline(ledger(frames)).set_index("provider_id")
    assert summary.loc["p", "crises"] == 1


def test_month_precision_crisis_gives_a_range():
    # Crisis known only as 2024-02 (1-29 Feb, a leap year); delivery on 2024-03-05:
    # between 5 and 33 days later.
    frames = _frames(
        [
            [
                "c",
                "2024-02-01",
                "month",
                "crisis",
                None,
                "x",
                None,
                "unrest",
                None,
                "confirmed",
            ],
            [
                "d",
                "2024-03-05",
                "day",
                "delivery",
                "p",
                "x",
                "troops",
                None,
                "c",
                "confirmed",
            ],
        ]
    )
    row = ledger(frames).iloc[0]
    assert (row["lag_days_min"], row["lag_days_max"]) == (5, 33)


def test_without_crisis_the_lag_counts_from_the_first_request():
    frames = _frames(
        [
            [
                "r",
                "2023-05-01",
                "day",
                "request",
                "p",
                "x",
                "energy",
                None,
                None,
                "reported",
            ],
            [
                "d",
                "2023-05-31",
                "day",
                "delivery",
                "p",
                "x",
                "energy",
                None,
                "r",
                "reported",
            ],
        ]
    )
    row = ledger(frames).iloc[0]
    assert row["crisis_id"] is None
    assert (row["lag_days_min"], row["lag_days_max"]) == (30, 30)


def test_crisis_of_follows_chains_to_the_root():
    frames = _frames(
        [
            [
                "c",
                "2024-01-01",
                "day",
                "crisis",
                None,
                "x",
                None,
                "other",
                None,
                "confirmed",
            ],
            [
                "r",
                "2024-01-02",
                "day",
                "request",
                "p",
                "x",
                "troops",
                None,
                "c",
                "confirmed",
            ],
            [
                "p",
                "2024-01-03",
                "day",
                "pledge",
                "p",
                "x",
                "troops",
                None,
                "r",
                "confirmed",
            ],
            [
                "d",
                "2024-01-04",
                "day",
                "delivery",
                "p",
                "x",
                "troops",
                None,
                "p",
                "confirmed",
            ],
            [
                "z",
                "2024-01-05",
                "day",
                "delivery",
                "p",
                "x",
                "troops",
                None,
                None,
                "confirmed",
            ],
        ]
    )
    assert list(crisis_of(frames["support_events"])) == ["c", "c", "c", "c", None]


def test_unknown_breakdown_is_refused(built):
    with pytest.raises(ValueError, match="cannot break down"):
        ledger(built, by=["item"])
