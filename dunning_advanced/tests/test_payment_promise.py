from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, tagged

from .common import d
from .common_arrangements import ArrangementTestCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-01-05")
class TestPaymentPromise(ArrangementTestCommon):
    def _promise(self, invoices, amount, date, on):
        with freeze_time(on):
            return (
                self.env["dunning.promise"]
                .with_user(self.dunning_user)
                .create(
                    {
                        "partner_id": self.customer.id,
                        "move_ids": [Command.set(invoices.ids)],
                        "date": date,
                        "amount": amount,
                    }
                )
            )

    def test_promise_pauses_dunning_then_breaks_and_counts_in_risk(self):
        promised = self._invoice(self.customer, 1000, d("2026-01-01"), d("2026-01-31"))
        other = self._invoice(self.customer, 500, d("2026-01-01"), d("2026-01-31"))
        sent = self._run(d("2026-02-08"))  # 31 January + 7: friendly
        self.assertEqual(
            self._reminded(sent),
            {promised: "Friendly reminder", other: "Friendly reminder"},
        )
        promise = self._promise(promised, 600, d("2026-02-25"), on="2026-02-09")
        self.assertEqual(promise.promise_date, d("2026-02-09"))
        self.assertEqual(promise.residual_at_promise, 1000)
        self._pay(promised, 100, d("2026-02-15"))
        # 21 February: 31 January + 20 = firm, but only for the invoice not promised.
        sent = self._run(d("2026-02-21"))
        self.assertEqual(self._reminded(sent), {other: "Firm reminder"})
        # On the promised day itself the invoice still waits.
        self.assertFalse(self._run(d("2026-02-25")))
        self.assertEqual(promise.state, "open")
        # 26 February: 100 received of 600 promised: broken. The customer, at
        # the firm level since 21 February, moves up one step at once: the
        # formal notice, claiming both invoices, 1,000 - 100 = 900 and 500.
        sent = self._run(d("2026-02-26"))
        self.assertEqual(promise.state, "broken")
        self.assertEqual(promise.closed_date, d("2026-02-26"))
        self.assertEqual(promise.amount_received, 100)
        notice = "Formal notice (messa in mora)"
        self.assertEqual(self._reminded(sent), {promised: notice, other: notice})
        self.assertEqual(sent.amount_residual, 1400)
        activity = promise.activity_ids
        self.assertEqual(activity.user_id, self.dunning_user)
        self.assertEqual(
            activity.summary, "Promise broken: call Bianchi Costruzioni S.r.l."
        )
        notes = self.customer.message_ids.filtered(
            lambda m: f"Promise to pay {promise.name} broken" in m.body
        )
        self.assertEqual(len(notes), 1)
        self.assertIn("$&nbsp;600.00 promised by 02/25/2026", notes.body)
        self.assertIn("$&nbsp;100.00 received", notes.body)
        # Risk: overdue/exposure (1) + dunning level (formal notice) + one broken
        # promise of 3 for full risk; no paid invoice, limit nor rating, so the
        # applicable weights are 20 + 10 + 10 = 40 and the promise gives
        # 100 * 10 * (1 / 3) / 40 = 8.33 points.
        profile = self.env["dunning.credit.profile"]._compute_risk_scores(
            self.customer, self.company, d("2026-02-26")
        )
        self.assertEqual(profile.risk_broken_promises, 1)
        self.assertAlmostEqual(profile.risk_points_broken_promises, 8.33)
        # A year and a day later the promise no longer counts.
        profile = self.env["dunning.credit.profile"]._compute_risk_scores(
            self.customer, self.company, d("2027-02-27")
        )
        self.assertEqual(profile.risk_broken_promises, 0)

    def test_broken_promise_escalates_one_level_at_once(self):
        invoice = self._invoice(self.customer, 1000, d("2026-01-01"), d("2026-01-31"))
        self._run(d("2026-02-08"))  # friendly
        promise = self._promise(invoice, 1000, d("2026-02-12"), on="2026-02-09")
        # 13 February: broken; the firm reminder would wait for 31 January + 20
        # = 20 February, the broken promise brings it forward.
        sent = self._run(d("2026-02-13"))
        self.assertEqual(promise.state, "broken")
        self.assertEqual(self._reminded(sent), {invoice: "Firm reminder"})
        # Once: the next day normal dunning goes on (formal notice on 7 March).
        self.assertFalse(self._run(d("2026-02-14")))
        sent = self._run(d("2026-03-07"))
        self.assertEqual(
            self._reminded(sent), {invoice: "Formal notice (messa in mora)"}
        )

    def test_kept_promise_does_not_break(self):
        invoice = self._invoice(self.customer, 1000, d("2026-01-01"), d("2026-01-31"))
        self._run(d("2026-02-08"))  # friendly
        # Made from the invoice list, on the selected invoice.
        action = invoice.with_user(self.dunning_user).action_new_payment_promise()
        with freeze_time("2026-02-09"):
            form = Form(
                self.env[action["res_model"]]
                .with_user(self.dunning_user)
                .with_context(**action["context"])
            )
            form.date = d("2026-02-15")
            form.amount = 600
            promise = form.save()
        self.assertEqual(promise.partner_id, self.customer)
        self.assertEqual(promise.move_ids, invoice)
        self._pay(invoice, 600, d("2026-02-14"))
        # 16 February: 600 received of 600 promised: kept, and no reminder (the
        # firm one waits for 20 February).
        self.assertFalse(self._run(d("2026-02-16")))
        self.assertEqual(promise.state, "kept")
        self.assertFalse(promise.activity_ids)
        sent = self._run(d("2026-02-21"))
        self.assertEqual(self._reminded(sent), {invoice: "Firm reminder"})
        self.assertEqual(sent.amount_residual, 400)  # 1,000 - 600
        profile = self.env["dunning.credit.profile"]._compute_risk_scores(
            self.customer, self.company, d("2026-02-21")
        )
        self.assertEqual(profile.risk_broken_promises, 0)
