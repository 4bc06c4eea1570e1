import importlib.util
from pathlib import Path

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL, sql

from .common import d
from .test_dunning_engine import DunningEngineCommon

MIGRATION = (
    Path(__file__).resolve().parent.parent
    / "migrations"
    / "18.0.2.0.0"
    / "pre-migrate.py"
)


def _migration():
    spec = importlib.util.spec_from_file_location("dunning_pre_migrate_2", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
@freeze_time("2026-01-01")
class TestMigrationToCustomerEngine(DunningEngineCommon):
    """Reminders of the previous engine (18.0.1) stay readable and keep their
    meaning after the upgrade to the customer-level engine."""

    def _as_left_by_the_previous_engine(self):
        """The tables as version 18.0.1 had them: without the new columns (the
        test's transaction rolls the DDL back)."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            SQL(
                "ALTER TABLE dunning_communication_line DROP COLUMN section, "
                "DROP COLUMN claimed, DROP COLUMN level_reached"
            )
        )
        cr.execute(
            SQL(
                "ALTER TABLE dunning_communication DROP COLUMN amount_owed, "
                "DROP COLUMN amount_not_due, DROP COLUMN amount_credit, "
                "DROP COLUMN amount_disputed, DROP COLUMN amount_paused, "
                "DROP COLUMN is_simulation, DROP COLUMN via_pec"
            )
        )
        self.env.invalidate_all()

    def test_history_and_levels_survive_the_upgrade(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run_on("2026-02-07", "2026-02-20")
        other = self._create_customer("Verdi S.p.A.", email="verdi@example.com")
        self._invoice(other, 300.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-21"):
            wizard = self.env["dunning.run.wizard"].create({"date": "2026-02-21"})
            preview = self.env["dunning.run"].browse(wizard.action_confirm()["res_id"])
        old_draft = preview.communication_ids.filtered(lambda c: c.partner_id == other)
        self.assertEqual(old_draft.state, "draft")
        self._as_left_by_the_previous_engine()

        migration = _migration()
        migration.migrate(self.env.cr, False)  # a new install: nothing to do
        self.assertFalse(
            sql.column_exists(self.env.cr, "dunning_communication_line", "section")
        )
        migration.migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()

        sent = self._communications()
        self.assertEqual(sent.level_id, self.friendly | self.firm)
        for line in sent.line_ids:
            self.assertEqual(
                (line.section, line.claimed, line.level_reached),
                ("overdue", True, True),
            )
        self.assertEqual(invoice.dunning_level_id, self.firm)
        self.assertEqual(invoice.dunning_count, 2)
        history = invoice.action_view_dunning_history()
        lines = self.env[history["res_model"]].search(history["domain"])
        self.assertEqual(lines.communication_id, sent)
        self.assertAlmostEqual(sent[-1].amount_owed, sent[-1].amount_total)
        self.assertIn("1,000.00", str(sent[-1].statement_html))
        self.assertEqual(old_draft.state, "cancelled")
        self.assertIn("previous dunning engine", old_draft.note)
        # The engine goes on from the history: the formal notice on 7 March.
        self._run("2026-03-07")
        self.assertEqual(self._communications()[-1].level_id, self.notice)
        self.assertEqual(self._communications()[-1].date, d("2026-03-07"))
