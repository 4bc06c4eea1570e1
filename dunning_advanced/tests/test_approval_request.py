from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import DunningTestCommon, d


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10")
class TestApprovalRequest(DunningTestCommon):
    """A salesperson blocked by a hold asks; a credit manager answers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_limit_cls(cls.customer, 1000)
        cls._invoice(cls.customer, 800, d("2026-03-01"), d("2026-03-31"))
        cls.order = cls._sale_order_cls(cls.customer, 500, cls.salesperson)

    @classmethod
    def _set_limit_cls(cls, partner, amount):
        partner.with_company(cls.company).write(
            {"use_partner_credit_limit": True, "credit_limit": amount}
        )

    @classmethod
    def _sale_order_cls(cls, partner, amount, user):
        order = cls._sale_order(cls, partner, amount, user=user)
        return order.with_user(user)

    def _request(self, order=None, note="The customer pays by bank transfer today."):
        order = order or self.order
        action = order.action_credit_request_approval()
        form = Form(
            self.env[action["res_model"]]
            .with_user(order.env.user)
            .with_context(**action["context"]),
            view=action["views"][0][0],
        )
        form.note = note
        return form.save()

    def _approve_dialog(self, request, user=None):
        user = user or self.credit_manager
        action = request.with_user(user).action_approve()
        return Form(
            self.env["dunning.document.approve"]
            .with_user(user)
            .with_context(**action["context"])
        )

    def test_blocked_salesperson_asks_and_each_credit_manager_gets_a_todo(self):
        with self.assertRaisesRegex(UserError, "is on credit hold"):
            self.order.action_confirm()
        self.assertEqual(self.order.credit_hold_state, "hold")
        request = self._request()
        self.assertEqual(request.state, "pending")
        self.assertEqual(request.partner_id, self.customer)
        self.assertEqual(request.amount, 500.0)
        self.assertEqual(request.user_id, self.salesperson)
        self.assertEqual(request.document_name, self.order.display_name)
        self.assertTrue(self.order.credit_request_pending)
        todos = request.sudo().activity_ids
        self.assertIn(self.credit_manager, todos.user_id)
        self.assertNotIn(self.salesperson, todos.user_id)
        self.assertIn(self.order.display_name, todos[:1].summary)
        # Asking twice for the same order is refused.
        with self.assertRaisesRegex(UserError, "already asked"):
            self._request()

    def test_requester_cannot_decide_or_change_the_amount(self):
        request = self._request()
        with self.assertRaises(AccessError):
            request.write({"state": "approved"})
        with self.assertRaises(AccessError):
            request.write({"amount": 1.0})
        with self.assertRaises(AccessError):
            request.action_approve()
        other = self._sale_order(self.customer, 300, user=self.salesperson)
        forged = (
            self.env["dunning.approval.request"]
            .with_user(self.salesperson)
            .create(
                {
                    "res_model": "sale.order",
                    "res_id": other.id,
                    "note": "Please",
                    "state": "approved",
                    "amount": 1.0,
                }
            )
        )
        self.assertEqual((forged.state, forged.amount), ("pending", 300.0))

    def test_request_needs_a_document_on_hold(self):
        small = self._create_customer("Piccola S.r.l.")
        order = self._sale_order(small, 100, user=self.salesperson)
        with self.assertRaisesRegex(UserError, "not blocked by a credit hold"):
            self._request(order)

    def test_the_approval_dialog_shows_what_the_manager_weighs(self):
        request = self._request()
        dialog = self._approve_dialog(request)
        self.assertEqual(dialog.document_name, self.order.display_name)
        self.assertEqual(dialog.partner_id, self.customer)
        self.assertEqual(dialog.amount, 500.0)
        # 800 invoiced + this order's 500
        self.assertEqual(dialog.exposure_after, 1300.0)
        self.assertEqual(dialog.credit_limit, 1000.0)
        self.assertIn("exceeds the credit limit", dialog.hold_reason)
        self.assertEqual(dialog.request_note, request.note)

    def test_approval_lets_the_order_go_and_tells_the_requester(self):
        request = self._request()
        dialog = self._approve_dialog(request)
        dialog.reason = "Bank transfer receipt received"
        dialog.save().action_confirm()
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.decided_by_id, self.credit_manager)
        self.assertTrue(request.approval_id)
        self.assertEqual(self.order.credit_approval_id, request.approval_id)
        self.assertFalse(
            request.sudo().activity_ids.filtered(
                lambda a: a.user_id == self.credit_manager
            )
        )
        told = request.sudo().message_ids.filtered(
            lambda m: self.salesperson.partner_id in m.partner_ids
        )
        self.assertTrue(told)
        self.assertIn("Approved", told[0].body)
        todo = request.sudo().activity_ids.filtered(
            lambda a: a.user_id == self.salesperson
        )
        self.assertIn("it can go on", todo.summary)
        self.order.action_confirm()
        self.assertEqual(self.order.state, "sale")

    def test_refusal_keeps_the_order_blocked_and_says_why(self):
        request = self._request()
        action = request.with_user(self.credit_manager).action_refuse()
        dialog = Form(
            self.env["dunning.document.approve"]
            .with_user(self.credit_manager)
            .with_context(**action["context"])
        )
        dialog.reason = "Three invoices unpaid since January"
        dialog.save().action_refuse()
        self.assertEqual(request.state, "refused")
        self.assertEqual(request.decision_note, "Three invoices unpaid since January")
        told = request.sudo().message_ids.filtered(
            lambda m: self.salesperson.partner_id in m.partner_ids
        )
        self.assertIn("Three invoices unpaid since January", told[0].body)
        self.assertFalse(self.order.credit_approval_id)
        with self.assertRaisesRegex(UserError, "is on credit hold"):
            self.order.action_confirm()
        # A refused request can be asked again.
        self.assertEqual(self._request().state, "pending")

    def test_salesperson_sees_only_own_requests(self):
        mine = self._request()
        other_seller = self.env["res.users"].create(
            {
                "name": "Other Seller",
                "login": "other_seller",
                "groups_id": [(6, 0, self.salesperson.groups_id.ids)],
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
            }
        )
        Request = self.env["dunning.approval.request"]
        self.assertEqual(Request.with_user(self.salesperson).search([]), mine)
        self.assertFalse(Request.with_user(other_seller).search([]))
        self.assertIn(mine, Request.with_user(self.credit_manager).search([]))

    def test_blocking_message_gives_one_exposure_figure(self):
        with self.assertRaises(UserError) as error:
            self.order.action_confirm()
        message = str(error.exception)
        self.assertIn("Exposure with this document: $\xa01,300.00", message)
        self.assertEqual(message.count("1,300.00"), 2)  # the reason quotes it too
        self.assertNotIn("800.00", message)
        self.assertIn("This document adds $\xa0500.00.", message)

    def test_blocking_message_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"]._load_module_terms(
            ["dunning_advanced"], ["it_IT"], overwrite=True
        )
        self.salesperson.lang = "it_IT"
        order = self.order.with_context(lang="it_IT")
        with self.assertRaises(UserError) as error:
            order.action_confirm()
        message = str(error.exception)
        self.assertIn("non può procedere", message)
        self.assertIn("supera il fido", message)
