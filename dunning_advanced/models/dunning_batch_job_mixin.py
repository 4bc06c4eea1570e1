from odoo import api, models


class DunningBatchJobMixin(models.AbstractModel):
    """How the addon's scheduled jobs work through their batches.

    The one place of the loop the daily jobs share (dunning runs, risk scores,
    prescription alerts, pagoPA publication and receipts): each batch done is
    reported with Odoo 18's cron progress API; under the cron runner one batch
    is done per call (the runner commits, then calls again while work remains,
    and a trigger takes over after its own limit of calls), so a job cut short
    resumes where it stopped; called directly (tests, a button), every batch
    runs in the call.
    """

    _name = "dunning.batch.job.mixin"
    _description = "Scheduled Job in Batches"

    @api.model
    def _run_batches(self, cron_xmlid, batches):
        """Drive ``batches``, an iterator that does one batch each time it is
        advanced and yields (how many were done, how many remain). Returns
        True when every batch is done in this call."""
        cron = self.env["ir.cron"]
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        done = 0
        for count, remaining in batches:
            done += count
            # The batch is written: what it read leaves the cache, so that a
            # job's memory is one batch's, not the whole run's.
            self.env.invalidate_all()
            cron._notify_progress(done=done, remaining=remaining)
            if in_cron and remaining:
                self.env.ref(cron_xmlid)._trigger()
                return False
        cron._notify_progress(done=done, remaining=0)
        return True
