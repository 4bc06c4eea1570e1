from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import SUPERUSER_ID
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.dunning_advanced.models.dunning_communication import (
    DunningCommunication,
)

from .common import CREDIT_MANAGER, DunningTestCommon, d
from .common_security import refused


class DunningEngineCommon(DunningTestCommon):
    """An EUR company (the statutory 40 EUR need no conversion) with its copy
    of the standard policy: -5 courtesy, +7 friendly, +20 firm (email and
    letter), +35 formal notice (interest, credit hold), +60 legal stage."""

    @classmethod
    def setup_independent_company(cls, **kwargs):
        eur = cls.env.ref("base.EUR")
        eur.active = True
        return super().setup_independent_company(currency_id=eur.id, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "amministrazione@bianchi.example.com"
        cls.policy = cls.env["dunning.policy"].search(
            [("company_id", "=", cls.company.id)]
        )
        cls.levels = cls.policy.level_ids.sorted("rank")
        cls.courtesy, cls.friendly, cls.firm, cls.notice, cls.legal = cls.levels

    def _run(self, day, company=None, batch_size=200):
        """The scheduled run of ``day`` for one company, all batches."""
        company = company or self.company
        with freeze_time(day):
            run = self.env["dunning.run"].with_company(company)._scheduled_run(company)
            while run.state == "running":
                run._process_batch(batch_size)
        return run

    def _run_on(self, *days):
        for day in days:
            self._run(day)

    def _walk_to_notice(self):
        """Friendly 7 Feb, firm 20 Feb, formal notice 7 March."""
        self._run_on("2026-02-07", "2026-02-20", "2026-03-07")

    def _run_days(self, first, last):
        day = d(first)
        while day <= d(last):
            self._run(day)
            day += timedelta(days=1)

    def _communications(self, partner=None, states=("sent",)):
        return self.env["dunning.communication"].search(
            [
                ("partner_id", "=", (partner or self.customer).id),
                ("company_id", "=", self.company.id),
                ("state", "in", list(states)),
            ],
            order="date, id",
        )

    def _mails(self, communications):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "dunning.communication"),
                ("res_id", "in", communications.ids),
            ]
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-01-01")
class TestDunningEngine(DunningEngineCommon):
    def test_policy_copied_for_the_company(self):
        self.assertEqual(len(self.policy), 1)
        self.assertTrue(self.policy.is_default)
        self.assertEqual(self.levels.mapped("delay_days"), [-5, 7, 20, 35, 60])
        self.assertTrue(self.legal.legal_stage)

    def test_walk_through_every_level(self):
        """Due 31 January, never paid, dunned every day for 80 days."""
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run_days("2026-01-20", "2026-04-10")
        sent = self._communications()
        # -5: 26 Jan; +7: 7 Feb; +20: 20 Feb; +35: 7 Mar; +60: 1 Apr.
        self.assertEqual(
            [(c.level_id, c.date) for c in sent],
            [
                (self.courtesy, d("2026-01-26")),
                (self.friendly, d("2026-02-07")),
                (self.firm, d("2026-02-20")),
                (self.notice, d("2026-03-07")),
                (self.legal, d("2026-04-01")),
            ],
        )
        self.assertEqual(sent.mapped("line_ids.move_id"), invoice)
        self.assertEqual(sent[0].line_ids.days_overdue, -5)
        self.assertEqual(sent[3].line_ids.days_overdue, 35)
        # Letters only where the level asks for them.
        self.assertEqual(
            [bool(c.letter_attachment_id) for c in sent],
            [False, False, True, True, True],
        )
        self.assertEqual(invoice.dunning_level_id, self.legal)

    def test_formal_notice_interest_compensation_and_hold(self):
        """B2B: 2026-H1 rate 2.15 + 8 = 10.15 %, from 1 Feb to 7 Mar = 35 days:
        1000 * 10.15 % * 35 / 365 = 9.7329 -> 9.73, plus 40 EUR."""
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._walk_to_notice()
        notice = self._communications()[-1]
        self.assertEqual(notice.level_id, self.notice)
        self.assertTrue(notice.is_b2b)
        self.assertAlmostEqual(notice.interest_amount, 9.73)
        self.assertAlmostEqual(notice.compensation_amount, 40.0)
        self.assertAlmostEqual(notice.amount_total, 1049.73)
        profile = self._profile(self.customer)
        self.assertTrue(profile.dunning_hold)
        self.assertEqual(
            self.customer.with_company(self.company).credit_hold_state, "hold"
        )

    def test_consumer_gets_legal_rate_and_no_compensation(self):
        """B2C: legal rate 2026 1.6 %: 1000 * 1.6 % * 35 / 365 = 1.5342 -> 1.53."""
        person = self._create_customer(
            "Mario Rossi", is_company=False, email="mario@example.com"
        )
        self._invoice(person, 1000.0, "2026-01-01", "2026-01-31")
        self._walk_to_notice()
        notice = self._communications(person)[-1]
        self.assertEqual(notice.level_id, self.notice)
        self.assertFalse(notice.is_b2b)
        self.assertAlmostEqual(notice.interest_amount, 1.53)
        self.assertEqual(notice.compensation_amount, 0.0)
        self.assertAlmostEqual(notice.amount_total, 1001.53)

    def test_courtesy_only_before_due_date(self):
        self._invoice(self.customer, 500.0, "2026-01-01", "2026-02-15")
        self._run("2026-02-09")  # six days before: too early
        self.assertFalse(self._communications())
        self._run("2026-02-10")  # five days before
        courtesy = self._communications()
        self.assertEqual(courtesy.level_id, self.courtesy)
        mail = self._mails(courtesy)
        self.assertEqual(mail.email_to, "amministrazione@bianchi.example.com")
        self.assertIn("invoices falling due soon", mail.subject)

    def test_late_first_run_escalates_one_level_at_a_time(self):
        """First seen at +25 (say, installed today): the friendly reminder, not
        the firm one; the firm one keeps the policy's 13 days after it."""
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run_days("2026-02-25", "2026-03-10")
        sent = self._communications()
        self.assertEqual(
            [(c.level_id, c.date) for c in sent],
            [(self.friendly, d("2026-02-25")), (self.firm, d("2026-03-10"))],
        )

    def test_partial_payment_keeps_the_level(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        self.assertEqual(self._communications().level_id, self.friendly)
        with freeze_time("2026-02-10"):
            self._pay(invoice, 400.0, "2026-02-10")
        # Nothing new until the firm reminder, which asks for the 600 left.
        self._run_days("2026-02-08", "2026-02-20")
        sent = self._communications()
        self.assertEqual(sent.level_id, self.friendly | self.firm)
        firm = sent.filtered(lambda c: c.level_id == self.firm)
        self.assertEqual(firm.date, d("2026-02-20"))
        self.assertAlmostEqual(firm.amount_residual, 600.0)
        self.assertAlmostEqual(firm.line_ids.amount_original, 1000.0)

    def test_full_payment_stops_everything(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        with freeze_time("2026-02-12"):
            self._pay(invoice, 1000.0, "2026-02-12")
        self._run_days("2026-02-13", "2026-04-15")
        self.assertEqual(self._communications().level_id, self.friendly)
        self.assertFalse(invoice.dunning_level_id and invoice.amount_residual)

    def test_credit_note_stops_dunning(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        with freeze_time("2026-02-09"):
            refund = self._invoice(
                self.customer, 1000.0, "2026-02-09", move_type="out_refund"
            )
            (invoice | refund).line_ids.filtered(
                lambda line: line.account_id == self.receivable
            ).reconcile()
        self.assertEqual(invoice.payment_state, "reversed")
        self._run_days("2026-02-10", "2026-03-10")
        self.assertEqual(len(self._communications()), 1)

    def test_payment_between_preview_and_send(self):
        """The accountant previews, the customer pays, the send drops it."""
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-08"):
            wizard = self.env["dunning.run.wizard"].create({"date": "2026-02-08"})
            run = self.env["dunning.run"].browse(wizard.action_confirm()["res_id"])
            draft = run.communication_ids
            self.assertEqual(draft.state, "draft")
            self.assertFalse(self._mails(draft))
            self._pay(invoice, 1000.0, "2026-02-08")
            run.action_send()
        self.assertEqual(draft.state, "cancelled")
        self.assertFalse(self._mails(draft))
        self.assertEqual(run.state, "done")

    def test_manual_run_preview_with_overrides(self):
        """Preview sends nothing; an item left out and the level raised by hand.
        The item left out comes back in the customer's next reminder."""
        first = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        second = self._invoice(self.customer, 300.0, "2026-01-05", "2026-01-31")
        with freeze_time("2026-02-08"):
            wizard = self.env["dunning.run.wizard"].create({"date": "2026-02-08"})
            run = self.env["dunning.run"].browse(wizard.action_confirm()["res_id"])
            draft = run.communication_ids
            self.assertEqual(draft.level_id, self.friendly)
            self.assertEqual(draft.line_ids.move_id, first | second)
            self.assertFalse(self._mails(draft))
            draft.line_ids.filtered(lambda line: line.move_id == second).include = False
            draft.level_id = self.firm
            run.action_send()
        sent = self._communications()
        self.assertEqual(sent.level_id, self.firm)
        self.assertEqual(sent._claimed_lines().move_id, first)
        self.assertTrue(sent.letter_attachment_id)
        # The customer is at the firm level now: its next reminder, the formal
        # notice (+35, and 15 days after the firm one), claims both invoices.
        self._run_days("2026-02-09", "2026-03-07")
        notice = self._communications()[-1]
        self.assertEqual(notice.level_id, self.notice)
        self.assertEqual(notice.date, d("2026-03-07"))
        self.assertEqual(notice._claimed_lines().move_id, first | second)

    def test_levels_never_go_backwards(self):
        """Friendly sent; in the firm preview the accountant picks the courtesy
        level, which is lower than what the customer received: refused."""
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        with freeze_time("2026-02-20"):
            wizard = self.env["dunning.run.wizard"].create({"date": "2026-02-20"})
            run = self.env["dunning.run"].browse(wizard.action_confirm()["res_id"])
            draft = run.communication_ids
            self.assertEqual(draft.level_id, self.firm)
            with self.assertRaisesRegex(UserError, "never go backwards"):
                draft.level_id = self.courtesy
            run.action_send()
        self.assertEqual(self._communications().level_id, self.friendly | self.firm)

    def test_two_runs_the_same_day(self):
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        with freeze_time("2026-02-07"):
            self.env["dunning.run"]._cron_run_dunning()
            self.env["dunning.run"]._cron_run_dunning()
            # A manual run the same day finds nothing either.
            wizard = self.env["dunning.run.wizard"].create({"date": "2026-02-07"})
            run = self.env["dunning.run"].browse(wizard.action_confirm()["res_id"])
        self.assertFalse(run.communication_ids)
        sent = self._communications()
        self.assertEqual(len(sent), 1)
        self.assertEqual(len(self._mails(sent)), 1)
        runs = self.env["dunning.run"].search(
            [("company_id", "=", self.company.id), ("run_type", "=", "scheduled")]
        )
        self.assertEqual(len(runs), 1)
        self.assertEqual(runs.state, "done")

    def test_run_interrupted_half_way_then_resumed(self):
        """Three customers, one per batch; the second batch dies after its
        emails were queued (the process is killed, say). The batch is rolled
        back as the cron runner would; the re-run resumes after the first
        customer and nobody gets two emails."""
        customers = (
            self.customer
            | self._create_customer("Verdi S.p.A.", email="verdi@example.com")
            | self._create_customer("Neri S.n.c.", email="neri@example.com")
        )
        for customer in customers:
            self._invoice(customer, 800.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-07"):
            run = self.env["dunning.run"]._scheduled_run(self.company)
            run._process_batch(1)
            self.assertEqual(run.cursor, customers[0].id)

            def crash(communications):
                raise ConnectionError("the worker was killed")

            with self.assertRaises(ConnectionError):
                with self.env.cr.savepoint():
                    with patch.object(DunningCommunication, "_log_history", crash):
                        run._process_batch(1)
            self.env.invalidate_all()
            self.assertEqual(run.cursor, customers[0].id)
            self.env["dunning.run"]._cron_run_dunning(batch_size=1)
        self.assertEqual(run.state, "done")
        for customer in customers:
            sent = self._communications(customer)
            self.assertEqual(len(sent), 1, customer.name)
            self.assertEqual(len(self._mails(sent)), 1, customer.name)

    def test_customers_found_at_the_start_are_checked_again_batch_by_batch(self):
        """A run finds its customers once; each batch checks its own again, so
        a customer excluded or paid after the run started gets nothing."""
        verdi = self._create_customer("Verdi S.p.A.", email="verdi@example.com")
        neri = self._create_customer("Neri S.n.c.", email="neri@example.com")
        customers = self.customer | verdi | neri
        invoices = {
            customer: self._invoice(customer, 800.0, "2026-01-01", "2026-01-31")
            for customer in customers
        }
        with freeze_time("2026-02-07"):
            run = self.env["dunning.run"]._scheduled_run(self.company)
            self.assertEqual(run._process_batch(1), (1, 2))
            self.assertEqual(run.candidate_ids, customers.sorted("id").ids)
            verdi.write(
                {"dunning_excluded": True, "dunning_exclusion_reason": "Key account"}
            )
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoices[neri].ids
            ).create({})._create_payments()
            self.env["dunning.run"]._cron_run_dunning(batch_size=1)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.partner_done_count, 3)
        self.assertEqual(len(self._communications(self.customer)), 1)
        self.assertFalse(self._communications(verdi))
        self.assertFalse(self._communications(neri))

    def test_unique_level_per_invoice(self):
        """The database refuses a second live reminder line for one level."""
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        line = self._communications().line_ids
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            line.sudo().copy({"communication_id": line.communication_id.id})
            self.env.flush_all()

    def test_one_scheduled_run_per_company_and_day(self):
        """Two workers starting the day's dunning at once make one run: the
        database refuses the second."""
        with freeze_time("2026-02-07"):
            run = self.env["dunning.run"]._scheduled_run(self.company)
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaises(IntegrityError),
                self.env.cr.savepoint(),
            ):
                run.sudo().copy({"name": "RUN/TWIN"})
                self.env.flush_all()
            self.assertEqual(self.env["dunning.run"]._scheduled_run(self.company), run)

    def test_excluded_customer_and_invoice(self):
        first = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        second = self._invoice(self.customer, 200.0, "2026-01-02", "2026-01-31")
        second.write(
            {"dunning_excluded": True, "dunning_exclusion_reason": "Goods returned"}
        )
        self.customer.write(
            {
                "dunning_excluded": True,
                "dunning_exclusion_reason": "Director promised by phone",
                "dunning_excluded_until": "2026-02-10",
            }
        )
        self._run("2026-02-07")
        self.assertFalse(self._communications())
        self._run("2026-02-11")
        sent = self._communications()
        self.assertEqual(sent.level_id, self.friendly)
        self.assertEqual(sent.line_ids.move_id, first)

    def test_one_reminder_per_currency(self):
        usd = self.setup_other_currency("USD", rates=[("2025-01-01", 1.25)])
        eur_1 = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        eur_2 = self._invoice(self.customer, 500.0, "2026-01-03", "2026-01-31")
        usd_1 = self._invoice(
            self.customer, 250.0, "2026-01-01", "2026-01-31", currency=usd
        )
        self._run("2026-02-07")
        sent = self._communications()
        self.assertEqual(len(sent), 2)
        in_eur = sent.filtered(lambda c: c.currency_id == self.company.currency_id)
        in_usd = sent - in_eur
        self.assertEqual(in_eur.line_ids.move_id, eur_1 | eur_2)
        self.assertAlmostEqual(in_eur.amount_residual, 1500.0)
        self.assertEqual(in_usd.line_ids.move_id, usd_1)
        # The USD reminder asks for USD 250, not its EUR value (200).
        self.assertEqual(in_usd.currency_id, usd)
        self.assertAlmostEqual(in_usd.amount_residual, 250.0)

    def test_tolerance_and_minimum_amount(self):
        self.friendly.write({"min_amount": 100.0, "tolerance": 5.0})
        small = self._invoice(self.customer, 4.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        self.assertFalse(self._communications())  # under the tolerance
        self._invoice(self.customer, 60.0, "2026-01-02", "2026-01-31")
        self._run("2026-02-08")
        self.assertFalse(self._communications())  # 60 < minimum 100
        self._invoice(self.customer, 70.0, "2026-01-03", "2026-01-31")
        self._run("2026-02-09")
        sent = self._communications()
        # 60 + 70 are claimed; the 4.00 left open is listed (what is owed is
        # said in full) but carries no level.
        self.assertAlmostEqual(
            sum(sent._claimed_lines().mapped("amount_residual")), 130.0
        )
        self.assertAlmostEqual(sent.amount_residual, 134.0)
        small_line = sent.line_ids.filtered(lambda line: line.move_id == small)
        self.assertFalse(small_line.claimed)
        self.assertFalse(small_line.level_reached)

    def test_email_goes_to_the_mail_queue_with_the_letter(self):
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        self._run("2026-02-20")
        friendly, firm = self._communications()
        friendly_mail, firm_mail = self._mails(friendly), self._mails(firm)
        # Queued, not delivered: the mail cron sends it.
        self.assertEqual(friendly_mail.state, "outgoing")
        self.assertEqual(
            friendly_mail.subject,
            f"{self.company.name}: payment reminder ({friendly.name})",
        )
        self.assertFalse(friendly_mail.attachment_ids)
        self.assertEqual(friendly.mail_id, friendly_mail)
        self.assertEqual(
            firm_mail.subject,
            f"{self.company.name}: second reminder, overdue invoices ({firm.name})",
        )
        self.assertEqual(firm_mail.attachment_ids, firm.letter_attachment_id)
        self.assertEqual(firm_mail.attachment_ids.mimetype, "application/pdf")
        self.assertTrue(firm_mail.attachment_ids.raw.startswith(b"%PDF"))
        self.assertIn(firm.line_ids.move_id.name, firm_mail.body_html)

    def test_formal_notice_goes_to_the_pec_address(self):
        self.customer.dunning_pec_email = "bianchi@pec.example.it"
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._walk_to_notice()
        friendly, firm, notice = self._communications()
        self.assertEqual(self._mails(firm).email_to, self.customer.email)
        self.assertEqual(self._mails(notice).email_to, "bianchi@pec.example.it")

    def test_no_email_address_sends_a_letter(self):
        self.customer.email = False
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        sent = self._communications()
        self.assertFalse(self._mails(sent))
        self.assertTrue(sent.send_letter)
        self.assertTrue(sent.letter_attachment_id)
        self.assertIn("No email address", sent.note)

    def test_sms_and_phone_call(self):
        collector = self.dunning_user
        self.customer.write(
            {"mobile": "+39 333 123 4567", "dunning_collector_id": collector.id}
        )
        self.friendly.write(
            {
                "send_sms": True,
                "create_call": True,
                "sms_template_id": self.env.ref(
                    "dunning_advanced.sms_template_reminder"
                ).id,
            }
        )
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        sent = self._communications()
        sms = self.env["sms.sms"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms.state, "outgoing")
        self.assertEqual(sms.number.replace(" ", ""), "+393331234567")
        call = sent.activity_ids
        self.assertEqual(
            call.activity_type_id, self.env.ref("mail.mail_activity_data_call")
        )
        self.assertEqual(call.user_id, collector)
        self.assertEqual(call.date_deadline, d("2026-02-07"))

    def test_scheduled_run_gives_calls_to_a_credit_manager_not_odoobot(self):
        """The cron runs as OdooBot: a customer without collector or
        salesperson gets its call assigned to the company's credit manager."""
        self.customer.user_id = False
        self.friendly.create_call = True
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-07"):
            self.env["dunning.run"].with_user(SUPERUSER_ID)._cron_run_dunning()
        call = self._communications().activity_ids
        manager = self.company._dunning_credit_manager()
        self.assertEqual(call.user_id, manager)
        self.assertNotEqual(manager.id, SUPERUSER_ID)
        self.assertTrue(manager.has_group(CREDIT_MANAGER))

    def test_fee_is_a_posted_journal_entry(self):
        self.firm.write({"fee_type": "fixed", "fee_fixed": 15.0})
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run_on("2026-02-07", "2026-02-20")
        friendly, firm = self._communications()
        self.assertFalse(friendly.fee_move_id)
        self.assertAlmostEqual(firm.fee_amount, 15.0)
        fee = firm.fee_move_id
        self.assertEqual(fee.state, "posted")
        self.assertEqual(fee.partner_id, self.customer)
        self.assertAlmostEqual(fee.amount_total, 15.0)
        receivable = fee.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertAlmostEqual(receivable.balance, 15.0)

    def test_percentage_fee_is_capped(self):
        """2 % of 1000 = 20, capped at 12."""
        self.firm.write({"fee_type": "percent", "fee_percent": 2.0, "fee_cap": 12.0})
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run_on("2026-02-07", "2026-02-20")
        self.assertAlmostEqual(self._communications()[-1].fee_amount, 12.0)

    def test_history_on_partner_and_invoice(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        sent = self._communications()
        for record in (invoice, self.customer):
            notes = record.message_ids.filtered(
                lambda m, s=sent: s.name in (m.body or "")
            )
            self.assertEqual(len(notes), 1, record.display_name)
            self.assertIn("Friendly reminder", notes.body)
        # The reminder's own chatter says it went out, and how.
        own = sent.message_ids.filtered(lambda m: "Sent:" in (m.body or ""))
        self.assertEqual(len(own), 1)
        self.assertIn("email to amministrazione@bianchi.example.com", own.body)
        history = invoice.action_view_dunning_history()
        lines = self.env[history["res_model"]].search(history["domain"])
        self.assertEqual(lines.communication_id, sent)

    def test_hold_lifted_when_the_blocking_invoices_are_paid(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._walk_to_notice()
        profile = self._profile(self.customer)
        self.assertTrue(profile.dunning_hold)
        with freeze_time("2026-03-09"):
            self._pay(invoice, 1000.0, "2026-03-09")
        self._run("2026-03-10")
        self.assertFalse(profile.dunning_hold)

    def test_legal_stage_asks_someone_to_hand_over(self):
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._walk_to_notice()
        self._run("2026-04-01")
        legal = self._communications()[-1]
        self.assertEqual(legal.level_id, self.legal)
        # The legal stage opens a collection case with a to-do to hand it over.
        case = self.env["dunning.collection.case"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(len(case), 1)
        self.assertEqual(case.line_ids.move_id, legal.line_ids.move_id)
        self.assertEqual(
            case.activity_ids.summary, f"Legal stage: hand {self.customer.name} over"
        )

    def test_policy_by_explicit_assignment_and_by_risk_class(self):
        strict = self.policy.copy({"name": "Strict", "is_default": False})
        strict.level_ids.filtered(lambda lv: lv.rank == 2).delay_days = 1
        strict_friendly = strict.level_ids.sorted("rank")[1]
        assigned = self._create_customer("Gialli S.r.l.", email="g@example.com")
        assigned.with_company(self.company).dunning_policy_id = strict
        by_class = self._create_customer("Blu S.r.l.", email="b@example.com")
        for customer in (self.customer, assigned, by_class):
            self._invoice(customer, 1000.0, "2026-01-01", "2026-01-31")
        strict.risk_class_ids = self.env.ref("dunning_advanced.risk_class_d")
        profile = self._profile(by_class) or self.env[
            "dunning.credit.profile"
        ].sudo().create({"partner_id": by_class.id, "company_id": self.company.id})
        profile.risk_class = "D"
        self._run("2026-02-01")
        self.assertFalse(self._communications())
        self.assertEqual(self._communications(assigned).level_id, strict_friendly)
        self.assertEqual(self._communications(by_class).level_id, strict_friendly)

    def test_merged_letters_of_the_day(self):
        other = self._create_customer("Verdi S.p.A.", email="verdi@example.com")
        for customer in (self.customer, other):
            self._invoice(customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        run = self._run("2026-02-20")
        self.assertEqual(run.state, "done")
        pdf = run.letters_attachment_id.raw
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertGreaterEqual(
            pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page "), 2
        )

    def test_negative_level_minimum_or_tolerance_is_refused(self):
        for vals in ({"min_amount": -1000.0}, {"tolerance": -50.0}):
            with refused(self, ValidationError, "0 or more"):
                self.friendly.write(vals)
        self.assertGreaterEqual(self.friendly.min_amount, 0)
        self.assertGreaterEqual(self.friendly.tolerance, 0)

    def test_the_day_is_the_company_s(self):
        """At 23:30 UTC on 6 February it is already 7 February in Rome: the
        company's scheduled run is of the 7th, whatever the user's zone."""
        self.company.partner_id.tz = "Europe/Rome"
        self.env.user.tz = False  # the cron's user may have none (UTC)
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-06 23:30:00"):
            self.assertEqual(self.company._dunning_today(), d("2026-02-07"))
            self.env["dunning.run"]._cron_run_dunning()
        sent = self._communications()
        self.assertEqual((sent.level_id, sent.date), (self.friendly, d("2026-02-07")))

    def test_levels_used_by_reminders_stay(self):
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-07")
        with self.assertRaisesRegex(UserError, "Archive the policy instead"):
            self.policy.unlink()
        self.assertTrue(self.friendly.exists())

    def test_salesperson_cannot_send(self):
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-08"):
            wizard = self.env["dunning.run.wizard"].create({"date": "2026-02-08"})
            run = self.env["dunning.run"].browse(wizard.action_confirm()["res_id"])
            with self.assertRaises(AccessError):
                run.with_user(self.salesperson).action_send()
        self.assertEqual(run.communication_ids.state, "draft")


@tagged("post_install", "-at_install")
@freeze_time("2026-01-01")
class TestDunningMultiCompany(DunningEngineCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(
            name="Filiale Milano", currency_id=cls.env.ref("base.EUR").id
        )["company"]
        cls.env.user.company_ids += cls.company_2

    def test_each_company_duns_its_own_invoices(self):
        mine = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        theirs = self._invoice(
            self.customer, 700.0, "2026-01-01", "2026-01-20", company=self.company_2
        )
        self._run("2026-02-07")
        sent = self._communications()
        self.assertEqual(sent.line_ids.move_id, mine)
        self.assertEqual(sent.policy_id.company_id, self.company)
        self._run("2026-02-07", company=self.company_2)
        other = self.env["dunning.communication"].search(
            [
                ("company_id", "=", self.company_2.id),
                ("partner_id", "=", self.customer.id),
            ]
        )
        # +18 days in company 2: its own friendly level, its own policy.
        self.assertEqual(other.line_ids.move_id, theirs)
        self.assertEqual(other.policy_id.company_id, self.company_2)
        self.assertEqual(other.level_id.rank, 2)

    def test_dunning_user_sees_only_their_company(self):
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._invoice(
            self.customer, 700.0, "2026-01-01", "2026-01-31", company=self.company_2
        )
        self._run("2026-02-07")
        self._run("2026-02-07", company=self.company_2)
        seen = (
            self.env["dunning.communication"]
            .with_user(self.dunning_user)
            .search([("partner_id", "=", self.customer.id)])
        )
        self.assertEqual(seen.company_id, self.company)
        runs = self.env["dunning.run"].with_user(self.dunning_user).search([])
        self.assertEqual(runs.company_id, self.company)
