from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from ..lib.dunning_levels import (
    DUE,
    PREVIOUS,
    CustomerState,
    LevelRule,
    LineState,
    courtesy_level,
    customer_level,
    fee_amount,
    next_level,
    validate_levels,
)

# The standard policy: -5 courtesy, +7, +20, +35, +60 from the due date.
STANDARD = [
    LevelRule(key=key, rank=rank, delay_type=DUE, delay_days=days)
    for key, rank, days in [
        (11, 1, -5),
        (12, 2, 7),
        (13, 3, 20),
        (14, 4, 35),
        (15, 5, 60),
    ]
]
DUE_DATE = date(2026, 1, 31)


def level_on(day, rank=0, sent=None, force=False, levels=STANDARD):
    line = LineState(
        due_date=DUE_DATE, current_rank=rank, current_date=sent, force_next=force
    )
    rule = next_level(levels, line, day)
    return rule.key if rule else None


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibDunningLevels(BaseCase):
    def test_courtesy_only_before_the_due_date(self):
        self.assertIsNone(level_on(date(2026, 1, 25)))  # -6
        self.assertEqual(level_on(date(2026, 1, 26)), 11)  # -5
        self.assertEqual(level_on(date(2026, 1, 30)), 11)  # -1, not sent yet
        # On or after the due date the courtesy note is skipped for good.
        self.assertIsNone(level_on(date(2026, 1, 31)))
        self.assertEqual(level_on(date(2026, 2, 7)), 12)

    def test_one_level_up_at_most(self):
        """A first look at +40 sends the friendly reminder, not the notice."""
        self.assertEqual(level_on(date(2026, 3, 12)), 12)

    def test_policy_spacing_kept_after_a_late_level(self):
        """Friendly sent late at +25 (25 Feb): the firm one (+20) keeps the
        13 days the policy puts between them, so 10 March, not 26 February."""
        sent = date(2026, 2, 25)
        self.assertIsNone(level_on(date(2026, 2, 26), rank=2, sent=sent))
        self.assertIsNone(level_on(date(2026, 3, 9), rank=2, sent=sent))
        self.assertEqual(level_on(date(2026, 3, 10), rank=2, sent=sent), 13)

    def test_on_time_levels_follow_the_due_date(self):
        self.assertIsNone(level_on(date(2026, 2, 19), rank=2, sent=date(2026, 2, 7)))
        self.assertEqual(level_on(date(2026, 2, 20), rank=2, sent=date(2026, 2, 7)), 13)
        self.assertIsNone(level_on(date(2026, 4, 10), rank=5, sent=date(2026, 4, 1)))

    def test_broken_promise_forces_the_next_level(self):
        self.assertEqual(
            level_on(date(2026, 2, 8), rank=2, sent=date(2026, 2, 7), force=True), 13
        )

    def test_levels_counted_from_the_previous_one(self):
        levels = [
            LevelRule(key=1, rank=1, delay_type=DUE, delay_days=10),
            LevelRule(key=2, rank=2, delay_type=PREVIOUS, delay_days=15),
        ]
        sent = date(2026, 2, 14)
        self.assertIsNone(level_on(date(2026, 2, 28), 1, sent, levels=levels))
        self.assertEqual(level_on(date(2026, 3, 1), 1, sent, levels=levels), 2)

    def test_invalid_policies(self):
        with self.assertRaisesRegex(ValueError, "same order"):
            validate_levels([STANDARD[0], LevelRule(99, 1, DUE, 3)])
        with self.assertRaisesRegex(ValueError, "later and later"):
            validate_levels([LevelRule(1, 1, DUE, 20), LevelRule(2, 2, DUE, 7)])
        with self.assertRaisesRegex(ValueError, "0 days or more"):
            validate_levels([LevelRule(1, 1, DUE, 7), LevelRule(2, 2, PREVIOUS, -1)])
        validate_levels(STANDARD)

    def test_fees(self):
        self.assertEqual(fee_amount("none"), Decimal("0.00"))
        self.assertEqual(fee_amount("fixed", fixed=Decimal("15")), Decimal("15.00"))
        # 2.5 % of 1234.50 = 30.8625 -> 30.86; capped at 25.
        self.assertEqual(
            fee_amount("percent", percent=Decimal("2.5"), base=Decimal("1234.50")),
            Decimal("30.86"),
        )
        self.assertEqual(
            fee_amount(
                "percent",
                percent=Decimal("2.5"),
                cap=Decimal("25"),
                base=Decimal("1234.50"),
            ),
            Decimal("25.00"),
        )
        with self.assertRaisesRegex(ValueError, "cannot be negative"):
            fee_amount("fixed", fixed=Decimal("-1"))


def customer_on(day, oldest, rank=0, sent=None, force=False):
    state = CustomerState(
        oldest_due_date=oldest, current_rank=rank, current_date=sent, force_next=force
    )
    rule = customer_level(STANDARD, state, day)
    return rule.key if rule else None


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibCustomerLevel(BaseCase):
    def test_oldest_overdue_item_drives_one_step_at_a_time(self):
        """Items due 31 Jan and 20 Feb, nothing sent: on 12 March the oldest is
        +40 (formal notice reached under the policy), but the customer gets the
        friendly reminder first."""
        self.assertEqual(customer_on(date(2026, 3, 12), DUE_DATE), 12)
        # Friendly sent on 12 March: the firm one keeps the 13 days of spacing.
        sent = date(2026, 3, 12)
        self.assertIsNone(customer_on(date(2026, 3, 24), DUE_DATE, 2, sent))
        self.assertEqual(customer_on(date(2026, 3, 25), DUE_DATE, 2, sent), 13)

    def test_nothing_overdue_no_reminder_level(self):
        self.assertIsNone(customer_on(date(2026, 2, 1), None))
        # Due today is not overdue yet.
        self.assertIsNone(customer_on(DUE_DATE, DUE_DATE))

    def test_courtesy_counts_for_the_spacing_of_the_first_reminder(self):
        """Courtesy sent on 26 Jan (-5): the friendly one on 7 Feb (+7)."""
        sent = date(2026, 1, 26)
        self.assertIsNone(customer_on(date(2026, 2, 6), DUE_DATE, 1, sent))
        self.assertEqual(customer_on(date(2026, 2, 7), DUE_DATE, 1, sent), 12)

    def test_broken_promise_moves_the_customer_up_at_once(self):
        sent = date(2026, 2, 7)
        self.assertEqual(customer_on(date(2026, 2, 9), DUE_DATE, 2, sent, True), 13)

    def test_last_level_reached_nothing_more(self):
        self.assertIsNone(customer_on(date(2026, 6, 1), DUE_DATE, 5, date(2026, 4, 1)))


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibCourtesyLevel(BaseCase):
    def test_each_item_announced_once_in_its_window(self):
        upcoming = [
            LineState(due_date=date(2026, 2, 3)),  # in the window on 30 Jan
            LineState(due_date=date(2026, 2, 20)),  # too early
            LineState(due_date=date(2026, 2, 2), current_rank=1),  # announced
        ]
        level, indexes = courtesy_level(STANDARD, upcoming, date(2026, 1, 30))
        self.assertEqual(level.key, 11)
        self.assertEqual(indexes, [0])

    def test_no_courtesy_on_or_after_the_due_date(self):
        level, indexes = courtesy_level(
            STANDARD, [LineState(due_date=DUE_DATE)], DUE_DATE
        )
        self.assertIsNone(level)
        self.assertEqual(indexes, [])

    def test_policy_without_courtesy(self):
        no_courtesy = STANDARD[1:]
        level, _indexes = courtesy_level(
            no_courtesy, [LineState(due_date=DUE_DATE)], date(2026, 1, 28)
        )
        self.assertIsNone(level)
