"""Whether a promise to pay or an instalment plan asked for by a customer on
its page is accepted at once, or goes to a person.

Pure Python, no ORM. The company sets limits per risk class (for instance:
promises within 30 days for classes A and B; plans of at most 6 instalments and
5,000 EUR within 180 days for class A). A request within the limits of one
rule of its kind is accepted at once; otherwise it waits for a Dunning User
(promises) or a Credit Manager (plans), with the reasons no rule accepted it.

Amounts are in the company's currency, as ``Decimal``.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

KINDS = ("promise", "plan")


@dataclass(frozen=True)
class Limit:
    """One rule of the company. ``max_days``: the promised date, or the last
    instalment, at most this many days from today (0: no limit);
    ``max_amount``: the amount promised or repaid at most this (None: no
    limit); ``max_instalments`` (plans, 0: no limit); ``min_share`` (promises):
    the promise covers at least this percentage of what the chosen items owe."""

    key: int
    kind: str
    risk_classes: frozenset[str]
    include_unrated: bool = False
    max_days: int = 0
    max_amount: Decimal | None = None
    max_instalments: int = 0
    min_share: Decimal = Decimal(100)


@dataclass(frozen=True)
class Ask:
    """What the customer asks: ``amount`` promised or to repay, ``owed`` by the
    chosen items, ``last_date`` the promised date or the last instalment's."""

    kind: str
    risk_class: str | None
    today: datetime.date
    amount: Decimal
    owed: Decimal
    last_date: datetime.date
    instalments: int = 1


@dataclass(frozen=True)
class Decision:
    """``accepted`` with the ``key`` of the rule that accepted it, or the
    ``reasons`` no rule did: (code, values) pairs the caller words."""

    accepted: bool
    key: int | None = None
    reasons: tuple[tuple[str, dict], ...] = field(default_factory=tuple)


def _misses(limit: Limit, ask: Ask) -> list[tuple[str, dict]]:
    """Why ``limit`` does not accept ``ask`` (empty: it does)."""
    misses = []
    if ask.risk_class is None:
        if not limit.include_unrated:
            misses.append(("unrated", {}))
    elif ask.risk_class not in limit.risk_classes:
        misses.append(
            (
                "risk_class",
                {"risk_class": ask.risk_class, "allowed": sorted(limit.risk_classes)},
            )
        )
    days = (ask.last_date - ask.today).days
    if limit.max_days and days > limit.max_days:
        misses.append(("days", {"days": days, "max_days": limit.max_days}))
    if limit.max_amount is not None and ask.amount > limit.max_amount:
        misses.append(
            ("amount", {"amount": ask.amount, "max_amount": limit.max_amount})
        )
    if (
        ask.kind == "plan"
        and limit.max_instalments
        and ask.instalments > limit.max_instalments
    ):
        misses.append(
            (
                "instalments",
                {"count": ask.instalments, "max_count": limit.max_instalments},
            )
        )
    if ask.kind == "promise" and ask.owed > 0:
        share = (ask.amount * 100 / ask.owed).quantize(Decimal("0.01"))
        if share < limit.min_share:
            misses.append(("share", {"share": share, "min_share": limit.min_share}))
    return misses


def decide(limits: Sequence[Limit], ask: Ask) -> Decision:
    """Accept ``ask`` by the first rule of its kind it fits, in the given
    order; otherwise say why the closest rule (fewest misses) did not."""
    if ask.kind not in KINDS:
        raise ValueError("A customer asks for a promise or a plan, not %r." % ask.kind)
    if ask.last_date < ask.today:
        raise ValueError("The date asked for is in the past.")
    candidates = [limit for limit in limits if limit.kind == ask.kind]
    if not candidates:
        return Decision(False, reasons=(("no_rule", {}),))
    best = None
    for limit in candidates:
        misses = _misses(limit, ask)
        if not misses:
            return Decision(True, key=limit.key)
        if best is None or len(misses) < len(best):
            best = misses
    return Decision(False, reasons=tuple(best))
