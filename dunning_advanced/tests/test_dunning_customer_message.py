import base64
import io
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from PyPDF2 import PdfReader

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import d
from .test_dunning_engine import DunningEngineCommon

# A delivery status notification (RFC 3464) as a mail server returns it; the
# original message's Message-Id is what ties it to the reminder.
BOUNCE = """Return-Path: <>
From: MAILER-DAEMON@mx.example.com (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
Date: Tue, 10 Feb 2026 09:00:00 +0100
Message-Id: <bounce-1@mx.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
    boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered to {email}: 550 No such user.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; {email}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 No such user

--BOUNDARY
Content-Type: message/rfc822

Message-Id: {message_id}
From: {to}
To: {email}
Subject: {subject}

(original message)

--BOUNDARY--
"""


def _pdf_text(raw):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)


class CustomerMessageCommon(DunningEngineCommon):
    def _preview(self, day, user=None):
        """A manual run made as ``user`` on ``day`` (its preview)."""
        env = self.env(user=user) if user else self.env
        with freeze_time(day):
            wizard = env["dunning.run.wizard"].create({"date": day})
            return env["dunning.run"].browse(wizard.action_confirm()["res_id"])

    def _footprint(self, partners, moves):
        """What a preview must not touch: messages, activities, holds."""
        return {
            "messages": self.env["mail.message"].search_count(
                [
                    "|",
                    "&",
                    ("model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    "&",
                    ("model", "=", "account.move"),
                    ("res_id", "in", moves.ids),
                ]
            ),
            "activities": self.env["mail.activity"].search_count([]),
            "holds": self.env["dunning.credit.profile"]
            .sudo()
            .search_count([("dunning_hold", "=", True)]),
            "promises": self.env["dunning.promise"]
            .search([])
            .mapped(lambda p: (p.id, p.state)),
            "plans": self.env["dunning.instalment.plan"]
            .search([])
            .mapped(lambda p: (p.id, p.state)),
            "moves": self.env["account.move"].search_count([]),
        }


@tagged("post_install", "-at_install")
@freeze_time("2026-01-01")
class TestOneMessagePerCustomer(CustomerMessageCommon):
    def test_items_at_every_stage_make_one_reminder_saying_all_that_is_owed(self):
        """12 March, nothing sent yet: one invoice 40 days late (formal-notice
        stage under the policy), one 8 days late, one falling due in 3 days, a
        credit note of 100. One reminder, at the friendly level (one step at a
        time), claiming both overdue invoices and listing the others."""
        old = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        recent = self._invoice(self.customer, 300.0, "2026-02-01", "2026-03-04")
        soon = self._invoice(self.customer, 200.0, "2026-02-15", "2026-03-15")
        refund = self._invoice(
            self.customer, 100.0, "2026-03-01", move_type="out_refund"
        )
        self._run("2026-03-12")
        sent = self._communications()
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent.level_id, self.friendly)
        self.assertEqual(sent._claimed_lines().move_id, old | recent)
        sections = {line.move_id: line.section for line in sent.line_ids}
        self.assertEqual(
            sections,
            {old: "overdue", recent: "overdue", soon: "not_due", refund: "credit"},
        )
        # Overdue 1,300; to pay now 1,300 - 100 = 1,200; owed in all
        # 1,300 + 200 - 100 = 1,400.
        self.assertAlmostEqual(sent.amount_residual, 1300.0)
        self.assertAlmostEqual(sent.amount_not_due, 200.0)
        self.assertAlmostEqual(sent.amount_credit, 100.0)
        self.assertAlmostEqual(sent.amount_total, 1200.0)
        self.assertAlmostEqual(sent.amount_owed, 1400.0)
        mail = self._mails(sent)
        self.assertEqual(len(mail), 1)
        body = str(mail.body_html)
        for move in old | recent | soon | refund:
            self.assertIn(move.name, body)
        for text in (
            "Overdue invoices",
            "Invoices falling due",
            "Credit notes and payments to deduct",
            "Amount to pay",
            "Total you owe, invoices not yet due included",
        ):
            self.assertIn(text, body)
        self.assertNotIn("DRAFT", body)
        letter = _pdf_text(sent._render_letter_pdf())
        for text in (old.name, soon.name, refund.name, "Amount to pay"):
            self.assertIn(text, letter)
        # A second run the same day sends nothing.
        with freeze_time("2026-03-12"):
            self.env["dunning.run"]._cron_run_dunning()
        self.assertEqual(len(self._communications()), 1)
        self.assertEqual(len(self._mails(self._communications())), 1)

    def test_courtesy_goes_alone_only_when_nothing_is_overdue(self):
        """30 January: one invoice 10 days late and one falling due in 5 days:
        one friendly reminder, the second listed as falling due. A customer
        with only an invoice falling due gets the courtesy reminder."""
        late = self._invoice(self.customer, 500.0, "2026-01-01", "2026-01-20")
        upcoming = self._invoice(self.customer, 400.0, "2026-01-05", "2026-02-04")
        calm = self._create_customer("Verdi S.p.A.", email="verdi@example.com")
        only_upcoming = self._invoice(calm, 250.0, "2026-01-05", "2026-02-04")
        self._run("2026-01-30")
        sent = self._communications()
        self.assertEqual(sent.level_id, self.friendly)
        self.assertEqual(sent._claimed_lines().move_id, late)
        upcoming_line = sent.line_ids.filtered(lambda line: line.move_id == upcoming)
        self.assertEqual(upcoming_line.section, "not_due")
        self.assertFalse(upcoming_line.claimed)
        courtesy = self._communications(calm)
        self.assertEqual(courtesy.level_id, self.courtesy)
        self.assertEqual(courtesy._claimed_lines().move_id, only_upcoming)
        # The courtesy reminder asks for the invoice falling due.
        self.assertAlmostEqual(courtesy.amount_total, 250.0)

    def test_paused_history_does_not_block_the_next_message(self):
        """The invoice that reached the firm level is paused by a promise; a
        new one enters its courtesy window: the courtesy reminder goes out,
        listing the promised invoice as paused."""
        promised = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run_on("2026-02-07", "2026-02-20")
        self.env["dunning.promise"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(promised.ids)],
                "date": d("2026-03-31"),
                "amount": 1000.0,
            }
        )
        new = self._invoice(self.customer, 400.0, "2026-02-10", "2026-03-10")
        self._run("2026-03-05")
        courtesy = self._communications()[-1]
        self.assertEqual(courtesy.level_id, self.courtesy)
        self.assertEqual(courtesy.state, "sent")
        self.assertEqual(courtesy._claimed_lines().move_id, new)
        paused = courtesy.line_ids.filtered(lambda line: line.move_id == promised)
        self.assertEqual(paused.section, "paused")
        self.assertIn("promised", paused.pause_reason)

    def test_new_invoice_joins_the_customer_level(self):
        """Friendly on 7 February for an invoice due 31 January; a second one
        due 15 February is 5 days late on 20 February: the firm reminder
        claims both, one message."""
        first = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        second = self._invoice(self.customer, 200.0, "2026-01-15", "2026-02-15")
        self._run_days("2026-02-08", "2026-02-20")
        firm = self._communications()[-1]
        self.assertEqual(firm.level_id, self.firm)
        self.assertEqual(firm.date, d("2026-02-20"))
        self.assertEqual(firm._claimed_lines().move_id, first | second)
        self.assertEqual(len(self._communications()), 2)

    def test_excluded_customer_gets_nothing_at_all(self):
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self.customer.write(
            {"dunning_excluded": True, "dunning_exclusion_reason": "Key account"}
        )
        self._run("2026-03-12")
        self.assertFalse(
            self._communications(states=("draft", "sent", "error", "to_approve"))
        )

    def test_long_name_and_address_do_not_stop_the_letter(self):
        """A name and street far longer than any envelope window: the letter
        shrinks and cuts them, and goes out."""
        self.customer.write(
            {
                "name": "Consorzio Nazionale delle Cooperative Edilizie Riunite " * 5,
                "street": "Strada Provinciale per Cascina Nuova " * 4,
                "city": "Torino",
                "zip": "10121",
            }
        )
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run_on("2026-02-07", "2026-02-20")
        firm = self._communications()[-1]
        self.assertEqual(firm.state, "sent")
        self.assertIn("10121 Torino", _pdf_text(firm.letter_attachment_id.raw))


@tagged("post_install", "-at_install")
@freeze_time("2026-01-01")
class TestPreviewAndSimulation(CustomerMessageCommon):
    def test_preview_has_no_side_effect_and_shows_what_a_real_run_would_do(self):
        """13 February. A promise to pay by 12 February that was not kept and a
        plan whose first instalment is missed: the preview shows the promise's
        customer one level up and the plan's invoices dunned again, yet the
        promise stays open, the plan active, and nothing else is written."""
        self.customer.dunning_collector_id = self.dunning_user
        promised = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")  # friendly
        with freeze_time("2026-02-08"):
            promise = (
                self.env["dunning.promise"]
                .with_user(self.dunning_user)
                .create(
                    {
                        "partner_id": self.customer.id,
                        "move_ids": [Command.set(promised.ids)],
                        "date": d("2026-02-12"),
                        "amount": 1000.0,
                    }
                )
            )
        planned_customer = self._create_customer(
            "Verdi S.p.A.", email="verdi@example.com"
        )
        planned = self._invoice(planned_customer, 600.0, "2026-01-01", "2026-01-20")
        with freeze_time("2026-01-22"):
            plan = self.env["dunning.instalment.plan"].create(
                {
                    "partner_id": planned_customer.id,
                    "move_ids": [Command.set(planned.ids)],
                    "instalment_count": 2,
                    "first_date": d("2026-02-01"),
                    "grace_days": 3,
                }
            )
            plan.action_compute_instalments()
            plan.action_activate()
        partners = self.customer | planned_customer
        before = self._footprint(partners, promised | planned)
        run = self._preview("2026-02-13", user=self.dunning_user)
        drafts = run.communication_ids
        self.assertEqual(drafts.mapped("state"), ["draft", "draft"])
        by_partner = {c.partner_id: c for c in drafts}
        # The broken promise would escalate at once (the firm reminder would
        # otherwise wait for 20 February).
        self.assertEqual(by_partner[self.customer].level_id, self.firm)
        self.assertEqual(by_partner[planned_customer].level_id, self.friendly)
        self.assertEqual(promise.state, "open")
        self.assertEqual(plan.state, "active")
        self.assertEqual(self._footprint(partners, promised | planned), before)
        # Refresh Preview works for a Dunning User, again and again.
        run.with_user(self.dunning_user).action_preview()
        run.with_user(self.dunning_user).action_preview()
        self.assertEqual(len(run.communication_ids), 2)
        self.assertEqual(self._footprint(partners, promised | planned), before)
        # Sending it is a real run on its real day: the promise breaks then.
        with freeze_time("2026-02-13"):
            run.with_user(self.dunning_user).action_send()
        self.assertEqual(promise.state, "broken")
        self.assertEqual(plan.state, "broken")
        self.assertEqual(run.communication_ids.mapped("state"), ["sent", "sent"])

    def test_preview_shows_interest_compensation_and_the_draft_mark(self):
        """The formal notice of 7 March previewed: 9.73 of interest (10.15 %,
        35 days on 1,000) and 40 EUR, as the sent one; the draft letter says it
        is a draft, the sent one does not. No hold before sending."""
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run_on("2026-02-07", "2026-02-20")
        run = self._preview("2026-03-07")
        draft = run.communication_ids
        self.assertEqual(draft.level_id, self.notice)
        self.assertAlmostEqual(draft.interest_amount, 9.73)
        self.assertAlmostEqual(draft.compensation_amount, 40.0)
        self.assertAlmostEqual(draft.amount_total, 1049.73)
        self.assertIn("DRAFT - NOT SENT", _pdf_text(draft._render_letter_pdf()))
        self.assertIn("DRAFT - NOT SENT", draft.statement_html)
        self.assertFalse(self._profile(self.customer).dunning_hold)
        with freeze_time("2026-03-07"):
            run.action_send()
        self.assertEqual(draft.state, "sent")
        self.assertAlmostEqual(draft.amount_total, 1049.73)
        sent_letter = _pdf_text(draft.letter_attachment_id.raw)
        self.assertNotIn("DRAFT", sent_letter)
        self.assertIn("1,049.73", sent_letter)
        self.assertTrue(self._profile(self.customer).dunning_hold)

    def test_form_shows_the_message_preview_with_the_company_logo(self):
        """The web client reads binaries as their size: the preview (letter
        data, logo included) is still built from the logo itself."""
        png = base64.b64encode(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
            b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8"
            b"\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
        )
        self.company.logo = png
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        run = self._preview("2026-02-08", user=self.dunning_user)
        draft = run.communication_ids.with_user(self.dunning_user)
        [values] = draft.with_context(bin_size=True).web_read({"statement_html": {}})
        self.assertIn(invoice.name, values["statement_html"])
        self.assertIn("DRAFT - NOT SENT", values["statement_html"])

    def test_future_run_is_a_simulation_that_cannot_be_sent(self):
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-01"):
            wizard = self.env["dunning.run.wizard"].create({"date": "2026-02-11"})
            self.assertTrue(wizard.is_simulation)
            run = self.env["dunning.run"].browse(wizard.action_confirm()["res_id"])
            self.assertTrue(run.is_simulation)
            draft = run.communication_ids
            self.assertEqual(draft.level_id, self.friendly)  # 31 January + 7
            self.assertTrue(draft.is_simulation)
            self.assertIn(
                "SIMULATION - NOT SENT", _pdf_text(draft._render_letter_pdf())
            )
            with self.assertRaisesRegex(UserError, "simulation"):
                run.action_send()
            with self.assertRaisesRegex(UserError, "simulation"):
                draft.action_send()
            # A day in the past has nothing to show.
            with self.assertRaises(ValidationError):
                self.env["dunning.run.wizard"].create({"date": "2026-01-25"})
        self.assertEqual(draft.state, "draft")
        self.assertFalse(self._mails(draft))
        # Ten days later it is today's run that sends, dated that day.
        self._run("2026-02-11")
        sent = self._communications()
        self.assertEqual(sent.date, d("2026-02-11"))

    def test_discarded_preview_leaves_no_trace_and_old_previews_are_checked(self):
        """An unsent preview never counts as a level reached: the scheduled run
        sends the firm reminder the preview only showed, and the old preview,
        sent afterwards, is refused for it, saying why."""
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        discarded = self._preview("2026-02-07", user=self.dunning_user)
        self.assertEqual(discarded.communication_ids.level_id, self.friendly)
        # A draft has no number: a preview uses up none.
        self.assertEqual(discarded.communication_ids.name, "/")
        self.assertTrue(discarded.communication_ids.display_name.startswith("Draft - "))
        sequence = self.env["ir.sequence"].search(
            [("code", "=", "dunning.communication")], limit=1
        )
        next_number = sequence.number_next_actual
        discarded.with_user(self.dunning_user).action_cancel()
        self.assertEqual(discarded.state, "cancelled")
        self.assertFalse(discarded.communication_ids)
        self._run("2026-02-07")
        self.assertEqual(self._communications().level_id, self.friendly)
        sequence.invalidate_recordset()
        self.assertEqual(sequence.number_next_actual, next_number + 1)
        old_preview = self._preview("2026-02-20")
        self.assertEqual(old_preview.communication_ids.level_id, self.firm)
        # Left unsent; the scheduled runs go on: firm on 20 February (not the
        # formal notice), then the formal notice on 7 March.
        self._run_days("2026-02-20", "2026-03-07")
        self.assertEqual(
            self._communications().level_id, self.friendly | self.firm | self.notice
        )
        with freeze_time("2026-03-08"):
            old_preview.action_send()
        draft = old_preview.communication_ids
        self.assertEqual(draft.state, "cancelled")
        self.assertIn("already received level 4", draft.note)
        self.assertEqual(len(self._mails(self._communications())), 3)

    def test_preview_paid_meanwhile_is_dropped(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        other = self._create_customer("Verdi S.p.A.", email="verdi@example.com")
        self._invoice(other, 300.0, "2026-01-01", "2026-01-31")
        run = self._preview("2026-02-08")
        self.assertEqual(len(run.communication_ids), 2)
        with freeze_time("2026-02-08"):
            self._pay(invoice, 1000.0, "2026-02-08")
            run.action_send()
        mine = run.communication_ids.filtered(lambda c: c.partner_id == self.customer)
        self.assertEqual(mine.state, "cancelled")
        self.assertIn("nothing is left to claim", mine.note)
        self.assertEqual((run.communication_ids - mine).state, "sent")

    def test_drafts_are_changed_only_where_a_user_may(self):
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        run = self._preview("2026-02-08", user=self.dunning_user)
        draft = run.communication_ids.with_user(self.dunning_user)
        draft.send_letter = True  # a channel of a draft: allowed
        with self.assertRaises(AccessError):
            draft.state = "sent"
        with self.assertRaises(AccessError):
            draft.line_ids.amount_residual = 1.0
        with self.assertRaises(AccessError):
            self.env["dunning.communication"].with_user(self.dunning_user).create(
                {
                    "partner_id": self.customer.id,
                    "level_id": self.legal.id,
                    "currency_id": self.company.currency_id.id,
                    "date": d("2026-02-08"),
                }
            )
        with self.assertRaises(AccessError):
            draft.unlink()
        with freeze_time("2026-02-08"):
            draft.action_send()
        with self.assertRaisesRegex(UserError, "no longer a draft"):
            draft.email_to = "someone@else.example.com"


@tagged("post_install", "-at_install")
@freeze_time("2026-01-01")
class TestOneFailureNeverStopsARun(CustomerMessageCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A template adapted by the company, reading the customer's reference:
        # it fails for a customer without one.
        template = cls.friendly.mail_template_id
        template.body_html = (
            '<div><p>Customer code: <t t-out="object.partner_id.ref.upper()"/></p>'
            '<t t-out="object.statement_html"/></div>'
        )
        cls.customer.ref = "bianchi"
        cls.verdi = cls._create_customer(
            "Verdi S.p.A.", email="verdi@example.com", ref="verdi"
        )
        cls.neri = cls._create_customer("Neri S.n.c.", email="neri@example.com")
        for partner in (cls.customer, cls.verdi, cls.neri):
            cls._invoice(partner, 800.0, "2026-01-01", "2026-01-31")

    def _check_outcome(self, communications):
        by_partner = {c.partner_id: c for c in communications}
        failed = by_partner[self.neri]
        self.assertEqual(failed.state, "error")
        self.assertIn("upper", failed.note)
        self.assertFalse(failed.mail_id)
        for partner in (self.customer, self.verdi):
            self.assertEqual(by_partner[partner].state, "sent")
            self.assertIn("Customer code", by_partner[partner].mail_id.body_html)
        return failed

    def test_manual_run(self):
        run = self._preview("2026-02-08")
        with freeze_time("2026-02-08"):
            run.action_send()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.error_count, 1)
        failed = self._check_outcome(run.communication_ids)
        # The cause fixed, the reminder goes out with Retry.
        self.neri.ref = "neri"
        with freeze_time("2026-02-09"):
            run.action_retry_errors()
        self.assertEqual(failed.state, "sent")
        self.assertEqual(failed.date, d("2026-02-09"))

    def test_scheduled_run(self):
        with freeze_time("2026-02-08"):
            self.env["dunning.run"]._cron_run_dunning(batch_size=1)
        run = self.env["dunning.run"].search(
            [("company_id", "=", self.company.id), ("run_type", "=", "scheduled")]
        )
        self.assertEqual(run.state, "done")
        self.assertEqual(run.partner_done_count, 3)
        self._check_outcome(run.communication_ids)
        # The next day's run replaces the reminder in error.
        self.neri.ref = "neri"
        self._run("2026-02-09")
        neri = self._communications(self.neri, states=("sent", "error", "cancelled"))
        self.assertEqual(neri.mapped("state"), ["cancelled", "sent"])
        self.assertIn("Replaced by", neri[0].note)

    def test_a_delivery_failure_stays_with_its_reminder(self):
        # Delivery (fee, hold, letter, SMS, call) is tried for the whole batch
        # in one savepoint; when one reminder fails, that attempt is rolled
        # back and each is delivered again in a savepoint of its own.
        self.neri.ref = "neri"  # the template renders for everyone
        Communication = self.registry["dunning.communication"]
        post_fees = Communication._post_fees

        def failing_post_fees(communication):
            if communication.partner_id == self.neri:
                raise UserError("The fee journal is locked")  # pylint: disable=translation-required
            return post_fees(communication)

        with (
            patch.object(Communication, "_post_fees", failing_post_fees),
            freeze_time("2026-02-08"),
        ):
            self.env["dunning.run"]._cron_run_dunning()
        run = self.env["dunning.run"].search(
            [("company_id", "=", self.company.id), ("run_type", "=", "scheduled")]
        )
        by_partner = {c.partner_id: c for c in run.communication_ids}
        failed = by_partner[self.neri]
        self.assertEqual(failed.state, "error")
        self.assertIn("The fee journal is locked", failed.note)
        self.assertFalse(failed.mail_id)
        for partner in (self.customer, self.verdi):
            reminder = by_partner[partner]
            self.assertEqual(reminder.state, "sent")
            # Delivered once: the rolled-back attempt left nothing behind.
            self.assertEqual(
                self.env["mail.mail"].search_count(
                    [("model", "=", reminder._name), ("res_id", "=", reminder.id)]
                ),
                1,
            )
            notes = partner.message_ids.filtered(
                lambda m, r=reminder: r.name in (m.body or "")
            )
            self.assertEqual(len(notes), 1)


@tagged("post_install", "-at_install")
@freeze_time("2026-01-01")
class TestDeliveryAndPec(CustomerMessageCommon):
    def test_bounced_email_marks_the_reminder_and_falls_back_to_a_letter(self):
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        run = self._run("2026-02-07")
        sent = self._communications()
        self.assertFalse(sent.letter_attachment_id)  # friendly: email only
        mail = sent.mail_id
        raw = BOUNCE.format(
            to=self.company.email or "crediti@example.com",
            email=sent.email_to,
            message_id=mail.message_id,
            subject=mail.subject,
        )
        with (
            freeze_time("2026-02-10"),
            mute_logger("odoo.addons.mail.models.mail_thread"),
        ):
            self.env["mail.thread"].sudo().message_process(False, raw)
        self.assertEqual(sent.state, "delivery_failed")
        self.assertIn("bounced", sent.delivery_note)
        self.assertTrue(sent.letter_attachment_id)
        self.assertTrue(sent.send_letter)
        self.assertTrue(run.letters_attachment_id)
        failed = self.env["dunning.communication"].search(
            [("state", "=", "delivery_failed"), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(failed, sent)
        self.assertTrue(
            self.customer.message_ids.filtered(
                lambda m: "was not delivered" in str(m.body)
            )
        )
        # The level still counts: the firm reminder comes on its day.
        self._run("2026-02-20")
        reminded = self._communications(states=("sent", "delivery_failed"))
        self.assertEqual(reminded.level_id, self.friendly | self.firm)

    def test_email_refused_by_the_outgoing_server_marks_the_reminder(self):
        self.friendly.letter_fallback = False
        self.customer.email = "amministrazione@@bianchi"
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        sent = self._communications()
        sent.mail_id.send()
        self.assertEqual(sent.mail_id.state, "exception")
        self.assertEqual(sent.state, "delivery_failed")
        self.assertFalse(sent.letter_attachment_id)

    def test_formal_notice_goes_to_the_pec_of_the_localization(self):
        """The PEC address of l10n_it_edi's field; the company's PEC mailbox
        sends it; the sending is logged as proof. The addon's own field only
        overrides it."""
        self.assertIn("l10n_it_pec_email", self.customer._fields)
        server = self.env["ir.mail_server"].create(
            {"name": "PEC Aruba", "smtp_host": "smtps.pec.example.it"}
        )
        self.company.write(
            {
                "dunning_pec_email_from": "crediti@pec.rossi.example.it",
                "dunning_pec_mail_server_id": server.id,
            }
        )
        self.customer.l10n_it_pec_email = "bianchi@pec.example.it"
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run_on("2026-02-07", "2026-02-20", "2026-03-07")
        friendly, firm, notice = self._communications()
        self.assertEqual(firm.email_to, self.customer.email)
        self.assertFalse(firm.via_pec)
        self.assertEqual(notice.email_to, "bianchi@pec.example.it")
        self.assertTrue(notice.via_pec)
        mail = notice.mail_id
        self.assertEqual(mail.email_to, "bianchi@pec.example.it")
        self.assertEqual(mail.mail_server_id, server)
        self.assertEqual(mail.email_from, "crediti@pec.rossi.example.it")
        proof = notice.message_ids.filtered(lambda m: "by PEC" in str(m.body))
        self.assertEqual(len(proof), 1)
        self.assertIn("SHA-256", proof.body)
        self.assertIn(mail.message_id.strip("<>"), proof.body)
        # The formal notice has no "Powered by Odoo" nor unfollow footer.
        self.assertNotIn("Powered by", mail.body_html)
        self.assertNotIn("Unfollow", mail.body_html)
        self.customer.dunning_pec_email = "legale@pec.bianchi.example.it"
        email_to, via_pec = self.customer._dunning_email_to(self.notice)
        self.assertEqual((email_to, via_pec), ("legale@pec.bianchi.example.it", True))


@tagged("post_install", "-at_install")
@freeze_time("2026-01-01")
class TestReminderApproval(CustomerMessageCommon):
    def test_formal_notice_waits_for_a_credit_manager(self):
        self.notice.requires_approval = True
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run_on("2026-02-07", "2026-02-20", "2026-03-07")
        waiting = self._communications(states=("to_approve",))
        self.assertEqual(waiting.level_id, self.notice)
        self.assertFalse(waiting.mail_id)
        todo = waiting.activity_ids
        self.assertEqual(todo.user_id, self.company._dunning_credit_manager())
        # Not counted, not made again the next day.
        self._run("2026-03-08")
        self.assertEqual(len(self._communications(states=("to_approve",))), 1)
        with self.assertRaises(AccessError):
            waiting.with_user(self.dunning_user).action_approve()
        with freeze_time("2026-03-09"):
            waiting.with_user(self.credit_manager).action_approve()
        self.assertEqual(waiting.state, "sent")
        # Dated the day it went out, interest to that day: 37 days on 1,000 at
        # 10.15 % = 10.29.
        self.assertEqual(waiting.date, d("2026-03-09"))
        self.assertAlmostEqual(waiting.interest_amount, 10.29)
        self.assertTrue(waiting.mail_id)


@tagged("post_install", "-at_install")
class TestLettersRoute(HttpCase):
    """/dunning/letters/<ids> renders letters the user may read, a bounded
    number at a time; a draft's letter says it is a draft."""

    def test_letters_for_readers_only_and_a_bounded_number(self):
        company = self.env.company
        policy = self.env["dunning.policy"].search(
            [("company_id", "=", company.id), ("is_default", "=", True)], limit=1
        )
        customer = self.env["res.partner"].create(
            {"name": "Bianchi Costruzioni S.r.l.", "is_company": True}
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": fields.Date.today() - timedelta(days=40),
                "invoice_date_due": fields.Date.today() - timedelta(days=10),
                "invoice_line_ids": [
                    Command.create({"name": "Goods", "price_unit": 500.0})
                ],
            }
        )
        invoice.action_post()
        wizard = self.env["dunning.run.wizard"].create({"company_id": company.id})
        run = self.env["dunning.run"].browse(wizard.action_confirm()["res_id"])
        draft = run.communication_ids.filtered(lambda c: c.partner_id == customer)
        self.assertTrue(draft and draft.policy_id == policy)
        new_test_user(
            self.env,
            login="letters_dunning",
            groups="dunning_advanced.group_dunning_user",
            company_id=company.id,
        )
        new_test_user(
            self.env,
            login="letters_sales",
            groups="sales_team.group_sale_salesman",
            company_id=company.id,
        )
        self.authenticate("letters_dunning", "letters_dunning")
        response = self.url_open(f"/dunning/letters/{draft.id}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("DRAFT", _pdf_text(response.content))
        ids = ",".join(str(draft.id) for _ in range(101))
        self.assertEqual(self.url_open(f"/dunning/letters/{ids}").status_code, 413)
        self.authenticate("letters_sales", "letters_sales")
        with mute_logger("odoo.http"):
            response = self.url_open(f"/dunning/letters/{draft.id}")
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn(b"%PDF", response.content[:10])
