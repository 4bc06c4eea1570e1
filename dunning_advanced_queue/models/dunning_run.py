import logging

from odoo import _, api, fields, models
from odoo.tools import SQL, str2bool

from odoo.addons.dunning_advanced.models.dunning_run import (
    BATCH_SIZE,
)
from odoo.addons.dunning_advanced.models.dunning_run import (
    DunningRun as DunningRunBase,
)
from odoo.addons.queue_job.delay import group
from odoo.addons.queue_job.exception import RetryableJobError

_logger = logging.getLogger(__name__)

CHANNEL = "root.dunning"
ENABLED_PARAM = "dunning_advanced_queue.enabled"


class DunningRun(models.Model):
    """The scheduled run spread over queue_job workers.

    When ``dunning_advanced_queue.enabled`` is on, the daily cron no longer
    works through the batches itself: for each company's run it queues one
    job per chunk of customers (a range of commercial partner ids, see
    dunning.run.chunk) on the ``root.dunning`` channel, and a last job that
    depends on all of them and finishes the run (holds, letters of the day).
    Any worker of any machine takes the jobs; a chunk that fails is retried
    alone and the run waits for it. The chunks are recorded on the run in the
    transaction that queues their jobs, so a second cron call the same day
    queues nothing.
    """

    _inherit = "dunning.run"
    _dunning_controlled_fields = (
        *DunningRunBase._dunning_controlled_fields,
        "queue_chunk_ids",
    )

    queue_chunk_ids = fields.One2many(
        "dunning.run.chunk", "run_id", string="Queued Batches", readonly=True
    )
    queue_chunk_count = fields.Integer(
        string="Batches Queued", compute="_compute_queue_progress"
    )
    queue_chunk_done_count = fields.Integer(
        string="Batches Done", compute="_compute_queue_progress"
    )

    @api.depends("queue_chunk_ids.state")
    def _compute_queue_progress(self):
        for run in self:
            run.queue_chunk_count = len(run.queue_chunk_ids)
            run.queue_chunk_done_count = len(
                run.queue_chunk_ids.filtered(lambda c: c.state == "done")
            )

    @api.model
    def _dunning_queue_enabled(self):
        value = self.env["ir.config_parameter"].sudo().get_param(ENABLED_PARAM, "True")
        return str2bool(value, default=True)

    @api.model
    def _cron_run_dunning(self, batch_size=BATCH_SIZE):
        """Daily: queue every company's dunning in chunks of ``batch_size``
        customers, or run it inline when the bridge is switched off."""
        if not self._dunning_queue_enabled():
            return super()._cron_run_dunning(batch_size=batch_size)
        # Companies are few and all of them are dunned.
        companies = self.env["res.company"].sudo().search([], order="id")  # pylint: disable=no-search-all
        queued = 0
        for company in companies:
            run = self.sudo().with_company(company)._scheduled_run(company)
            if run.state == "running":
                queued += run._dun_queue_chunks(batch_size)
        self.env["ir.cron"]._notify_progress(done=queued, remaining=0)
        return True

    def _process_batch(self, batch_size):
        # A run whose customers went to the queue is the queue's: inline
        # batches (the bridge switched off since) would start again at the
        # first customer.
        if self.queue_chunk_ids:
            return None
        return super()._process_batch(batch_size)

    def _dun_queue_chunks(self, chunk_size):
        """Queue this run's customers in chunks and the job that finishes the
        run: how many chunks were queued (0 when they already were, or when
        another worker is queuing them)."""
        self.ensure_one()
        if not self._try_lock() or self.state != "running":
            return 0
        if self.queue_chunk_ids:
            if all(chunk.state == "done" for chunk in self.queue_chunk_ids):
                # Its chunks are done but the run is not: the finishing job
                # was cancelled or lost. Queued again (a finishing job still
                # waiting has the same identity and is kept instead).
                self._dun_queue_finish_delayable().delay()
            return 0
        if not self.cursor and not self.partner_done_count:
            self._before_run()
        # Customers the run may have done inline already are behind its cursor.
        candidates = self._candidate_partner_ids(
            self.company_id, self.date, self.cursor
        )
        if not candidates:
            self._finish()
            return 0
        vals_list = []
        after = self.cursor
        for start in range(0, len(candidates), chunk_size):
            partner_ids = candidates[start : start + chunk_size]
            vals_list.append(
                {
                    "run_id": self.id,
                    "after_partner_id": after,
                    "last_partner_id": partner_ids[-1],
                    "planned_count": len(partner_ids),
                }
            )
            after = partner_ids[-1]
        chunks = self.env["dunning.run.chunk"].sudo().create(vals_list)
        jobs = [
            chunk.delayable(
                channel=CHANNEL,
                identity_key=chunk._job_identity_key(),
                description=self.env._("Dunning %s", chunk.display_name),
            )._dun_chunk()
            for chunk in chunks
        ]
        group(*jobs).on_done(self._dun_queue_finish_delayable()).delay()
        _logger.info(
            "Dunning %s: %s customers queued in %s jobs on %s",
            self.name,
            len(candidates),
            len(chunks),
            CHANNEL,
        )
        return len(chunks)

    def _dun_queue_finish_delayable(self):
        self.ensure_one()
        return self.delayable(
            channel=CHANNEL,
            identity_key=f"dunning.run,{self.id}:finish",
            description=_("Dunning %s: finish the run", self.name),
        )._dun_queue_finish()

    def _queue_chunk_partner_ids(self, after_id, last_id):
        """The customers of the range ``(after_id, last_id]`` that need a look
        now, less those this run reminded already."""
        self.ensure_one()
        candidates = [
            partner_id
            for partner_id in self._candidate_partner_ids(
                self.company_id, self.date, after_id
            )
            if partner_id <= last_id
        ]
        if not candidates:
            return []
        self.env["dunning.communication"].flush_model(["run_id", "partner_id"])
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT partner_id FROM dunning_communication "
                "WHERE run_id = %s AND partner_id = ANY(%s)",
                self.id,
                candidates,
            )
        )
        reminded = {row[0] for row in self.env.cr.fetchall()}
        return [partner_id for partner_id in candidates if partner_id not in reminded]

    def _dun_queue_finish(self):
        """Finish the run once every chunk's job is done (queued job, after
        them): customers counted, holds refreshed, letters of the day merged."""
        self.ensure_one()
        run = self.sudo().with_company(self.company_id)
        if not run._try_lock():
            raise RetryableJobError(
                _("%s is being finished by another worker.", run.name), seconds=60
            )
        if run.state != "running":
            return _("%s was already finished.", run.name)
        chunks = run.queue_chunk_ids
        skipped = chunks.filtered(lambda c: c.state != "done")
        if skipped:
            # A job set to done by hand without running: its customers get
            # their reminder with the next run.
            run.message_post(
                body=_(
                    "Not dunned by this run (their job did not run): %s.",
                    ", ".join(skipped.mapped("display_name")),
                )
            )
        run._write_controlled(
            {
                "cursor": max(chunks.mapped("last_partner_id"), default=run.cursor),
                "partner_done_count": run.partner_done_count
                + sum(chunks.mapped("partner_done_count")),
            }
        )
        run._finish()
        return _(
            "%(run)s finished: %(customers)s customers checked.",
            run=run.name,
            customers=run.partner_done_count,
        )
