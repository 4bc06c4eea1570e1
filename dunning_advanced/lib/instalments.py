"""Split an amount into dated instalments (piano di rientro). Pure Python, no ORM.

Every instalment but the last is the amount divided by their number, rounded
down to the currency's smallest unit; the last one absorbs the rounding, so the
instalments always add up to the amount exactly.
"""

from datetime import date
from decimal import ROUND_DOWN, Decimal

from dateutil.relativedelta import relativedelta

INTERVAL_UNITS = ("days", "weeks", "months")


def instalment_dates(first_date, count, interval=1, unit="months"):
    """``count`` dates from ``first_date``, ``interval`` ``unit`` apart.

    Months are counted from the first date (31 January, 28 February, 31 March),
    never from the previous instalment, so an end of month does not drift.
    """
    if count < 1:
        raise ValueError("A plan needs at least one instalment.")
    if interval < 1:
        raise ValueError("The interval between instalments must be at least 1.")
    if unit not in INTERVAL_UNITS:
        raise ValueError(f"Unknown interval unit {unit!r}.")
    return [
        first_date + relativedelta(**{unit: interval * index}) for index in range(count)
    ]


def split_amount(total, count, decimal_places=2):
    """``total`` in ``count`` instalments; the last one absorbs the rounding."""
    total = Decimal(total)
    if total <= 0:
        raise ValueError("There is nothing left to pay: no instalment to plan.")
    if count < 1:
        raise ValueError("A plan needs at least one instalment.")
    quantum = Decimal(1).scaleb(-decimal_places)
    share = (total / count).quantize(quantum, rounding=ROUND_DOWN)
    if share <= 0:
        raise ValueError("The amount is too small for that many instalments.")
    return [share] * (count - 1) + [total - share * (count - 1)]


def schedule(total, count, first_date: date, interval=1, unit="months", places=2):
    """[(date, amount)] of a plan of ``count`` instalments."""
    return list(
        zip(
            instalment_dates(first_date, count, interval, unit),
            split_amount(total, count, places),
            strict=True,
        )
    )


def cumulative_due(instalments, today, grace_days=0):
    """Total of the instalments whose date plus ``grace_days`` is before ``today``."""
    return sum(
        (amount for when, amount in instalments if (today - when).days > grace_days),
        Decimal(0),
    )
