import re
import subprocess
import tempfile

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..report.pagopa_notice_renderer import datamatrix_runs, datamatrix_symbol
from .common import DunningTestCommon, d
from .fake_gpd import IBAN, KEY, ORG
from .test_pagopa_notice import PagopaCommon


@tagged("post_install", "-at_install")
class TestPagopaSettingsForm(DunningTestCommon):
    """pagoPA is switched on from Settings as an administrator does it."""

    def _settings(self, aux, segregation=None, application=None):
        # The whole settings form runs Odoo's own onchanges, one of which warns
        # about the test chart's cash-basis taxes: not what this test looks at.
        with mute_logger("odoo.tests.form.onchange"):
            self._save_settings(aux, segregation, application)

    def _save_settings(self, aux, segregation, application):
        form = Form(self.env["res.config.settings"])
        form.pagopa_enabled = True
        form.pagopa_creditor_fiscal_code = ORG
        form.pagopa_aux_digit = aux
        if segregation is not None:
            form.pagopa_segregation_code = segregation
        if application is not None:
            form.pagopa_application_code = application
        form.pagopa_iban = IBAN
        form.pagopa_subscription_key = KEY
        form.pagopa_journal_id = self.company_data["default_journal_bank"]
        form.save().execute()

    def test_aux_digit_3_with_segregation_code_saves(self):
        self._settings("3", segregation="02")
        self.assertTrue(self.company.pagopa_enabled)
        self.assertEqual(self.company.pagopa_aux_digit, "3")
        self.assertEqual(self.company.pagopa_segregation_code, "02")
        self.assertEqual(self.company._pagopa_setting_problems(complete=True), [])

    def test_aux_digit_2_saves_without_segregation_code(self):
        self._settings("2")
        self.assertTrue(self.company.pagopa_enabled)
        self.assertEqual(self.company.pagopa_aux_digit, "2")

    def test_aux_digit_0_with_application_code_saves(self):
        self._settings("0", application="05")
        self.assertEqual(
            (self.company.pagopa_aux_digit, self.company.pagopa_application_code),
            ("0", "05"),
        )


def pdftotext(raw):
    """The text of a PDF as poppler's pdftotext lays it out (pages joined)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(raw)
        pdf.flush()
        result = subprocess.run(
            ["pdftotext", "-layout", pdf.name, "-"],
            check=True,
            capture_output=True,
            text=True,
        )
    return result.stdout


@tagged("post_install", "-at_install")
class TestPagopaNoticeTemplate(PagopaCommon):
    """The printed notice follows Allegato 2 (Italian, English second)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write(
            {
                "street": "Via Garibaldi 7",
                "zip": "10121",
                "city": "Torino",
                "state_id": cls.env.ref("base.state_it_to").id,
                "country_id": cls.env.ref("base.it").id,
            }
        )

    def setUp(self):
        super().setUp()
        self.company.write(
            {
                "pagopa_postal_account": "123456789012",
                "pagopa_postal_account_holder": "Rossi Forniture S.p.A.",
                "pagopa_postal_authorisation": "AUT. DB/SSIC/E 12345 DEL 01/01/2024",
                "pagopa_creditor_info": "www.rossiforniture.example - 011 555 0100",
            }
        )

    def test_notice_pdf_has_every_element_of_the_template(self):
        invoice = self._invoice(self.customer, 1234.56, d("2026-03-01"))
        notice = self._notice(invoice, 1234.56)
        raw = notice._notice_attachment().raw
        text = pdftotext(raw)
        lines = [" ".join(line.split()) for line in text.splitlines()]
        flat = "\n".join(lines)
        self.assertEqual(text.count("\f"), 1)  # one page
        for expected in (
            "pagoPA",
            "AVVISO DI PAGAMENTO",
            "Payment Notice",
            "Invoices %s" % invoice.name,
            "ENTE CREDITORE",
            "DESTINATARIO AVVISO",
            "Cod. Fiscale / Tax Code 00085240950",
            "Cod. Fiscale / Tax Code 00743110157",
            "www.rossiforniture.example - 011 555 0100",
            "Via Garibaldi 7",
            "10121 Torino (TO)",
            "QUANTO E QUANDO PAGARE? How much and when to pay?",
            "1.234,56 Euro",
            "entro il 15/04/2026 / Due Date 15/04/2026",
            "DOVE PAGARE? Where to pay?",
            "vai su pagopa.gov.it",
            "PAGA CON L'APP IO",
            "PAGA SUL TERRITORIO",
            "DATI PER IL PAGAMENTO Payment details",
            "Rata unica",
            "Full amount",
            "Cod. CBILL / CBILL Code",
            "A1B2C",
            "Cod. Avviso / Notice Code",
            "3010 0000 0000 0001 44",
            "Cod. Fiscale Ente / Payee Tax Code",
            "BOLLETTINO POSTALE PA",
            "Bollettino Postale pagabile in tutti gli Uffici Postali",
            "sul C/C n. / account no. 123456789012",
            "intestato a / account holder Rossi Forniture S.p.A.",
            "Destinatario / Recipient Bianchi Costruzioni S.r.l.",
            "Oggetto del pagamento / Payment Description Invoices",
            "Tipo / Type",
            "00085240950 P1",
            "Cod. Fiscale Ente Creditore / Payee Tax Code 00085240950",
            "AUT. DB/SSIC/E 12345 DEL 01/01/2024",
        ):
            self.assertIn(expected, flat)
        # The Data Matrix is drawn, 52 x 52.
        matrix = datamatrix_symbol(notice._prepare_notice_data().datamatrix_text)
        self.assertEqual(len(matrix), 52)
        drawn = re.findall(rb"n [\d.]+ [\d.]+ [\d.]+ 1\.36063 re f", raw)
        self.assertEqual(len(drawn), len(datamatrix_runs(matrix)))

    def test_long_mixed_case_name_still_gets_a_52x52_data_matrix(self):
        self.customer.name = (
            "dall'Ørsted & Weiß Società Agricola a r.l. - Sede: Località "
            "Sant'Anna, c/o Studio Bianchi"
        )
        invoice = self._invoice(self.customer, 99.90, d("2026-03-01"))
        notice = self._notice(invoice, 99.90)
        payload = notice._prepare_notice_data().datamatrix_text
        self.assertEqual(len(payload), 256)
        self.assertEqual(len(datamatrix_symbol(payload)), 52)
        # No letter became a space: ß and Ø are transliterated.
        self.assertIn("ORSTED", payload.upper())
        self.assertIn("WEISS", payload.upper())
        raw = notice._notice_attachment().raw
        drawn = re.findall(rb"n [\d.]+ [\d.]+ [\d.]+ 1\.36063 re f", raw)
        self.assertEqual(len(drawn), len(datamatrix_runs(datamatrix_symbol(payload))))

    def test_debtor_fiscal_code_comes_from_the_localization(self):
        invoice = self._invoice(self.customer, 50.0, d("2026-03-01"))
        notice = self._notice(invoice, 50.0)
        self.assertEqual(notice._debtor()[:2], ("G", "00743110157"))
        if "l10n_it_codice_fiscale" in self.customer._fields:
            # A sole trader: VAT number and personal fiscal code; the
            # localization's fiscal code wins, as a person (F).
            self.customer.l10n_it_codice_fiscale = "RSSMRA80A01H501U"
            self.assertEqual(notice._debtor()[:2], ("F", "RSSMRA80A01H501U"))
            body = notice._prepare_debt_position()
            self.assertEqual(body["fiscalCode"], "RSSMRA80A01H501U")
            self.assertEqual(body["type"], "F")
            text = pdftotext(notice._render_pdf())
            self.assertIn("Tax Code RSSMRA80A01H501U", text)
            self.customer.l10n_it_codice_fiscale = False
        # A foreign customer without an Italian code stays anonymous.
        self.customer.write(
            {"vat": "DE123456788", "country_id": self.env.ref("base.de").id}
        )
        self.assertEqual(notice._debtor()[1], "ANONIMO")

    def test_incomplete_settings_use_up_no_notice_code(self):
        self.company.pagopa_journal_id = False
        invoice = self._invoice(self.customer, 100.0, d("2026-03-01"))
        # Rolled back as the refused request's transaction would be.
        with (
            self.assertRaisesRegex(UserError, "Payment Journal: choose the journal"),
            self.env.cr.savepoint(),
        ):
            self._notice(invoice, 100.0)
        self.assertFalse(self.env["dunning.pagopa.notice"].search([]))
        self.company.pagopa_journal_id = self.bank_journal
        notice = self._notice(invoice, 100.0)
        # The first number of the sequence: the refused notice drew none.
        self.assertEqual(notice.notice_code, "301000000000000144")

    def test_instalment_plan_prints_one_notice_with_its_instalments(self):
        invoice = self._invoice(self.customer, 900.0, d("2026-01-10"), d("2026-02-09"))
        with freeze_time("2026-02-10"):
            plan = self.env["dunning.instalment.plan"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "instalment_count": 3,
                    "first_date": d("2026-02-28"),
                }
            )
            plan.action_compute_instalments()
            plan.action_activate()
            plan.with_user(self.dunning_user).action_pagopa_notice()
        notices = plan.line_ids.pagopa_notice_id
        self.assertEqual(len(notices), 3)
        self.assertEqual(notices.mapped("amount"), [300.0, 300.0, 300.0])
        self.assertEqual(
            sorted(notices.mapped("date_due")),
            [d("2026-02-28"), d("2026-03-28"), d("2026-04-28")],
        )
        text = " ".join(pdftotext(plan.pagopa_attachment_id.raw).split())
        for expected in (
            "Puoi pagare in 3 rate",
            "You can pay in 3 installments",
            "Importi e scadenze sono riportati nel dettaglio di ogni singola rata.",
            "Rata 1",
            "Rata 2",
            "Rata 3",
            "Installment #3",
            "entro il 28/03/2026",
            "300,00",
            "BOLLETTINO POSTALE PA",
        ):
            self.assertIn(expected, text)
        for notice in notices:
            self.assertIn(notice.notice_code_display, text)
        self.assertNotIn("Rata unica", text)
