import base64
import io

from freezegun import freeze_time
from PyPDF2 import PdfReader

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import d
from .test_dunning_engine import DunningEngineCommon


def _pdf_text(raw):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)


class PortalCommon(DunningEngineCommon):
    """A class A customer with a collector, two invoices due 31 January and
    the friendly reminder of 7 February whose link the customer follows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.dunning_collector_id = cls.dunning_user
        cls.profile = (
            cls.env["dunning.credit.profile"]
            .sudo()
            .create({"partner_id": cls.customer.id, "company_id": cls.company.id})
        )
        cls.profile.risk_class = "A"
        cls.company.dunning_portal_review_days = 7

    def setUp(self):
        super().setUp()
        self.big = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self.small = self._invoice(self.customer, 500.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        self.reminder = self._communications()[-1]

    def _line(self, move):
        return move.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )

    def _submit(self, kind, moves, **values):
        lines = self.env["account.move.line"]
        for move in moves:
            lines |= self._line(move)
        return (
            self.env["dunning.portal.request"]
            .sudo()
            ._submit(kind, self.customer, self.company, lines, self.reminder, **values)
        )

    def _claimed(self, day):
        """{invoice: section} of the customer's reminder sent on ``day``."""
        self._run(day)
        sent = self._communications().filtered(lambda c: c.date == d(day))
        return {
            line.move_id: line.section for line in sent.line_ids if line.claimed
        }, sent

    def _customer_mails(self, request):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "dunning.portal.request"),
                ("res_id", "=", request.id),
                ("recipient_ids", "in", self.customer.ids),
            ]
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-02-08")
class TestPortalLink(PortalCommon):
    def test_reminder_email_and_letter_carry_the_personal_link(self):
        url = self.reminder._portal_url()
        token = url.rsplit("/d/", 1)[1]
        self.assertEqual(
            self.env["dunning.portal"]._claims(token),
            (self.customer, self.company, self.reminder),
        )
        mail = self._mails(self.reminder)
        self.assertIn(url, mail.body_html)
        self.assertIn("Open your page", mail.body_html)
        letter = _pdf_text(self.reminder._render_letter_pdf())
        self.assertIn("Your personal page", letter)
        self.assertIn(url, letter.replace("\n", ""))

    def test_link_lasts_the_company_validity_from_the_reminder(self):
        self.company.dunning_portal_validity_days = 30
        token = self.reminder._portal_url().rsplit("/d/", 1)[1]
        with freeze_time("2026-03-09"):
            self.assertEqual(
                self.env["dunning.portal"]._claims(token)[0], self.customer
            )
        with (
            freeze_time("2026-03-10"),
            self.assertRaisesRegex(ValueError, "expired"),
        ):
            self.env["dunning.portal"]._claims(token)

    def test_no_link_when_the_company_gives_none(self):
        self.company.dunning_portal_enabled = False
        self.assertEqual(self.reminder._portal_url(), "")
        self.assertNotIn(
            "Your personal page", _pdf_text(self.reminder._render_letter_pdf())
        )

    def test_courtesy_reminder_teaches_and_the_company_words_it(self):
        self.company.dunning_portal_text_late = "Paying late costs interest."
        upcoming = self._invoice(self.customer, 300.0, "2026-02-01", "2026-03-10")
        self.big.button_draft()
        self.small.button_draft()
        self._run("2026-03-05")
        courtesy = self._communications().filtered(
            lambda c: c.level_id == self.courtesy
        )
        self.assertEqual(courtesy.line_ids.move_id, upcoming)
        body = self._mails(courtesy).body_html
        self.assertIn("Paying late costs interest.", body)
        self.assertIn("When your invoices are due", body)
        # A friendly reminder does not lecture.
        self.assertNotIn(
            "When your invoices are due", self._mails(self.reminder).body_html
        )

    def test_customer_reply_lands_on_the_reminder_and_the_customer(self):
        mail = self._mails(self.reminder)
        self.assertTrue(mail.reply_to)
        raw = (
            "From: Bianchi Costruzioni <amministrazione@bianchi.example.com>\r\n"
            "To: %s\r\n"
            "Subject: Re: %s\r\n"
            "Message-ID: <reply-1@bianchi.example.com>\r\n"
            "In-Reply-To: %s\r\n"
            "References: %s\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "We paid the small invoice yesterday, see attached.\r\n"
        ) % (mail.reply_to, mail.subject, mail.message_id, mail.message_id)
        self.env["mail.thread"].message_process(None, raw.encode())
        reply = self.reminder.message_ids.filtered(
            lambda m: "We paid the small invoice" in (m.body or "")
        )
        self.assertEqual(reply.author_id, self.customer)
        mirrored = self.customer.message_ids.filtered(
            lambda m: "We paid the small invoice" in (m.body or "")
        )
        self.assertEqual(len(mirrored), 1)
        self.assertIn(self.reminder.name, mirrored.body)


@tagged("post_install", "-at_install")
@freeze_time("2026-02-08")
class TestPortalPromise(PortalCommon):
    def test_promise_within_limits_is_accepted_at_once_and_pauses(self):
        request = self._submit(
            "promise", self.big | self.small, promise_date="2026-02-28", amount="1500"
        )
        self.assertEqual(request.state, "accepted")
        promise = request.promise_id
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.amount, 1500)
        self.assertEqual(promise.move_ids, self.big | self.small)
        self.assertEqual(request.rule_id.kind, "promise")
        self.assertTrue(self._customer_mails(request), "the customer is confirmed")
        self.assertIn("Accepted", self._customer_mails(request)[-1].subject)
        # 20 February, the firm reminder's day: nothing is claimed.
        claimed, _sent = self._claimed("2026-02-20")
        self.assertFalse(claimed)

    def test_promise_beyond_limits_waits_for_a_dunning_user(self):
        request = self._submit(
            "promise", self.big | self.small, promise_date="2026-03-31", amount="1500"
        )
        self.assertEqual(request.state, "pending")
        self.assertFalse(request.promise_id)
        self.assertIn("51 days away", request.review_note)
        self.assertEqual(request.activity_ids.user_id, self.dunning_user)
        self.assertIn("Waiting for our answer", self._customer_mails(request).subject)
        self.assertEqual(request.customer_status, "Waiting for our answer")
        # Paused while it is reviewed (7 days).
        reasons = self.env["dunning.run"]._paused_line_reasons(
            self.company, d("2026-02-15"), self._line(self.big).ids
        )
        self.assertEqual(reasons[self._line(self.big).id][0], "dunning.portal.request")
        with self.assertRaises(AccessError):
            request.with_user(self.salesperson).action_accept()
        request.with_user(self.dunning_user).action_accept()
        self.assertEqual(request.state, "accepted")
        self.assertEqual(request.promise_id.date, d("2026-03-31"))
        self.assertEqual(request.decided_by_id, self.dunning_user)
        self.assertFalse(request.activity_ids)

    def test_refused_promise_needs_an_answer_and_dunning_resumes(self):
        request = self._submit(
            "promise", self.big, promise_date="2026-04-30", amount="1000"
        )
        with self.assertRaisesRegex(UserError, "Write the answer"):
            request.with_user(self.dunning_user).action_refuse()
        request.with_user(self.dunning_user).answer = "Too far: please pay by March."
        request.with_user(self.dunning_user).action_refuse()
        self.assertEqual(request.state, "refused")
        self.assertEqual(request.customer_answer, "Too far: please pay by March.")
        self.assertEqual(request.customer_status, "Not accepted")
        claimed, _sent = self._claimed("2026-02-20")
        self.assertEqual(claimed, {self.big: "overdue", self.small: "overdue"})

    def test_a_partial_promise_goes_to_review(self):
        request = self._submit(
            "promise", self.big, promise_date="2026-02-20", amount="400"
        )
        self.assertEqual(request.state, "pending")
        self.assertIn("covers 40.00 %", request.review_note)

    def test_class_c_customer_goes_to_review_until_the_rule_says_otherwise(self):
        self.profile.risk_class = "C"
        request = self._submit(
            "promise", self.big, promise_date="2026-02-20", amount="1000"
        )
        self.assertEqual(request.state, "pending")
        self.assertIn("Risk class C", request.review_note)
        rule = self.env["dunning.portal.rule"].search(
            [("company_id", "=", self.company.id), ("kind", "=", "promise")]
        )
        rule.risk_class_ids |= self.env.ref("dunning_advanced.risk_class_c")
        again = self._submit(
            "promise", self.small, promise_date="2026-02-20", amount="500"
        )
        self.assertEqual(again.state, "accepted")

    def test_wrong_values_say_what_to_fix(self):
        with self.assertRaisesRegex(UserError, "cannot be in the past"):
            self._submit("promise", self.big, promise_date="2026-02-01", amount="10")
        with self.assertRaisesRegex(UserError, "more than these invoices owe"):
            self._submit("promise", self.big, promise_date="2026-02-20", amount="2000")
        with self.assertRaisesRegex(UserError, "as a number"):
            self._submit("promise", self.big, promise_date="2026-02-20", amount="lots")
        with self.assertRaisesRegex(UserError, "between 2 and 36"):
            self._submit(
                "plan", self.big, instalment_count="1", first_date="2026-03-01"
            )
        with self.assertRaisesRegex(UserError, "reason"):
            self._submit("dispute", self.big, message="Broken")
        self.assertFalse(
            self.env["dunning.portal.request"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-02-08")
class TestPortalPlanDisputePaid(PortalCommon):
    def test_plan_within_rules_starts_at_once(self):
        request = self._submit(
            "plan", self.big | self.small, instalment_count="3", first_date="2026-03-01"
        )
        self.assertEqual(request.state, "accepted")
        plan = request.plan_id
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.line_ids.mapped("amount"), [500.0, 500.0, 500.0])
        self.assertEqual(
            plan.line_ids.mapped("date"),
            [d("2026-03-01"), d("2026-04-01"), d("2026-05-01")],
        )
        claimed, _sent = self._claimed("2026-02-20")
        self.assertFalse(claimed)

    def test_plan_beyond_rules_goes_to_a_credit_manager(self):
        request = self._submit(
            "plan",
            self.big | self.small,
            instalment_count="12",
            first_date="2026-03-01",
        )
        self.assertEqual(request.state, "pending")
        self.assertIn("12 instalments", request.review_note)
        self.assertEqual(
            request.activity_ids.user_id, self.company._dunning_credit_manager()
        )
        with self.assertRaisesRegex(AccessError, "Credit Managers"):
            request.with_user(self.dunning_user).action_accept()
        request.with_user(self.credit_manager).action_accept()
        self.assertEqual(request.plan_id.state, "active")
        self.assertEqual(len(request.plan_id.line_ids), 12)

    def test_dispute_pauses_only_that_item_and_the_customer_reads_the_answer(self):
        request = self._submit(
            "dispute",
            self.big,
            reason_code="defective",
            message="Two pallets arrived broken.",
        )
        dispute = request.dispute_id
        self.assertEqual(dispute.state, "open")
        self.assertEqual(dispute.move_id, self.big)
        self.assertIn("Two pallets arrived broken.", dispute.reason)
        self.assertEqual(dispute.user_id, self.dunning_user)
        self.assertEqual(dispute.activity_ids.user_id, self.dunning_user)
        self.assertEqual(request.customer_status, "Being looked into")
        claimed, sent = self._claimed("2026-02-20")
        self.assertEqual(claimed, {self.small: "overdue"})
        self.assertEqual(
            sent.line_ids.filtered(lambda line: line.move_id == self.big).section,
            "disputed",
        )
        dispute.resolution_note = "A credit note for the two pallets follows."
        dispute.action_resolve()
        request.invalidate_recordset()
        self.assertEqual(request.customer_status, "Settled")
        self.assertEqual(
            request.customer_answer, "A credit note for the two pallets follows."
        )

    def test_already_paid_pauses_for_the_review_days_with_the_proof(self):
        request = self._submit(
            "paid",
            self.big | self.small,
            payment_date="2026-02-06",
            message="Paid by transfer from Banca Sella.",
            attachment=("bonifico.pdf", b"%PDF-1.4 proof", "application/pdf"),
        )
        self.assertEqual(request.state, "pending")
        self.assertEqual(request.pause_until, d("2026-02-15"))
        self.assertEqual(request.attachment_id.raw, b"%PDF-1.4 proof")
        self.assertEqual(request.activity_ids.user_id, self.dunning_user)
        self.assertIn("find the payment", request.activity_ids.summary)
        line = self._line(self.big)
        Run = self.env["dunning.run"]
        self.assertIn(
            line.id, Run._paused_line_reasons(self.company, d("2026-02-15"), line.ids)
        )
        self.assertNotIn(
            line.id, Run._paused_line_reasons(self.company, d("2026-02-16"), line.ids)
        )
        # The note on the customer says what it reported.
        self.assertTrue(
            self.customer.message_ids.filtered(lambda m: request.name in (m.body or ""))
        )

    def test_payment_not_found_resumes_dunning(self):
        request = self._submit("paid", self.big, payment_date="2026-02-06")
        request.with_user(self.dunning_user).answer = "No such transfer reached us."
        request.with_user(self.dunning_user).action_refuse()
        self.assertEqual(request.customer_status, "Payment not found")
        line = self._line(self.big)
        self.assertFalse(
            self.env["dunning.run"]._paused_line_reasons(
                self.company, d("2026-02-10"), line.ids
            )
        )

    def test_figures_count_pages_opened_and_paid(self):
        Event = self.env["dunning.portal.event"]
        other = self._create_customer("Neri S.r.l.", email="neri@example.com")
        self._invoice(other, 200.0, "2026-01-01", "2026-01-31")
        run = self._run("2026-02-08")
        self.assertTrue(run.sent_count)
        Event._record_open(self.customer, self.company, self.reminder)
        Event._record_open(self.customer, self.company, self.reminder)  # reload
        self.assertEqual(len(self.reminder.portal_event_ids), 1)
        self.assertTrue(self.reminder.portal_opened)
        Event._record(
            "paid",
            self.customer,
            self.company,
            self.reminder,
            amount=500.0,
            currency_id=self.company.currency_id.id,
        )
        self.assertTrue(self.reminder.portal_paid)
        self.assertEqual(self.reminder.portal_paid_amount, 500.0)
        first_run = self.reminder.run_id
        self.assertEqual(first_run.portal_opened_count, 1)
        self.assertEqual(first_run.portal_opened_rate, 100.0)
        self.assertEqual(run.portal_opened_rate, 0.0)
        # A link of another customer's reminder counts for nobody's.
        event = Event._record("opened", other, self.company, self.reminder)
        self.assertFalse(event.communication_id)

    def test_statement_lists_every_open_item_in_the_customer_language(self):
        self._submit("dispute", self.big, reason_code="other", message="Wrong.")
        pdf = (
            self.env["dunning.portal"]
            .with_context(lang="en_US")
            ._statement_pdf(self.customer, self.company, "en_US")
        )
        text = _pdf_text(pdf)
        self.assertIn("Statement of account", text)
        self.assertIn(self.small.name, text)
        self.assertIn(self.big.name, text)
        self.assertIn("Disputed", text)

    def test_invoice_copy_when_odoo_cannot_print(self):
        pdf = self.env["dunning.portal"]._invoice_copy_pdf(self.big, "en_US")
        text = _pdf_text(pdf)
        self.assertIn(self.big.name, text)
        self.assertIn("Courtesy copy", text)
        self.assertTrue(base64.b64encode(pdf))
