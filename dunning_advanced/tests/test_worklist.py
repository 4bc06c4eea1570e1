from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import DunningTestCommon, d


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10 09:00:00")
class TestWorklist(DunningTestCommon):
    """Today: who needs a collector, why, and what is at stake."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level = (
            cls.env["dunning.policy"]
            .search([("company_id", "=", cls.company.id)], limit=1)
            .level_ids[:1]
        )

    def _today(self, user=None):
        self.env.invalidate_all()
        Worklist = self.env["dunning.worklist"].with_user(user or self.dunning_user)
        return Worklist.search([("company_id", "=", self.company.id)])

    def _row(self, partner, user=None):
        return self._today(user).filtered(lambda r: r.partner_id == partner)

    def _overdue_customer(self, name, amount=1000.0, due="2026-02-10"):
        partner = self._create_customer(name)
        invoice = self._invoice(partner, amount, d("2026-01-10"), d(due))
        return partner, invoice

    def _set_risk(self, partner, score, risk_class):
        profile = (
            self.env["dunning.credit.profile"]
            .sudo()
            ._get_or_create(partner, self.company)
        )
        profile.write({"risk_score": score, "risk_class": risk_class})

    def _communication(self, partner, state):
        """A reminder in a state the engine gives (approval, bounce)."""
        communication = (
            self.env["dunning.communication"]
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "level_id": self.level.id,
                    "currency_id": self.company.currency_id.id,
                    "date": d("2026-03-09"),
                }
            )
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE dunning_communication SET state = %s WHERE id = %s",
            (state, communication.id),
        )
        return communication

    # ------------------------------------------------------------------
    # Reasons
    # ------------------------------------------------------------------

    def test_call_due_on_the_customer(self):
        partner, _invoice = self._overdue_customer("Chiamate S.r.l.")
        partner.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=d("2026-03-10"),
            user_id=self.dunning_user.id,
        )
        later, _invoice = self._overdue_customer("Domani S.r.l.")
        later.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=d("2026-03-11"),
            user_id=self.dunning_user.id,
        )
        row = self._row(partner)
        self.assertEqual(row.reason, "call")
        self.assertTrue(row.reason_call)
        self.assertEqual(row.amount_overdue, 1000.0)
        self.assertEqual(row.max_days_late, 28)
        self.assertFalse(self._row(later), "a call due tomorrow is not for today")

    def test_promise_due_today_and_promise_broken(self):
        due, invoice = self._overdue_customer("Promessa S.r.l.")
        self.env["dunning.promise"].create(
            {
                "partner_id": due.id,
                "move_ids": [Command.set(invoice.ids)],
                "date": d("2026-03-10"),
                "amount": 1000.0,
            }
        )
        broken, invoice = self._overdue_customer("Mancata S.r.l.")
        with freeze_time("2026-03-01"):  # promised before the day it broke
            promise = self.env["dunning.promise"].create(
                {
                    "partner_id": broken.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "date": d("2026-03-05"),
                    "amount": 1000.0,
                }
            )
        promise._break(d("2026-03-06"))  # as the run finds it
        self.assertEqual(self._row(due).reason, "promise_due")
        self.assertEqual(self._row(broken).reason, "promise_broken")

    def test_instalment_missed(self):
        partner, invoice = self._overdue_customer("Rate S.r.l.", amount=900.0)
        with freeze_time("2026-02-15"):
            plan = self.env["dunning.instalment.plan"].create(
                {
                    "partner_id": partner.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "instalment_count": 3,
                    "first_date": d("2026-03-01"),
                }
            )
            plan.action_compute_instalments()
            plan.action_activate()
        row = self._row(partner)
        self.assertEqual(row.reason, "instalment")
        # The first 300 paid: the plan is on schedule again.
        self._pay(invoice, 300, d("2026-03-09"))
        self.assertFalse(self._row(partner))

    def test_dispute_waiting_for_a_week(self):
        partner, invoice = self._overdue_customer("Contesa S.r.l.")
        dispute = self.env["dunning.dispute"].create(
            {"move_id": invoice.id, "reason": "Wrong quantity"}
        )
        self.assertFalse(self._row(partner), "a new dispute does not wait yet")
        self.env.cr.execute(
            "UPDATE dunning_dispute SET create_date = %s WHERE id = %s",
            (datetime(2026, 3, 2, 8, 0), dispute.id),
        )
        self.assertEqual(self._row(partner).reason, "dispute")

    def test_formal_notice_to_approve_and_bounced_reminder(self):
        # States of the reminder given by the dunning engine (to_approve,
        # delivery_failed): the worklist reads them as they are stored.
        notice, _invoice = self._overdue_customer("Diffida S.r.l.")
        self._communication(notice, "to_approve")
        bounced, _invoice = self._overdue_customer("Rimbalzo S.r.l.")
        self._communication(bounced, "delivery_failed")
        self.assertEqual(self._row(notice).reason, "to_approve")
        self.assertEqual(self._row(bounced).reason, "bounced")
        # Work waiting on a record stays after a call.
        self._log_call(notice, "callback")
        self.assertEqual(self._row(notice).reason, "to_approve")

    def test_agency_update_on_a_case(self):
        partner, invoice = self._overdue_customer("Agenzia S.r.l.")
        # Cases are opened by the engine and the Open Case wizard only.
        case = (
            self.env["dunning.collection.case"]
            .sudo()
            ._open_or_update(partner, self.company, invoice.line_ids)
            .with_env(self.env)
        )
        self.assertFalse(self._row(partner), "a case opened by us is no news")
        stage = self.env["dunning.collection.stage"].search(
            [("id", "!=", case.stage_id.id), ("is_closed", "=", False)], limit=1
        )
        # As the agency's update moves it (REST sync or their email).
        case._move_to_stage(
            stage, source="agency", note="Debtor found, payment order requested"
        )
        row = self._row(partner)
        self.assertEqual(row.reason, "agency")
        self.assertTrue(row.reason_agency)

    # ------------------------------------------------------------------
    # Ranking, contacts, snooze
    # ------------------------------------------------------------------

    def test_ranked_by_overdue_weighted_by_risk(self):
        risky, _invoice = self._overdue_customer("Rischiosa S.r.l.", amount=1000.0)
        safe, _invoice = self._overdue_customer("Sicura S.r.l.", amount=1500.0)
        self._set_risk(risky, 80.0, "D")
        self._set_risk(safe, 0.0, "A")
        for partner in risky | safe:
            partner.activity_schedule(
                "mail.mail_activity_data_call", date_deadline=d("2026-03-10")
            )
        rows = self._today().filtered(lambda r: r.partner_id in risky | safe)
        # 1,000 x 1.8 = 1,800 before 1,500 x 1.0
        self.assertEqual(rows.partner_id.ids, [risky.id, safe.id])
        self.assertEqual(rows[0].amount_at_stake, 1800.0)
        self.assertEqual(rows[0].risk_class, "D")
        self.assertEqual(rows[1].amount_at_stake, 1500.0)

    def _log_call(self, partner, outcome, user=None, **values):
        user = user or self.dunning_user
        action = partner.with_user(user).action_dunning_log_call()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(user)
            .with_context(**action["context"])
        )
        wizard.outcome = outcome
        for name, value in values.items():
            setattr(wizard, name, value)
        return wizard.save().action_confirm()

    def test_log_a_call_with_a_promise(self):
        partner, invoice = self._overdue_customer("Telefonata S.r.l.")
        partner.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=d("2026-03-09"),
            user_id=self.dunning_user.id,
        )
        self.assertEqual(self._row(partner).reason, "call")
        self._log_call(
            partner,
            "promise",
            promise_date=d("2026-03-20"),
            note="The owner will pay by bank transfer.",
        )
        promise = self.env["dunning.promise"].search([("partner_id", "=", partner.id)])
        self.assertEqual(promise.move_ids, invoice)
        self.assertEqual(promise.amount, 1000.0)
        self.assertEqual(promise.date, d("2026-03-20"))
        self.assertEqual(promise.user_id, self.dunning_user)
        self.assertFalse(partner.activity_ids, "the call due is done")
        note = partner.message_ids.filtered(
            lambda m: "Call logged: Promised to Pay" in (m.body or "")
        )
        self.assertEqual(note.author_id, self.dunning_user.partner_id)
        contact = self.env["dunning.contact"].search([("partner_id", "=", partner.id)])
        self.assertEqual((contact.kind, contact.outcome), ("call", "promise"))
        self.assertEqual(contact.promise_id, promise)
        self.assertFalse(self._row(partner), "nothing left for today")

    def test_a_call_clears_the_news_it_answers(self):
        partner, invoice = self._overdue_customer("Notizia S.r.l.")
        with freeze_time("2026-03-01"):  # promised before the day it broke
            promise = self.env["dunning.promise"].create(
                {
                    "partner_id": partner.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "date": d("2026-03-05"),
                    "amount": 1000.0,
                }
            )
        promise._break(d("2026-03-09"))  # as the run finds it
        self.assertEqual(self._row(partner).reason, "promise_broken")
        self._log_call(partner, "no_answer", next_call_date=d("2026-03-12"))
        self.assertFalse(self._row(partner))
        # The call again on 12 March brings it back that day.
        with freeze_time("2026-03-12 09:00:00"):
            self.assertEqual(self._row(partner).reason, "call")

    def test_snooze_hides_the_customer_until_its_day(self):
        partner, _invoice = self._overdue_customer("Attesa S.r.l.")
        partner.activity_schedule(
            "mail.mail_activity_data_call", date_deadline=d("2026-03-10")
        )
        action = partner.with_user(self.dunning_user).action_dunning_snooze()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.dunning_user)
            .with_context(**action["context"])
        )
        wizard.snooze_until = d("2026-03-13")
        wizard.note = "Owner on holiday until Friday"
        wizard.save().action_confirm()
        self.assertFalse(self._row(partner))
        with freeze_time("2026-03-13 09:00:00"):
            self.assertEqual(self._row(partner).reason, "call")
        past = Form(
            self.env[action["res_model"]]
            .with_user(self.dunning_user)
            .with_context(**action["context"])
        )
        past.snooze_until = d("2026-03-10")
        past.note = "Today"
        with self.assertRaisesRegex(UserError, "after today"):
            past.save().action_confirm()

    def test_worklist_row_opens_the_customer_actions(self):
        partner, _invoice = self._overdue_customer("Azioni S.r.l.")
        partner.activity_schedule(
            "mail.mail_activity_data_call", date_deadline=d("2026-03-10")
        )
        row = self._row(partner)
        self.assertEqual(row.action_log_call()["res_model"], "res.partner.dunning.call")
        self.assertEqual(row.action_new_promise()["res_model"], "dunning.promise")
        self.assertEqual(row.action_new_dispute()["res_model"], "dunning.dispute")
        self.assertEqual(
            row.action_send_statement()["res_model"], "mail.compose.message"
        )
        self.assertEqual(row.action_open_customer()["res_id"], partner.id)
        self.assertTrue(
            row.action_print_statement()["url"].startswith(
                f"/dunning/statements/{partner.id}?"
            )
        )

    def test_only_dunning_users_work_the_list(self):
        partner, _invoice = self._overdue_customer("Riservata S.r.l.")
        with self.assertRaises(AccessError):
            self.env["dunning.worklist"].with_user(self.invoicing_user).search([])
        with self.assertRaises(AccessError):
            partner.with_user(self.invoicing_user).action_dunning_log_call()
        with self.assertRaises(AccessError):
            self.env["dunning.contact"].with_user(self.invoicing_user).create(
                {"partner_id": partner.id, "kind": "snooze"}
            )
        contact = (
            self.env["dunning.contact"]
            .with_user(self.dunning_user)
            .create(
                {
                    "partner_id": partner.id,
                    "kind": "snooze",
                    "snooze_until": d("2026-03-12") + timedelta(days=1),
                }
            )
        )
        with self.assertRaises(AccessError):
            contact.with_user(self.dunning_user).write({"note": "changed"})
