import itertools
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from odoo.tests import BaseCase, tagged

from ..lib.late_interest import (
    CADENCE_BY_KIND,
    HALF_YEAR,
    KIND_B2B,
    KIND_LEGAL,
    YEAR,
    Period,
    b2b_rate_table,
    compensation_b2b,
    compute_interest,
    compute_interest_with_payments,
    official_rate_tables,
    parse_rate_csv,
    split_periods,
)

D = Decimal

# ECB main refinancing operations rate on the first day of each half-year, as the
# MEF communicates it in the Gazzetta Ufficiale ("tasso di riferimento"), from
# the second half-year 2002 (D.Lgs. 231/2002 applies from 8 August 2002). Before
# 2013 the markup was 7 points, 8 after D.Lgs. 192/2012.
ECB_REFERENCE_RATES_7 = [
    (date(2002, 7, 1), D("3.35")),
    (date(2003, 1, 1), D("2.85")),
    (date(2003, 7, 1), D("2.10")),
    (date(2004, 1, 1), D("2.02")),
    (date(2004, 7, 1), D("2.01")),
    (date(2005, 1, 1), D("2.09")),
    (date(2005, 7, 1), D("2.05")),
    (date(2006, 1, 1), D("2.25")),
    (date(2006, 7, 1), D("2.83")),
    (date(2007, 1, 1), D("3.58")),
    (date(2007, 7, 1), D("4.07")),
    (date(2008, 1, 1), D("4.20")),
    (date(2008, 7, 1), D("4.10")),
    (date(2009, 1, 1), D("2.50")),
    (date(2009, 7, 1), D("1.00")),
    (date(2010, 1, 1), D("1.00")),
    (date(2010, 7, 1), D("1.00")),
    (date(2011, 1, 1), D("1.00")),
    (date(2011, 7, 1), D("1.25")),
    (date(2012, 1, 1), D("1.00")),
    (date(2012, 7, 1), D("1.00")),
]
ECB_REFERENCE_RATES = [
    (date(2013, 1, 1), D("0.75")),
    (date(2013, 7, 1), D("0.50")),
    (date(2014, 1, 1), D("0.25")),
    (date(2014, 7, 1), D("0.15")),
    (date(2015, 1, 1), D("0.05")),
    (date(2015, 7, 1), D("0.05")),
    (date(2016, 1, 1), D("0.05")),
    *[
        (date(year, month, 1), D("0.00"))
        for year in range(2016, 2023)
        for month in (1, 7)
        if (year, month) not in ((2016, 1),)
    ],
    (date(2023, 1, 1), D("2.50")),
    (date(2023, 7, 1), D("4.00")),
    (date(2024, 1, 1), D("4.50")),
    (date(2024, 7, 1), D("4.25")),
    (date(2025, 1, 1), D("3.15")),
    (date(2025, 7, 1), D("2.15")),
    (date(2026, 1, 1), D("2.15")),
]
# Legal rate of art. 1284 c.c. by calendar year (decrees of the MEF).
LEGAL_RATES = {
    **dict.fromkeys((2002, 2003), D("3.00")),
    **dict.fromkeys((2004, 2005, 2006, 2007), D("2.50")),
    **dict.fromkeys((2008, 2009), D("3.00")),
    2010: D("1.00"),
    2011: D("1.50"),
    **dict.fromkeys((2012, 2013), D("2.50")),
    2014: D("1.00"),
    2015: D("0.50"),
    2016: D("0.20"),
    2017: D("0.10"),
    2018: D("0.30"),
    2019: D("0.80"),
    2020: D("0.05"),
    2021: D("0.01"),
    2022: D("1.25"),
    2023: D("5.00"),
    2024: D("2.50"),
    2025: D("2.00"),
    2026: D("1.60"),
}
B2B_2023_2024 = [
    (date(2023, 1, 1), date(2023, 6, 30), D("10.50")),
    (date(2023, 7, 1), date(2023, 12, 31), D("12.00")),
    (date(2024, 1, 1), date(2024, 6, 30), D("12.50")),
    (date(2024, 7, 1), date(2024, 12, 31), D("12.25")),
]
LEGAL_2023_2024 = [
    (date(2023, 1, 1), date(2023, 12, 31), D("5.00")),
    (date(2024, 1, 1), date(2024, 12, 31), D("2.50")),
]


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibLateInterestB2B(BaseCase):
    def test_invoice_over_three_half_years(self):
        """10,000.00 EUR due 2023-05-15, paid 2024-02-10 (D.Lgs. 231/2002).

        Interest runs from 2023-05-16 to 2024-02-10 included, 271 days, /365:
        - 2023-05-16..2023-06-30: 16 + 30 = 46 days at 10.50 %
          10,000 * 10.50 % * 46 / 365 = 48,300 / 365 = 132.3287... -> 132.33
        - 2023-07-01..2023-12-31: 31+31+30+31+30+31 = 184 days at 12.00 %
          10,000 * 12.00 % * 184 / 365 = 220,800 / 365 = 604.9315... -> 604.93
        - 2024-01-01..2024-02-10: 31 + 10 = 41 days at 12.50 %
          10,000 * 12.50 % * 41 / 365 = 51,250 / 365 = 140.4109... -> 140.41
        Total (48,300 + 220,800 + 51,250) / 365 = 320,350 / 365 = 877.6712...
        -> 877.67.
        """
        result = compute_interest(
            D("10000.00"), date(2023, 5, 15), date(2024, 2, 10), B2B_2023_2024
        )
        self.assertEqual(result.total, D("877.67"))
        self.assertEqual(
            [(line.start, line.end, line.days, line.rate) for line in result.lines],
            [
                (date(2023, 5, 16), date(2023, 6, 30), 46, D("10.50")),
                (date(2023, 7, 1), date(2023, 12, 31), 184, D("12.00")),
                (date(2024, 1, 1), date(2024, 2, 10), 41, D("12.50")),
            ],
        )
        self.assertEqual(
            [line.interest for line in result.lines],
            [D("132.33"), D("604.93"), D("140.41")],
        )
        self.assertEqual(result.lines[0].exact, Fraction(48300, 365))
        self.assertEqual(sum(line.days for line in result.lines), 271)
        self.assertTrue(all(line.divisor == 365 for line in result.lines))

    def test_official_table_gives_the_same_figures(self):
        """The shipped MEF rates for 2023-H1..2024-H1 are 10.50/12.00/12.50."""
        table = official_rate_tables()[KIND_B2B]
        result = compute_interest(
            D("10000.00"), date(2023, 5, 15), date(2024, 2, 10), table
        )
        self.assertEqual(result.total, D("877.67"))

    def test_leap_year_day_count(self):
        """2024 is a leap year: the default divides by 365 all the same.

        Actual/actual (divisor None) divides the 41 days of 2024 by 366:
        51,250 / 366 = 140.0273... -> 140.03; total
        132.3287... + 604.9315... + 140.0273... = 877.2875... -> 877.29.
        A commercial year (divisor 360): 320,350 / 360 = 889.8611... -> 889.86.
        """
        args = (D("10000.00"), date(2023, 5, 15), date(2024, 2, 10), B2B_2023_2024)
        self.assertEqual(compute_interest(*args).lines[-1].divisor, 365)
        actual = compute_interest(*args, divisor=None)
        self.assertEqual(actual.total, D("877.29"))
        self.assertEqual([line.divisor for line in actual.lines], [365, 365, 366])
        self.assertEqual(actual.lines[-1].interest, D("140.03"))
        self.assertEqual(compute_interest(*args, divisor=360).total, D("889.86"))

    def test_actual_divisor_cuts_a_period_at_new_year(self):
        """A rate period over two years is cut at 1 January for actual/actual.

        1,000.00 at 10 % from 2023-12-22 to 2024-01-10: 10 days / 365 and
        10 days / 366: 1,000 / 365 + 1,000 / 366 = 2.7397 + 2.7322 = 5.4719
        -> 5.47.
        """
        table = [(date(2023, 1, 1), None, D("10"))]
        result = compute_interest(
            D("1000.00"), date(2023, 12, 21), date(2024, 1, 10), table, divisor=None
        )
        self.assertEqual([line.days for line in result.lines], [10, 10])
        self.assertEqual([line.divisor for line in result.lines], [365, 366])
        self.assertEqual(result.total, D("5.47"))

    def test_total_is_rounded_half_up_from_the_exact_amount(self):
        """100.05 EUR at 10 % for the 365 days of 2023 = 10.005 exactly -> 10.01.

        (Banker's rounding would give 10.00.)
        """
        table = [(date(2023, 1, 1), date(2023, 12, 31), D("10.00"))]
        result = compute_interest(
            D("100.05"), date(2022, 12, 31), date(2023, 12, 31), table
        )
        self.assertEqual(result.lines[0].days, 365)
        self.assertEqual(result.lines[0].exact, Fraction(10005, 1000))
        self.assertEqual(result.total, D("10.01"))

    def test_compensation_is_forty_euro(self):
        """Art. 6 c. 2 D.Lgs. 231/2002: 40 EUR per late B2B invoice."""
        self.assertEqual(compensation_b2b(), D("40.00"))
        self.assertEqual(str(compensation_b2b()), "40.00")


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibLateInterestB2C(BaseCase):
    def test_consumer_over_two_calendar_years(self):
        """2,500.00 EUR due 2023-10-31 paid 2024-03-15 by a consumer.

        Legal rate of art. 1284 c.c.: 5 % in 2023, 2.5 % in 2024.
        - 2023-11-01..2023-12-31: 30 + 31 = 61 days at 5 %
          2,500 * 5 % * 61 / 365 = 7,625 / 365 = 20.8904... -> 20.89
        - 2024-01-01..2024-03-15: 31 + 29 + 15 = 75 days at 2.5 %
          2,500 * 2.5 % * 75 / 365 = 4,687.5 / 365 = 12.8424... -> 12.84
        Total 12,312.5 / 365 = 33.7328... -> 33.73.
        """
        result = compute_interest(
            D("2500.00"),
            date(2023, 10, 31),
            date(2024, 3, 15),
            LEGAL_2023_2024,
            cadence=CADENCE_BY_KIND[KIND_LEGAL],
        )
        self.assertEqual(result.total, D("33.73"))
        self.assertEqual([line.days for line in result.lines], [61, 75])
        self.assertEqual([line.rate for line in result.lines], [D("5.00"), D("2.50")])
        self.assertEqual(
            [line.interest for line in result.lines], [D("20.89"), D("12.84")]
        )

    def test_consumer_with_shipped_legal_rates(self):
        table = official_rate_tables()[KIND_LEGAL]
        result = compute_interest(
            D("2500.00"), date(2023, 10, 31), date(2024, 3, 15), table
        )
        self.assertEqual(result.total, D("33.73"))


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibLateInterestPayments(BaseCase):
    def test_partial_payment_reduces_the_principal(self):
        """5,000.00 EUR due 2024-03-31; 2,000.00 paid 2024-05-31, the rest
        3,000.00 on 2024-08-31. Rates 12.50 % (2024-H1), 12.25 % (2024-H2).

        - 2024-04-01..2024-05-31: 30 + 31 = 61 days on 5,000 at 12.50 %
          5,000 * 12.50 % * 61 / 365 = 38,125 / 365 = 104.4520... -> 104.45
        - 2024-06-01..2024-06-30: 30 days on 3,000 at 12.50 %
          3,000 * 12.50 % * 30 / 365 = 11,250 / 365 = 30.8219... -> 30.82
        - 2024-07-01..2024-08-31: 31 + 31 = 62 days on 3,000 at 12.25 %
          3,000 * 12.25 % * 62 / 365 = 22,785 / 365 = 62.4246... -> 62.42
        Total 72,160 / 365 = 197.6986... -> 197.70, one cent more than the
        rounded lines (197.69): the total is rounded once, from exact lines.
        """
        result = compute_interest_with_payments(
            D("5000.00"),
            date(2024, 3, 31),
            date(2024, 8, 31),
            [(date(2024, 8, 31), D("3000.00")), (date(2024, 5, 31), D("2000.00"))],
            B2B_2023_2024,
        )
        self.assertEqual(
            [
                (line.start, line.end, line.days, line.principal, line.interest)
                for line in result.lines
            ],
            [
                (date(2024, 4, 1), date(2024, 5, 31), 61, D("5000.00"), D("104.45")),
                (date(2024, 6, 1), date(2024, 6, 30), 30, D("3000.00"), D("30.82")),
                (date(2024, 7, 1), date(2024, 8, 31), 62, D("3000.00"), D("62.42")),
            ],
        )
        self.assertEqual(result.total, D("197.70"))
        self.assertEqual(sum(line.interest for line in result.lines), D("197.69"))

    def test_payment_before_due_date_lowers_the_base(self):
        """1,000.00 due 2024-06-30, 400.00 paid on 2024-06-20, rest unpaid at
        2024-07-31: 31 days on 600 at 12.25 % = 7,350 * 31 / 36,500 = 6.2424...
        -> 6.24."""
        result = compute_interest_with_payments(
            D("1000.00"),
            date(2024, 6, 30),
            date(2024, 7, 31),
            [(date(2024, 6, 20), D("400.00"))],
            B2B_2023_2024,
        )
        self.assertEqual(result.total, D("6.24"))
        self.assertEqual(result.lines[0].principal, D("600.00"))

    def test_paid_in_full_stops_interest_and_needs_no_later_rate(self):
        """Paid in full on 2024-12-31: nothing accrues afterwards, so the
        missing 2025 rates of this table do not matter."""
        result = compute_interest_with_payments(
            D("1000.00"),
            date(2024, 12, 30),
            date(2025, 3, 31),
            [(date(2024, 12, 31), D("1000.00"))],
            B2B_2023_2024,
        )
        # 1 day (2024-12-31) at 12.25 %: 1,000 * 12.25 % / 365 = 0.3356 -> 0.34
        self.assertEqual(result.total, D("0.34"))
        self.assertEqual(len(result.lines), 1)

    def test_overpayment_is_refused(self):
        with self.assertRaisesRegex(ValueError, "exceed the amount due of 100.00"):
            compute_interest_with_payments(
                D("100.00"),
                date(2024, 1, 31),
                date(2024, 3, 31),
                [(date(2024, 2, 15), D("60.00")), (date(2024, 2, 20), D("60.00"))],
                B2B_2023_2024,
            )


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibLateInterestEdgeCases(BaseCase):
    def test_missing_half_year_says_what_to_add(self):
        table = [(date(2027, 1, 1), date(2027, 6, 30), D("10.15"))]
        with self.assertRaises(ValueError) as caught:
            compute_interest(
                D("1000.00"),
                date(2027, 5, 31),
                date(2027, 12, 31),
                table,
                cadence=CADENCE_BY_KIND[KIND_B2B],
            )
        self.assertEqual(
            str(caught.exception),
            "No statutory rate for 2027-07-01 – 2027-12-31: add the second "
            "half-year 2027 rate in Configuration.",
        )

    def test_missing_rates_are_named_for_each_cadence(self):
        table = [(date(2027, 1, 1), date(2027, 6, 30), D("10.15"))]
        with self.assertRaisesRegex(
            ValueError,
            "2026-10-01 – 2026-12-31: add the second half-year 2026 rate",
        ):
            split_periods(date(2026, 10, 1), date(2027, 3, 1), table, cadence=HALF_YEAR)
        with self.assertRaisesRegex(
            ValueError,
            "2027-07-01 – 2028-02-29: add the second half-year 2027 and "
            "first half-year 2028 rates in Configuration",
        ):
            split_periods(date(2027, 6, 1), date(2028, 2, 29), table, cadence=HALF_YEAR)
        legal = [(date(2026, 1, 1), date(2026, 12, 31), D("1.60"))]
        with self.assertRaisesRegex(
            ValueError, "2027-01-01 – 2027-03-31: add the 2027 rate in Configuration"
        ):
            split_periods(date(2026, 12, 1), date(2027, 3, 31), legal, cadence=YEAR)
        with self.assertRaisesRegex(
            ValueError, "add the rates from 2015 to 2025 in Configuration"
        ):
            split_periods(date(2015, 1, 1), date(2026, 1, 31), legal, cadence=YEAR)
        with self.assertRaisesRegex(ValueError, "add a rate covering these days"):
            split_periods(date(2025, 1, 1), date(2025, 1, 31), legal)

    def test_due_date_in_the_future_gives_zero(self):
        for due_date in (date(2030, 1, 31), date(2024, 2, 10)):
            result = compute_interest(
                D("10000.00"), due_date, date(2024, 2, 10), B2B_2023_2024
            )
            self.assertEqual(result.total, D("0.00"))
            self.assertEqual(result.lines, ())

    def test_one_day_late(self):
        """Due 2023-07-31, paid 2023-08-01: 1 day at 12 % on 3,650.00 = 1.20."""
        result = compute_interest(
            D("3650.00"), date(2023, 7, 31), date(2023, 8, 1), B2B_2023_2024
        )
        self.assertEqual(result.total, D("1.20"))
        self.assertEqual(result.lines[0].start, date(2023, 8, 1))

    def test_bad_amounts_are_refused(self):
        with self.assertRaisesRegex(ValueError, "cannot be negative"):
            compute_interest(
                D("-1.00"), date(2023, 5, 15), date(2024, 2, 10), B2B_2023_2024
            )
        with self.assertRaisesRegex(TypeError, "must be a Decimal, not float"):
            compute_interest(10000.0, date(2023, 5, 15), date(2024, 2, 10), [])
        with self.assertRaisesRegex(ValueError, "positive whole number of days"):
            compute_interest(
                D("1"), date(2023, 5, 15), date(2024, 2, 10), [], divisor=0
            )
        with self.assertRaisesRegex(ValueError, "record refunds separately"):
            compute_interest_with_payments(
                D("1"),
                date(2023, 5, 15),
                date(2024, 2, 10),
                [(date(2023, 6, 1), D("-5"))],
                B2B_2023_2024,
            )

    def test_split_periods(self):
        self.assertEqual(
            split_periods(date(2023, 6, 30), date(2023, 7, 2), B2B_2023_2024),
            [
                Period(date(2023, 6, 30), date(2023, 6, 30), 1, D("10.50")),
                Period(date(2023, 7, 1), date(2023, 7, 2), 2, D("12.00")),
            ],
        )
        self.assertEqual(split_periods(date(2024, 1, 2), date(2024, 1, 1), []), [])
        open_ended = [(date(2024, 1, 1), None, D("3"))]
        self.assertEqual(
            split_periods(date(2030, 1, 1), date(2030, 12, 31), open_ended),
            [Period(date(2030, 1, 1), date(2030, 12, 31), 365, D("3"))],
        )

    def test_overlapping_or_bad_tables_are_refused(self):
        overlapping = [
            (date(2024, 1, 1), date(2024, 6, 30), D("12.50")),
            (date(2024, 6, 1), date(2024, 12, 31), D("12.25")),
        ]
        with self.assertRaisesRegex(ValueError, "overlap"):
            split_periods(date(2024, 1, 1), date(2024, 1, 31), overlapping)
        with self.assertRaisesRegex(ValueError, "ends before it starts"):
            split_periods(
                date(2024, 1, 1),
                date(2024, 1, 31),
                [(date(2024, 6, 30), date(2024, 1, 1), D("1"))],
            )
        with self.assertRaisesRegex(TypeError, "must be a Decimal"):
            split_periods(
                date(2024, 1, 1), date(2024, 1, 31), [(date(2024, 1, 1), None, 1.5)]
            )


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibLateInterestRates(BaseCase):
    def test_b2b_table_is_ecb_reference_plus_eight_points(self):
        """Art. 5 D.Lgs. 231/2002: ECB MRO rate of 1 January / 1 July + 8."""
        table = b2b_rate_table(
            [(date(2024, 1, 1), D("4.50")), (date(2023, 7, 1), D("4.00"))]
        )
        self.assertEqual(
            table,
            [
                (date(2023, 7, 1), date(2023, 12, 31), D("12.00")),
                (date(2024, 1, 1), date(2024, 6, 30), D("12.50")),
            ],
        )
        # Contracts made before 1 January 2013 keep the old 7-point markup.
        self.assertEqual(
            b2b_rate_table([(date(2012, 7, 1), D("1.00"))], markup=D("7"))[0][2],
            D("8.00"),
        )
        with self.assertRaisesRegex(ValueError, "1 January or 1 July"):
            b2b_rate_table([(date(2024, 3, 1), D("4.50"))])
        with self.assertRaisesRegex(ValueError, "Two ECB reference rates"):
            b2b_rate_table([(date(2024, 1, 1), D("4.50"))] * 2)

    def test_shipped_csv_is_continuous_since_the_regime_began(self):
        """B2B rates start on 8 August 2002 (art. 11 D.Lgs. 231/2002), legal
        rates on 1 January 2002; each runs day after day to its last date: no
        gap, no overlap; B2B rows are half-years, legal rows years."""
        tables = official_rate_tables()
        self.assertEqual(set(tables), {KIND_B2B, KIND_LEGAL})
        self.assertEqual(tables[KIND_B2B][0][0], date(2002, 8, 8))
        self.assertEqual(tables[KIND_LEGAL][0][0], date(2002, 1, 1))
        for kind, rows in tables.items():
            pairs = itertools.pairwise(rows)
            for (_start, end, _rate), (next_start, _end, _next) in pairs:
                self.assertEqual(next_start, end + timedelta(days=1), kind)
            for start, end, rate in rows:
                self.assertIsNotNone(end, "%s %s is open-ended" % (kind, start))
                self.assertIsInstance(rate, Decimal)
                if kind == KIND_B2B:
                    if start != date(2002, 8, 8):
                        self.assertIn((start.month, start.day), ((1, 1), (7, 1)))
                    self.assertEqual(
                        end,
                        date(start.year, 6, 30)
                        if start.month < 7
                        else date(start.year, 12, 31),
                    )
                else:
                    self.assertEqual((start.month, start.day), (1, 1))
                    self.assertEqual(end, date(start.year, 12, 31))
            # The whole span splits into periods without error.
            periods = split_periods(
                rows[0][0], rows[-1][1], rows, cadence=CADENCE_BY_KIND[kind]
            )
            self.assertEqual(
                sum(period.days for period in periods),
                (rows[-1][1] - rows[0][0]).days + 1,
            )

    def test_shipped_csv_matches_the_official_figures(self):
        """ECB + 7 points up to 2012 (e.g. 2008-H1: 4.20 + 7 = 11.20 %), + 8
        from 2013 (D.Lgs. 192/2012; 2016-H1: 0.05 + 8 = 8.05 %)."""
        tables = official_rate_tables()
        expected_b2b = b2b_rate_table(ECB_REFERENCE_RATES_7, markup=D("7"))
        expected_b2b[0] = (date(2002, 8, 8), *expected_b2b[0][1:])
        expected_b2b += b2b_rate_table(ECB_REFERENCE_RATES)
        self.assertEqual(tables[KIND_B2B], expected_b2b)
        self.assertEqual(len(tables[KIND_B2B]), 48)
        self.assertEqual(tables[KIND_B2B][11][2], D("11.20"))
        legal = {start.year: rate for start, _end, rate in tables[KIND_LEGAL]}
        self.assertEqual(legal, LEGAL_RATES)

    def test_a_2016_invoice_at_the_2016_rates(self):
        """1,000.00 EUR due 2016-05-31, paid 2017-01-31: B2B 30 days of 2016-H1
        at 8.05 % (0.05 + 8) = 6.6164..., 184 days of 2016-H2 at 8.00 % =
        40.3287..., 31 days of 2017 at 8.00 % = 6.7945...: 53.74 EUR. At the
        legal rate: 214 days at 0.20 % = 1.1726... + 31 days at 0.10 % =
        0.0849...: 1.26 EUR."""
        tables = official_rate_tables()
        b2b = compute_interest(
            D("1000.00"), date(2016, 5, 31), date(2017, 1, 31), tables[KIND_B2B]
        )
        self.assertEqual(
            [(line.days, line.rate) for line in b2b.lines],
            [(30, D("8.05")), (184, D("8.00")), (31, D("8.00"))],
        )
        self.assertEqual(b2b.total, D("53.74"))
        legal = compute_interest(
            D("1000.00"), date(2016, 5, 31), date(2017, 1, 31), tables[KIND_LEGAL]
        )
        self.assertEqual(
            [(line.days, line.rate) for line in legal.lines],
            [(214, D("0.20")), (31, D("0.10"))],
        )
        self.assertEqual(legal.total, D("1.26"))

    def test_csv_errors_name_the_line(self):
        header = "kind,date_from,date_to,rate,source\n"
        with self.assertRaisesRegex(ValueError, "Line 2 .*b2b or legal"):
            parse_rate_csv(header + "ecb,2024-01-01,2024-06-30,4.5,x\n")
        with self.assertRaisesRegex(ValueError, "Line 3 .*YYYY-MM-DD"):
            parse_rate_csv(
                header + "b2b,2024-01-01,2024-06-30,12.5,x\nb2b,1/7/2024,,12.25,x\n"
            )
        with self.assertRaisesRegex(ValueError, "Line 2 .*10.50"):
            parse_rate_csv(header + "legal,2024-01-01,2024-12-31,due e mezzo,x\n")
        with self.assertRaisesRegex(ValueError, "Gazzetta Ufficiale"):
            parse_rate_csv(header + "legal,2024-01-01,2024-12-31,2.5,\n")
        with self.assertRaisesRegex(ValueError, "lacks the column"):
            parse_rate_csv("kind,date_from,rate\n")
        with self.assertRaisesRegex(ValueError, "overlap"):
            parse_rate_csv(
                header + "legal,2024-01-01,2024-12-31,2.5,x\nlegal,2024-12-01,,2,x\n"
            )
        parsed = parse_rate_csv(header + "legal,2024-01-01,,2.5,DM\n")
        self.assertEqual(parsed[KIND_LEGAL], [(date(2024, 1, 1), None, D("2.5"))])
        self.assertEqual(parsed[KIND_B2B], [])
