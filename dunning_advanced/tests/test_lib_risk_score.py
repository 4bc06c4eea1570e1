from odoo.tests import BaseCase, tagged

from ..lib.risk_score import (
    UNRATED,
    RiskInputs,
    RiskPolicy,
    RiskScale,
    RiskThresholds,
    RiskWeights,
    compute_risk,
    risk_class,
)


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibRiskScore(BaseCase):
    def test_mixed_payer_worked_example(self):
        """30 days late on average, half paid late, a quarter overdue, 80 % of limit.

        Risks: days 30/60 = 0.5, share 0.5, overdue 2000/8000 = 0.25, usage 0.8,
        dunning level 1/4 = 0.25, no broken promise; no external rating, so its
        weight 5 is shared: applicable weights 95.
        Score = 100 * (25*0.5 + 20*0.5 + 20*0.25 + 10*0.8 + 10*0.25) / 95 = 40.
        """
        result = compute_risk(
            RiskInputs(
                avg_days_late=30,
                late_share=0.5,
                overdue=2000,
                exposure=8000,
                credit_limit=10000,
                dunning_level=1,
            )
        )
        self.assertEqual(result.score, 40.0)
        self.assertEqual(result.risk_class, "B")
        self.assertEqual(result.factor("days_late").points, 13.16)
        self.assertEqual(result.factor("late_share").points, 10.53)
        self.assertEqual(result.factor("overdue_ratio").points, 5.26)
        self.assertEqual(result.factor("limit_usage").points, 8.42)
        self.assertEqual(result.factor("dunning_level").points, 2.63)
        self.assertEqual(result.factor("broken_promises").points, 0.0)
        self.assertFalse(result.factor("external_rating").applicable)

    def test_punctual_payer_is_class_a(self):
        result = compute_risk(
            RiskInputs(avg_days_late=0, late_share=0, overdue=0, exposure=1000)
        )
        self.assertEqual(result.score, 0.0)
        self.assertEqual(result.risk_class, "A")
        self.assertFalse(result.factor("limit_usage").applicable)

    def test_every_factor_at_worst_is_100(self):
        result = compute_risk(
            RiskInputs(
                avg_days_late=90,
                late_share=1,
                overdue=5000,
                exposure=5000,
                credit_limit=4000,
                dunning_level=5,
                broken_promises=4,
                external_rating=100,
            )
        )
        self.assertEqual(result.score, 100.0)
        self.assertEqual(result.risk_class, "D")
        self.assertEqual(result.factor("limit_usage").value, 1.25)

    def test_new_customer_without_history_is_judged_on_overdue_only(self):
        """No payment, no limit, no rating: only overdue ratio, dunning level and
        broken promises apply (weights 20 + 10 + 10 = 40). Half overdue gives
        100 * 20 * 0.5 / 40 = 25, class B."""
        result = compute_risk(RiskInputs(overdue=500, exposure=1000))
        self.assertEqual(result.score, 25.0)
        self.assertEqual(result.risk_class, "B")
        self.assertEqual(result.factor("overdue_ratio").points, 25.0)

    def test_custom_weights_and_scale(self):
        weights = RiskWeights(
            days_late=50,
            late_share=0,
            overdue_ratio=0,
            limit_usage=0,
            dunning_level=0,
            broken_promises=50,
            external_rating=0,
        )
        result = compute_risk(
            RiskInputs(avg_days_late=15, late_share=1, broken_promises=1),
            weights,
            RiskScale(days_late_full=30, broken_promises_full=2),
        )
        # 100 * (50 * 0.5 + 50 * 0.5) / 100
        self.assertEqual(result.score, 50.0)
        self.assertEqual(result.risk_class, "C")

    def test_class_thresholds(self):
        thresholds = RiskThresholds(b=10, c=20, d=30)
        self.assertEqual(risk_class(9.99, thresholds), "A")
        self.assertEqual(risk_class(10, thresholds), "B")
        self.assertEqual(risk_class(29.99, thresholds), "C")
        self.assertEqual(risk_class(30, thresholds), "D")

    def test_invalid_settings_say_what_to_fix(self):
        with self.assertRaisesRegex(
            ValueError, "add up to 99; they must add up to 100"
        ):
            RiskWeights(days_late=24).validate()
        with self.assertRaisesRegex(ValueError, "cannot be negative: late_share"):
            RiskWeights(late_share=-5, days_late=50).validate()
        with self.assertRaisesRegex(ValueError, "rise strictly"):
            RiskThresholds(b=50, c=40, d=75).validate()
        with self.assertRaisesRegex(ValueError, "0 \\(best\\) to 100"):
            compute_risk(RiskInputs(external_rating=120))


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibRiskRules(BaseCase):
    def test_points_add_up_to_the_score(self):
        """Exact points 1.0965, 10.5263, 21.0526, 2.1053 (sum 34.7807): rounded
        one by one they make 34.79; by the largest remainder 34.78."""
        result = compute_risk(
            RiskInputs(
                avg_days_late=2.5,
                late_share=0.5,
                overdue=2000,
                exposure=2000,
                credit_limit=10000,
            )
        )
        self.assertEqual(result.score, 34.78)
        self.assertEqual(
            [f.points for f in result.factors],
            [1.10, 10.53, 21.05, 2.10, 0.0, 0.0, 0.0],
        )
        self.assertAlmostEqual(sum(f.points for f in result.factors), result.score)

    def test_unrated_until_enough_history_and_floors(self):
        quiet = RiskInputs(paid_count=0)
        self.assertEqual(compute_risk(quiet).risk_class, UNRATED)
        policy = RiskPolicy(min_history=3, unrated_class="B")
        self.assertEqual(
            compute_risk(RiskInputs(paid_count=2), policy=policy).risk_class, "B"
        )
        self.assertEqual(
            compute_risk(RiskInputs(paid_count=3), policy=policy).risk_class, "A"
        )
        held = compute_risk(RiskInputs(paid_count=0, on_hold=True))
        self.assertEqual((held.risk_class, held.floor), ("C", "on_hold"))
        both = compute_risk(RiskInputs(paid_count=5, on_hold=True, legal_stage=True))
        self.assertEqual((both.risk_class, both.floor), ("D", "legal_stage"))
        # A floor never improves a class.
        bad = compute_risk(
            RiskInputs(
                paid_count=5,
                avg_days_late=60,
                late_share=1,
                overdue=1,
                exposure=1,
                dunning_level=4,
                broken_promises=3,
                on_hold=True,
            )
        )
        self.assertEqual((bad.risk_class, bad.floor), ("D", None))
        with self.assertRaisesRegex(ValueError, "must be one of A, B, C, D"):
            RiskPolicy(hold_floor="E").validate()
