from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..lib.risk_score import FACTORS
from .common import DunningTestCommon, d


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10")
class TestRiskScore(DunningTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The histories happened before any hold: build them with holds off.
        cls.company.credit_hold_enforced = False
        # Pays 1,000 ten days late and 3,000 on time; 2,000 open, 5 days overdue.
        cls.mixed = cls._create_customer("Verdi Arredamenti S.r.l.")
        late = cls._invoice(cls.mixed, 1000, d("2025-10-01"), d("2025-10-31"))
        cls._pay(late, 1000, d("2025-11-10"))
        on_time = cls._invoice(cls.mixed, 3000, d("2025-11-01"), d("2025-12-01"))
        cls._pay(on_time, 3000, d("2025-12-01"))
        cls._invoice(cls.mixed, 2000, d("2026-02-01"), d("2026-03-05"))
        # Always on time, nothing open.
        cls.punctual = cls._create_customer("Puntuale S.p.A.")
        for month in ("2025-06", "2025-09"):
            invoice = cls._invoice(
                cls.punctual, 500, d(f"{month}-01"), d(f"{month}-30")
            )
            cls._pay(invoice, 500, d(f"{month}-30"))
        # Stopped paying: one invoice paid 40 days late, then nothing.
        cls.stopped = cls._create_customer(
            "Fermo Logistica S.r.l.", risk_external_rating=100
        )
        cls.stopped.risk_external_rating_date = d("2026-01-15")
        paid = cls._invoice(cls.stopped, 500, d("2025-07-01"), d("2025-07-31"))
        cls._pay(paid, 500, d("2025-09-09"))
        for month in ("2025-10", "2025-11", "2025-12"):
            cls._invoice(cls.stopped, 1000, d(f"{month}-01"), d(f"{month}-15"))
        cls.company.credit_hold_enforced = True

    def _score(self, partner):
        self.env["dunning.credit.profile"]._compute_risk_scores(partner, self.company)
        return self._profile(partner)

    def test_mixed_payer_score_worked_out(self):
        """Days late 2.5 (weighted: 1,000 x 10 + 3,000 x 0 over 4,000), half paid
        late, all of the 2,000 exposure overdue, 20 % of a 10,000 limit. No
        rating: weights 95. Score = 100 x (25 x 2.5/60 + 20 x 0.5 + 20 x 1
        + 10 x 0.2) / 95 = 34.78, class B."""
        self._set_limit(self.mixed, 10000)
        profile = self._score(self.mixed)
        self.assertAlmostEqual(profile.risk_days_late, 2.5)
        self.assertAlmostEqual(profile.risk_late_share, 0.5)
        self.assertAlmostEqual(profile.risk_overdue_ratio, 1.0)
        self.assertAlmostEqual(profile.risk_limit_usage, 0.2)
        self.assertEqual(profile.risk_paid_count, 2)
        self.assertAlmostEqual(profile.risk_score, 34.78)
        self.assertEqual(profile.risk_class, "B")
        self.assertAlmostEqual(profile.risk_points_days_late, 1.10)
        self.assertAlmostEqual(profile.risk_points_late_share, 10.53)
        self.assertAlmostEqual(profile.risk_points_overdue_ratio, 21.05)
        # 2.1053 rounds to 2.10, not 2.11: the points are rounded once by the
        # largest remainder and add up to the score, 34.78.
        self.assertAlmostEqual(profile.risk_points_limit_usage, 2.10)
        self.assertAlmostEqual(
            sum(profile[f"risk_points_{code}"] for code in FACTORS), 34.78
        )
        self.assertEqual(profile.risk_na_factors, "external_rating")

    def test_punctual_payer_is_class_a(self):
        profile = self._score(self.punctual)
        self.assertEqual(profile.risk_score, 0.0)
        self.assertEqual(profile.risk_class, "A")
        self.assertEqual(profile.risk_paid_count, 2)

    def test_customer_that_stopped_paying_worked_out(self):
        """Days late 40 (risk 40/60), share late 1, all 3,000 overdue, 300 % of a
        1,000 limit, rating 100: every factor but dunning and promises at its
        worst. Score = 25 x 2/3 + 20 + 20 + 10 + 5 = 71.67, class C; with class D
        from 70 it is D."""
        self._set_limit(self.stopped, 1000)
        profile = self._score(self.stopped)
        self.assertAlmostEqual(profile.risk_days_late, 40.0)
        self.assertAlmostEqual(profile.risk_score, 71.67)
        self.assertEqual(profile.risk_class, "C")
        self.assertEqual(profile.risk_points_external_rating, 5.0)
        self.company.risk_class_d_threshold = 70
        self.assertEqual(self._score(self.stopped).risk_class, "D")

    def test_rating_without_date_is_not_used(self):
        self.stopped.risk_external_rating_date = False
        profile = self._score(self.stopped)
        self.assertIn("external_rating", profile.risk_na_factors)

    def test_credit_note_reconciliation_is_not_a_late_payment(self):
        customer = self._create_customer("Reso Totale S.r.l.")
        invoice = self._invoice(customer, 800, d("2025-12-01"), d("2025-12-31"))
        refund = invoice._reverse_moves(
            [{"date": d("2026-02-20"), "invoice_date": d("2026-02-20")}]
        )
        refund.action_post()  # a reversal reconciles with its invoice
        self.assertEqual(invoice.payment_state, "reversed")
        profile = self._score(customer)
        self.assertEqual(profile.risk_paid_count, 0)
        self.assertIn("days_late", profile.risk_na_factors)

    def test_explanation_names_each_factor_and_its_points(self):
        self._set_limit(self.mixed, 10000)
        self._score(self.mixed)
        partner = self.mixed.with_company(self.company)
        html = str(partner.risk_explanation)
        self.assertIn("Average days late", html)
        self.assertIn("2.5 days", html)
        self.assertIn("50.0 %", html)
        self.assertIn("21.05", html)
        self.assertIn("34.78", html)
        self.assertEqual(partner.risk_class, "B")

    def test_partner_button_recomputes_for_a_dunning_user(self):
        partner = self.mixed.with_user(self.dunning_user).with_company(self.company)
        partner.action_compute_risk_score()
        # Without a limit, usage has no weight: 100 x (25 x 2.5/60 + 20 x 0.5
        # + 20 x 1) / 85 = 36.52.
        self.assertAlmostEqual(partner.risk_score, 36.52)
        self.assertEqual(partner.risk_class, "B")
        self.assertEqual(
            self.env["res.partner"]
            .with_company(self.company)
            .search([("risk_class", "=", "B"), ("id", "=", self.mixed.id)]),
            self.mixed,
        )

    def test_cron_scores_in_batches_with_progress_and_resumes(self):
        Profile = self.env["dunning.credit.profile"]
        query = Profile._risk_candidates_query(self.company, d("2026-03-10"))
        candidates = len(self.env.execute_query(query))
        self.assertGreaterEqual(candidates, 3)
        others = sum(
            len(
                self.env.execute_query(
                    Profile._risk_candidates_query(c, d("2026-03-10"))
                )
            )
            for c in self.env["res.company"].search([("id", "!=", self.company.id)])
        )
        cron = self.env.ref("dunning_advanced.ir_cron_compute_risk_scores")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
        in_cron = Profile.with_context(ir_cron_progress_id=progress.id)
        # A scheduled run does one batch per call: the runner commits and calls again.
        in_cron._cron_compute_risk_scores(batch_size=2)
        self.assertEqual(progress.done, 2)
        self.assertEqual(progress.remaining, candidates + others - 2)
        # A manual call finishes everything; a second one finds nothing to do.
        Profile._cron_compute_risk_scores(batch_size=2)
        scored = Profile.sudo().search([("risk_date", "=", d("2026-03-10"))])
        self.assertEqual(len(scored), candidates + others)
        progress2 = self.env["ir.cron.progress"].create({"cron_id": cron.id})
        Profile.with_context(
            ir_cron_progress_id=progress2.id
        )._cron_compute_risk_scores()
        self.assertEqual((progress2.done, progress2.remaining), (0, 0))
        self.assertAlmostEqual(self._profile(self.mixed).risk_score, 36.52)

    def test_scoring_reads_do_not_grow_with_the_batch(self):
        """Reads are a fixed set of grouped queries; what grows with the batch is
        one UPDATE per profile, never a SELECT per customer."""
        Profile = self.env["dunning.credit.profile"]
        extra = self.env["res.partner"].create(
            [{"name": f"Cliente {i}", "is_company": True} for i in range(20)]
        )
        small = self.mixed | self.punctual | self.stopped
        Profile._compute_risk_scores(small | extra, self.company)  # profiles exist
        queries_small = self._count_queries(
            lambda: Profile._compute_risk_scores(small, self.company)
        )
        queries_large = self._count_queries(
            lambda: Profile._compute_risk_scores(small | extra, self.company)
        )
        self.assertLessEqual(queries_large - queries_small, len(extra))

    def _count_queries(self, function):
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        function()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def test_weights_that_do_not_add_up_are_refused(self):
        settings = self.env["res.config.settings"].create({"risk_weight_days_late": 30})
        with self.assertRaisesRegex(
            ValidationError, "add up to 105; they must add up to 100"
        ):
            settings.execute()

    def test_weights_can_be_rebalanced_in_one_save(self):
        settings = self.env["res.config.settings"].create(
            {"risk_weight_days_late": 30, "risk_weight_late_share": 15}
        )
        settings.execute()
        self.assertEqual(self.company.risk_weight_days_late, 30)
        self.assertEqual(self.company.risk_weight_late_share, 15)

    def test_class_thresholds_must_rise(self):
        with self.assertRaisesRegex(ValidationError, "rise strictly"):
            self.company.risk_class_c_threshold = 10


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10")
class TestRiskRules(DunningTestCommon):
    """History before rating, floors set by facts, an empty rating stays empty,
    the weights of the computation in the explanation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.credit_hold_enforced = False
        # One invoice paid on time; one 3,000 invoice due 2025-12-13, 87 days
        # late on 2026-03-10.
        cls.late = cls._create_customer("Ritardi S.r.l.")
        paid = cls._invoice(cls.late, 1000, d("2025-09-01"), d("2025-09-30"))
        cls._pay(paid, 1000, d("2025-09-30"))
        cls.overdue = cls._invoice(cls.late, 3000, d("2025-11-13"), d("2025-12-13"))
        cls.company.credit_hold_enforced = True

    def _score(self, partner):
        self.env["dunning.credit.profile"]._compute_risk_scores(partner, self.company)
        return self._profile(partner)

    def test_customer_without_history_is_unrated_then_default_class(self):
        newcomer = self._create_customer("Nuovo Cliente S.r.l.")
        self._invoice(newcomer, 500, d("2026-03-01"), d("2026-03-31"))
        profile = self._score(newcomer)
        self.assertEqual(profile.risk_score, 0.0)
        self.assertEqual(profile.risk_class, "unrated")
        self.assertIn("Too little history", str(profile.risk_explanation))
        self.assertIn("class Unrated", str(profile.risk_explanation))
        self.assertEqual(
            self.env["res.partner"]
            .with_company(self.company)
            .search([("risk_class", "=", "unrated"), ("id", "=", newcomer.id)]),
            newcomer,
        )
        self.company.risk_unrated_class = "B"
        self.assertEqual(self._score(newcomer).risk_class, "B")

    def test_hold_and_open_case_set_the_class_floor(self):
        """The case of the issue: on hold, in a case, 87 days late. Score:
        days late 0 (paid on time), share late 0, all of the 3,000 exposure
        overdue, no dunning, no broken promise; no limit, no rating: weights 85.
        100 x 20 / 85 = 23.53: class A by the score alone."""
        profile = self._score(self.late)
        self.assertAlmostEqual(profile.risk_score, 23.53)
        # 87 days overdue is past the 60 hold days: the hold makes it C.
        self.assertEqual(profile.hold_state, "hold")
        self.assertEqual((profile.risk_class, profile.risk_floor), ("C", "on_hold"))
        wizard = (
            self.env["dunning.collection.case.open"]
            .with_company(self.company)
            .with_context(active_model="account.move", active_ids=self.overdue.ids)
            .create({})
        )
        wizard.action_confirm()
        profile = self._score(self.late)
        self.assertEqual((profile.risk_class, profile.risk_floor), ("D", "legal_stage"))
        self.assertIn("open collection case", str(profile.risk_explanation))
        # Floors are settings: without them the score decides.
        self.company.write({"risk_floor_legal": False, "risk_floor_hold": False})
        profile = self._score(self.late)
        self.assertEqual((profile.risk_class, profile.risk_floor), ("A", False))

    def test_empty_external_rating_stays_empty(self):
        profile = self._score(self.late)
        self.assertFalse(self.late.risk_external_rating_text)
        self.assertFalse(profile.risk_external_rating_text)
        self.assertIn("no data", str(profile.risk_explanation))
        self.late.risk_external_rating_text = "0"  # the best rating, given
        self.assertEqual(self.late.risk_external_rating_date, d("2026-03-10"))
        self.assertEqual(self._score(self.late).risk_external_rating_text, "0")
        self.late.risk_external_rating_text = False
        self.assertFalse(self.late.risk_external_rating_date)
        with self.assertRaisesRegex(ValidationError, "from 0 .best. to 100"):
            self.late.risk_external_rating_text = "120"

    def test_explanation_shows_the_weights_of_the_computation(self):
        profile = self._score(self.late)
        self.assertEqual(profile.risk_weights_used["overdue_ratio"], 20)
        self.company.write(
            {"risk_weight_overdue_ratio": 30, "risk_weight_days_late": 15}
        )
        html = str(profile.with_context(lang="en_US").risk_explanation)
        # Still the weights used: 20 for overdue / exposure, 25 for days late.
        self.assertIn('<td class="text-end">20</td>', html)
        self.assertIn('<td class="text-end">25</td>', html)
        self.assertNotIn('<td class="text-end">30</td>', html)
        self.assertIn("when the score was computed", html)
