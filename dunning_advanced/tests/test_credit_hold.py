from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import DunningTestCommon, d


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10")
class TestCreditHold(DunningTestCommon):
    def _hold(self, partner, reason="Bankruptcy rumours", user=None):
        env = self.env(user=user) if user else self.env
        wizard = (
            env["res.partner.credit.hold"]
            .with_company(self.company)
            .create({"partner_id": partner.id, "action": "hold", "reason": reason})
        )
        wizard.action_confirm()

    def _release(self, partner, until, reason="Paid by bank transfer, pending"):
        wizard = (
            self.env["res.partner.credit.hold"]
            .with_company(self.company)
            .create(
                {
                    "partner_id": partner.id,
                    "action": "release",
                    "reason": reason,
                    "release_until": until,
                }
            )
        )
        wizard.action_confirm()

    def _approve(self, document, reason, user=None):
        env = self.env(user=user) if user else self.env
        action = document.with_env(env).action_credit_approve()
        wizard = (
            env["dunning.document.approve"]
            .with_context(**action["context"])
            .create({"reason": reason})
        )
        wizard.action_confirm()

    # ------------------------------------------------------------------
    # Blocking
    # ------------------------------------------------------------------

    def test_manual_hold_blocks_sale_confirmation_with_who_and_why(self):
        order = self._sale_order(self.customer, 500)
        self._hold(self.customer, reason="Cheque bounced twice")
        with self.assertRaises(UserError) as error:
            order.action_confirm()
        message = str(error.exception)
        self.assertIn("Bianchi Costruzioni S.r.l. is on credit hold", message)
        self.assertIn("Cheque bounced twice", message)
        self.assertIn("This document adds", message)
        self.assertEqual(order.state, "draft")

    def test_exposure_over_limit_blocks_order_that_would_exceed_it(self):
        self._set_limit(self.customer, 1000)
        self._invoice(self.customer, 700, d("2026-03-01"), d("2026-03-31"))
        small = self._sale_order(self.customer, 200)
        small.action_confirm()  # 700 + 200 = 900: within the limit
        self.assertEqual(small.state, "sale")
        big = self._sale_order(self.customer, 150)  # 700 + 200 + 150 = 1,050
        with self.assertRaises(UserError) as error:
            big.action_confirm()
        message = str(error.exception)
        self.assertIn("exceeds the credit limit", message)
        self.assertIn("1,050.00", message)
        self.assertIn("by $\xa050.00", message)
        self.assertEqual(big.state, "draft")

    def test_invoice_that_would_exceed_the_limit_is_not_posted(self):
        self._set_limit(self.customer, 1000)
        self._invoice(self.customer, 800, d("2026-03-01"), d("2026-03-31"))
        invoice = self._invoice(self.customer, 300, d("2026-03-05"), post=False)
        with self.assertRaisesRegex(UserError, "1,100.00 exceeds the credit limit"):
            invoice.action_post()
        self.assertEqual(invoice.state, "draft")

    def test_hold_blocks_invoice_posting_but_not_credit_notes(self):
        invoice = self._invoice(self.customer, 300, d("2026-03-05"), post=False)
        refund = self._invoice(
            self.customer, 100, d("2026-03-05"), post=False, move_type="out_refund"
        )
        self._hold(self.customer)
        with self.assertRaises(UserError):
            invoice.action_post()
        self.assertEqual(invoice.state, "draft")
        refund.action_post()
        self.assertEqual(refund.state, "posted")

    def test_invoice_overdue_beyond_hold_days_blocks_new_orders(self):
        self.company.credit_hold_overdue_days = 60
        self._invoice(self.customer, 100, d("2025-12-01"), d("2026-01-05"))  # 64 days
        order = self._sale_order(self.customer, 10)
        self.assertEqual(self.customer.credit_hold_state, "hold")
        with self.assertRaisesRegex(UserError, "64 days overdue"):
            order.action_confirm()

    def test_cents_left_overdue_do_not_hold(self):
        self.company.credit_overdue_tolerance = 1.0
        invoice = self._invoice(self.customer, 100, d("2025-11-01"), d("2025-12-01"))
        self._pay(invoice, 99.99, d("2025-12-01"))
        partner = self.customer.with_company(self.company)
        self.assertEqual(partner.credit_overdue, 0.01)
        self.assertEqual(partner.credit_max_days_overdue, 0)
        self.assertEqual(partner.credit_hold_state, "none")

    def test_warning_does_not_block(self):
        self._set_limit(self.customer, 1000)
        self._invoice(self.customer, 950, d("2026-03-01"), d("2026-03-31"))
        self.assertEqual(self.customer.credit_hold_state, "warning")
        self.assertIn("above 90%", self.customer.credit_hold_reason)
        invoice = self._invoice(self.customer, 40, d("2026-03-05"))
        self.assertEqual(invoice.state, "posted")

    def test_enforcement_off_lets_documents_through(self):
        self.company.credit_hold_enforced = False
        self._hold(self.customer)
        order = self._sale_order(self.customer, 10)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_hold_is_per_company(self):
        other = self.setup_other_company(name="Filiale Sud")["company"]
        self._hold(self.customer)
        self.assertEqual(
            self.customer.with_company(self.company).credit_hold_state, "hold"
        )
        self.assertEqual(self.customer.with_company(other).credit_hold_state, "none")

    def test_contact_of_a_customer_on_hold_is_blocked_too(self):
        contact = self.env["res.partner"].create(
            {"name": "Mario Bianchi", "parent_id": self.customer.id}
        )
        self._hold(self.customer)
        order = self._sale_order(contact, 10)
        with self.assertRaisesRegex(
            UserError, "Bianchi Costruzioni S.r.l. is on credit hold"
        ):
            order.action_confirm()

    # ------------------------------------------------------------------
    # Overrides: approval and release, always logged
    # ------------------------------------------------------------------

    def test_manager_approval_lets_one_order_through_and_is_logged(self):
        self._hold(self.customer)
        order = self._sale_order(self.customer, 500)
        self._approve(order, "Prepaid by bank transfer", user=self.credit_manager)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        approval = order.credit_approval_id
        self.assertEqual(approval.user_id, self.credit_manager)
        self.assertEqual(approval.reason, "Prepaid by bank transfer")
        self.assertEqual(approval.amount, 500)
        self.assertIn("Prepaid by bank transfer", order.message_ids[0].body)
        self.assertIn("credit_manager", order.message_ids[0].body)
        self.assertIn("Prepaid by bank transfer", self.customer.message_ids[0].body)
        # The next order is still blocked: the approval was for one document.
        with self.assertRaises(UserError):
            self._sale_order(self.customer, 10).action_confirm()

    def test_approval_does_not_cover_a_larger_total(self):
        self._hold(self.customer)
        order = self._sale_order(self.customer, 500)
        self._approve(order, "Prepaid")
        order.order_line.price_unit = 900
        with self.assertRaises(UserError):
            order.action_confirm()

    def test_approval_of_an_invoice(self):
        self._hold(self.customer)
        invoice = self._invoice(self.customer, 300, d("2026-03-05"), post=False)
        self._approve(invoice, "Guaranteed by the parent company")
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    def test_release_turns_automatic_hold_into_warning_until_the_date(self):
        self._invoice(self.customer, 500, d("2026-03-01"), d("2026-03-31"))
        self._set_limit(self.customer, 100)
        self.assertEqual(self.customer.credit_hold_state, "hold")
        self._release(self.customer, d("2026-03-20"))
        self.assertEqual(self.customer.credit_hold_state, "warning")
        order = self._sale_order(self.customer, 50)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        log = self.env["dunning.credit.override"].search(
            [("partner_id", "=", self.customer.id), ("override_type", "=", "release")]
        )
        self.assertEqual(log.release_until, d("2026-03-20"))
        self.assertEqual(log.user_id, self.env.user)
        self.assertIn("released", self.customer.message_ids[0].body)
        with freeze_time("2026-03-21"):
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.credit_hold_state, "hold")

    def test_release_lifts_manual_and_dunning_holds(self):
        self._hold(self.customer)
        self._profile(self.customer).write(
            {"dunning_hold": True, "dunning_hold_reason": "Formal notice sent"}
        )
        self._release(self.customer, d("2026-04-10"))
        profile = self._profile(self.customer)
        self.assertFalse(profile.manual_hold)
        self.assertFalse(profile.dunning_hold)
        self.assertEqual(profile.hold_state, "none")

    def test_form_release_needs_a_date_from_today(self):
        with self.assertRaisesRegex(UserError, "release date from today"):
            self._release(self.customer, d("2026-03-01"))

    def test_hold_list_shows_customers_on_hold(self):
        self._hold(self.customer)
        others = self._create_customer("Rossi S.p.A.")
        on_hold = (
            self.env["res.partner"]
            .with_company(self.company)
            .search([("credit_hold_state", "=", "hold")])
        )
        self.assertIn(self.customer, on_hold)
        self.assertNotIn(others, on_hold)
        not_on_hold = (
            self.env["res.partner"]
            .with_company(self.company)
            .search(
                [
                    ("credit_hold_state", "=", "none"),
                    ("id", "in", (self.customer | others).ids),
                ]
            )
        )
        self.assertEqual(not_on_hold, others)

    def test_automatic_hold_change_is_noted_in_the_chatter(self):
        self._invoice(self.customer, 500, d("2026-03-01"), d("2026-03-31"))
        self._set_limit(self.customer, 100)
        self.env["dunning.credit.profile"]._cron_compute_risk_scores()
        profile = self._profile(self.customer)
        self.assertEqual(profile.hold_state, "hold")
        self.assertEqual(profile.hold_date, d("2026-03-10"))
        self.assertIn("No Hold → On Hold", self.customer.message_ids[0].body)

    # ------------------------------------------------------------------
    # No bypass by salespeople or plain accountants
    # ------------------------------------------------------------------

    def test_salesperson_cannot_bypass_the_hold(self):
        self._hold(self.customer)
        order = self._sale_order(self.customer, 500, user=self.salesperson)
        as_sales = order.with_user(self.salesperson)
        for context in ({}, {"skip_credit_check": True}, {"credit_override": True}):
            with self.assertRaises(UserError):
                as_sales.with_context(**context).action_confirm()
        with self.assertRaises(UserError):
            as_sales.write({"state": "sale"})
        approval = (
            self.env["dunning.credit.override"]
            .sudo()
            .create(
                {
                    "override_type": "approve",
                    "partner_id": self.customer.id,
                    "reason": "forged",
                    "amount": 1e9,
                    "currency_id": order.currency_id.id,
                }
            )
        )
        with self.assertRaises(AccessError):
            as_sales.write({"credit_approval_id": approval.id})
        with self.assertRaises(AccessError):
            as_sales.action_credit_approve()
        with self.assertRaises(AccessError):
            self._hold(self.customer, user=self.salesperson)
        self.assertEqual(order.state, "draft")

    def test_invoicing_user_cannot_approve_release_or_raise_limits(self):
        self._hold(self.customer)
        invoice = self._invoice(self.customer, 300, d("2026-03-05"), post=False)
        as_accountant = invoice.with_user(self.invoicing_user)
        with self.assertRaises(UserError):
            as_accountant.action_post()
        with self.assertRaises(AccessError):
            as_accountant.action_credit_approve()
        with self.assertRaises(AccessError):
            self.env["dunning.document.approve"].with_user(self.invoicing_user).create(
                {"res_model": "account.move", "res_id": invoice.id, "reason": "x"}
            )
        with self.assertRaises(AccessError):
            self.customer.with_user(self.invoicing_user).with_company(
                self.company
            ).credit_limit = 1e9
        with self.assertRaises(AccessError):
            self.env["dunning.credit.override"].with_user(self.invoicing_user).search(
                []
            )
        self.assertEqual(invoice.state, "draft")

    def test_override_log_cannot_be_edited_or_deleted(self):
        self._hold(self.customer)
        log = self.env["dunning.credit.override"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(len(log), 1)
        as_manager = log.with_user(self.credit_manager)
        with self.assertRaises(AccessError):
            as_manager.write({"reason": "nothing happened"})
        with self.assertRaises(AccessError):
            as_manager.unlink()

    def test_salesperson_sees_the_hold_on_the_order_form(self):
        self._hold(self.customer, reason="Legal dispute")
        order_form = Form(self.env["sale.order"].with_user(self.salesperson))
        order_form.partner_id = self.customer
        order = order_form.save()
        self.assertEqual(order.credit_hold_state, "hold")
        self.assertIn("Legal dispute", order.credit_hold_reason)
