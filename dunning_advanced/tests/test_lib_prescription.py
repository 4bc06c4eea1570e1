from datetime import date, datetime

from odoo.tests import BaseCase, tagged

from ..lib.prescription import (
    add_years,
    days_left,
    expiring_within,
    prescription_date,
    term_years,
)


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibPrescription(BaseCase):
    # Terms of each category, from the due date (art. 2935, 2963 c.c.)

    def test_ordinary_credit_prescribes_in_ten_years(self):
        """Art. 2946 c.c.: due 15 March 2020, last day 15 March 2030."""
        self.assertEqual(
            prescription_date(date(2020, 3, 15), "ordinary"), date(2030, 3, 15)
        )

    def test_periodic_payment_prescribes_in_five_years(self):
        """Art. 2948 n. 4 c.c.: a monthly fee due 30 June 2021 ends 30 June 2026."""
        self.assertEqual(
            prescription_date(date(2021, 6, 30), "periodic"), date(2026, 6, 30)
        )

    def test_utility_bill_to_consumer_prescribes_in_two_years(self):
        """Legge 205/2017 art. 1 c. 4: a gas bill due 10 May 2022 ends 10 May 2024;
        after 1 January 2020 every sector is covered, so no sector is needed."""
        self.assertEqual(
            prescription_date(date(2022, 5, 10), "utility_consumer"),
            date(2024, 5, 10),
        )

    def test_short_prescription_starts_after_each_sector_cutoff(self):
        """Art. 1 c. 10: only bills due *after* the sector's date get 2 years;
        a bill due on that date keeps 5 years (art. 2948 n. 4 c.c.)."""
        cases = [
            ("electricity", date(2018, 3, 1), date(2023, 3, 1)),
            ("electricity", date(2018, 3, 2), date(2020, 3, 2)),
            ("gas", date(2019, 1, 1), date(2024, 1, 1)),
            ("gas", date(2019, 1, 2), date(2021, 1, 2)),
            ("water", date(2019, 6, 1), date(2024, 6, 1)),
            ("water", date(2020, 1, 1), date(2025, 1, 1)),
            ("water", date(2020, 1, 2), date(2022, 1, 2)),
        ]
        for sector, due, expected in cases:
            with self.subTest(sector=sector, due=due):
                self.assertEqual(
                    prescription_date(due, "utility_consumer", sector=sector),
                    expected,
                )
        self.assertEqual(term_years("utility_consumer", date(2018, 6, 1), "gas"), 5)
        self.assertEqual(
            term_years("utility_consumer", date(2018, 6, 1), "electricity"), 2
        )

    def test_old_utility_bill_without_sector_asks_for_it(self):
        with self.assertRaisesRegex(ValueError, "needs its sector"):
            prescription_date(date(2019, 6, 1), "utility_consumer")

    def test_telecom_bills_are_not_short_prescription(self):
        """Legge 205/2017 covers electricity, gas and water only."""
        with self.assertRaisesRegex(ValueError, "use the 'periodic' category"):
            prescription_date(date(2023, 1, 31), "utility_consumer", sector="telecom")

    def test_unknown_category_lists_the_valid_ones(self):
        with self.assertRaisesRegex(
            ValueError,
            "Unknown prescription category 'weekly': use one of ordinary, "
            "periodic, utility_consumer",
        ):
            prescription_date(date(2023, 1, 31), "weekly")

    # Interruptions (art. 2943-2945 c.c.)

    def test_formal_notice_restarts_the_full_term(self):
        """A messa in mora received 1 July 2024 on an ordinary credit due
        15 March 2020: ten years from the receipt."""
        self.assertEqual(
            prescription_date(date(2020, 3, 15), "ordinary", [date(2024, 7, 1)]),
            date(2034, 7, 1),
        )

    def test_two_interruptions_count_from_the_last(self):
        """Utility bill due 10 May 2022; notice received 15 January 2024 (new end
        15 January 2026); the debtor acknowledges the debt on 30 November 2025
        (art. 2944): new end 30 November 2027. The order given does not matter."""
        interruptions = [date(2025, 11, 30), date(2024, 1, 15), date(2024, 1, 15)]
        self.assertEqual(
            prescription_date(date(2022, 5, 10), "utility_consumer", interruptions),
            date(2027, 11, 30),
        )

    def test_datetimes_count_by_their_day(self):
        """A PEC receipt stored as a datetime interrupts on its calendar day."""
        self.assertEqual(
            prescription_date(
                date(2022, 5, 10),
                "utility_consumer",
                [datetime(2024, 1, 15, 23, 59, 59)],
            ),
            date(2026, 1, 15),
        )
        with self.assertRaisesRegex(ValueError, "An interruption date must be a date"):
            prescription_date(date(2022, 5, 10), "periodic", ["2024-01-15"])

    def test_interruption_on_the_last_day_is_in_time(self):
        self.assertEqual(
            prescription_date(date(2022, 2, 1), "utility_consumer", [date(2024, 2, 1)]),
            date(2026, 2, 1),
        )

    def test_act_after_prescription_does_not_revive_the_credit(self):
        """Prescribed at the end of 1 February 2024: a notice received the next
        day, and anything after it, changes nothing."""
        self.assertEqual(
            prescription_date(
                date(2022, 2, 1),
                "utility_consumer",
                [date(2024, 2, 2), date(2025, 1, 10)],
            ),
            date(2024, 2, 1),
        )

    def test_interruption_before_the_due_date_is_refused(self):
        with self.assertRaisesRegex(ValueError, "before the day the credit could be"):
            prescription_date(date(2022, 5, 10), "periodic", [date(2022, 5, 9)])

    # Judicial proceedings (art. 2945 c. 2, art. 2953 c.c.)

    def test_final_judgement_starts_ten_years_from_the_day_it_is_final(self):
        """Utility bill due 10 May 2022, claim served 1 March 2023, judgement
        final 20 June 2025: nothing ran meanwhile, and the 2-year credit now
        prescribes in 10 years (art. 2953) from 20 June 2025."""
        self.assertEqual(
            prescription_date(
                date(2022, 5, 10),
                "utility_consumer",
                [date(2023, 3, 1)],
                suspended_until=date(2025, 6, 20),
            ),
            date(2035, 6, 20),
        )

    def test_notice_after_the_judgement_restarts_the_ten_years(self):
        self.assertEqual(
            prescription_date(
                date(2022, 5, 10),
                "utility_consumer",
                [date(2023, 3, 1), date(2030, 1, 10)],
                suspended_until=date(2025, 6, 20),
            ),
            date(2040, 1, 10),
        )

    def test_judgement_without_the_claim_date_is_refused(self):
        with self.assertRaisesRegex(ValueError, "add that date to the interruptions"):
            prescription_date(
                date(2022, 5, 10), "periodic", suspended_until=date(2025, 6, 20)
            )

    # 29 February (art. 2963 c. 5 c.c.)

    def test_term_from_29_february_ends_on_28_february(self):
        self.assertEqual(
            prescription_date(date(2024, 2, 29), "periodic"), date(2029, 2, 28)
        )
        self.assertEqual(
            prescription_date(date(2020, 2, 29), "ordinary"), date(2030, 2, 28)
        )
        self.assertEqual(
            prescription_date(
                date(2023, 1, 31), "utility_consumer", [date(2024, 2, 29)]
            ),
            date(2026, 2, 28),
        )

    def test_term_landing_in_a_leap_year_keeps_the_same_day(self):
        """28 February stays 28 February, even when the final year has a 29th;
        a term from 29 February to a leap year ends on 29 February."""
        self.assertEqual(add_years(date(2026, 2, 28), 2), date(2028, 2, 28))
        self.assertEqual(add_years(date(2024, 2, 29), 4), date(2028, 2, 29))

    # Days left and horizon

    def test_days_left_counts_to_the_last_day(self):
        last = date(2026, 3, 31)
        self.assertEqual(days_left(last, date(2026, 3, 1)), 30)
        self.assertEqual(days_left(last, date(2026, 3, 31)), 0)
        self.assertEqual(days_left(last, date(2026, 4, 2)), -2)

    def test_credits_within_the_horizon_most_urgent_first(self):
        today = date(2026, 1, 1)
        dates = {
            "INV/1": date(2026, 3, 2),  # 60 days: on the edge, included
            "INV/2": date(2026, 3, 3),  # 61 days: outside
            "INV/3": date(2026, 1, 1),  # today is the last day
            "INV/4": date(2025, 12, 20),  # already prescribed
            "INV/5": date(2026, 1, 15),
        }
        self.assertEqual(
            expiring_within(dates, today, 60),
            [("INV/3", 0), ("INV/5", 14), ("INV/1", 60)],
        )
        self.assertEqual(
            expiring_within(dates, today, 60, include_prescribed=True)[0],
            ("INV/4", -12),
        )
        with self.assertRaisesRegex(ValueError, "must be 0 or more"):
            expiring_within(dates, today, -1)
