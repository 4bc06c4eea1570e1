"""Statutory late-payment interest in Italy, and the B2B fixed compensation.

Pure Python, no ORM: the models read the rate tables from the database (or
:func:`official_rate_tables` for the shipped figures) and call these functions
with plain values. Money and rates are :class:`~decimal.Decimal`, never float.

Two statutory rates
-------------------
* **B2B** (commercial transactions between businesses, or a business and a public
  administration): D.Lgs. 9 ottobre 2002 n. 231, as amended by D.Lgs. 9 novembre
  2012 n. 192 implementing Directive 2011/7/EU. Interest runs without any formal
  notice from the day after the due date (art. 4 c. 1). Its rate (art. 5 c. 1-2)
  is the rate of the ECB main refinancing operations in force on the first
  calendar day of the half-year ("tasso di riferimento": on 1 January for the
  first half-year, on 1 July for the second) plus 8 percentage points. The MEF
  publishes the reference rate in the Gazzetta Ufficiale each half-year
  (art. 5 c. 3). Each day bears the rate of the half-year it falls in.
  :func:`b2b_rate_table` builds that table from the reference rates.
* **B2C** (the debtor is a consumer): the legal rate of art. 1284 c. 1 c.c.,
  owed on a late money debt by art. 1224 c.c., set for each calendar year by
  decree of the MEF published by 15 December of the year before. Each day bears
  the rate of its calendar year. (From the day a claim is filed in court,
  art. 1284 c. 4 c.c. switches to the D.Lgs. 231/2002 rate: that is for the
  lawyer, not for dunning.)

Only B2B invoices also carry the fixed 40 EUR compensation of art. 6 c. 2
D.Lgs. 231/2002 (:func:`compensation_b2b`).

Rate tables
-----------
A table is a sequence of ``(date_from, date_to or None, rate)``: both dates
inclusive, ``None`` for an open-ended last period, and ``rate`` the annual rate
in percent as a Decimal (``Decimal("10.50")`` for 10.50 %). Periods may not
overlap. A day of the interest range that no period covers is an error: the
interest is never computed with a guessed rate.

Days and day count
------------------
Interest is simple (no compounding: art. 1283 c.c.) and accrues day by day from
the day after the due date up to and including the payment date (or the given
``to_date``): ``days = to_date - due_date``. For each period::

    interest = principal * rate / 100 * days / divisor

The divisor defaults to **365, in leap years too** ("anno civile", actual/365
fixed). Both rates are stated "in ragione d'anno" (per year); Italian practice
and the usual calculators apply ``I = C * S * N / 36500``, and the Agenzia delle
Entrate (risoluzione n. 296/E of 14 July 2008) keeps 365 in leap years for
interest at the legal rate. A contract or a court may use another basis: pass
``divisor=360`` (commercial year), ``366``, or ``None`` for actual/actual (each
day divided by the length of its own calendar year, 365 or 366).

Rounding
--------
Each line is computed exactly (as a :class:`~fractions.Fraction`); only the
total is rounded, to the cent with ROUND_HALF_UP, as accountants do. Each line
also shows its own amount rounded to the cent for display, so the displayed
lines may add up to a cent more or less than the total.
"""

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

KIND_B2B = "b2b"
KIND_LEGAL = "legal"
HALF_YEAR = "half-year"
YEAR = "year"
CADENCE_BY_KIND = {KIND_B2B: HALF_YEAR, KIND_LEGAL: YEAR}
B2B_MARKUP = Decimal("8")  # percentage points, art. 5 c. 1 D.Lgs. 231/2002
B2B_COMPENSATION = Decimal("40.00")  # EUR, art. 6 c. 2 D.Lgs. 231/2002
OFFICIAL_RATES_CSV = (
    Path(__file__).resolve().parent.parent / "data" / "dunning.interest.rate.csv"
)

CENT = Decimal("0.01")
ONE_DAY = timedelta(days=1)

RateRow = tuple[date, date | None, Decimal]
RateTable = Sequence[RateRow]
Payment = tuple[date, Decimal]


@dataclass(frozen=True)
class Period:
    """Days ``start``..``end`` (inclusive) at one annual ``rate`` in percent."""

    start: date
    end: date
    days: int
    rate: Decimal


@dataclass(frozen=True)
class InterestLine:
    """Interest on ``principal`` for ``days`` days at ``rate`` percent a year.

    ``exact`` is the exact amount; ``interest`` is it rounded to the cent, for
    display only (the total is rounded once from the exact amounts).
    """

    start: date
    end: date
    days: int
    rate: Decimal
    principal: Decimal
    divisor: int
    exact: Fraction
    interest: Decimal


@dataclass(frozen=True)
class InterestResult:
    """Total interest rounded to the cent, and the lines it comes from."""

    total: Decimal
    lines: tuple[InterestLine, ...] = ()


def compensation_b2b() -> Decimal:
    """Fixed compensation owed for each late B2B invoice: 40.00 EUR.

    Art. 6 c. 2 D.Lgs. 231/2002 (art. 6 Directive 2011/7/EU): the creditor is
    owed 40 euro without any formal notice, on top of the interest. It is not
    owed by consumers.
    """
    return B2B_COMPENSATION


def b2b_rate_table(
    ecb_rates: Sequence[tuple[date, Decimal]], markup: Decimal = B2B_MARKUP
) -> list[RateRow]:
    """B2B late-payment rates from the ECB reference rate of each half-year.

    ``ecb_rates`` holds ``(first day of the half-year, ECB main refinancing
    operations rate in force that day)`` - the "tasso di riferimento" the MEF
    publishes in the Gazzetta Ufficiale. Art. 5 c. 1-2 D.Lgs. 231/2002: the
    rate of the first half-year is the one in force on 1 January, that of the
    second half-year the one in force on 1 July, plus ``markup`` percentage
    points (8 since D.Lgs. 192/2012; 7 for contracts made before 1 January
    2013). Returns one closed row per half-year, sorted.
    """
    _check_decimal(markup, "The markup")
    rows = []
    seen = set()
    for start, reference in ecb_rates:
        _check_decimal(reference, "The ECB rate of %s" % start.isoformat())
        if (start.month, start.day) not in ((1, 1), (7, 1)):
            raise ValueError(
                "The ECB reference rate of %s must be dated on the first day of a "
                "half-year (1 January or 1 July)." % start.isoformat()
            )
        if start in seen:
            raise ValueError(
                "Two ECB reference rates are given for the half-year starting on "
                "%s: keep one." % start.isoformat()
            )
        seen.add(start)
        rows.append((start, _half_year_end(start), reference + markup))
    rows.sort(key=lambda row: row[0])
    return rows


def split_periods(
    start: date, end: date, table: RateTable, *, cadence: str | None = None
) -> list[Period]:
    """Cut the days ``start``..``end`` (inclusive) by the periods of ``table``.

    Returns one :class:`Period` per rate period touched, in date order; none
    when ``start`` is after ``end``. Raises ValueError, naming the days and the
    rate to add, when a day has no rate. ``cadence`` (:data:`HALF_YEAR` for the
    B2B table, :data:`YEAR` for the legal rate; see :data:`CADENCE_BY_KIND`)
    only words that message.
    """
    periods: list[Period] = []
    if start > end:
        return periods
    cursor = start
    for row_start, row_end, rate in _sorted_rows(table):
        if row_end is not None and row_end < cursor:
            continue
        if row_start > end:
            break
        if row_start > cursor:
            raise _missing_rate(cursor, min(end, row_start - ONE_DAY), cadence)
        stop = end if row_end is None else min(end, row_end)
        periods.append(Period(cursor, stop, (stop - cursor).days + 1, rate))
        if stop == end:
            return periods
        cursor = stop + ONE_DAY
    raise _missing_rate(cursor, end, cadence)


def compute_interest(
    principal: Decimal,
    due_date: date,
    to_date: date,
    table: RateTable,
    divisor: int | None = 365,
    *,
    cadence: str | None = None,
) -> InterestResult:
    """Statutory interest on ``principal`` unpaid from ``due_date`` to ``to_date``.

    Interest runs from the day after ``due_date`` (art. 4 c. 1 D.Lgs.
    231/2002; art. 1224 c.c.) up to and including ``to_date`` (the payment
    date), each day at the rate ``table`` gives it: the B2B half-year rates
    (art. 5 D.Lgs. 231/2002) or the legal rates of art. 1284 c.c. See the
    module docstring for the day count (``divisor``) and the rounding: exact
    lines, total rounded to the cent with ROUND_HALF_UP.

    A ``due_date`` on or after ``to_date`` gives zero interest. A negative
    principal, or a day without a rate, raises ValueError.
    """
    return compute_interest_with_payments(
        principal, due_date, to_date, (), table, divisor, cadence=cadence
    )


def compute_interest_with_payments(
    principal: Decimal,
    due_date: date,
    to_date: date,
    payments: Sequence[Payment],
    table: RateTable,
    divisor: int | None = 365,
    *,
    cadence: str | None = None,
) -> InterestResult:
    """Interest on what stays unpaid of ``principal`` after partial payments.

    ``payments`` are ``(date, amount paid)``. A payment stops the interest on
    its amount after its date: the payment day itself still bears interest, as
    for a payment in full. Payments on or before ``due_date`` reduce the amount
    before interest starts; payments after ``to_date`` do not matter.

    Each payment is applied to the principal of this invoice, as dunning
    reconciles it. Art. 1194 c.c. would let the creditor apply a payment to the
    accrued interest first; doing so yields more interest, so this is the
    conservative figure. Otherwise as :func:`compute_interest`.
    """
    _check_decimal(principal, "The principal")
    if principal < 0:
        raise ValueError(
            "The amount due cannot be negative (%s): late interest is computed "
            "on an unpaid invoice, not on a credit note." % principal
        )
    if divisor is not None and (
        isinstance(divisor, bool) or not isinstance(divisor, int) or divisor <= 0
    ):
        raise ValueError(
            "The day-count divisor must be a positive whole number of days "
            "(365, 366, 360) or None for actual/actual, not %r." % (divisor,)
        )
    for pay_date, amount in payments:
        _check_decimal(amount, "The payment of %s" % pay_date.isoformat())
        if amount < 0:
            raise ValueError(
                "The payment of %s is negative (%s): record refunds separately."
                % (pay_date.isoformat(), amount)
            )
    if to_date <= due_date:
        return InterestResult(total=Decimal("0.00"))

    lines = []
    outstanding = principal
    start = due_date + ONE_DAY
    for pay_date, amount in sorted(payments, key=lambda payment: payment[0]):
        if pay_date >= to_date:
            break
        if pay_date >= start:
            lines += _lines(outstanding, start, pay_date, table, divisor, cadence)
            start = pay_date + ONE_DAY
        outstanding -= amount
        if outstanding < 0:
            raise ValueError(
                "The payments up to %s exceed the amount due of %s: record only "
                "the payments reconciled with this invoice."
                % (pay_date.isoformat(), principal)
            )
    lines += _lines(outstanding, start, to_date, table, divisor, cadence)
    total = _round_cents(sum((line.exact for line in lines), Fraction(0)))
    return InterestResult(total=total, lines=tuple(lines))


def parse_rate_csv(text: str) -> dict[str, list[RateRow]]:
    """Rate tables by kind from CSV text with a header row.

    Columns: ``kind`` (``b2b`` or ``legal``), ``date_from`` and ``date_to``
    (ISO dates, inclusive; ``date_to`` empty for an open-ended period), ``rate``
    (annual percent, e.g. ``10.50``) and ``source`` (the decree or Gazzetta
    Ufficiale issue). Raises ValueError naming the faulty line.
    """
    tables: dict[str, list[RateRow]] = {KIND_B2B: [], KIND_LEGAL: []}
    reader = csv.DictReader(io.StringIO(text))
    missing = {"kind", "date_from", "date_to", "rate", "source"} - set(
        reader.fieldnames or ()
    )
    if missing:
        raise ValueError(
            "The rate file lacks the column(s) %s." % ", ".join(sorted(missing))
        )
    for record in reader:
        where = "Line %s of the rate file" % reader.line_num
        kind = (record["kind"] or "").strip()
        if kind not in tables:
            raise ValueError(
                "%s: the kind must be %s or %s, not %r."
                % (where, KIND_B2B, KIND_LEGAL, kind)
            )
        try:
            date_from = date.fromisoformat(record["date_from"].strip())
            date_to_text = (record["date_to"] or "").strip()
            date_to = date.fromisoformat(date_to_text) if date_to_text else None
        except (AttributeError, ValueError) as error:
            raise ValueError("%s: dates must read YYYY-MM-DD." % where) from error
        try:
            rate = Decimal((record["rate"] or "").strip())
        except InvalidOperation as error:
            raise ValueError(
                "%s: the rate must be a number such as 10.50." % where
            ) from error
        if not (record["source"] or "").strip():
            raise ValueError("%s: give the decree or Gazzetta Ufficiale." % where)
        tables[kind].append((date_from, date_to, rate))
    for rows in tables.values():
        rows[:] = _sorted_rows(rows)
    return tables


def official_rate_tables() -> dict[str, list[RateRow]]:
    """The official rates shipped with the addon, by kind (see the CSV file)."""
    return parse_rate_csv(OFFICIAL_RATES_CSV.read_text(encoding="utf-8"))


def _check_decimal(value: object, label: str) -> None:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(
            "%s must be a Decimal, not %s: convert amounts with Decimal(str(x))."
            % (label, type(value).__name__)
        )
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError("%s must be a finite number, not %s." % (label, value))


def _sorted_rows(table: RateTable) -> list[RateRow]:
    """The rows sorted by start; ValueError when malformed or overlapping."""
    rows = sorted(table, key=lambda row: row[0])
    previous = None
    for row_start, row_end, rate in rows:
        label = "%s - %s" % (row_start.isoformat(), _iso(row_end))
        _check_decimal(rate, "The rate of %s" % label)
        if rate < 0:
            raise ValueError("The rate of %s cannot be negative (%s)." % (label, rate))
        if row_end is not None and row_end < row_start:
            raise ValueError("The period %s ends before it starts." % label)
        if previous is not None and (previous[1] is None or previous[1] >= row_start):
            raise ValueError(
                "The rate periods %s - %s and %s overlap: each day must have one "
                "rate." % (previous[0].isoformat(), _iso(previous[1]), label)
            )
        previous = (row_start, row_end)
    return rows


def _lines(
    principal: Decimal,
    start: date,
    end: date,
    table: RateTable,
    divisor: int | None,
    cadence: str | None,
) -> list[InterestLine]:
    """Interest lines on ``principal`` for the days ``start``..``end``."""
    if principal == 0 or start > end:
        return []
    lines = []
    for period in split_periods(start, end, table, cadence=cadence):
        for chunk_start, chunk_end in _by_year(period.start, period.end, divisor):
            days = (chunk_end - chunk_start).days + 1
            base = divisor or (366 if _is_leap(chunk_start.year) else 365)
            exact = Fraction(principal) * Fraction(period.rate) * days / (100 * base)
            lines.append(
                InterestLine(
                    start=chunk_start,
                    end=chunk_end,
                    days=days,
                    rate=period.rate,
                    principal=principal,
                    divisor=base,
                    exact=exact,
                    interest=_round_cents(exact),
                )
            )
    return lines


def _by_year(start: date, end: date, divisor: int | None) -> list[tuple[date, date]]:
    """The days cut at each 1 January when the divisor depends on the year."""
    if divisor is not None:
        return [(start, end)]
    chunks = []
    while start.year < end.year:
        chunks.append((start, date(start.year, 12, 31)))
        start = date(start.year + 1, 1, 1)
    chunks.append((start, end))
    return chunks


def _round_cents(value: Fraction) -> Decimal:
    """Round an exact amount to the cent, halves away from zero (ROUND_HALF_UP)."""
    cents = math.floor(abs(value) * 100 + Fraction(1, 2))
    amount = (Decimal(cents) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return -amount if value < 0 else amount


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _half_year_end(day: date) -> date:
    return date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "open"


def _period_names(start: date, end: date, cadence: str | None) -> list[str]:
    """Names of the half-years or years that hold the days start..end."""
    names = []
    if cadence == HALF_YEAR:
        cursor = date(start.year, 1 if start.month <= 6 else 7, 1)
        while cursor <= end:
            half = "first" if cursor.month == 1 else "second"
            names.append("%s half-year %s" % (half, cursor.year))
            cursor = _half_year_end(cursor) + ONE_DAY
    elif cadence == YEAR:
        names = [str(year) for year in range(start.year, end.year + 1)]
    return names


def _missing_rate(start: date, end: date, cadence: str | None) -> ValueError:
    """The error for days without a rate, saying which rate(s) to add."""
    names = _period_names(start, end, cadence)
    if not names:
        what = "a rate covering these days"
    elif len(names) == 1:
        what = "the %s rate" % names[0]
    elif len(names) <= 3:
        what = "the %s and %s rates" % (", ".join(names[:-1]), names[-1])
    else:
        article = "" if cadence == YEAR else "the "
        what = "the rates from %s%s to %s%s" % (article, names[0], article, names[-1])
    return ValueError(
        "No statutory rate for %s – %s: add %s in Configuration."
        % (start.isoformat(), end.isoformat(), what)
    )
