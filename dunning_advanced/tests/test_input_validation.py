"""Bad input of issue 11 (item 13): each value gives a clear ValidationError
that says what to fix, and nothing is half written."""

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import d
from .common_arrangements import ArrangementTestCommon
from .common_security import refused


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10")
class TestInputValidation(ArrangementTestCommon):
    def setUp(self):
        super().setUp()
        self.invoice = self._invoice(
            self.customer, 1000.0, d("2026-01-01"), d("2026-01-31")
        )

    def test_negative_overdue_tolerance_is_refused(self):
        with refused(self, ValidationError, "overdue tolerance"):
            self.company.write({"credit_overdue_tolerance": -100.0})
        self.assertEqual(self.company.credit_overdue_tolerance, 5.0)
        wizard = self.env["res.company.credit.settings"].create(
            {"credit_overdue_tolerance": -100.0, "credit_hold_overdue_days": 30}
        )
        with refused(self, ValidationError, "overdue tolerance"):
            wizard.action_save()
        self.assertEqual(self.company.credit_hold_overdue_days, 60)

    def test_interest_rate_of_900_percent_is_refused(self):
        Rate = self.env["dunning.interest.rate"]
        with refused(self, ValidationError, "more than 100"):
            Rate.create(
                {
                    "kind": "b2b",
                    "date_from": d("2026-07-01"),
                    "date_to": d("2026-12-31"),
                    "rate": 900.0,
                    "source": "typo",
                }
            )
        self.assertFalse(Rate.search([("rate", "=", 900.0)]))

    def _plan_vals(self, **vals):
        return {
            "partner_id": self.customer.id,
            "move_ids": [Command.set(self.invoice.ids)],
            "instalment_count": 3,
            "first_date": d("2026-04-01"),
            **vals,
        }

    def test_instalment_plan_in_the_past_or_with_negative_grace_is_refused(self):
        Plan = self.env["dunning.instalment.plan"].with_user(self.dunning_user)
        with refused(self, ValidationError, "in the past"):
            Plan.create(self._plan_vals(first_date=d("2000-01-01")))
        with refused(self, ValidationError, "Grace days"):
            Plan.create(self._plan_vals(grace_days=-5))
        self.assertFalse(
            self.env["dunning.instalment.plan"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )
        plan = Plan.create(self._plan_vals())
        with refused(self, ValidationError, "in the past"):
            plan.write({"first_date": d("2000-01-01")})
        self.assertEqual(plan.first_date, d("2026-04-01"))

    def _promise(self, **vals):
        return (
            self.env["dunning.promise"]
            .with_user(self.dunning_user)
            .create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(self.invoice.ids)],
                    "date": d("2026-03-25"),
                    "amount": 600.0,
                    **vals,
                }
            )
        )

    def test_promise_that_pauses_too_long_or_for_nothing_is_refused(self):
        with refused(self, ValidationError, "does not pause reminders"):
            self._promise(amount=0.01)
        with refused(self, ValidationError, "90 days at most"):
            self._promise(date=d("2099-12-31"))
        with refused(self, ValidationError, "before the day of the promise"):
            self._promise(date=d("2026-03-01"))
        with refused(self, ValidationError, "more than the"):
            self._promise(amount=5000.0)
        self.assertFalse(
            self.env["dunning.promise"].search([("partner_id", "=", self.customer.id)])
        )
        self.assertEqual(self._promise().state, "open")

    def test_hold_release_until_9999_is_refused(self):
        Wizard = self.env["res.partner.credit.hold"].with_company(self.company)
        with refused(self, ValidationError, "180 days at most"):
            Wizard.create(
                {
                    "partner_id": self.customer.id,
                    "action": "release",
                    "reason": "Forever",
                    "release_until": d("9999-12-31"),
                }
            )
        self.assertFalse(
            self.env["dunning.credit.override"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )

    def test_interest_invoice_dated_before_its_interest_is_refused(self):
        form = Form(
            self.env["account.move.interest.invoice"]
            .with_user(self.dunning_user)
            .with_context(active_model="account.move", active_ids=self.invoice.ids)
        )
        form.date_to = d("2026-03-10")
        form.invoice_date = d("2026-02-01")
        wizard = form.save()
        with refused(self, ValidationError, "before"):
            wizard.action_create_invoices()
        self.assertFalse(
            self.env["account.move"].search(
                [
                    ("partner_id", "=", self.customer.id),
                    ("move_type", "=", "out_invoice"),
                    ("id", "!=", self.invoice.id),
                ]
            )
        )
