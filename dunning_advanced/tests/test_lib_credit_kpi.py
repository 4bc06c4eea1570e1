from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from ..lib.credit_kpi import (
    AGING_CODES,
    age_items,
    aging_bucket,
    average_days_delinquent,
    collection_effectiveness,
    dso_countback,
    share,
)

D = Decimal


@tagged("post_install", "-at_install")
class TestLibCreditKpi(BaseCase):
    def test_aging_buckets_edges(self):
        self.assertEqual(aging_bucket(-10), "not_due")
        self.assertEqual(aging_bucket(0), "not_due")  # due today is not late
        self.assertEqual(aging_bucket(1), "1_30")
        self.assertEqual(aging_bucket(30), "1_30")
        self.assertEqual(aging_bucket(31), "31_60")
        self.assertEqual(aging_bucket(60), "31_60")
        self.assertEqual(aging_bucket(61), "61_90")
        self.assertEqual(aging_bucket(90), "61_90")
        self.assertEqual(aging_bucket(91), "91_120")
        self.assertEqual(aging_bucket(120), "91_120")
        self.assertEqual(aging_bucket(121), "over_120")
        self.assertEqual(aging_bucket(5000), "over_120")

    def test_age_items_as_of_a_past_date(self):
        # As of 31 March 2026: due 15 March is 16 days late, 1 January 89,
        # 15 November 2025 136, 30 April not due; a credit note lowers its column.
        items = [
            (date(2026, 3, 15), D("1000.00")),
            (date(2026, 1, 1), D("250.50")),
            (date(2025, 11, 15), D("400.00")),
            (date(2026, 4, 30), D("90.00")),
            (date(2026, 3, 20), D("-100.00")),
        ]
        totals = age_items(items, date(2026, 3, 31))
        self.assertEqual(tuple(totals), AGING_CODES)
        self.assertEqual(totals["not_due"], D("90.00"))
        self.assertEqual(totals["1_30"], D("900.00"))
        self.assertEqual(totals["31_60"], D("0"))
        self.assertEqual(totals["61_90"], D("250.50"))
        self.assertEqual(totals["91_120"], D("0"))
        self.assertEqual(totals["over_120"], D("400.00"))

    def test_dso_countback_worked_example(self):
        # 150,000 - November 60,000 (30 days) - October 70,000 (31 days)
        # leaves 20,000 of September's 80,000: 30 + 31 + 7.5 = 68.5 days.
        periods = [(30, D("60000")), (31, D("70000")), (30, D("80000"))]
        result = dso_countback(D("150000"), periods)
        self.assertEqual(result.days, D("68.5"))
        self.assertFalse(result.exhausted)

    def test_dso_countback_within_the_first_month(self):
        # 12,000 owed of 36,000 sold in 30 days: a third of the month.
        self.assertEqual(dso_countback(D("12000"), [(30, D("36000"))]).days, D("10.0"))

    def test_dso_countback_month_without_sales_counts_in_full(self):
        periods = [(31, D("0")), (30, D("10000"))]
        self.assertEqual(dso_countback(D("5000"), periods).days, D("46.0"))

    def test_dso_countback_runs_out_of_periods(self):
        result = dso_countback(D("100000"), [(30, D("10000")), (31, D("20000"))])
        self.assertEqual(result.days, D("61.0"))
        self.assertTrue(result.exhausted)

    def test_dso_nothing_owed_is_zero(self):
        self.assertEqual(dso_countback(D("0"), [(30, D("1000"))]).days, D("0.0"))
        self.assertEqual(dso_countback(D("-50"), [(30, D("1000"))]).days, D("0.0"))

    def test_dso_refuses_floats_and_empty_periods(self):
        with self.assertRaisesRegex(ValueError, "give amounts as Decimal"):
            dso_countback(1000.0, [(30, D("1"))])
        with self.assertRaisesRegex(ValueError, "Period 1 .* positive"):
            dso_countback(D("1000"), [(0, D("1"))])

    def test_cei_worked_example(self):
        # Opening 100,000 + sales 50,000; at the end 70,000 owed of which
        # 40,000 not due: collected 80,000 of the 110,000 collectable = 72.73 %.
        cei = collection_effectiveness(D("100000"), D("50000"), D("70000"), D("40000"))
        self.assertEqual(cei, D("72.73"))

    def test_cei_is_100_when_nothing_is_overdue_at_the_end(self):
        cei = collection_effectiveness(D("30000"), D("20000"), D("25000"), D("25000"))
        self.assertEqual(cei, D("100.00"))

    def test_cei_without_anything_collectable_is_none(self):
        self.assertIsNone(collection_effectiveness(D("0"), D("0"), D("0"), D("0")))

    def test_average_days_delinquent(self):
        # DSO of 150,000 is 68.5 days (see above); the 45,000 not yet due
        # count back to 45,000 / 60,000 * 30 = 22.5 days: ADD = 46.0 days.
        periods = [(30, D("60000")), (31, D("70000")), (30, D("80000"))]
        add = average_days_delinquent(D("150000"), D("45000"), periods)
        self.assertEqual(add, D("46.0"))

    def test_share(self):
        self.assertEqual(share(D("365"), D("1000")), D("36.50"))
        self.assertIsNone(share(D("1"), D("0")))
