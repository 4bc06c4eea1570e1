"""Receivables KPIs: aging buckets, DSO (countback), CEI, average days delinquent.

Pure Python, no ORM: the models read balances and sales with SQL and call these
functions with plain values. Money is :class:`~decimal.Decimal`; a ratio comes
back as a Decimal rounded for display (days to 0.1, percentages to 0.01).

Aging
-----
An open item is aged by the days between its due date and the day of the
report (``as_of - due``): 0 or less is *not due*, then 1-30, 31-60, 61-90,
91-120 and over 120 days (:data:`AGING_BUCKETS`), the columns an aged
receivables report shows in every accounting package.

DSO, countback method
---------------------
Days Sales Outstanding by the *countback* (exhaustion) method, as the Credit
Research Foundation and the CICM describe it: start from the receivables at the
end of the period and take away the sales of each period going back in time,
most recent first. Each period whose sales are entirely used up counts all its
days; the period where the receivables run out counts the share of its days that
the remaining receivables are of its sales::

    receivables 150,000; sales: November 60,000 (30 days), October 70,000 (31),
    September 80,000 (30)
    150,000 - 60,000 = 90,000 -> 30 days
     90,000 - 70,000 = 20,000 -> 31 days
     20,000 / 80,000 * 30     -> 7.5 days          DSO = 68.5 days

Unlike ``receivables / sales * days`` it does not move when one month sells more
than another: the receivables are what the latest sales left unpaid. When the
periods given run out before the receivables, every period counts in full and
the result says so (:class:`Countback` ``exhausted``).

CEI, Collection Effectiveness Index
-----------------------------------
Credit Research Foundation formula over one period::

    CEI = (opening receivables + sales - closing total receivables)
        / (opening receivables + sales - closing current receivables) * 100

the share of what could be collected in the period that was collected: 100 %
when nothing is overdue at the end. "Current" receivables are those not yet due.

Average days delinquent
-----------------------
ADD = DSO - best possible DSO, both by countback: the best possible DSO counts
back the *current* receivables only (what would be outstanding if every customer
paid on its due date), so ADD is the days customers add to the terms.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

# (code, first day late, last day late or None): the aging columns.
AGING_BUCKETS = (
    ("not_due", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("91_120", 91, 120),
    ("over_120", 121, None),
)
AGING_CODES = tuple(code for code, _first, _last in AGING_BUCKETS)

DAYS = Decimal("0.1")
PERCENT = Decimal("0.01")


def _decimal(value: Decimal | int, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(
            "%s is a %s; give amounts as Decimal." % (what, type(value).__name__)
        )
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError("%s is not an amount: %s." % (what, value))
    return amount


def days_late(due: date, as_of: date) -> int:
    """Days an item due on ``due`` is late on ``as_of`` (negative: not due)."""
    return (as_of - due).days


def aging_bucket(days: int) -> str:
    """The aging column (:data:`AGING_CODES`) of an item ``days`` late."""
    for code, first, last in AGING_BUCKETS:
        if (first is None or days >= first) and (last is None or days <= last):
            return code
    raise AssertionError(days)  # the buckets cover every integer


def age_items(items: Sequence[tuple[date, Decimal]], as_of: date) -> dict[str, Decimal]:
    """Sum of the amounts of ``(due date, amount)`` items in each aging column.

    Every column is in the result, 0 when empty.
    """
    totals = {code: Decimal(0) for code in AGING_CODES}
    for due, amount in items:
        bucket = aging_bucket(days_late(due, as_of))
        totals[bucket] += _decimal(amount, "The amount due on %s" % due)
    return totals


@dataclass(frozen=True)
class Countback:
    """Result of a countback: days, and whether the periods ran out first."""

    days: Decimal
    exhausted: bool = False


def dso_countback(
    receivables: Decimal, periods: Sequence[tuple[int, Decimal]]
) -> Countback:
    """Days of sales that ``receivables`` represent, counting back.

    :param receivables: receivables at the end of the last period (company
        currency; what customers owe, credit notes and payments on account
        deducted)
    :param periods: ``(days, sales)`` of each period, the most recent first
        (e.g. the month to date, then each month before it)
    :return: the days rounded to 0.1; 0 when there is nothing to collect
    """
    left = _decimal(receivables, "The receivables")
    total_days = Decimal(0)
    if left <= 0:
        return Countback(Decimal("0.0"))
    for index, (days, sales) in enumerate(periods):
        if not isinstance(days, int) or days <= 0:
            raise ValueError(
                "Period %d of the countback has %r days; give a positive number."
                % (index + 1, days)
            )
        sales = _decimal(sales, "The sales of period %d" % (index + 1))
        if sales <= 0:
            total_days += days  # nothing sold: the receivables are older
            continue
        if left <= sales:
            total_days += left / sales * days
            return Countback(total_days.quantize(DAYS, ROUND_HALF_UP))
        left -= sales
        total_days += days
    return Countback(total_days.quantize(DAYS, ROUND_HALF_UP), exhausted=True)


def collection_effectiveness(
    opening: Decimal, sales: Decimal, closing_total: Decimal, closing_current: Decimal
) -> Decimal | None:
    """CEI in percent (rounded to 0.01), None when nothing was collectable."""
    opening = _decimal(opening, "The opening receivables")
    sales = _decimal(sales, "The sales of the period")
    closing_total = _decimal(closing_total, "The closing receivables")
    closing_current = _decimal(closing_current, "The closing current receivables")
    collectable = opening + sales - closing_current
    if collectable <= 0:
        return None
    collected = opening + sales - closing_total
    return (collected / collectable * 100).quantize(PERCENT, ROUND_HALF_UP)


def average_days_delinquent(
    receivables: Decimal,
    current_receivables: Decimal,
    periods: Sequence[tuple[int, Decimal]],
) -> Decimal:
    """DSO less the best possible DSO (current receivables only), in days."""
    dso = dso_countback(receivables, periods).days
    best = dso_countback(current_receivables, periods).days
    return max(dso - best, Decimal("0.0"))


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` of ``whole`` in percent (0.01), None when ``whole`` is not > 0."""
    part = _decimal(part, "The part")
    whole = _decimal(whole, "The whole")
    if whole <= 0:
        return None
    return (part / whole * 100).quantize(PERCENT, ROUND_HALF_UP)
