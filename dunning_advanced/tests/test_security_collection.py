"""Regression tests of issue 11 for collection cases and agencies: each test
replays a way through that went through before, as the role that tried it."""

import json

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import d
from .common_security import make_role_users, refused
from .test_collection_case import CollectionCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10")
class TestCollectionCaseSecurity(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_customer = cls._create_customer("Neri Edilizia S.r.l.")

    def setUp(self):
        super().setUp()
        self.invoice = self._invoice(
            self.customer, 1000.0, d("2026-01-01"), d("2026-01-31")
        )
        self.case = self._open_case(self.invoice)

    def _due(self, invoice):
        invoice.invalidate_recordset(["amount_residual"])
        return invoice.amount_residual

    # -- 1. A Dunning User writes off any receivable ---------------------

    def test_settlement_fields_cannot_be_written_so_check_payments_writes_nothing_off(
        self,
    ):
        as_user = self.case.with_user(self.dunning_user)
        with self.assertRaises(AccessError):
            as_user.write({"settlement_amount": 0.01, "settlement_base": 1000.0})
        with self.assertRaises(AccessError):
            as_user.write({"amount_written_off": 1000.0})
        as_user.action_check_payments()
        self.assertFalse(self.case.is_closed)
        self.assertFalse(self.case.writeoff_move_id)
        self.assertEqual(self._due(self.invoice), 1000.0)

    def test_a_case_line_holds_only_an_invoice_of_the_case_customer(self):
        other_invoice = self._invoice(
            self.other_customer, 781.66, d("2026-01-01"), d("2026-01-31")
        )
        receivable = other_invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        Line = self.env["dunning.collection.case.line"]
        for user in (self.dunning_user, self.credit_manager):
            with self.assertRaises(AccessError):
                Line.with_user(user).create(
                    {"case_id": self.case.id, "move_line_id": receivable.id}
                )
        with self.assertRaises(AccessError):
            self.case.with_user(self.dunning_user).write(
                {"line_ids": [Command.create({"move_line_id": receivable.id})]}
            )
        # Not even the system puts B's invoice in A's case.
        with refused(self, ValidationError, "a case is for one debtor"):
            Line.sudo().create({"case_id": self.case.id, "move_line_id": receivable.id})
        self.case.sudo()._write_off("Agreed in court")
        self.assertEqual(self._due(other_invoice), 781.66)

    def test_case_line_amounts_are_read_from_accounting(self):
        second = self._invoice(self.customer, 250.0, d("2026-01-05"), d("2026-02-04"))
        receivable = second.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        line = (
            self.env["dunning.collection.case.line"]
            .sudo()
            .create(
                {
                    "case_id": self.case.id,
                    "move_line_id": receivable.id,
                    "amount_opening": 99999.0,
                    "amount_opening_company": 99999.0,
                }
            )
        )
        self.assertEqual(line.amount_opening, 250.0)
        self.assertEqual(line.amount_opening_company, 250.0)
        with self.assertRaises(AccessError):
            line.with_user(self.credit_manager).write({"amount_opening": 1.0})

    # -- 5. Closing, reopening and opening cases by writing ---------------

    def test_dunning_user_cannot_close_a_case_by_writing_its_stage(self):
        as_user = self.case.with_user(self.dunning_user)
        for stage in (self.stage_paid, self.stage_written_off, self.stage_settled):
            with self.assertRaises(AccessError):
                as_user.write({"stage_id": stage.id})
            with self.assertRaises(AccessError):
                as_user.with_context(collection_closing=True).write(
                    {"stage_id": stage.id}
                )
        self.assertEqual(self.case.stage_id, self.stage_notice)
        self.assertFalse(self.case.is_closed)

    def test_stage_wizard_closes_as_paid_only_what_is_paid(self):
        Wizard = self.env["dunning.collection.case.stage"].with_user(self.dunning_user)
        wizard = Wizard.create(
            {"case_id": self.case.id, "stage_id": self.stage_paid.id, "note": "paid"}
        )
        with refused(self, UserError, "cannot close as paid"):
            wizard.action_confirm()
        self.assertFalse(self.case.is_closed)
        self._pay(self.invoice, 1000.0, d("2026-03-09"))
        wizard.action_confirm()
        self.assertEqual(self.case.stage_id, self.stage_paid)
        self.assertEqual(self.case.date_closed, d("2026-03-10"))

    def test_closed_case_is_reopened_only_by_a_credit_manager_when_due_again(self):
        payment = self._pay(self.invoice, 1000.0, d("2026-03-09"))
        self.case.action_check_payments()
        self.assertEqual(self.case.stage_id, self.stage_paid)
        as_user = self.case.with_user(self.dunning_user)
        with self.assertRaises(AccessError):
            as_user.write({"stage_id": self.stage_notice.id})
        wizard = (
            self.env["dunning.collection.case.stage"]
            .with_user(self.dunning_user)
            .create(
                {"case_id": self.case.id, "stage_id": self.stage_order.id, "note": "x"}
            )
        )
        with refused(self, UserError, "is closed"):
            wizard.action_confirm()
        with self.assertRaises(AccessError):
            as_user.action_reopen()
        with refused(self, UserError, "due again"):
            self.case.with_user(self.credit_manager).action_reopen()
        payment.action_draft()  # the transfer bounced
        self.case.with_user(self.credit_manager).action_reopen()
        self.assertFalse(self.case.is_closed)
        self.assertEqual(self.case.stage_id, self.stage_notice)
        self.assertIn("Reopened", self.case.stage_log_ids.sorted("id")[-1].note)

    def test_cases_are_never_created_directly(self):
        other = self._invoice(self.customer, 300.0, d("2026-01-02"), d("2026-02-01"))
        for user in (self.dunning_user, self.credit_manager):
            with self.assertRaises(AccessError):
                self.env["dunning.collection.case"].with_user(user).create(
                    {
                        "partner_id": self.customer.id,
                        "line_ids": [
                            Command.create(
                                {"move_line_id": other.line_ids.filtered("debit").id}
                            )
                        ],
                    }
                )
        with self.assertRaises(AccessError):
            self.case.with_user(self.credit_manager).unlink()

    def test_write_off_needs_a_note(self):
        wizard = (
            self.env["dunning.collection.case.settle"]
            .with_user(self.credit_manager)
            .create({"case_id": self.case.id, "action": "write_off", "note": "   "})
        )
        with refused(self, ValidationError, "Say why"):
            wizard.action_confirm()
        self.assertFalse(self.case.writeoff_move_id)
        self.assertFalse(self.case.is_closed)
        self.assertEqual(self._due(self.invoice), 1000.0)

    # -- 8. The privacy export is not for salespeople --------------------

    def test_privacy_export_is_readable_by_its_credit_manager_only(self):
        action = self.customer.with_user(
            self.credit_manager
        ).action_export_collection_cases()
        attachment_id = int(action["url"].split("/")[3].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        data = json.loads(attachment.with_user(self.credit_manager).raw)
        self.assertEqual(data["cases"][0]["reference"], self.case.name)
        for user in (self.salesperson, self.invoicing_user, self.dunning_user):
            with self.assertRaises(AccessError):
                attachment.with_user(user).read(["raw"])
            self.assertFalse(
                self.env["ir.attachment"]
                .with_user(user)
                .search(
                    [
                        ("res_model", "=", "res.partner"),
                        ("res_id", "=", self.customer.id),
                    ]
                )
            )
        self.assertIn(
            "Collection cases exported", self.customer.message_ids[0].body or ""
        )


@tagged("post_install", "-at_install")
class TestAgencySecurity(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company(name="Altra Azienda S.r.l.")[
            "company"
        ]
        cls.roles = make_role_users(cls.env, cls.company, cls.other_company)
        cls.other_manager = cls.roles["other_manager"]
        cls.agency = cls.env["res.partner"].create(
            {
                "name": "Recupero Crediti Nord S.r.l.",
                "is_company": True,
                "email": "casi@recuperonord.example.com",
                "collection_agency_kind": "agency",
                "collection_handoff_channel": "rest",
                "collection_endpoint_url": "https://api.recuperonord.example/v1",
                "collection_api_token": "tok_company_one",
                "collection_webhook_secret": "whsec_company_one",
            }
        )

    # -- 2. A salesperson redirects a lawyer's case file -----------------

    def test_only_a_credit_manager_changes_where_case_files_go(self):
        for role in ("salesperson", "invoicing", "dunning_user"):
            as_user = self.agency.with_user(self.roles[role])
            for vals in (
                {"collection_endpoint_url": "https://evil.example/v1"},
                {"collection_handoff_channel": "email"},
                {"collection_agency_kind": False},
                {"email": "me@evil.example"},
            ):
                with self.assertRaises(AccessError):
                    as_user.write(vals)
        agency = self.agency.with_company(self.company)
        self.assertEqual(
            agency.collection_endpoint_url, "https://api.recuperonord.example/v1"
        )
        self.assertEqual(agency.email, "casi@recuperonord.example.com")
        self.assertEqual(agency.collection_handoff_channel, "rest")

    def test_agency_changes_are_noted_without_the_secrets(self):
        as_manager = self.agency.with_user(self.roles["credit_manager"]).with_company(
            self.company
        )
        as_manager.write(
            {
                "collection_endpoint_url": "https://api2.recuperonord.example/v1",
                "collection_api_token": "tok_rotated_0001",
            }
        )
        note = self.agency.message_ids[0].body
        self.assertIn("https://api.recuperonord.example/v1", note)
        self.assertIn("https://api2.recuperonord.example/v1", note)
        self.assertIn("API Token changed", note)
        self.assertNotIn("tok_rotated_0001", note)
        self.assertIn(self.company.name, note)

    # -- 11. Agency secrets across companies -----------------------------

    def test_credit_manager_of_another_company_neither_reads_nor_changes_secrets(
        self,
    ):
        theirs = self.agency.with_user(self.other_manager).with_company(
            self.other_company
        )
        self.assertFalse(theirs.collection_api_token)
        self.assertFalse(theirs.collection_webhook_secret)
        self.assertFalse(theirs.collection_endpoint_url)
        theirs.write({"collection_webhook_secret": "whsec_company_two"})
        with self.assertRaises(AccessError):
            self.agency.with_user(self.other_manager).with_company(self.company).read(
                ["collection_webhook_secret"]
            )
        ours = self.agency.with_company(self.company)
        self.assertEqual(ours.collection_webhook_secret, "whsec_company_one")
        self.assertEqual(ours.collection_api_token, "tok_company_one")
        self.assertEqual(
            self.agency.with_company(self.other_company).collection_webhook_secret,
            "whsec_company_two",
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10")
class TestArrangementStates(CollectionCommon):
    """Promises, plans and disputes pause the reminders; their states are
    the run's findings or their buttons', never a written field."""

    def test_states_of_promises_plans_and_disputes_change_through_actions(self):
        invoice = self._invoice(self.customer, 1000.0, d("2026-01-01"), d("2026-01-31"))
        env = self.env(user=self.dunning_user)
        promise = env["dunning.promise"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "date": d("2026-03-25"),
                "amount": 600.0,
            }
        )
        plan = env["dunning.instalment.plan"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "first_date": d("2026-04-01"),
            }
        )
        dispute = env["dunning.dispute"].create(
            {"move_id": invoice.id, "reason": "Two radiators damaged"}
        )
        for record, vals in (
            (promise, {"state": "kept"}),
            (promise, {"residual_at_promise": 600.0}),
            (plan, {"state": "completed"}),
            (plan, {"amount_total": 0.0}),
            (dispute, {"state": "resolved"}),
        ):
            with self.assertRaises(AccessError):
                record.write(vals)
        self.assertEqual(
            (promise.state, plan.state, dispute.state), ("open", "draft", "open")
        )
        plan.action_compute_instalments()
        plan.action_activate()
        with refused(self, UserError, "has started"):
            plan.write({"move_ids": [Command.clear()]})
        self.assertEqual(plan.amount_total, 1000.0)
        promise.action_cancel()
        dispute.resolution_note = "Radiators replaced"
        dispute.action_resolve()
        self.assertEqual(
            (promise.state, plan.state, dispute.state),
            ("cancelled", "active", "resolved"),
        )
