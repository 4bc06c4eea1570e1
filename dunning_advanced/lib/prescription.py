"""Prescription (prescrizione) of a credit under Italian law.

Pure Python, no ORM: the models give the start date, the category of the credit
and the dates of the acts that interrupted the prescription; this module tells
the last day on which the creditor can still act.

Terms (art. 2934 ff. c.c.):

* ``ordinary``: 10 years, art. 2946 c.c.
* ``periodic``: 5 years, art. 2948 n. 4 c.c., for what is payable yearly or at
  shorter intervals (rents, subscriptions, supply contracts, telephone and
  internet bills).
* ``utility_consumer``: 2 years, Legge 27 December 2017 n. 205, art. 1 c. 4-5
  ("prescrizione breve"): the price of electricity, gas and water supplies owed
  by domestic users, micro-enterprises (Recommendation 2003/361/EC) and
  professionals (art. 3 c. 1 lett. c D.Lgs. 206/2005). By c. 10 it applies only
  to bills *due after* 1 March 2018 (electricity), 1 January 2019 (gas) and
  1 January 2020 (water); bills due earlier keep the 5-year term of art. 2948
  n. 4 c.c. Telephone, internet and pay-TV bills are *not* covered by that law:
  use ``periodic`` for them.

Counting (art. 2963 c.c.): the start day is not counted, terms in years end on
the same day of the month (``ex nominatione dierum``) and a term starting on
29 February ends on 28 February when the final year is not a leap year (art.
2963 c. 5: "il termine si compie con l'ultimo giorno dello stesso mese").
Art. 2963 c. 3 extends a term ending on a holiday to the next working day; the
date returned here is *not* extended, so it is never later than the legal one:
the creditor is warned a little early, never too late.

The term starts on the day the right can be exercised (art. 2935 c.c.), which
for an invoice is its due date (Cass. civ. 15102/2024 for utility bills).

Interruptions (art. 2943-2945 c.c.): a written demand for payment received by
the debtor (messa in mora, art. 2943 c. 4 and art. 1219 c.c.: give the date of
*receipt*), an acknowledgement of the debt by the debtor (art. 2944) or a
judicial act (art. 2943 c. 1-2) start the full term again from their date (art.
2945 c. 1). An act after the credit is prescribed does not revive it.

Judicial proceedings (art. 2945 c. 2): the prescription does not run until the
judgement closing them is final. Give that date as ``suspended_until`` (and the
date the claim was served as an interruption). A final judgement ordering
payment turns any shorter term into 10 years (art. 2953 c.c.), counted from the
day the judgement became final. If the proceedings were extinguished instead
(art. 2945 c. 3), give no ``suspended_until``: the claim counts as a plain
interruption.

Not modelled: the transitional cap of art. 252 disp. att. c.c. (Cass. civ.
15102/2024: for consumption before the cut-off dates, the 2-year term cannot end
later than the old 5-year one), and suspensions between relatives or spouses
(art. 2941-2942 c.c.).
"""

from collections.abc import Hashable, Iterable, Mapping
from datetime import date, datetime

from dateutil.relativedelta import relativedelta

ORDINARY = "ordinary"
PERIODIC = "periodic"
UTILITY_CONSUMER = "utility_consumer"

TERM_YEARS = {ORDINARY: 10, PERIODIC: 5, UTILITY_CONSUMER: 2}

# Legge 205/2017, art. 1 c. 10: the 2-year term applies to bills due *after*
# these dates.
UTILITY_SECTOR_CUTOFF = {
    "electricity": date(2018, 3, 1),
    "gas": date(2019, 1, 1),
    "water": date(2020, 1, 1),
}
# After this date every sector is covered, so the sector does not matter.
_ALL_SECTORS_COVERED_AFTER = max(UTILITY_SECTOR_CUTOFF.values())

# Art. 2953 c.c.: after a final judgement ordering payment.
JUDGEMENT_TERM_YEARS = 10


def term_years(category: str, start_date: date, sector: str | None = None) -> int:
    """Length in years of the prescription of a credit of ``category``.

    ``sector`` ("electricity", "gas" or "water") is needed for a
    ``utility_consumer`` credit due on or before 1 January 2020, because the
    2-year term of Legge 205/2017 (art. 1 c. 10) started at different dates in
    each sector; a bill due on or before its sector's date keeps 5 years (art.
    2948 n. 4 c.c.).
    """
    if category not in TERM_YEARS:
        raise ValueError(
            "Unknown prescription category %r: use one of %s."
            % (category, ", ".join(sorted(TERM_YEARS)))
        )
    if category != UTILITY_CONSUMER:
        return TERM_YEARS[category]
    if sector == "telecom":
        raise ValueError(
            "Telephone and internet bills are not covered by the 2-year "
            "prescription of Legge 205/2017: use the 'periodic' category "
            "(5 years, art. 2948 n. 4 c.c.)."
        )
    if sector is not None and sector not in UTILITY_SECTOR_CUTOFF:
        raise ValueError(
            "Unknown utility sector %r: use one of %s."
            % (sector, ", ".join(sorted(UTILITY_SECTOR_CUTOFF)))
        )
    if start_date > _ALL_SECTORS_COVERED_AFTER:
        return TERM_YEARS[UTILITY_CONSUMER]
    if sector is None:
        raise ValueError(
            "A utility bill due on %s needs its sector (electricity, gas or "
            "water): the 2-year prescription applies only to electricity bills "
            "due after 1 March 2018, gas bills due after 1 January 2019 and "
            "water bills due after 1 January 2020." % start_date.isoformat()
        )
    if start_date > UTILITY_SECTOR_CUTOFF[sector]:
        return TERM_YEARS[UTILITY_CONSUMER]
    return TERM_YEARS[PERIODIC]


def _day(value: date, what: str) -> date:
    """``value`` as a date (a datetime keeps its day)."""
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise ValueError("%s must be a date, not %r." % (what, value))
    return value


def add_years(start: date, years: int) -> date:
    """``start`` plus ``years`` calendar years, art. 2963 c.c.

    The same day and month; 29 February becomes 28 February in a year that is
    not a leap year (art. 2963 c. 5).
    """
    return start + relativedelta(years=years)


def prescription_date(
    start_date: date,
    category: str,
    interruptions: Iterable[date] = (),
    suspended_until: date | None = None,
    *,
    sector: str | None = None,
) -> date:
    """Last day on which the creditor can still interrupt the prescription.

    The credit is prescribed from the next day on (art. 2963 c. 2 c.c.: the
    prescription occurs at the end of the final day).

    :param start_date: the day the right can be exercised (art. 2935 c.c.),
        for an invoice its due date.
    :param category: "ordinary" (10 years, art. 2946), "periodic" (5 years, art.
        2948 n. 4) or "utility_consumer" (2 years, Legge 205/2017 art. 1 c. 4).
    :param interruptions: dates of the acts of art. 2943-2944 c.c.: receipt of a
        formal demand, acknowledgement by the debtor, service of a judicial act.
        Each one in time starts the full term again (art. 2945 c. 1).
    :param suspended_until: the day the judgement closing judicial proceedings
        became final (art. 2945 c. 2); the act that started the proceedings must
        be among ``interruptions``. From that day a 10-year term runs (art. 2953).
    :param sector: for "utility_consumer" credits due on or before 1 January
        2020, "electricity", "gas" or "water" (Legge 205/2017 art. 1 c. 10).
    """
    start_date = _day(start_date, "The start date")
    if suspended_until is not None:
        suspended_until = _day(suspended_until, "The date the judgement became final")
    years = term_years(category, start_date, sector)
    dates = sorted({_day(when, "An interruption date") for when in interruptions})
    if dates and dates[0] < start_date:
        raise ValueError(
            "The interruption of %s is before the day the credit could be claimed "
            "(%s): check both dates." % (dates[0].isoformat(), start_date.isoformat())
        )
    if suspended_until is not None:
        if suspended_until < start_date:
            raise ValueError(
                "The judgement became final on %s, before the credit could be "
                "claimed (%s): check both dates."
                % (suspended_until.isoformat(), start_date.isoformat())
            )
        if not dates or dates[0] > suspended_until:
            raise ValueError(
                "Proceedings ended by a final judgement on %s suspend the "
                "prescription only from the day the claim was served: add that "
                "date to the interruptions." % suspended_until.isoformat()
            )
    if suspended_until is None:
        last_day = add_years(start_date, years)
        later = dates
    else:
        # Art. 2945 c. 2 and art. 2953 c.c.: nothing ran during the proceedings
        # and the judgement starts a 10-year term on the day it became final.
        years = JUDGEMENT_TERM_YEARS
        last_day = add_years(suspended_until, years)
        later = [when for when in dates if when > suspended_until]
    for when in later:
        if when > last_day:
            # Already prescribed: a later act cannot revive the credit.
            return last_day
        last_day = add_years(when, years)
    return last_day


def days_left(prescription_date: date, today: date) -> int:
    """Days from ``today`` to the last useful day.

    0 means today is the last day to act; a negative number is the number of
    days since the credit was prescribed.
    """
    return (prescription_date - today).days


def expiring_within(
    prescription_dates: Mapping[Hashable, date],
    today: date,
    horizon_days: int,
    include_prescribed: bool = False,
) -> list[tuple[Hashable, int]]:
    """Credits whose prescription date falls within ``horizon_days`` of ``today``.

    :param prescription_dates: {credit key (e.g. an invoice id): its date from
        :func:`prescription_date`}.
    :return: (key, days left) pairs, the most urgent first (ties in key order of
        the mapping). Credits already prescribed are left out unless
        ``include_prescribed``.
    """
    if horizon_days < 0:
        raise ValueError(
            "The warning horizon is %s days; it must be 0 or more." % horizon_days
        )
    found = []
    for key, when in prescription_dates.items():
        left = days_left(when, today)
        if left > horizon_days:
            continue
        if left < 0 and not include_prescribed:
            continue
        found.append((key, left))
    found.sort(key=lambda pair: pair[1])
    return found
