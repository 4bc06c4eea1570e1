import io
import re
from datetime import timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError
from PyPDF2 import PdfReader

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib.datamatrix import decode_data, read_codewords
from ..report.pagopa_notice_renderer import datamatrix_runs, datamatrix_symbol
from .common import DunningTestCommon, d
from .fake_gpd import BASE_PATH, IBAN, KEY, ORG, RECEIPTS_PATH, FakeGpd
from .http_server import serve
from .test_lib_pagopa_checkout import KEY as CHECKOUT_KEY
from .test_lib_pagopa_checkout import PAGE, FakeCheckout


def _pdf_text(raw):
    reader = PdfReader(io.BytesIO(raw))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


class PagopaCommon(DunningTestCommon):
    """A company in euro with complete pagoPA settings and a fake GPD."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.company.currency_id = cls.eur
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.customer.write(
            {"email": "amministrazione@bianchi.example", "vat": "IT00743110157"}
        )
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("dunning_advanced.gpd_timeout", "0.5")
        params.set_param("dunning_advanced.gpd_backoff", "0")
        params.set_param("dunning_advanced.gpd_attempts", "3")

    def setUp(self):
        super().setUp()
        self.gpd = FakeGpd()
        root = serve(self, self.gpd)
        self.company.write(
            {
                "pagopa_enabled": True,
                "pagopa_creditor_fiscal_code": ORG,
                "pagopa_aux_digit": "3",
                "pagopa_segregation_code": "01",
                "pagopa_cbill": "A1B2C",
                "pagopa_iban": IBAN,
                "pagopa_journal_id": self.bank_journal.id,
                "pagopa_subscription_key": KEY,
                "pagopa_gpd_url": root + BASE_PATH,
                "pagopa_receipts_url": root + RECEIPTS_PATH,
            }
        )

    def _notice(self, invoices, amount, **vals):
        return self.env["dunning.pagopa.notice"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(invoices.ids)],
                "amount": amount,
                "date_due": d("2026-04-15"),
                **vals,
            }
        )

    def _chatter(self, record):
        return record.message_ids.mapped("body")

    def _publish(self, notice, tries=1):
        """Queue the notice as the button does, then let the notice cron try
        ``tries`` times, each after the back-off of the previous failure."""
        posted = self.gpd.count("POST")
        notice.action_publish()
        # Nothing goes to GPD in the user's call.
        self.assertEqual(self.gpd.count("POST"), posted)
        Notice = self.env["dunning.pagopa.notice"]
        now = fields.Datetime.now()
        for attempt in range(tries):
            with freeze_time(now + timedelta(hours=attempt)):
                Notice._cron_publish_pending()


@tagged("post_install", "-at_install")
class TestPagopaNotice(PagopaCommon):
    # ---------------------------------------------------------- settings

    def test_settings_errors_name_the_field_and_the_problem(self):
        with self.assertRaisesRegex(
            ValidationError,
            r"Creditor Fiscal Code: The creditor's fiscal code 00085240951 is not "
            r"valid: its check digit does not match",
        ):
            self.company.pagopa_creditor_fiscal_code = "00085240951"
        with self.assertRaisesRegex(
            ValidationError, r"IBAN: IT60X0542811101000000123457"
        ):
            self.company.pagopa_iban = "IT60X0542811101000000123457"
        with self.assertRaisesRegex(
            ValidationError, r"Segregation Code: aux digit 3 needs it"
        ):
            self.company.pagopa_segregation_code = False
        with self.assertRaisesRegex(ValidationError, r"Segregation Code: 1A is not 2"):
            self.company.pagopa_segregation_code = "1A"

    def test_subscription_key_is_for_credit_managers_only(self):
        self.assertEqual(
            self.company.with_user(self.credit_manager).pagopa_subscription_key, KEY
        )
        company = self.company.with_user(self.dunning_user)
        with self.assertRaises(AccessError):
            company.read(["pagopa_subscription_key"])
        with self.assertRaises(AccessError):
            self.assertFalse(company.pagopa_subscription_key)

    # ------------------------------------------------------- notice codes

    def test_notice_codes_come_from_the_company_sequence_and_are_unique(self):
        invoice = self._invoice(self.customer, 100.0, d("2026-03-01"))
        first = self._notice(invoice, 100.0)
        second = self._notice(invoice, 100.0)
        # aux 3 + segregation 01 + base 0000000000001 = 3010000000000001;
        # 3010000000000001 = 93 * 32365591397849 + 44 -> check digits 44.
        self.assertEqual(first.notice_code, "301000000000000144")
        self.assertEqual(first.notice_code_display, "3010 0000 0000 0001 44")
        self.assertEqual(first.iuv, "01000000000000144")
        self.assertEqual(first.iupd, "DUN-301000000000000144")
        # next number 2: 3010000000000002 mod 93 = 45.
        self.assertEqual(second.notice_code, "301000000000000245")
        second.sudo().unlink()  # only as superuser: notices are history
        third = self._notice(invoice, 100.0)
        # number 2 is never reused: the third notice has number 3 (check 46).
        self.assertEqual(third.notice_code, "301000000000000346")
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            third.sudo().write({"notice_code": first.notice_code})
            third.flush_recordset()

    def test_check_wizard_says_which_part_is_wrong(self):
        invoice = self._invoice(self.customer, 100.0, d("2026-03-01"))
        notice = self._notice(invoice, 100.0)
        Check = self.env["dunning.pagopa.notice.check"]
        wrong_check = Check.create({"code": "3010 0000 0000 0001 45"})
        self.assertFalse(wrong_check.valid)
        self.assertEqual(
            wrong_check.result,
            "The check digits of notice code 301000000000000145 are wrong: expected "
            "44, got 45. Look for a typing error.",
        )
        other_segregation = Check.create({"code": "302000000000000137"})
        self.assertEqual(
            other_segregation.result,
            "The notice code 302000000000000137 carries segregation code 02, not the "
            "creditor's 01.",
        )
        short = Check.create({"code": "30100000000000014"})
        self.assertIn("has 17 digits; a pagoPA notice code has 18", short.result)
        good = Check.create({"code": "3010 0000 0000 0001 44"})
        self.assertTrue(good.valid)
        self.assertEqual(good.notice_id, notice)
        self.assertEqual(good.iuv, "01000000000000144")

    # --------------------------------------------------------------- GPD

    def test_server_error_then_success_publishes_one_position(self):
        self.gpd.script = ["500", "ok"]
        invoice = self._invoice(self.customer, 1220.0, d("2026-03-01"))
        notice = self._notice(invoice, 1220.0)
        self._publish(notice)
        # One try per call: the 500 leaves it queued, with its reason and the
        # time of the next try.
        self.assertEqual(notice.state, "draft")
        self.assertIn("500", notice.last_error)
        self.assertTrue(notice.publish_next_try)
        self.assertEqual(notice.publish_attempts, 1)
        with freeze_time(notice.publish_next_try):
            self.env["dunning.pagopa.notice"]._cron_publish_pending()
        self.assertEqual(notice.state, "published")
        self.assertEqual(list(self.gpd.positions), [notice.iupd])
        self.assertEqual(self.gpd.count("POST"), 2)
        position = self.gpd.positions[notice.iupd]
        self.assertEqual(position["status"], "VALID")
        # 1220.00 EUR = 122000 cents on the option and on its transfer.
        self.assertEqual(position["paymentOption"][0]["amount"], 122000)
        self.assertEqual(position["paymentOption"][0]["transfer"][0]["iban"], IBAN)
        self.assertEqual(position["fiscalCode"], "00743110157")
        self.assertEqual(position["type"], "G")

    def test_timeout_and_repeated_publish_create_no_second_position(self):
        self.gpd.script = ["slow"]  # GPD creates it but answers after 0.5 s
        invoice = self._invoice(self.customer, 80.0, d("2026-03-01"))
        notice = self._notice(invoice, 80.0)
        self._publish(notice, tries=2)
        self.assertEqual(notice.state, "published")
        # POST (timed out), POST again -> 409, GET reads the existing one.
        self.assertEqual(self.gpd.count("POST"), 2)
        self.assertEqual(self.gpd.count("GET"), 1)
        self.assertEqual(len(self.gpd.positions), 1)
        notice.sudo().state = "error"  # as if the answer had been lost again
        self._publish(notice)
        self.assertEqual(notice.state, "published")
        self.assertEqual(len(self.gpd.positions), 1)

    def test_refusal_is_shown_in_plain_words_and_logged_on_the_invoice(self):
        self.gpd.script = ["400"]
        invoice = self._invoice(self.customer, 80.0, d("2026-03-01"))
        notice = self._notice(invoice, 80.0)
        self._publish(notice)
        expected = (
            "pagoPA notice 301000000000000144: error while publishing the debt "
            "position: GPD refused debt position DUN-301000000000000144 (400): "
            "dueDate is required. Correct it and send it again."
        )
        # A refusal is not retried: the notice is in error at once.
        self.assertEqual(self.gpd.count("POST"), 1)
        self.assertEqual(notice.state, "error")
        self.assertTrue(notice.last_error.startswith(expected))
        self.assertTrue(any(expected in body for body in self._chatter(invoice)))
        self.assertEqual(self.gpd.positions, {})

    def test_partial_payment_lowers_the_amount_then_full_payment_withdraws(self):
        invoice = self._invoice(self.customer, 1220.0, d("2026-03-01"))
        notice = self._notice(invoice, 1220.0)
        self._publish(notice)
        self._pay(invoice, 220.0, d("2026-03-10"))
        notice.action_sync()
        # 1220.00 - 220.00 = 1000.00 EUR = 100000 cents, sent with PUT.
        self.assertEqual(notice.amount_cents, 100000)
        self.assertEqual(notice.amount, 1000.0)
        self.assertEqual(self.gpd.count("PUT"), 1)
        option = self.gpd.positions[notice.iupd]["paymentOption"][0]
        self.assertEqual(option["amount"], 100000)
        self.assertEqual(option["transfer"][0]["amount"], 100000)
        self._pay(invoice, 1000.0, d("2026-03-12"))
        notice.action_sync()
        self.assertEqual(notice.state, "invalidated")
        self.assertEqual(self.gpd.positions[notice.iupd]["status"], "INVALID")

    def test_cancelled_invoice_withdraws_the_notice(self):
        invoice = self._invoice(self.customer, 80.0, d("2026-03-01"))
        notice = self._notice(invoice, 80.0)
        self._publish(notice)
        invoice.button_draft()
        invoice.button_cancel()
        self.env["dunning.pagopa.notice"]._cron_sync_notices()
        # Checked at publication less than 30 minutes ago: left for later.
        self.assertEqual(notice.state, "published")
        notice.action_sync()
        self.assertEqual(notice.state, "invalidated")
        self.assertEqual(self.gpd.positions[notice.iupd]["status"], "INVALID")
        self.assertEqual(self.gpd.count("POST", "/invalidate"), 1)
        self.assertIn(
            "Notice withdrawn: the invoices were paid another way or cancelled.",
            "\n".join(self._chatter(notice)),
        )

    def test_amounts_are_exact_cents(self):
        # 0.1 + 0.2 is 0.30000000000000004 as a float: 30 cents, not 30.000...
        first = self._invoice(self.customer, 0.1, d("2026-03-01"))
        second = self._invoice(self.customer, 0.2, d("2026-03-01"))
        notice = self._notice(first + second, 0.1 + 0.2)
        self.assertEqual(notice.amount_cents, 30)
        self.assertEqual(
            notice._qr_payload(), "PAGOPA|002|301000000000000144|00085240950|30"
        )
        big = self._notice(first, 1234567.89)
        self.assertEqual(big.amount_cents, 123456789)

    def test_printed_notice_has_the_codes_and_the_postal_part(self):
        self.company.write(
            {
                "pagopa_postal_account": "123456789012",
                "pagopa_postal_authorisation": "AUT. DB/SSIC/E 12345 DEL 01/01/2024",
            }
        )
        invoice = self._invoice(self.customer, 1234.56, d("2026-03-01"))
        notice = self._notice(invoice, 1234.56)
        text, pages = _pdf_text(notice._notice_attachment().raw)
        self.assertEqual(pages, 1)
        self.assertIn("AVVISO DI PAGAMENTO", text)
        self.assertIn("3010 0000 0000 0001 44", text)
        self.assertIn("1.234,56", text)  # Italian format
        self.assertIn("15/04/2026", text)
        self.assertIn("00085240950", text)
        self.assertIn("Cod. Fiscale / Tax Code 00743110157", text)
        self.assertIn("A1B2C", text)
        self.assertIn("123456789012", text)
        self.assertIn("BOLLETTINO POSTALE PA", text)
        # The symbol: 52 x 52 modules of 0.48 mm (1.36063 pt), drawn as one
        # filled rectangle per horizontal run of dark modules; read back, its
        # codewords give the 256 characters again.
        payload = notice._prepare_notice_data().datamatrix_text
        self.assertEqual(len(payload), 256)
        matrix = datamatrix_symbol(payload)
        self.assertEqual(len(matrix), 52)
        self.assertEqual(decode_data(read_codewords(matrix)[:204]), payload)
        raw = notice._notice_attachment().raw
        drawn = re.findall(rb"n [\d.]+ [\d.]+ [\d.]+ 1\.36063 re f", raw)
        self.assertEqual(len(drawn), len(datamatrix_runs(matrix)))

    # --------------------------------------------- reminders and receipts

    @freeze_time("2026-03-25")
    def test_reminder_carries_the_notice_and_a_receipt_stops_dunning(self):
        invoice = self._invoice(self.customer, 1220.0, d("2026-02-01"), d("2026-03-01"))
        run = (
            self.env["dunning.run"]
            .sudo()
            .create({"company_id": self.company.id, "date": d("2026-03-25")})
        )
        run.action_preview()
        reminder = run.communication_ids
        self.assertEqual(len(reminder), 1)
        reminder.write({"send_email": True, "send_letter": True})
        run.action_send()
        # Sent and committed, without a call to GPD: the notice is queued and
        # the email and letter wait for it.
        self.assertEqual(reminder.state, "pending")
        notice = reminder.pagopa_notice_ids
        self.assertEqual(notice.state, "draft")
        self.assertEqual(self.gpd.count("POST"), 0)
        self.assertFalse(reminder.mail_id)
        self.assertEqual(reminder.pagopa_status, "To Publish")
        self.env["dunning.pagopa.notice"]._cron_publish_pending()
        self.assertEqual(notice.state, "published")
        self.assertEqual(reminder.state, "sent")
        self.assertEqual(notice.move_ids, invoice)
        self.assertEqual(notice.amount_cents, 122000)  # 1220.00 EUR
        self.assertEqual(notice.date_due, d("2026-04-09"))  # 25 March + 15 days
        # The letter has the pagoPA QR code and the notice as its last page.
        self.assertEqual(
            [qr.payload_text for qr in reminder._letter_qr_codes()],
            ["PAGOPA|002|301000000000000144|00085240950|122000"],
        )
        letter_text, letter_pages = _pdf_text(reminder.letter_attachment_id.raw)
        self.assertIn("3010 0000 0000 0001 44", letter_text)
        self.assertGreaterEqual(letter_pages, 2)
        # The email carries the letter and the notice.
        self.assertEqual(
            sorted(reminder.mail_id.attachment_ids.mapped("name")),
            sorted(
                [
                    reminder.letter_attachment_id.name,
                    "Avviso pagoPA 301000000000000144.pdf",
                ]
            ),
        )
        # The email has the "Pay now" link; it leads to a pagoPA Checkout cart.
        token = reminder._pagopa_token()
        self.assertTrue(
            reminder.pagopa_pay_url.endswith(
                "/dunning/pagopa/pay/%s/%s" % (reminder.id, token)
            )
        )
        self.assertIn("Pay now with pagoPA", reminder.mail_id.body_html)
        self.assertIn(reminder.pagopa_pay_url, reminder.mail_id.body_html)
        self.assertFalse(reminder._pagopa_check_token(token[:-1] + "x"))
        checkout = FakeCheckout()
        self.company.write(
            {
                "pagopa_checkout_url": serve(self, checkout) + "/checkout/ec/v1",
                "pagopa_checkout_key": CHECKOUT_KEY,
            }
        )
        self.assertEqual(reminder._pagopa_checkout_url(), PAGE)
        cart = checkout.carts[0][2]
        self.assertEqual(
            cart["paymentNotices"][0]["noticeNumber"], "301000000000000144"
        )
        self.assertEqual(cart["paymentNotices"][0]["amount"], 122000)
        self.assertEqual(cart["idCart"], reminder.name)
        # The debtor pays on pagoPA; the next day's check registers it.
        self.gpd.pay(notice.iupd, paid_at="2026-03-26T08:30:00")
        with freeze_time("2026-03-26 09:00:00"):
            self.env["dunning.pagopa.notice"]._cron_sync_notices()
        self.assertEqual(notice.state, "paid")
        self.assertEqual(notice.paid_date, d("2026-03-26"))
        self.assertEqual(notice.receipt_id, "a1b2c3d4")
        self.assertEqual(notice.payment_id.amount, 1220.0)
        self.assertEqual(notice.payment_id.journal_id, self.bank_journal)
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertTrue(receivable.reconciled)
        self.assertFalse(reminder.pagopa_pay_url)  # nothing left to pay
        # The next run has nothing to remind.
        with freeze_time("2026-04-20"):
            later = (
                self.env["dunning.run"]
                .sudo()
                .create({"company_id": self.company.id, "date": d("2026-04-20")})
            )
            later.action_preview()
        self.assertFalse(later.communication_ids)

    @freeze_time("2026-03-25 10:00:00")
    def test_publication_failure_leaves_the_reminder_sent_and_says_why(self):
        """GPD answers 503 every time: the reminder stays committed, waiting
        for its notice, with the reason in sight; after the company's wait it
        goes out without the notice, saying so."""
        self.gpd.script = ["503"] * 20
        self._invoice(self.customer, 1220.0, d("2026-02-01"), d("2026-03-01"))
        run = self.env["dunning.run"]._scheduled_run(self.company)
        run._process_batch(50)
        reminder = run.communication_ids
        self.assertEqual(reminder.state, "pending")
        Notice = self.env["dunning.pagopa.notice"]
        Notice._cron_publish_pending()
        notice = reminder.pagopa_notice_ids
        self.assertEqual(notice.state, "draft")
        self.assertIn("503", reminder.pagopa_status)
        self.assertEqual(reminder.state, "pending")
        self.assertFalse(reminder.mail_id)
        # 25 hours later (the company waits 24): out without the notice.
        with freeze_time("2026-03-26 11:00:00"):
            Notice._cron_publish_pending()
        self.assertEqual(reminder.state, "sent")
        self.assertTrue(reminder.mail_id)
        self.assertIn("Sent without its pagoPA notice", reminder.note)
        self.assertNotIn(
            "Avviso pagoPA", " ".join(reminder.mail_id.attachment_ids.mapped("name"))
        )

    @freeze_time("2026-03-25 10:00:00")
    def test_refused_notice_lets_the_reminder_go_at_once(self):
        self.gpd.script = ["400"]
        self._invoice(self.customer, 1220.0, d("2026-02-01"), d("2026-03-01"))
        run = self.env["dunning.run"]._scheduled_run(self.company)
        run._process_batch(50)
        reminder = run.communication_ids
        self.env["dunning.pagopa.notice"]._cron_publish_pending()
        self.assertEqual(reminder.pagopa_notice_ids.state, "error")
        self.assertEqual(reminder.state, "sent")
        self.assertIn("Sent without its pagoPA notice", reminder.note)
        self.assertIn("400", reminder.pagopa_status)
