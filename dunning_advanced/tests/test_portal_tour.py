from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .test_portal_http import PortalHttpCommon


@tagged("post_install", "-at_install")
class TestPortalTours(PortalHttpCommon, HttpCase):
    """The customer, in headless Chromium, opens the link of its reminder and
    settles it (static/tests/tours/dunning_portal_tours.js)."""

    def _start(self, tour):
        self.start_tour(f"{self.path}?lang=en_US", tour, timeout=120)

    def _requests(self, kind):
        return self.env["dunning.portal.request"].search(
            [("partner_id", "=", self.customer.id), ("kind", "=", kind)],
            order="id",
        )

    def test_pay_one_invoice_with_the_demo_provider_and_dunning_stops(self):
        if "payment_demo" not in self.env.registry._init_modules:
            self.skipTest("payment_demo is not installed (see MODULES in the Makefile)")
        self.env.ref("payment.payment_provider_demo").sudo().copy(
            {"company_id": self.company.id, "state": "test", "is_published": True}
        )
        # The small invoice falls due in 20 days: only the big one is chosen.
        self.small.button_draft()
        self.small.invoice_date_due = self.today + timedelta(days=20)
        self.small.action_post()
        self._start("dunning_portal_pay")
        self.assertIn(self.big.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.small.payment_state, "not_paid")
        tx = self.env["payment.transaction"].search(
            [("partner_id", "=", self.customer.id), ("dunning_portal", "=", True)]
        )
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.amount, 1000.0)
        self.assertEqual(tx.dunning_communication_id, self.reminder)
        self.assertTrue(tx.payment_id)
        self.assertTrue(self.reminder.portal_paid)
        self.assertEqual(self.reminder.portal_paid_amount, 1000.0)
        # Dunning stops for what was paid: a run 45 days later claims only
        # the invoice left, at the next level.
        run = (
            self.env["dunning.run"]
            .sudo()
            .create(
                {
                    "company_id": self.company.id,
                    "date": self.today + timedelta(days=45),
                    "run_type": "manual",
                }
            )
        )
        run.action_preview()
        lines = run.communication_ids.filtered(
            lambda c: c.partner_id == self.customer
        ).line_ids
        self.assertNotIn(self.big, lines.move_id)
        self.assertEqual(lines.filtered("claimed").move_id, self.small)

    def test_promise_within_limits_is_accepted_and_beyond_them_waits(self):
        self._start("dunning_portal_promise")
        accepted, pending = self._requests("promise")
        self.assertEqual(accepted.state, "accepted")
        self.assertEqual(accepted.promise_id.move_ids, self.big)
        self.assertEqual(accepted.promise_id.date, self.today + timedelta(days=10))
        self.assertEqual(pending.state, "pending")
        self.assertEqual(pending.move_ids, self.small)
        self.assertFalse(pending.promise_id)
        self.assertEqual(pending.activity_ids.user_id, self.dunning_user)
        events = self.env["dunning.portal.event"].search(
            [("communication_id", "=", self.reminder.id), ("event", "=", "promise")]
        )
        self.assertEqual(len(events), 2)

    def test_dispute_an_item(self):
        self._start("dunning_portal_dispute")
        request = self._requests("dispute")
        dispute = request.dispute_id
        self.assertEqual(dispute.move_id, self.big)
        self.assertEqual(dispute.state, "open")
        self.assertIn("Two pallets arrived broken.", dispute.reason)
        self.assertEqual(dispute.activity_ids.user_id, self.dunning_user)
        paused = self.env["dunning.run"]._paused_line_reasons(
            self.company,
            fields.Date.today(),
            (self._receivable(self.big) | self._receivable(self.small)).ids,
        )
        self.assertEqual(
            {line_id: model for line_id, (model, _label) in paused.items()},
            {self._receivable(self.big).id: "dunning.dispute"},
        )

    def test_ask_for_a_plan(self):
        self._start("dunning_portal_plan")
        request = self._requests("plan")
        self.assertEqual(request.state, "accepted")
        plan = request.plan_id
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.move_ids, self.big | self.small)
        self.assertEqual(len(plan.line_ids), 3)
        self.assertEqual(plan.first_date, self.today + timedelta(days=15))
