from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import DUNNING_USER, d
from .common_arrangements import ArrangementTestCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-01-05")
class TestDunningDispute(ArrangementTestCommon):
    def test_open_dispute_keeps_invoice_out_until_resolved(self):
        disputed = self._invoice(self.customer, 1000, d("2026-01-01"), d("2026-01-31"))
        other = self._invoice(self.customer, 500, d("2026-01-01"), d("2026-01-31"))
        dispute = (
            self.env["dunning.dispute"]
            .with_user(self.dunning_user)
            .create(
                {
                    "move_id": disputed.id,
                    "reason": "Goods delivered damaged",
                    "user_id": self.dunning_user.id,
                }
            )
        )
        # The owner gets a to-do; the invoice shows the open dispute.
        self.assertEqual(dispute.activity_ids.user_id, self.dunning_user)
        self.assertEqual(disputed.dunning_dispute_open_count, 1)
        self.assertEqual(self.customer.dunning_dispute_count, 1)
        # 8 February: due 31 January + 7 = friendly reminder, claiming the other
        # only; the disputed one is listed as disputed, not claimed.
        sent = self._run(d("2026-02-08"))
        self.assertEqual(self._reminded(sent), {other: "Friendly reminder"})
        self.assertEqual(sent.amount_residual, 500)
        listed = sent.line_ids.filtered(lambda line: line.move_id == disputed)
        self.assertEqual(listed.section, "disputed")
        self.assertEqual(sent.amount_disputed, 1000)
        self.assertAlmostEqual(sent.amount_total, 500)

        with self.assertRaisesRegex(UserError, "Write the resolution note"):
            dispute.action_resolve()
        dispute.resolution_note = "Damage not proven by the carrier's report"
        dispute.action_resolve()
        self.assertEqual(dispute.state, "resolved")
        self.assertFalse(dispute.activity_ids)
        self.assertEqual(disputed.dunning_dispute_open_count, 0)
        # The customer is the unit: the resolved invoice joins its next
        # reminder, the firm one (31 January + 20, and 13 days after the
        # friendly one of 8 February: 21 February), which claims both.
        self.assertFalse(self._run(d("2026-02-10")))
        sent = self._run(d("2026-02-21"))
        self.assertEqual(
            self._reminded(sent), {disputed: "Firm reminder", other: "Firm reminder"}
        )
        self.assertEqual(sent.amount_residual, 1500)

    def test_dispute_on_receivable_line_holds_until_that_one_is_settled(self):
        invoice = self._invoice(self.customer, 1000, d("2026-01-01"), d("2026-01-31"))
        line = invoice.line_ids.filtered(
            lambda li: li.account_id.account_type == "asset_receivable"
        )
        self.env["dunning.dispute"].create(
            {"move_id": invoice.id, "move_line_id": line.id, "reason": "Wrong price"}
        )
        self.assertFalse(self._run(d("2026-02-08")))
        rejected = self.env["dunning.dispute"].create(
            {"move_id": invoice.id, "reason": "Late delivery"}
        )
        rejected.write({"resolution_note": "Delivered on time: see DDT 12"})
        rejected.action_reject()
        # The first dispute on the line is still open: still nothing to remind.
        self.assertFalse(self._run(d("2026-02-09")))
        line_dispute = self.env["dunning.dispute"].search(
            [("move_line_id", "=", line.id)]
        )
        line_dispute.write({"resolution_note": "Price confirmed by the order"})
        line_dispute.action_resolve()
        sent = self._run(d("2026-02-10"))
        self.assertEqual(self._reminded(sent), {invoice: "Friendly reminder"})

    def test_salesperson_cannot_open_dispute(self):
        invoice = self._invoice(self.customer, 300, d("2026-01-01"), d("2026-01-31"))
        with self.assertRaises(AccessError):
            self.env["dunning.dispute"].with_user(self.salesperson).create(
                {"move_id": invoice.id, "reason": "Wrong price"}
            )
        with self.assertRaises(AccessError):
            self.env["dunning.promise"].with_user(self.salesperson).create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "date": d("2026-02-15"),
                    "amount": 300,
                }
            )
        with self.assertRaises(AccessError):
            self.env["dunning.instalment.plan"].with_user(self.salesperson).create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(invoice.ids)],
                    "first_date": d("2026-02-15"),
                }
            )

    def test_disputes_of_one_company_are_invisible_in_another(self):
        other_company = self.setup_other_company(name="Altra Azienda S.r.l.")["company"]
        other_user = new_test_user(
            self.env,
            login="other_dispute_user",
            groups=f"{DUNNING_USER},sales_team.group_sale_salesman",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        invoice = self._invoice(self.customer, 300, d("2026-01-01"), d("2026-01-31"))
        dispute = self.env["dunning.dispute"].create(
            {"move_id": invoice.id, "reason": "Wrong price"}
        )
        Dispute = self.env["dunning.dispute"].with_user(other_user)
        self.assertFalse(Dispute.search([]))
        with self.assertRaises(AccessError):
            dispute.with_user(other_user).read(["reason"])
        # A dispute of the other company cannot point at this company's invoice.
        with self.assertRaises(UserError):
            self.env["dunning.dispute"].create(
                {
                    "move_id": invoice.id,
                    "company_id": other_company.id,
                    "reason": "Wrong price",
                }
            )
