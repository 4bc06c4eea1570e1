from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import DunningTestCommon, d
from .test_dunning_engine import DunningEngineCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-03-31")
class TestKpiSnapshot(DunningTestCommon):
    """KPIs of the books as they stood on 31 March 2026, worked by hand.

    January: 3,100 invoiced on 5 Jan, paid on 28 Feb.
    February: 2,800 invoiced on 5 Feb (due 7 March), 1,250 paid on 20 March.
    March: 3,100 invoiced on 10 March, due 30 April.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        january = cls._invoice(cls.customer, 3100, d("2026-01-05"), d("2026-02-04"))
        cls._pay(january, 3100, d("2026-02-28"))
        february = cls._invoice(cls.customer, 2800, d("2026-02-05"), d("2026-03-07"))
        cls._pay(february, 1250, d("2026-03-20"))
        cls._invoice(cls.customer, 3100, d("2026-03-10"), d("2026-04-30"))
        cls.Snapshot = cls.env["dunning.kpi.snapshot"]

    def test_receivables_and_overdue_share(self):
        values = self.Snapshot._compute_values(self.company, d("2026-03-31"))
        # 1,550 left of February (overdue since 7 March) + 3,100 of March
        self.assertEqual(values["receivable"], 4650.0)
        self.assertEqual(values["receivable_current"], 3100.0)
        self.assertEqual(values["receivable_overdue"], 1550.0)
        self.assertEqual(values["overdue_share"], 33.33)
        # in the aging columns: February's 1,550 is 24 days late
        self.assertEqual(values["aging_not_due"], 3100.0)
        self.assertEqual(values["aging_1_30"], 1550.0)
        self.assertEqual(values["aging_31_60"], 0.0)

    def test_dso_by_countback(self):
        # 4,650 - March's 3,100 (31 days) = 1,550, of February's 2,800 over
        # 28 days: 15.5 days. DSO = 46.5.
        values = self.Snapshot._compute_values(self.company, d("2026-03-31"))
        self.assertEqual(values["dso"], 46.5)
        # Best possible: the 3,100 not due are March's sales, 31 days.
        self.assertEqual(values["best_dso"], 31.0)
        # Average days delinquent = 46.5 - 31.0.
        self.assertEqual(values["days_delinquent"], 15.5)

    def test_cei_of_the_last_30_days(self):
        # On 1 March 2,800 was owed (January paid on 28 February); 3,100 sold
        # since; 4,650 owed on 31 March of which 3,100 not due:
        # (2,800 + 3,100 - 4,650) / (2,800 + 3,100 - 3,100) = 44.64 %.
        values = self.Snapshot._compute_values(self.company, d("2026-03-31"))
        self.assertEqual(values["sales_period"], 3100.0)
        self.assertEqual(values["cei"], 44.64)

    def test_a_past_day_is_computed_as_it_was(self):
        # 28 February: February's 2,800 open and not due (due 7 March); January
        # paid that day. DSO: 2,800 of February's 2,800 over 28 days.
        values = self.Snapshot._compute_values(self.company, d("2026-02-28"))
        self.assertEqual(values["receivable"], 2800.0)
        self.assertEqual(values["receivable_overdue"], 0.0)
        self.assertEqual(values["dso"], 28.0)
        self.assertEqual(values["days_delinquent"], 0.0)

    def test_daily_cron_writes_one_row_per_company_and_day(self):
        self.Snapshot._cron_take_snapshots()
        self.Snapshot._cron_take_snapshots()
        snapshots = self.Snapshot.search(
            [("company_id", "=", self.company.id), ("date", "=", d("2026-03-31"))]
        )
        self.assertEqual(len(snapshots), 1)
        self.assertEqual(snapshots.dso, 46.5)
        self.assertEqual(snapshots.cei, 44.64)

    def test_backfill_gives_the_trend(self):
        self.Snapshot._backfill(self.company, d("2026-03-01"), d("2026-03-31"))
        snapshots = self.Snapshot.search(
            [("company_id", "=", self.company.id)], order="date"
        )
        self.assertEqual(len(snapshots), 31)
        # 7 March: February's invoice falls due; 8 March it is overdue.
        by_day = {s.date: s for s in snapshots}
        self.assertEqual(by_day[d("2026-03-07")].receivable_overdue, 0.0)
        self.assertEqual(by_day[d("2026-03-08")].receivable_overdue, 2800.0)

    def test_dashboard_shows_the_figures_to_a_dunning_user(self):
        self.Snapshot._backfill(self.company, d("2026-02-27"), d("2026-03-31"))
        Dashboard = self.env["dunning.kpi.dashboard"].with_user(self.dunning_user)
        action = Dashboard.action_open()
        dashboard = Dashboard.browse(action["res_id"])
        html = str(dashboard.dashboard_html)
        self.assertIn("46.5", html)  # DSO
        self.assertIn("44.6 %", html)  # CEI
        self.assertIn("<svg", html)
        self.assertIn("polyline", html)
        with self.assertRaises(AccessError):
            self.env["dunning.kpi.dashboard"].with_user(self.salesperson).action_open()


@tagged("post_install", "-at_install")
class TestReminderEffectiveness(DunningEngineCommon):
    def test_paid_within_7_14_30_days_of_the_reminder(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run_on("2026-02-07")  # friendly reminder
        self._pay(invoice, 400, d("2026-02-12"))  # 5 days after
        self._pay(invoice, 600, d("2026-02-25"))  # 18 days after
        rows = self.env["dunning.reminder.effectiveness"].search(
            [("move_id", "=", invoice.id)]
        )
        self.assertEqual(rows.level_id, self.friendly)
        self.assertEqual(rows.channel, "email")
        self.assertEqual(rows.amount_reminded, 1000.0)
        self.assertEqual(rows.amount_paid_7, 400.0)
        self.assertEqual(rows.amount_paid_14, 400.0)
        self.assertEqual(rows.amount_paid_30, 1000.0)
        summary = self.env["dunning.reminder.effectiveness"]._summary(
            "level_id", d("2026-02-01"), d("2026-02-28")
        )
        level, reminded, shares = summary[0]
        self.assertEqual((level, reminded), (self.friendly, 1000.0))
        self.assertEqual(shares, {7: 40.0, 14: 40.0, 30: 100.0})
