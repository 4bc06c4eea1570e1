import logging

from psycopg2 import errors

from odoo import _, api, fields, models
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

_logger = logging.getLogger(__name__)


class DunningRunChunk(models.Model):
    """A range of customers of a scheduled run, dunned by one queued job.

    The run's customers are split by commercial partner id into contiguous
    ranges ``(after_partner_id, last_partner_id]``; the job of a range asks
    again, when it runs, which customers of the range need a reminder (a
    payment or a dispute since the run was queued counts). Each job writes
    only its own chunk, so jobs on several workers never wait for each other
    on the run's row: the run's progress is the sum of its chunks.
    """

    _name = "dunning.run.chunk"
    _description = "Queued Batch of a Dunning Run"
    _order = "run_id, after_partner_id"
    _check_company_auto = True

    run_id = fields.Many2one(
        "dunning.run", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="run_id.company_id", store=True, readonly=True, index=True
    )
    after_partner_id = fields.Integer(
        string="After Customer ID",
        readonly=True,
        help="The chunk holds the customers whose id is above this one.",
    )
    last_partner_id = fields.Integer(
        string="Last Customer ID",
        readonly=True,
        help="...up to this one, included.",
    )
    planned_count = fields.Integer(
        string="Customers Queued",
        readonly=True,
        help="Customers of the range that needed a look when the run was queued.",
    )
    state = fields.Selection(
        [("queued", "Queued"), ("done", "Done")],
        required=True,
        default="queued",
        readonly=True,
    )
    partner_done_count = fields.Integer(string="Customers Checked", readonly=True)
    communication_count = fields.Integer(string="Reminders", readonly=True)

    _sql_constraints = [
        (
            "range_uniq",
            "UNIQUE(run_id, after_partner_id)",
            "A run queues each range of customers once.",
        ),
    ]

    @api.depends("run_id", "after_partner_id", "last_partner_id")
    def _compute_display_name(self):
        for chunk in self:
            chunk.display_name = _(
                "%(run)s: customers %(first)s-%(last)s",
                run=chunk.run_id.name,
                first=chunk.after_partner_id + 1,
                last=chunk.last_partner_id,
            )

    def _job_identity_key(self):
        """One job per run and range: a second cron call the same day finds it."""
        self.ensure_one()
        return (
            f"dunning.run,{self.run_id.id}:"
            f"{self.after_partner_id}-{self.last_partner_id}"
        )

    def _lock_for_job(self):
        """Lock this chunk's row; the same chunk being run by another worker
        (a job requeued by hand while its twin runs) is tried again later."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM dunning_run_chunk WHERE id = %s "
                        "FOR NO KEY UPDATE NOWAIT",
                        self.id,
                    )
                )
        except errors.LockNotAvailable as err:
            raise RetryableJobError(
                _(
                    "Customers %s are being dunned by another worker.",
                    self.display_name,
                ),
                seconds=60,
            ) from err
        self.invalidate_recordset()

    def _dun_chunk(self):
        """Dun the customers of this range (queued job): the engine's unit of
        work, ``dunning.run._dun_partners``. Customers already reminded by
        this run are left out, so a job run again sends nothing twice."""
        self.ensure_one()
        chunk = self.sudo()
        chunk._lock_for_job()
        run = chunk.run_id.with_company(chunk.company_id)
        if chunk.state == "done" or run.state != "running":
            return _("Nothing to do: %s is already done.", chunk.display_name)
        partner_ids = run._queue_chunk_partner_ids(
            chunk.after_partner_id, chunk.last_partner_id
        )
        communications = run._dun_partners(partner_ids)
        chunk.write(
            {
                "state": "done",
                "partner_done_count": len(partner_ids),
                "communication_count": len(communications),
            }
        )
        _logger.info(
            "Dunning %s: %s customers checked, %s reminders (queued job)",
            chunk.display_name,
            len(partner_ids),
            len(communications),
        )
        return _(
            "%(customers)s customers checked, %(reminders)s reminders",
            customers=len(partner_ids),
            reminders=len(communications),
        )
