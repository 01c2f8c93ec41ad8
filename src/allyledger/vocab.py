"""Closed vocabularies (enumerations) of the data model, each value with its meaning.

The meanings feed the codebook and the Frictionless descriptor; the keys feed the checks.
"""

from __future__ import annotations

ACTOR_KINDS: dict[str, str] = {
    "state": "A sovereign state; its actor_id is its ISO 3166-1 alpha-3 code in lowercase.",
    "person": "An individual, such as a head of state or minister.",
    "international_organization": "An organisation of states, such as the CSTO or the UN.",
    "government_body": "A ministry, army, agency or other organ of one state.",
    "company": "A business, state-owned or private.",
    "armed_group": "A non-state armed organisation.",
    "political_party": "A political party.",
}

RELATIONSHIP_KINDS: dict[str, str] = {
    "defense_alliance": "A treaty or pact under which the parties defend each other.",
    "strategic_partnership": "A declared strategic or comprehensive partnership.",
    "arms_supply": "A standing supply of weapons from the first actor to the second.",
    "security_cooperation": "Training, basing, intelligence or policing cooperation.",
    "economic_partnership": "Trade, credit or investment ties.",
    "energy_partnership": "Oil, gas, nuclear or power cooperation.",
    "membership": "The first actor is a member of the second (an organisation).",
    "leadership": "The first actor (a person) leads the second.",
    "ownership": "The first actor owns or controls the second.",
    "rivalry": "A standing hostile relationship.",
}

OBLIGATIONS: dict[str, str] = {
    "defense": "To come to the other's aid if it is attacked.",
    "offense": "To join the other in a military offensive.",
    "neutrality": "To stay out of a conflict involving the other.",
    "non_aggression": "Not to attack the other.",
    "consultation": "To consult the other in a crisis.",
}

BASES: dict[str, str] = {
    "treaty": "A ratified treaty.",
    "agreement": "A signed agreement, memorandum or contract short of a treaty.",
    "membership": "Membership of an organisation.",
    "informal": "Practice or declarations without a signed instrument.",
}

RELATIONSHIP_STATUSES: dict[str, str] = {
    "active": "In force at the edition's as-of date.",
    "suspended": "Frozen or suspended by at least one party, but not ended.",
    "ended": "Terminated, expired or withdrawn from; `end` gives when.",
}

EVENT_KINDS: dict[str, str] = {
    "crisis": "The recipient faced a threat: the moment of need.",
    "request": "The recipient asked for support.",
    "pledge": "The provider promised support.",
    "delivery": "Support was actually provided.",
    "withholding": "Support asked for, promised or expected was not given.",
    "withdrawal": "Support once delivered was taken back or stopped.",
}

SUPPORT_TYPES: dict[str, str] = {
    "troops": "Combat or peacekeeping forces.",
    "weapons": "Arms, munitions and military equipment.",
    "military_technical": "Maintenance, training, spare parts and military advisers.",
    "intelligence": "Intelligence sharing or surveillance.",
    "cyber": "Cyber operations or cyber defence.",
    "basing": "Access to bases, ports or airspace.",
    "financial": "Loans, grants, debt relief or payments.",
    "energy": "Oil, gas, fuel, electricity or nuclear supply.",
    "economic": "Trade, investment, food or other economic help.",
    "humanitarian": "Relief supplies, medical aid or rescue teams.",
    "diplomatic": "Votes, vetoes, mediation and other diplomatic action.",
    "rhetorical": "Public statements of support or condemnation.",
    "asylum": "Refuge granted to a person.",
}

CRISIS_TYPES: dict[str, str] = {
    "foreign_military_operation": "A foreign ground, naval or special-forces operation.",
    "airstrikes": "Air or missile strikes.",
    "regime_collapse": "The fall or near-fall of the government.",
    "armed_conflict": "A war or armed offensive.",
    "economic_collapse": "A collapse of the economy, currency, fuel or power supply.",
    "unrest": "Mass protests or internal unrest.",
    "sanctions": "Sanctions, embargoes or blockades.",
    "other": "Any other threat.",
}

CERTAINTIES: dict[str, str] = {
    "confirmed": "An official record, both sides, or several independent reputable outlets.",
    "reported": "One reputable outlet, or unnamed officials.",
    "alleged": "One party's claim, or a leak that is denied or unconfirmed.",
    "disputed": "Credible sources contradict each other; the summary says how.",
}

SOURCE_TYPES: dict[str, str] = {
    "news": "News reporting.",
    "official": "A government or organisation's own statement or page.",
    "analysis": "Think-tank or academic analysis.",
    "dataset": "A published dataset.",
    "blog": "A blog or aggregator.",
    "legal_text": "The text of a treaty, law or agreement.",
    "other": "Anything else.",
}

PRECISIONS: dict[str, str] = {
    "year": "Only the year is known; the date is 1 January of it.",
    "month": "The year and month are known; the date is the first of the month.",
    "day": "The exact day is known.",
}

NON_CURRENCY_UNITS: dict[str, str] = {
    "units": "Pieces of equipment.",
    "personnel": "People.",
    "barrels": "Barrels of oil.",
    "tonnes": "Metric tonnes.",
}

PROMISE_KINDS: dict[str, str] = {
    "pledge": EVENT_KINDS["pledge"],
    "request": EVENT_KINDS["request"],
}

# How a pledge or a request turned out, derived from the events that answer it
# (`responds_to_id`) and the edition's date; never typed by hand (`outcomes`).
OUTCOME_STATUSES: dict[str, str] = {
    "delivered": "A pledge that a delivery answers and, where the pledge and its "
    "deliveries give amounts in the same unit, whose deliveries reach the amount pledged.",
    "partly_delivered": "A pledge whose deliveries fall short of the amount pledged, "
    "or that a withholding answers after a delivery.",
    "withheld": "A pledge that a withholding answers, with nothing delivered.",
    "reversed": "A pledge that a withdrawal answers: support given under it was taken "
    "back or stopped (a withdrawal that answers one of its deliveries, such as a "
    "mission ending as planned, does not reverse the pledge).",
    "pending": "A pledge that nothing answers yet and whose due date has not passed "
    "by the edition date.",
    "unresolved": "A pledge that nothing answers and that has no due date, or whose "
    "due date has passed with no evidence either way.",
    "granted": "A request that a delivery answers, directly or through a pledge that "
    "answers it.",
    "promised": "A request that only a pledge answers, with nothing delivered.",
    "refused": "A request that a withholding answers, with nothing promised or "
    "delivered.",
    "unanswered": "A request that nothing answers.",
}
PLEDGE_STATUSES = (
    "delivered",
    "partly_delivered",
    "withheld",
    "reversed",
    "pending",
    "unresolved",
)
REQUEST_STATUSES = ("granted", "promised", "refused", "unanswered")

# The tables whose IDs a retirement may record (retired_ids.table).
RETIRABLE_TABLES: dict[str, str] = {
    "actors": "an actor_id",
    "relationships": "a relationship_id",
    "support_events": "an event_id",
    "sources": "a source_id",
}
