from datetime import date
from decimal import Decimal

from freezegun import freeze_time

from odoo import Command
from odoo.tests import BaseCase, Form, tagged

from ..lib.instalments import cumulative_due, instalment_dates, split_amount
from .common import d
from .common_arrangements import ArrangementTestCommon

D = Decimal


@tagged("post_install", "-at_install")
class TestLibInstalments(BaseCase):
    def test_last_instalment_absorbs_the_rounding(self):
        # 1,000.00 / 3 = 333.333...: 333.33 twice, then 1,000 - 666.66 = 333.34.
        self.assertEqual(
            split_amount(D("1000.00"), 3), [D("333.33"), D("333.33"), D("333.34")]
        )
        # No decimals (JPY): 1,000 / 3 = 333, 333, 334.
        self.assertEqual(split_amount(D("1000"), 3, 0), [D(333), D(333), D(334)])
        with self.assertRaises(ValueError):
            split_amount(D("0.02"), 3)

    def test_monthly_dates_keep_the_end_of_month(self):
        self.assertEqual(
            instalment_dates(date(2026, 1, 31), 3),
            [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)],
        )
        self.assertEqual(
            instalment_dates(date(2026, 3, 1), 2, 2, "weeks"),
            [date(2026, 3, 1), date(2026, 3, 15)],
        )

    def test_instalment_due_only_after_the_grace_days(self):
        rows = [(date(2026, 2, 28), D("100")), (date(2026, 3, 28), D("100"))]
        # 2 April is 5 days after 28 March: still in the grace period.
        self.assertEqual(cumulative_due(rows, date(2026, 4, 2), 5), D("100"))
        self.assertEqual(cumulative_due(rows, date(2026, 4, 3), 5), D("200"))


@tagged("post_install", "-at_install")
@freeze_time("2026-01-05")
class TestInstalmentPlan(ArrangementTestCommon):
    def _plan(self, invoice):
        with freeze_time("2026-02-10"):
            plan = (
                self.env["dunning.instalment.plan"]
                .with_user(self.dunning_user)
                .create(
                    {
                        "partner_id": self.customer.id,
                        "move_ids": [Command.set(invoice.ids)],
                        "instalment_count": 3,
                        "first_date": d("2026-02-28"),
                        "grace_days": 5,
                    }
                )
            )
            plan.action_compute_instalments()
            plan.action_activate()
        return plan

    def test_plan_followed_sends_no_reminder_and_completes(self):
        invoice = self._invoice(self.customer, 1000, d("2026-01-01"), d("2026-01-31"))
        # Made from the invoice list, on the selected invoice.
        action = invoice.with_user(self.dunning_user).action_new_instalment_plan()
        with freeze_time("2026-02-10"):
            form = Form(
                self.env[action["res_model"]]
                .with_user(self.dunning_user)
                .with_context(**action["context"])
            )
            form.instalment_count = 3
            form.first_date = d("2026-02-28")
            plan = form.save()
            self.assertEqual(plan.amount_total, 1000)
            plan.action_compute_instalments()
            plan.action_activate()
        self.assertEqual(plan.state, "active")
        self.assertEqual(
            [(line.date, line.amount) for line in plan.line_ids],
            [
                (d("2026-02-28"), 333.33),
                (d("2026-03-28"), 333.33),
                (d("2026-04-28"), 333.34),
            ],
        )
        self.assertEqual(self.customer.dunning_plan_count, 1)
        # Without the plan the friendly reminder was due on 31 January + 7.
        self._pay(invoice, 333.33, d("2026-02-27"))
        self.assertFalse(self._run(d("2026-03-01")))
        self.assertEqual(plan.line_ids.mapped("state"), ["paid", "to_pay", "to_pay"])
        self._pay(invoice, 333.33, d("2026-03-27"))
        self.assertFalse(self._run(d("2026-03-30")))
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.amount_paid, 666.66)
        self._pay(invoice, 333.34, d("2026-04-27"))
        self.assertFalse(self._run(d("2026-04-29")))
        self.assertEqual(plan.state, "completed")
        self.assertEqual(plan.closed_date, d("2026-04-29"))
        self.assertEqual(invoice.payment_state, "paid")

    def test_missed_instalment_breaks_plan_and_dunning_resumes(self):
        invoice = self._invoice(self.customer, 1000, d("2026-01-01"), d("2026-01-31"))
        plan = self._plan(invoice)
        self._pay(invoice, 333.33, d("2026-02-27"))
        self.assertFalse(self._run(d("2026-03-01")))
        # The second instalment (28 March) is not paid. 2 April is the last day
        # of grace (28 March + 5): nothing yet.
        self.assertFalse(self._run(d("2026-04-02")))
        self.assertEqual(plan.state, "active")
        # 3 April: broken, and the invoice is reminded again in the same run at
        # the first level after its due date, for 1,000 - 333.33 = 666.67.
        sent = self._run(d("2026-04-03"))
        self.assertEqual(plan.state, "broken")
        self.assertEqual(plan.closed_date, d("2026-04-03"))
        self.assertEqual(self._reminded(sent), {invoice: "Friendly reminder"})
        self.assertAlmostEqual(sent.amount_residual, 666.67)
        activity = plan.activity_ids
        self.assertEqual(activity.user_id, self.dunning_user)
        self.assertEqual(
            activity.summary, "Instalment plan broken: call Bianchi Costruzioni S.r.l."
        )
        self.assertIn(
            "the instalment of 03/28/2026 is unpaid", plan.message_ids[0].body
        )
        self.assertIn("666.66", plan.message_ids[0].body)  # due so far
        self.assertEqual(self.customer.dunning_plan_count, 0)
