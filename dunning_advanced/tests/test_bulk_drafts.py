from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import d
from .test_dunning_customer_message import CustomerMessageCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-01-01")
class TestDraftsWrittenInBulk(CustomerMessageCommon):
    """A run writes its drafts in two INSERTs (``_insert_rows``), not through
    the ORM's create: what it stores must be what the ORM computes."""

    def _stored_computed(self, model):
        return [
            name
            for name, field in self.env[model]._fields.items()
            if field.store and field.compute
        ]

    def _recomputed(self, records):
        """Every stored computed field of ``records`` as the ORM computes it."""
        names = self._stored_computed(records._name)
        records.invalidate_recordset()
        for name in names:
            self.env.add_to_compute(records._fields[name], records)
        records.flush_recordset()
        records.invalidate_recordset()
        return records.read(names)

    def test_drafts_hold_what_the_orm_computes(self):
        """Overdue, falling due, credit, disputed items, a percentage fee, and
        a formal notice with interest and 40 EUR: the bulk drafts of
        a preview equal their recomputation field by field."""
        self.friendly.write({"fee_type": "percent", "fee_percent": 2.0})
        self.notice.write({"fee_type": "fixed", "fee_fixed": 15.0})
        other = self._create_customer("Verdi Impianti S.p.A.")
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-02-20")
        self._invoice(self.customer, 250.0, "2026-02-20", "2026-03-14")
        self._invoice(self.customer, 80.0, "2026-02-01", move_type="out_refund")
        disputed = self._invoice(self.customer, 300.0, "2026-01-10", "2026-02-10")
        self.env["dunning.dispute"].create(
            {"move_id": disputed.id, "reason": "Goods damaged"}
        )
        self._invoice(other, 2000.0, "2026-01-01", "2026-01-31")
        self._run_on("2026-02-07", "2026-02-20")
        run = self._preview("2026-03-07")
        drafts = run.communication_ids
        self.assertEqual(drafts.partner_id, self.customer | other)
        mine = drafts.filtered(lambda c: c.partner_id == self.customer)
        notice = drafts - mine
        self.assertEqual(mine.level_id, self.friendly)
        self.assertEqual(
            sorted(mine.line_ids.mapped("section")),
            ["credit", "disputed", "not_due", "overdue"],
        )
        self.assertAlmostEqual(mine.fee_amount, 20.0)  # 2 % of 1,000
        self.assertEqual(notice.level_id, self.notice)
        self.assertTrue(notice.line_ids.interest_amount)
        self.assertAlmostEqual(notice.line_ids.compensation_amount, 40.0)
        stored = {
            model: self._stored_computed(model)
            for model in ("dunning.communication", "dunning.communication.line")
        }
        written = {
            "dunning.communication": drafts.read(stored["dunning.communication"]),
            "dunning.communication.line": drafts.line_ids.read(
                stored["dunning.communication.line"]
            ),
        }
        self.assertEqual(self._recomputed(drafts), written["dunning.communication"])
        self.assertEqual(
            self._recomputed(drafts.line_ids), written["dunning.communication.line"]
        )
        self.assertEqual(mine.date, d("2026-03-07"))
        self.assertFalse(mine.message_follower_ids)

    def test_a_row_leaving_a_total_stale_is_refused(self):
        """A line inserted without its reminder's totals would leave them
        stale: refused, nothing written."""
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        run = self._preview("2026-02-07")
        draft = run.communication_ids
        line = draft.line_ids
        Line = self.env["dunning.communication.line"].sudo()
        vals = {
            "communication_id": draft.id,
            "move_line_id": line.move_line_id.id,
            "section": "overdue",
            "date_maturity": line.date_maturity,
            "amount_residual": 5.0,
        }
        with self.assertRaisesRegex(ValueError, "amount_total"):
            Line._insert_rows([vals])
        self.assertEqual(draft.line_ids, line)
        with self.assertRaises(AccessError):
            Line.with_user(self.env.ref("base.user_admin"))._insert_rows([vals])

    def test_numbers_of_a_batch_follow_the_sequence(self):
        """A batch takes its numbers in one query from a plain sequence, one by
        one from a sequence without gaps or with date ranges: the same
        numbers either way, and the sequence moves on by as many."""
        Communication = self.env["dunning.communication"]
        for vals in (
            {"implementation": "standard"},
            {"implementation": "no_gap"},
            {"implementation": "standard", "use_date_range": True},
        ):
            sequence = self.env["ir.sequence"].create(
                {
                    "name": "Reminders",
                    "code": "dunning.test",
                    "prefix": "SOL/%(year)s/",
                    "padding": 5,
                    **vals,
                }
            )
            with freeze_time("2026-03-07"):
                numbers = Communication._sequence_numbers(sequence, 3)
                self.assertEqual(
                    numbers, ["SOL/2026/00001", "SOL/2026/00002", "SOL/2026/00003"]
                )
                self.assertEqual(sequence._next(), "SOL/2026/00004")
        self.assertEqual(Communication._sequence_numbers(False, 2), [False, False])
