import base64

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import DunningTestCommon, d

COMPANY_IBAN = "IT60X0542811101000000123456"


@tagged("post_install", "-at_install")
@freeze_time("2026-03-20")
class TestEpcQrReminder(DunningTestCommon):
    """EPC QR code (EPC069-12) of a SEPA transfer on reminders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 1 USD = 1 EUR: the amounts below are the same in both.
        cls.eur = cls.setup_other_currency("EUR", rates=[("2020-01-01", 1.0)])
        cls.company.name = "Rossi Forniture S.r.l."
        cls.bank = cls.env["res.partner.bank"].create(
            {"acc_number": COMPANY_IBAN, "partner_id": cls.company.partner_id.id}
        )
        cls.company.dunning_bank_id = cls.bank
        cls.customer.email = "amministrazione@bianchi.example.com"

    def _run(self, day="2026-03-20"):
        """A manual dunning run on ``day``, previewed and sent."""
        run = self.env["dunning.run"].sudo().create({"date": d(day)})
        run.action_preview()
        communications = run.communication_ids.filtered(
            lambda c: c.partner_id == self.customer
        )
        run.action_send()
        return communications

    def test_single_invoice_reminder_has_exact_payload_on_letter_and_email(self):
        invoice = self._invoice(
            self.customer, 1220, d("2026-02-01"), d("2026-03-01"), currency=self.eur
        )
        # due 1 March, 19 days late on 20 March: friendly reminder (7 days),
        # email only, no interest nor fee: total 1,220.00 EUR
        communication = self._run()
        self.assertEqual(communication.state, "sent")
        self.assertEqual(communication.level_id.name, "Friendly reminder")
        self.assertEqual(communication.amount_total, 1220.0)
        reference = invoice.payment_reference
        self.assertEqual(reference, invoice.name)  # Odoo's reference model
        expected = "\n".join(
            [
                "BCD",
                "002",
                "1",
                "SCT",
                "",  # no BIC: an Italian IBAN is in the EEA
                "Rossi Forniture S.r.l.",
                COMPANY_IBAN,
                "EUR1220.00",
                "",  # purpose
                "",  # structured reference
                reference,  # unstructured: the invoice's payment reference
            ]
        )
        self.assertEqual(communication.epc_qr_payload, expected)
        letter = communication._prepare_letter()
        self.assertEqual(len(letter.qr_codes), 1)
        self.assertEqual(letter.qr_codes[0].payload_text, expected)
        self.assertTrue(communication._render_letter_pdf().startswith(b"%PDF"))
        mail = communication.mail_id
        self.assertTrue(mail)
        qr_png = mail.attachment_ids.filtered(lambda a: a.mimetype == "image/png")
        self.assertEqual(len(qr_png), 1)
        self.assertTrue(qr_png.name.endswith("EPC QR.png"))
        self.assertTrue(base64.b64decode(qr_png.datas).startswith(b"\x89PNG"))
        body = str(mail.body_html)
        self.assertIn("Pay by bank transfer", body)
        # the account as the bank account form shows it, in groups of four
        self.assertIn("IBAN: IT60 X054 2811 1010 0000 0123 456", body)
        self.assertIn("Amount: 1,220.00", body)
        self.assertIn(f"Reference: {reference}", body)

    def test_rf_references_of_invoices_go_in_the_structured_field(self):
        self.company.dunning_rf_reference = True
        journal = self.company_data["default_journal_sale"]
        self.assertEqual(journal.invoice_reference_model, "euro")
        invoice = self._invoice(
            self.customer, 300.5, d("2026-02-01"), d("2026-03-01"), currency=self.eur
        )
        # Odoo's European model: RF + check digits + invoice id, paper format
        compact = invoice.payment_reference.replace(" ", "")
        self.assertTrue(compact.startswith("RF"))
        self.assertTrue(compact.endswith(str(invoice.id)))
        communication = self._run()
        lines = communication.epc_qr_payload.split("\n")
        self.assertEqual(len(lines), 10)  # nothing after the RF reference
        self.assertEqual(lines[7], "EUR300.50")
        self.assertEqual(lines[9], compact)

    def test_reminder_of_two_invoices_quotes_reminder_and_invoices(self):
        first = self._invoice(
            self.customer, 100, d("2026-02-01"), d("2026-03-01"), currency=self.eur
        )
        second = self._invoice(
            self.customer, 250, d("2026-02-02"), d("2026-03-02"), currency=self.eur
        )
        communication = self._run()
        lines = communication.epc_qr_payload.split("\n")
        self.assertEqual(lines[7], "EUR350.00")  # 100 + 250
        self.assertEqual(lines[10], f"{communication.name} {first.name}, {second.name}")

    def test_usd_reminder_has_no_epc_qr(self):
        self._invoice(self.customer, 500, d("2026-02-01"), d("2026-03-01"))
        communication = self._run()
        self.assertEqual(communication.currency_id.name, "USD")
        self.assertFalse(communication.epc_qr_payload)
        self.assertFalse(communication.epc_qr_error)
        self.assertEqual(communication._prepare_letter().qr_codes, [])
        self.assertFalse(
            communication.mail_id.attachment_ids.filtered(
                lambda a: a.mimetype == "image/png"
            )
        )
        self.assertNotIn("Pay by bank transfer", str(communication.mail_id.body_html))

    def test_overlong_name_is_refused_in_settings(self):
        with self.assertRaisesRegex(
            ValidationError,
            "Beneficiary name is 71 characters; the EPC QR code allows 70",
        ):
            self.company.name = "R" * 71

    def test_invalid_iban_is_refused_in_settings(self):
        wrong = self.env["res.partner.bank"].create(
            {
                # last digit changed: 6 -> 7
                "acc_number": "IT60X0542811101000000123457",
                "partner_id": self.company.partner_id.id,
            }
        )
        settings = self.env["res.config.settings"].create({})
        with self.assertRaisesRegex(
            ValidationError, "IBAN IT60X0542811101000000123457 is not valid"
        ):
            settings.dunning_bank_id = wrong
            settings.execute()

    def test_reminder_goes_out_without_qr_when_the_account_is_invalid(self):
        # No account chosen: the company's first one is used, and it is wrong.
        self.company.dunning_bank_id = False
        self.bank.acc_number = "IT60X0542811101000000123457"
        self._invoice(
            self.customer, 1220, d("2026-02-01"), d("2026-03-01"), currency=self.eur
        )
        communication = self._run()
        self.assertEqual(communication.state, "sent")
        self.assertTrue(communication.mail_id)
        self.assertFalse(communication.epc_qr_payload)
        self.assertIn("is not valid", communication.epc_qr_error)
        self.assertEqual(communication._prepare_letter().qr_codes, [])
        logged = communication.message_ids.filtered(
            lambda m: "Sent without EPC QR code" in str(m.body)
        )
        self.assertEqual(len(logged), 1)
        self.assertIn("IBAN IT60X0542811101000000123457 is not valid", logged.body)
