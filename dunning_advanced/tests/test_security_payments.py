"""Regression tests of issue 11 for direct debit batches and pagoPA notices:
each test replays what booked money or burned a number before."""

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import DunningTestCommon, d
from .common_security import refused
from .fake_gpd import IBAN, KEY, ORG
from .test_sdd_batch import SddCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-03-20")
class TestSddBatchSecurity(SddCommon):
    def setUp(self):
        super().setUp()
        self.invoice = self._invoice(
            self.customer, 781.66, d("2026-01-10"), d("2026-02-10"), currency=self.eur
        )
        action = (
            self.env["dunning.sdd.batch"]
            .with_user(self.dunning_user)
            .action_create_from_invoices(self.invoice.ids)
        )
        self.batch = self.env["dunning.sdd.batch"].browse(action["res_id"])
        self.as_user = self.batch.with_user(self.dunning_user)

    def test_batch_state_moves_only_through_its_actions(self):
        for state in ("generated", "sent", "done"):
            with self.assertRaises(AccessError):
                self.as_user.write({"state": state})
        self.assertEqual(self.batch.state, "draft")
        with refused(self, UserError, "is Draft"):
            self.as_user.action_mark_sent()
        with refused(self, UserError, "is Draft"):
            self.batch.action_confirm_collected()
        self.assertEqual(self.invoice.amount_residual, 781.66)

    def test_collection_amounts_come_from_accounting(self):
        line = self.batch.line_ids.with_user(self.dunning_user)
        with self.assertRaises(AccessError):
            line.write({"amount": 5000.0})
        with self.assertRaises(AccessError):
            self.env["dunning.sdd.batch.line"].with_user(self.dunning_user).create(
                {
                    "batch_id": self.batch.id,
                    "invoice_id": self.invoice.id,
                    "mandate_id": self.mandate_a.id,
                    "amount": 5000.0,
                }
            )
        self.as_user.action_generate()
        self.assertEqual(self.batch.amount_total, 781.66)
        with refused(self, UserError, "no longer a draft"):
            line.write({"collection_date": d("2026-03-30")})
        self.as_user.action_mark_sent()
        self.batch.with_user(self.credit_manager).action_confirm_collected()
        self.assertEqual(self.batch.line_ids.payment_id.amount, 781.66)
        self.assertEqual(self.invoice.amount_residual, 0.0)

    def test_only_a_credit_manager_books_a_collection(self):
        self.as_user.action_generate()
        self.as_user.action_mark_sent()
        with self.assertRaises(AccessError):
            self.as_user.action_confirm_collected()
        self.assertEqual(self.batch.state, "sent")
        self.assertFalse(self.batch.line_ids.payment_id)

    def test_a_file_changed_after_generation_is_not_sent(self):
        self.as_user.action_generate()
        attachment = self.batch.attachment_id
        # The same valid file with another amount, as a user could upload it.
        forged = attachment.raw.replace(b"781.66", b"5000.00")
        attachment.write({"raw": forged})
        with refused(self, UserError, "changed since it was generated"):
            self.as_user.action_mark_sent()
        self.assertEqual(self.batch.state, "generated")


@tagged("post_install", "-at_install")
class TestPagopaNoticeSecurity(DunningTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        eur = cls.env.ref("base.EUR")
        eur.active = True
        cls.company.currency_id = eur
        cls.company.write(
            {
                "pagopa_enabled": True,
                "pagopa_creditor_fiscal_code": ORG,
                "pagopa_aux_digit": "3",
                "pagopa_segregation_code": "01",
                "pagopa_iban": IBAN,
                "pagopa_journal_id": cls.company_data["default_journal_bank"].id,
                "pagopa_subscription_key": KEY,
            }
        )
        cls.other_company = cls.setup_other_company(name="Altra Azienda S.r.l.")[
            "company"
        ]

    def _vals(self, invoice):
        return {
            "partner_id": self.customer.id,
            "move_ids": [Command.set(invoice.ids)],
            "amount": 100.0,
            "date_due": d("2026-04-15"),
        }

    def test_a_refused_notice_creation_does_not_consume_a_number(self):
        invoice = self._invoice(self.customer, 100.0, d("2026-03-01"))
        Notice = self.env["dunning.pagopa.notice"]
        # aux 3, segregation 01, number 1 (the company's sequence is made).
        first = Notice.create(self._vals(invoice))
        self.assertEqual(first.notice_code, "301000000000000144")
        with self.assertRaises(AccessError):
            Notice.with_user(self.dunning_user).create(self._vals(invoice))
        other_invoice = self._invoice(
            self.customer, 100.0, d("2026-03-01"), company=self.other_company
        )
        with self.assertRaises(UserError):
            Notice.create(self._vals(other_invoice))
        notice = Notice.create(self._vals(invoice))
        # Number 2: no number went to the refused ones.
        self.assertEqual(notice.notice_code, "301000000000000245")

    def test_notice_state_and_codes_change_only_through_actions(self):
        invoice = self._invoice(self.customer, 100.0, d("2026-03-01"))
        notice = self.env["dunning.pagopa.notice"].create(self._vals(invoice))
        as_user = notice.with_user(self.dunning_user)
        for vals in (
            {"state": "paid"},
            {"iuv": "01000000000000999"},
            {"paid_date": "2026-03-02"},
        ):
            with self.assertRaises(AccessError):
                as_user.write(vals)
        self.assertEqual(notice.state, "draft")
        self.assertFalse(notice.paid_date)
