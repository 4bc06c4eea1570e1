from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from .common import DunningTestCommon, d

DAY_1 = "2026-03-10 09:00:00"
DAY_2 = "2026-03-11 09:00:00"


@tagged("post_install", "-at_install")
class TestRiskIncremental(DunningTestCommon):
    """The daily risk run computes again only the scores that may have changed
    since they were computed; the other customers keep theirs.

    Each day is its own transaction: the date (freezegun) and the transaction's
    timestamp, which write dates and the score's come from, both move to it (as
    Odoo's own mail tests do, ``mock_datetime_and_now``)."""

    @contextmanager
    def _at(self, moment):
        moment = datetime.fromisoformat(moment)
        with freeze_time(moment), patch.object(self.env.cr, "now", lambda: moment):
            yield
            # What a commit would write at the end of that transaction.
            self.env.flush_all()

    def _run(self, moment):
        with self._at(moment):
            self.env["dunning.credit.profile"]._cron_compute_risk_scores()

    def setUp(self):
        super().setUp()
        with self._at("2026-03-10 08:00:00"):
            # The settings of the day: a warning after 15 days overdue, a hold
            # after 60.
            self.company.write(
                {"credit_warning_overdue_days": 15, "credit_hold_overdue_days": 60}
            )
            # Two customers with an invoice due at the end of April.
            self.payer = self._create_customer("Pagatore S.r.l.")
            self.invoice = self._invoice(
                self.payer, 1000, d("2026-03-01"), d("2026-04-30")
            )
            self.quiet = self._create_customer("Tranquillo S.p.A.")
            self._invoice(self.quiet, 800, d("2026-03-01"), d("2026-04-30"))
            # An invoice due today, overdue tomorrow.
            self.due_today = self._create_customer("Scadenza Oggi S.r.l.")
            self._invoice(self.due_today, 500, d("2026-02-01"), d("2026-03-10"))
            # 600 overdue since 20 February: 18 days, a warning.
            self.late = self._create_customer("Ritardatario S.r.l.")
            self._invoice(self.late, 600, d("2026-01-20"), d("2026-02-20"))
            # A posted invoice and a draft one.
            self.drafter = self._create_customer("Bozze S.r.l.")
            self._invoice(self.drafter, 1000, d("2026-03-01"), d("2026-04-30"))
            self.draft = self._invoice(
                self.drafter, 300, d("2026-03-05"), d("2026-05-05"), post=False
            )
            # Paid 11 March 2025, 10 days late: in the 12 months on 10 March
            # 2026, out of them on 11 March.
            self.reformed = self._create_customer("Redento S.r.l.")
            paid = self._invoice(self.reformed, 400, d("2025-02-01"), d("2025-03-01"))
            self._pay(paid, 400, d("2025-03-11"))
            self._invoice(self.reformed, 200, d("2026-03-01"), d("2026-04-30"))
        self._run(DAY_1)

    def test_paid_customer_is_scored_again_the_next_day_the_other_is_not(self):
        payer, quiet = self._profile(self.payer), self._profile(self.quiet)
        computed = quiet.risk_scored_at
        self.assertEqual(computed, datetime(2026, 3, 10, 9))
        self.assertEqual((payer.exposure_amount, payer.risk_paid_count), (1000, 0))
        with self._at("2026-03-11 08:00:00"):
            self._pay(self.invoice, 1000, d("2026-03-11"))
        self._run(DAY_2)
        self.assertEqual((payer.exposure_amount, payer.risk_paid_count), (0, 1))
        self.assertEqual(payer.risk_date, d("2026-03-11"))
        self.assertEqual(payer.risk_scored_at, datetime(2026, 3, 11, 9))
        # Nothing changed for the other customer: yesterday's score stands.
        self.assertEqual(quiet.risk_date, d("2026-03-10"))
        self.assertEqual(quiet.risk_scored_at, computed)
        self.assertEqual(quiet.exposure_amount, 800)
        # A second run on the same day has nothing to do.
        self._run("2026-03-11 10:00:00")
        self.assertEqual(payer.risk_scored_at, datetime(2026, 3, 11, 9))

    def test_invoice_falling_due_scores_the_customer_again(self):
        profile = self._profile(self.due_today)
        self.assertEqual((profile.overdue_amount, profile.risk_overdue_ratio), (0, 0))
        self._run(DAY_2)
        self.assertEqual(profile.overdue_amount, 500)
        self.assertEqual(profile.risk_overdue_ratio, 1.0)
        self.assertEqual(profile.risk_scored_at, datetime(2026, 3, 11, 9))

    def test_overdue_days_grow_without_scoring_until_the_hold_days(self):
        profile = self._profile(self.late)
        self.assertEqual(profile.hold_state, "warning")
        self.assertIn("18 days overdue", profile.hold_reason)
        computed = profile.risk_scored_at
        self._run(DAY_2)
        # The same score, the oldest invoice a day older, the reason too.
        self.assertEqual(profile.risk_scored_at, computed)
        self.assertEqual(profile.max_days_overdue, 19)
        self.assertIn("19 days overdue", profile.hold_reason)
        self.assertEqual(profile.hold_state, "warning")
        # 22 April: 61 days, past the 60 hold days: on hold, the class with it.
        self._run("2026-04-22 09:00:00")
        self.assertEqual(profile.hold_state, "hold")
        self.assertEqual(profile.risk_floor, "on_hold")
        self.assertEqual(profile.risk_scored_at, datetime(2026, 4, 22, 9))
        self.assertIn("Warning → On Hold", self.late.message_ids[0].body)

    def test_deleted_draft_invoice_scores_the_customer_again(self):
        profile = self._profile(self.drafter)
        self.assertEqual(profile.exposure_amount, 1300)
        with self._at("2026-03-11 08:00:00"):
            self.draft.unlink()
        self._run(DAY_2)
        self.assertEqual(profile.exposure_amount, 1000)

    def test_new_credit_limit_scores_the_customer_again(self):
        with self._at("2026-03-11 08:00:00"):
            self._set_limit(self.quiet, 1000)
        self._run(DAY_2)
        profile = self._profile(self.quiet)
        self.assertEqual(profile.credit_limit, 1000)
        self.assertAlmostEqual(profile.risk_limit_usage, 0.8)

    def test_payment_leaving_the_twelve_months_scores_the_customer_again(self):
        profile = self._profile(self.reformed)
        self.assertEqual(profile.risk_paid_count, 1)
        self.assertAlmostEqual(profile.risk_days_late, 10.0)
        self._run(DAY_2)
        self.assertEqual(profile.risk_paid_count, 0)
        self.assertIn("days_late", profile.risk_na_factors)

    def test_invoice_moved_to_another_customer_scores_both_again(self):
        with self._at("2026-03-11 08:00:00"):
            self.draft.partner_id = self.quiet
        self._run(DAY_2)
        self.assertEqual(self._profile(self.drafter).exposure_amount, 1000)
        self.assertEqual(self._profile(self.quiet).exposure_amount, 1100)
