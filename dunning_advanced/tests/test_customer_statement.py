import io
import shutil
import tempfile
from pathlib import Path

from freezegun import freeze_time
from PyPDF2 import PdfReader

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged
from odoo.tools.translate import TranslationImporter

from .common import DunningTestCommon, d

PO = Path(__file__).parents[1] / "i18n" / "it.po"


def _pdf_text(pdf):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@tagged("post_install", "-at_install")
@freeze_time("2026-06-01")
class TestCustomerStatement(DunningTestCommon):
    """A customer's statement: open items aged, recent payments and credit
    notes, the balance with its EPC QR code, in the customer's language."""

    @classmethod
    def setup_independent_company(cls, **kwargs):
        eur = cls.env.ref("base.EUR")
        eur.active = True
        return super().setup_independent_company(currency_id=eur.id, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("it_IT")
        cls.env["ir.module.module"]._load_module_terms(
            ["dunning_advanced"], ["it_IT"], overwrite=True
        )
        cls.company.credit_hold_enforced = False  # an invoice is 121 days late
        cls.company.partner_id.bank_ids = [
            (0, 0, {"acc_number": "IT60X0542811101000000123456"})
        ]
        cls.customer.write(
            {"lang": "it_IT", "email": "amministrazione@bianchi.example.com"}
        )
        cls.old = cls._invoice(cls.customer, 1000, d("2026-01-01"), d("2026-01-31"))
        cls._pay(cls.old, 400, d("2026-05-10"))
        cls.recent = cls._invoice(cls.customer, 500, d("2026-05-15"), d("2026-06-14"))
        cls.refund = cls._invoice(
            cls.customer, 50, d("2026-05-20"), d("2026-05-20"), move_type="out_refund"
        )
        cls.paid = cls._invoice(cls.customer, 200, d("2026-03-01"), d("2026-03-31"))
        cls._pay(cls.paid, 200, d("2026-03-25"))

    def test_italian_statement_lists_items_aging_payments_and_qr(self):
        pdf = self.env["res.partner"]._dunning_statement_pdf(
            self.customer, self.company
        )
        text = _pdf_text(pdf)
        self.assertIn("Estratto conto al 1 giugno 2026", text)
        # open: 600 left of the January invoice (121 days late), 500 not due,
        # the credit note of 50: balance 1,050
        self.assertIn("Fattura\n" + self.old.name, text)
        self.assertIn("Nota di credito\n" + self.refund.name, text)
        self.assertNotIn(self.paid.name + "\n", text.split("Pagamenti")[0])
        self.assertIn("121", text)
        self.assertIn("1.050,00 €", text)
        self.assertIn("Oltre 120 gg", text)
        # recent payments (60 days): 400 on 10 May, not the one of 25 March
        self.assertIn("Pagamenti e note di credito dal 2 aprile 2026", text)
        self.assertIn("10 maggio 2026", text)
        self.assertIn("400,00 €", text)
        self.assertNotIn("25 marzo 2026", text)
        # the payment box with the QR code of the balance
        self.assertIn("Modalità di pagamento", text)
        self.assertIn("IBAN: IT60 X054 2811 1010 0000 0123 456", text)

    def test_qr_code_is_the_transfer_of_the_balance(self):
        statement = self.customer._dunning_statement(self.company, d("2026-06-01"))
        section = statement.sections[0]
        lines = section.qr.payload_text.split("\n")
        self.assertEqual(lines[:4], ["BCD", "002", "1", "SCT"])
        self.assertEqual(lines[6], "IT60X0542811101000000123456")
        self.assertEqual(lines[7], "EUR1050.00")

    def test_english_customer_gets_english(self):
        self.customer.lang = "en_US"
        text = _pdf_text(
            self.env["res.partner"]._dunning_statement_pdf(self.customer, self.company)
        )
        self.assertIn("Statement of account as of 1 June 2026", text)
        self.assertIn("€1,050.00", text)

    def test_send_statements_in_bulk_with_the_pdf(self):
        other = self._create_customer(
            "Smith Builders Ltd", email="accounts@smith.example.com", lang="en_US"
        )
        self._invoice(other, 300, d("2026-04-01"), d("2026-05-01"))
        partners = (self.customer | other).with_user(self.dunning_user)
        action = partners.action_dunning_send_statement()
        composer = Form(
            self.env["mail.compose.message"]
            .with_user(self.dunning_user)
            .with_context(**action["context"])
        ).save()
        composer._action_send_mail()
        mails = self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "in", partners.ids)]
        )
        self.assertEqual(len(mails), 2)
        italian = mails.filtered(lambda m: m.res_id == self.customer.id)
        self.assertEqual(italian.recipient_ids, self.customer)
        self.assertEqual(len(italian.attachment_ids), 1)
        self.assertTrue(italian.attachment_ids.name.startswith("Estratto conto"))
        self.assertIn(
            "Estratto conto",
            _pdf_text(italian.attachment_ids.raw),
        )
        english = mails.filtered(lambda m: m.res_id == other.id)
        self.assertIn("statement of account", english.subject)
        self.assertIn("Statement of account", _pdf_text(english.attachment_ids.raw))

    def test_print_action_and_rights(self):
        action = self.customer.with_user(
            self.dunning_user
        ).action_dunning_print_statement()
        self.assertEqual(
            action["url"],
            f"/dunning/statements/{self.customer.id}?company_id={self.company.id}",
        )
        with self.assertRaises(AccessError):
            self.customer.with_user(
                self.invoicing_user
            ).action_dunning_print_statement()
        with self.assertRaises(AccessError):
            self.customer.with_user(self.invoicing_user).action_dunning_send_statement()

    def test_italian_customer_gets_the_statement_email_in_italian(self):
        # it.po is read from a copy: next to dunning_advanced.pot, Odoo keeps
        # only the terms the .pot lists, and the .pot is regenerated by
        # `make i18n` (the terms of the statement email are new).
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / "it.po"
            shutil.copy(PO, copy)
            importer = TranslationImporter(self.env.cr, verbose=False)
            with copy.open("rb") as po_file:
                importer.load(po_file, "po", "it_IT")
            importer.save(overwrite=True)
        action = self.customer.with_user(
            self.dunning_user
        ).action_dunning_send_statement()
        composer = Form(
            self.env["mail.compose.message"]
            .with_user(self.dunning_user)
            .with_context(**action["context"])
        ).save()
        self.assertIn("estratto conto", composer.subject)
        self.assertIn("Spettabile", composer.body)
