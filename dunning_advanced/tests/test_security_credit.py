"""Regression tests of issue 11 for credit limits, holds and customer fields:
each test replays a way around a hold or a credit decision that went through
before, as the role that tried it."""

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import DunningTestCommon, d
from .common_security import make_role_users, refused


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10")
class TestCreditSecurity(DunningTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company(name="Altra Azienda S.r.l.")[
            "company"
        ]
        cls.roles = make_role_users(cls.env, cls.company, cls.other_company)
        cls.held = cls._create_customer("Verdi Trasporti S.r.l.")
        cls.receivable_account = cls.company_data["default_account_receivable"]
        cls.misc_journal = cls.company_data["default_journal_misc"]

    def _hold(self, partner, reason="Bankruptcy rumours"):
        self.env["res.partner.credit.hold"].with_company(self.company).create(
            {"partner_id": partner.id, "action": "hold", "reason": reason}
        ).action_confirm()

    def _state(self, partner):
        partner = partner.with_company(self.company)
        partner.invalidate_recordset(["credit_hold_state"])
        return partner.credit_hold_state

    # -- 3. Re-parenting around a manual hold ----------------------------

    def test_hold_follows_the_customer_when_its_parent_changes(self):
        self._hold(self.held, reason="Cheque bounced twice")
        buyer = self.env["res.partner"].create(
            {"name": "Mario Verdi", "parent_id": self.held.id, "type": "contact"}
        )
        salesperson = self.roles["salesperson"]
        shell = (
            self.env["res.partner"]
            .with_user(salesperson)
            .create({"name": "Verdi Holding S.r.l.", "is_company": True})
        )
        buyer.with_user(salesperson).write({"parent_id": shell.id})
        self.assertEqual(buyer.commercial_partner_id, shell)
        self.assertEqual(self._state(shell), "hold")
        order = self._sale_order(buyer, 500, user=salesperson)
        with refused(self, UserError, "on credit hold"):
            order.with_user(salesperson).action_confirm()
        self.assertEqual(order.state, "draft")
        log = self.env["dunning.credit.override"].search(
            [("partner_id", "=", shell.id), ("override_type", "=", "hold")]
        )
        self.assertEqual(log.user_id, salesperson)
        self.assertIn("Cheque bounced twice", log.reason)
        # Made a company of its own, it is still on hold.
        buyer.with_user(salesperson).write({"parent_id": False, "is_company": True})
        self.assertEqual(buyer.commercial_partner_id, buyer)
        self.assertEqual(self._state(buyer), "hold")

    # -- 6. Limit at creation, exclusion, PEC, external rating -----------

    def test_credit_limit_cannot_be_set_when_creating_a_contact(self):
        for role in ("salesperson", "invoicing", "dunning_user"):
            Partner = (
                self.env["res.partner"]
                .with_user(self.roles[role])
                .with_company(self.company)
            )
            with refused(self, AccessError, "Credit Limit"):
                Partner.create(
                    {
                        "name": "Nuovo Cliente S.r.l.",
                        "use_partner_credit_limit": True,
                        "credit_limit": 1e9,
                    }
                )
            # A plain contact is still created by everyone.
            self.assertTrue(Partner.create({"name": "Contatto %s" % role}))
        partner = (
            self.env["res.partner"]
            .with_user(self.roles["credit_manager"])
            .with_company(self.company)
            .create(
                {
                    "name": "Cliente Fidato S.r.l.",
                    "use_partner_credit_limit": True,
                    "credit_limit": 50000.0,
                }
            )
        )
        self.assertEqual(partner.with_company(self.company).credit_limit, 50000.0)

    def test_exclusion_pec_and_rating_are_for_credit_managers_and_noted(self):
        forbidden = [
            {"dunning_excluded": True, "dunning_exclusion_reason": "Friend"},
            {"dunning_pec_email": "me@evil.example"},
            {"risk_external_rating": 0, "risk_external_rating_date": "2026-03-01"},
            {"risk_external_rating_source": "Made up"},
        ]
        for role in ("salesperson", "invoicing", "dunning_user"):
            for vals in forbidden:
                with self.assertRaises(AccessError):
                    self.customer.with_user(self.roles[role]).write(vals)
            with self.assertRaises(AccessError):
                self.env["res.partner"].with_user(self.roles[role]).create(
                    {"name": "Escluso S.r.l.", **forbidden[0]}
                )
        self.assertFalse(self.customer.dunning_excluded)
        self.assertFalse(self.customer.dunning_pec_email)
        self.customer.with_user(self.roles["credit_manager"]).write(
            {"dunning_pec_email": "bianchi@pec.example.it"}
        )
        note = self.customer.message_ids[0]
        self.assertIn("bianchi@pec.example.it", note.body)
        self.assertEqual(note.author_id, self.roles["credit_manager"].partner_id)

    def test_invoice_exclusion_is_for_credit_managers(self):
        invoice = self._invoice(self.customer, 100.0, d("2026-03-01"))
        for role in ("invoicing", "dunning_user"):
            with self.assertRaises(AccessError):
                invoice.with_user(self.roles[role]).write(
                    {"dunning_excluded": True, "dunning_exclusion_reason": "x"}
                )
        self.assertFalse(invoice.dunning_excluded)

    # -- 9. Receipts, entries and confirmed orders past a hold -----------

    def test_sales_receipt_of_a_held_customer_is_not_posted(self):
        self._hold(self.held)
        receipt = self._invoice(
            self.held, 400.0, d("2026-03-09"), post=False, move_type="out_receipt"
        )
        with refused(self, UserError, "on credit hold"):
            receipt.with_user(self.roles["invoicing"]).action_post()
        self.assertEqual(receipt.state, "draft")

    def test_entry_debiting_a_held_customers_receivable_is_not_posted(self):
        self._hold(self.held)
        income = self.company_data["default_account_revenue"]
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": self.misc_journal.id,
                "date": d("2026-03-09"),
                "line_ids": [
                    Command.create(
                        {
                            "account_id": self.receivable_account.id,
                            "partner_id": self.held.id,
                            "debit": 5000.0,
                        }
                    ),
                    Command.create({"account_id": income.id, "credit": 5000.0}),
                ],
            }
        )
        with refused(self, UserError, "on credit hold"):
            entry.with_user(self.roles["invoicing"]).action_post()
        self.assertEqual(entry.state, "draft")
        # Crediting it (what the customer owes goes down) goes through.
        credit = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": self.misc_journal.id,
                "date": d("2026-03-09"),
                "line_ids": [
                    Command.create(
                        {
                            "account_id": self.receivable_account.id,
                            "partner_id": self.held.id,
                            "credit": 5000.0,
                        }
                    ),
                    Command.create({"account_id": income.id, "debit": 5000.0}),
                ],
            }
        )
        credit.with_user(self.roles["invoicing"]).action_post()
        self.assertEqual(credit.state, "posted")

    def test_confirmed_order_does_not_grow_past_a_hold(self):
        self._set_limit(self.customer, 1000.0)
        salesperson = self.roles["salesperson"]
        order = self._sale_order(self.customer, 900.0, user=salesperson)
        order.with_user(salesperson).action_confirm()
        self.assertEqual(order.state, "sale")
        as_sales = order.with_user(salesperson)
        with refused(self, UserError, "on credit hold"):
            as_sales.write(
                {
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_uom_qty": 1,
                                "price_unit": 500.0,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ]
                }
            )
        with refused(self, UserError, "on credit hold"):
            as_sales.order_line.write({"price_unit": 1500.0})
        self.assertEqual(order.amount_total, 900.0)
        # Lowering it is always possible.
        as_sales.order_line.write({"price_unit": 800.0})
        self.assertEqual(order.amount_total, 800.0)

    def test_confirmed_order_cannot_move_to_a_held_customer(self):
        salesperson = self.roles["salesperson"]
        order = self._sale_order(self.customer, 300.0, user=salesperson)
        order.with_user(salesperson).action_confirm()
        self._hold(self.held)
        for field in ("partner_id", "partner_invoice_id"):
            with refused(self, UserError, "on credit hold"):
                order.with_user(salesperson).write({field: self.held.id})
        self.assertEqual(order.partner_id, self.customer)
        self.assertEqual(order.partner_invoice_id, self.customer)

    # -- 11. The override log is written by the approving actions only ---

    def test_override_log_cannot_be_forged_with_another_user_or_date(self):
        for role in ("credit_manager", "dunning_user", "salesperson"):
            with self.assertRaises(AccessError):
                self.env["dunning.credit.override"].with_user(self.roles[role]).create(
                    {
                        "override_type": "release",
                        "partner_id": self.customer.id,
                        "reason": "Approved by the CEO",
                        "user_id": self.env.ref("base.user_admin").id,
                        "date": "2020-01-01 09:00:00",
                    }
                )
        self.assertFalse(
            self.env["dunning.credit.override"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )
        # The approving action writes who and now, whatever it is given.
        self._hold(self.customer)
        log = self.env["dunning.credit.override"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(log.user_id, self.env.user)
        self.assertEqual(str(log.date), "2026-03-10 00:00:00")

    # -- 12. Approvals by a credit manager with own-documents sales rights

    def test_credit_manager_without_all_documents_approves_anothers_order(self):
        self._hold(self.customer)
        salesperson = self.roles["salesperson"]
        order = self._sale_order(self.customer, 500.0, user=salesperson)
        manager = self.roles["credit_manager"]
        action = order.with_user(manager).action_credit_approve()
        wizard = (
            self.env["dunning.document.approve"]
            .with_user(manager)
            .with_context(**action["context"])
            .create({"reason": "Guarantee signed by the owner"})
        )
        wizard.action_confirm()
        self.assertEqual(order.credit_approval_id.user_id, manager)
        order.with_user(salesperson).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_approval_covers_only_its_own_document(self):
        self._hold(self.customer)
        small = self._sale_order(self.customer, 100.0)
        large = self._sale_order(self.customer, 90000.0)
        self._approve(large)
        # The large order's approval written onto another order covers nothing.
        small.sudo().credit_approval_id = large.credit_approval_id
        with refused(self, UserError, "on credit hold"):
            small.action_confirm()

    def _approve(self, document):
        action = document.action_credit_approve()
        self.env["dunning.document.approve"].with_context(**action["context"]).create(
            {"reason": "ok"}
        ).action_confirm()

    def test_credit_manager_changes_risk_weights_and_hold_settings(self):
        manager = self.roles["credit_manager"]
        form = Form(self.env["res.company.credit.settings"].with_user(manager))
        form.credit_hold_overdue_days = 45
        form.risk_weight_days_late = 30
        form.risk_weight_late_share = 15
        form.save().action_save()
        self.assertEqual(self.company.credit_hold_overdue_days, 45)
        self.assertEqual(self.company.risk_weight_days_late, 30)
        for role in ("dunning_user", "invoicing"):
            with self.assertRaises(AccessError):
                self.env["res.company.credit.settings"].with_user(
                    self.roles[role]
                ).create({"credit_hold_overdue_days": 1}).action_save()
        # Another company's credit manager changes nothing here.
        with self.assertRaises(AccessError):
            self.env["res.company.credit.settings"].with_user(
                self.roles["other_manager"]
            ).create(
                {"company_id": self.company.id, "credit_hold_overdue_days": 1}
            ).action_save()
        self.assertEqual(self.company.credit_hold_overdue_days, 45)
