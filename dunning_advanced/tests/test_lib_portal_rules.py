import datetime
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from ..lib.portal_rules import Ask, Limit, decide

TODAY = datetime.date(2026, 12, 1)
PROMISE_AB_30 = Limit(key=1, kind="promise", risk_classes=frozenset("AB"), max_days=30)
PLAN_A = Limit(
    key=2,
    kind="plan",
    risk_classes=frozenset("A"),
    max_days=180,
    max_amount=Decimal("5000"),
    max_instalments=6,
)
PLAN_B_SMALL = Limit(
    key=3,
    kind="plan",
    risk_classes=frozenset("B"),
    max_days=90,
    max_amount=Decimal("1000"),
    max_instalments=3,
)


def promise(risk_class="A", days=20, amount="1000", owed="1000"):
    return Ask(
        kind="promise",
        risk_class=risk_class,
        today=TODAY,
        amount=Decimal(amount),
        owed=Decimal(owed),
        last_date=TODAY + datetime.timedelta(days=days),
    )


def plan(risk_class="A", count=4, amount="4000", days=120):
    return Ask(
        kind="plan",
        risk_class=risk_class,
        today=TODAY,
        amount=Decimal(amount),
        owed=Decimal(amount),
        last_date=TODAY + datetime.timedelta(days=days),
        instalments=count,
    )


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibPortalRules(BaseCase):
    def test_promise_within_30_days_of_class_b_is_accepted(self):
        decision = decide([PROMISE_AB_30], promise("B", days=30))
        self.assertTrue(decision.accepted)
        self.assertEqual(decision.key, 1)

    def test_promise_too_far_says_how_far(self):
        decision = decide([PROMISE_AB_30], promise("A", days=45))
        self.assertFalse(decision.accepted)
        self.assertEqual(decision.reasons, (("days", {"days": 45, "max_days": 30}),))

    def test_class_c_goes_to_review(self):
        decision = decide([PROMISE_AB_30], promise("C"))
        self.assertFalse(decision.accepted)
        self.assertEqual(decision.reasons[0][0], "risk_class")
        self.assertEqual(decision.reasons[0][1]["allowed"], ["A", "B"])

    def test_unrated_customer_only_when_the_rule_says(self):
        self.assertFalse(decide([PROMISE_AB_30], promise(None)).accepted)
        lenient = Limit(
            key=9,
            kind="promise",
            risk_classes=frozenset(),
            include_unrated=True,
            max_days=30,
        )
        self.assertTrue(decide([lenient], promise(None)).accepted)

    def test_partial_promise_below_the_share_goes_to_review(self):
        decision = decide([PROMISE_AB_30], promise(amount="600", owed="1000"))
        self.assertFalse(decision.accepted)
        self.assertEqual(
            decision.reasons,
            (("share", {"share": Decimal("60.00"), "min_share": Decimal(100)}),),
        )

    def test_plan_picks_the_rule_of_the_class(self):
        self.assertEqual(decide([PLAN_A, PLAN_B_SMALL], plan("A")).key, 2)
        self.assertEqual(
            decide(
                [PLAN_A, PLAN_B_SMALL], plan("B", count=3, amount="900", days=60)
            ).key,
            3,
        )

    def test_plan_beyond_amount_and_instalments_lists_both(self):
        decision = decide([PLAN_A], plan("A", count=8, amount="7000"))
        self.assertFalse(decision.accepted)
        self.assertEqual(
            [code for code, _values in decision.reasons], ["amount", "instalments"]
        )

    def test_no_rule_of_the_kind_means_review(self):
        decision = decide([PROMISE_AB_30], plan("A"))
        self.assertEqual(decision.reasons, (("no_rule", {}),))

    def test_date_in_the_past_is_refused(self):
        with self.assertRaisesRegex(ValueError, "past"):
            decide([PROMISE_AB_30], promise(days=-1))
