from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import DunningTestCommon


@tagged("post_install", "-at_install")
class TestTours(DunningTestCommon, HttpCase):
    """The credit controller's morning clicked through in headless Chromium.

    Bianchi Costruzioni S.r.l. is on hold (put there by a credit manager), owes
    an invoice 10 days overdue and has a call due today for the collector.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.context_today(cls.env.user)
        cls.customer.write(
            {
                "email": "amministrazione@bianchi.example.com",
                "dunning_collector_id": cls.dunning_user.id,
            }
        )
        cls.invoice = cls._invoice(
            cls.customer, 1200, today - timedelta(days=40), today - timedelta(days=10)
        )
        (
            cls.env["res.partner.credit.hold"]
            .with_company(cls.company)
            .create(
                {
                    "partner_id": cls.customer.id,
                    "action": "hold",
                    "reason": "Cheque bounced twice",
                }
            )
            .action_confirm()
        )
        cls.customer.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=today,
            user_id=cls.dunning_user.id,
            summary="Overdue invoice",
        )
        cls.order = cls._sale_order(cls, cls.customer, 500, user=cls.salesperson)

    def test_dunning_user_logs_a_call_with_a_promise_and_sends_a_statement(self):
        self.start_tour(
            "/odoo/action-dunning_advanced.dunning_worklist_action",
            "dunning_today_tour",
            login="dunning_user",
        )
        promise = self.env["dunning.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(promise.move_ids, self.invoice)
        self.assertEqual(promise.user_id, self.dunning_user)
        self.assertFalse(
            self.customer.activity_ids, "the call due is done by logging the call"
        )
        contact = self.env["dunning.contact"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(
            (contact.outcome, contact.user_id), ("promise", self.dunning_user)
        )
        statement = self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                ("attachment_ids", "!=", False),
            ]
        )
        self.assertEqual(len(statement), 1)
        self.assertTrue(statement.attachment_ids.name.endswith(".pdf"))

    def test_salesperson_hits_the_hold_and_asks_for_approval(self):
        self.start_tour(
            f"/odoo/sale.order/{self.order.id}",
            "dunning_request_approval_tour",
            login="salesperson",
        )
        request = self.env["dunning.approval.request"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", self.order.id)]
        )
        self.assertEqual(request.state, "pending")
        self.assertEqual(request.user_id, self.salesperson)
        self.assertIn("5,000 EUR transfer", request.note)
        self.assertIn(self.credit_manager, request.activity_ids.user_id)

    def test_credit_manager_approves_from_the_activity(self):
        request = (
            self.env["dunning.approval.request"]
            .with_user(self.salesperson)
            .create(
                {
                    "res_model": "sale.order",
                    "res_id": self.order.id,
                    "note": "A guarantee was signed.",
                }
            )
        )
        self.start_tour("/odoo", "dunning_approve_request_tour", login="credit_manager")
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.decided_by_id, self.credit_manager)
        self.assertEqual(self.order.credit_approval_id, request.approval_id)
        self.order.with_user(self.salesperson).action_confirm()
        self.assertEqual(self.order.state, "sale")
