from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import DunningTestCommon, d
from .test_dunning_engine import DunningEngineCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-06-01")
class TestAgedReceivables(DunningTestCommon):
    """Open items as they stood on a day, in aging columns."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 1,000 due 31 January: 400 paid on 15 March, the rest on 20 April.
        cls.january = cls._invoice(cls.customer, 1000, d("2026-01-01"), d("2026-01-31"))
        cls._pay(cls.january, 400, d("2026-03-15"))
        cls._pay(cls.january, 600, d("2026-04-20"))
        # 500 due 30 April, never paid.
        cls.april = cls._invoice(cls.customer, 500, d("2026-03-31"), d("2026-04-30"))
        # 300 due 30 June: not due on 1 June.
        cls.june = cls._invoice(cls.customer, 300, d("2026-05-31"), d("2026-06-30"))

    def _report(self, as_of=None, user=None):
        # The report's rows are the items' ids whatever the day: forget the
        # rows read for another day.
        self.env.invalidate_all()
        Report = self.env["dunning.aged.receivable"]
        if user:
            Report = Report.with_user(user)
        if as_of:
            Report = Report.with_context(dunning_as_of=as_of)
        return Report.search([("partner_id", "=", self.customer.id)])

    def _buckets(self, rows):
        return {
            bucket: round(
                sum(
                    rows.filtered(lambda r, b=bucket: r.age_bucket == b).mapped(
                        "amount_residual"
                    )
                ),
                2,
            )
            for bucket in set(rows.mapped("age_bucket"))
        }

    def test_today_shows_what_is_open_in_its_column(self):
        rows = self._report()
        self.assertEqual(rows.move_id, self.april | self.june)
        april = rows.filtered(lambda r: r.move_id == self.april)
        # due 30 April, 1 June: 32 days late
        self.assertEqual(april.days_late, 32)
        self.assertEqual(april.age_bucket, "31_60")
        self.assertEqual(april.amount_31_60, 500)
        self.assertEqual(april.amount_overdue, 500)
        june = rows.filtered(lambda r: r.move_id == self.june)
        self.assertEqual(june.age_bucket, "not_due")
        self.assertEqual(june.amount_not_due, 300)
        self.assertEqual(june.amount_overdue, 0)

    def test_past_day_undoes_later_payments(self):
        # 31 March: January's invoice had 600 left (400 paid on 15 March), 59
        # days late; April's invoice was dated that day, not due.
        rows = self._report("2026-03-31")
        self.assertEqual(self._buckets(rows), {"31_60": 600.0, "not_due": 500.0})
        january = rows.filtered(lambda r: r.move_id == self.january)
        self.assertEqual(january.days_late, 59)
        self.assertEqual(january.amount_residual_currency, 600)
        # 28 February: all 1,000 open, 28 days late; nothing else existed.
        rows = self._report("2026-02-28")
        self.assertEqual(rows.move_id, self.january)
        self.assertEqual(self._buckets(rows), {"1_30": 1000.0})
        # 20 April: January's invoice is paid that day.
        rows = self._report("2026-04-20")
        self.assertEqual(rows.move_id, self.april)

    def test_unapplied_payment_and_credit_note_lower_the_balance(self):
        refund = self._invoice(
            self.customer, 120, d("2026-05-10"), d("2026-05-10"), move_type="out_refund"
        )
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 80,
                "date": d("2026-05-20"),
            }
        )
        payment.action_post()
        rows = self._report()
        self.assertEqual(
            rows.filtered(lambda r: r.move_id == refund).move_type, "out_refund"
        )
        self.assertEqual(round(sum(rows.mapped("amount_residual")), 2), 800 - 120 - 80)

    def test_dispute_is_shown(self):
        self.env["dunning.dispute"].create(
            {"move_id": self.april.id, "reason": "Goods damaged"}
        )
        rows = self._report()
        self.assertTrue(rows.filtered(lambda r: r.move_id == self.april).disputed)
        self.assertFalse(rows.filtered(lambda r: r.move_id == self.june).disputed)

    def test_grouped_by_salesperson_and_risk_in_the_pivot(self):
        self.april.invoice_user_id = self.salesperson
        groups = self.env["dunning.aged.receivable"]._read_group(
            [("partner_id", "=", self.customer.id)],
            ["user_id", "age_bucket"],
            ["amount_residual:sum"],
        )
        self.assertIn((self.salesperson, "31_60", 500.0), groups)

    def test_exposure_button_opens_the_open_items(self):
        action = self.customer.with_user(self.invoicing_user).action_view_credit_items()
        self.assertEqual(action["res_model"], "dunning.aged.receivable")
        rows = (
            self.env["dunning.aged.receivable"]
            .with_user(self.invoicing_user)
            .with_context(**action["context"])
            .search(action["domain"])
        )
        self.assertEqual(rows.move_id, self.april | self.june)
        self.assertEqual(
            rows.mapped("date_maturity"), [d("2026-04-30"), d("2026-06-30")]
        )

    def test_report_at_a_date_wizard(self):
        wizard = Form(
            self.env["dunning.aged.receivable.open"].with_user(self.dunning_user)
        )
        wizard.as_of = d("2026-03-31")
        wizard.group_by = "user_id"
        action = wizard.save().action_open()
        self.assertEqual(action["context"]["dunning_as_of"], "2026-03-31")
        self.assertEqual(action["context"]["pivot_row_groupby"], ["user_id"])
        future = Form(self.env["dunning.aged.receivable.open"])
        future.as_of = d("2026-07-01")
        with self.assertRaisesRegex(UserError, "today or a past day"):
            future.save().action_open()

    def test_salesperson_cannot_read_the_report(self):
        with self.assertRaises(AccessError):
            self._report(user=self.salesperson)


@tagged("post_install", "-at_install")
class TestAgedReceivablesLevel(DunningEngineCommon):
    def test_level_reached_is_shown_on_the_item(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run_on("2026-02-07")  # friendly reminder at +7
        with freeze_time("2026-02-10"):
            row = self.env["dunning.aged.receivable"].search(
                [("move_id", "=", invoice.id)]
            )
            self.assertEqual(row.level_id, self.friendly)
            self.assertEqual(row.days_late, 10)
