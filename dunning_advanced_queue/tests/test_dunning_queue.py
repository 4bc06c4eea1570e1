from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.dunning_advanced.models.dunning_communication import (
    DunningCommunication,
)
from odoo.addons.dunning_advanced.tests.test_dunning_engine import (
    DunningEngineCommon,
)
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs

DAY = "2026-02-07"  # friendly reminders (+7) of invoices due 31 January


@tagged("post_install", "-at_install")
@freeze_time("2026-01-01")
class TestDunningQueue(DunningEngineCommon):
    """The scheduled run queued in chunks of two customers: five customers
    with an overdue invoice make three chunk jobs and the job that finishes
    the run."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.customer
        for name in ("Verdi", "Neri", "Gialli", "Rossi"):
            cls.customers |= cls._create_customer(
                f"{name} S.r.l.", email=f"{name.lower()}@example.com"
            )
        for customer in cls.customers:
            cls._invoice(customer, 800.0, "2026-01-01", "2026-01-31")
        cls.env["ir.config_parameter"].sudo().set_param(
            "dunning_advanced_queue.enabled", "True"
        )

    def _cron(self):
        with freeze_time(DAY):
            self.env["dunning.run"]._cron_run_dunning(batch_size=2)

    def _today_run(self):
        return self.env["dunning.run"].search(
            [
                ("company_id", "=", self.company.id),
                ("run_type", "=", "scheduled"),
                ("date", "=", DAY),
            ]
        )

    def _sent_per_customer(self):
        """{customer name: (reminders sent, emails queued)}."""
        result = {}
        for customer in self.customers:
            sent = self._communications(customer)
            result[customer.name] = (len(sent), len(self._mails(sent)))
        return result

    def _work_queue(self):
        """Every pending job of the dunning channel once, as a worker of the
        job runner does: alone in its savepoint, then done (and the jobs
        waiting for it released) or failed with its error. Repeats while jobs
        are released. Returns the jobs it ran."""
        jobs = self.env["queue.job"].sudo()
        ran = jobs
        with freeze_time(DAY):
            while True:
                pending = jobs.search(
                    [("channel", "=", "root.dunning"), ("state", "=", "pending")],
                    order="id",
                )
                if not pending:
                    return ran
                ran |= pending
                for record in pending:
                    job = Job.load(self.env, record.uuid)
                    job.set_started()
                    job.store()
                    try:
                        with self.env.cr.savepoint():
                            job.perform()
                    except ConnectionError as error:
                        job.set_failed(
                            exc_name=type(error).__name__, exc_message=str(error)
                        )
                        job.store()
                    else:
                        job.set_done()
                        job.store()
                        self.env.flush_all()  # the release below is SQL
                        job.enqueue_waiting()
                    self.env.invalidate_all()

    def test_scheduled_run_queues_one_job_per_chunk_on_the_dunning_channel(self):
        with trap_jobs() as trap:
            self._cron()
        run = self._today_run()
        chunks = run.queue_chunk_ids
        self.assertEqual(run.state, "running")
        self.assertEqual(len(chunks), 3)
        self.assertEqual(chunks.mapped("planned_count"), [2, 2, 1])
        # Contiguous ranges of customer ids, the five customers in them.
        self.assertEqual(chunks[1].after_partner_id, chunks[0].last_partner_id)
        self.assertEqual(chunks[2].after_partner_id, chunks[1].last_partner_id)
        self.assertEqual(chunks[2].last_partner_id, max(self.customers.ids))
        for chunk in chunks:
            trap.assert_enqueued_job(
                chunk._dun_chunk,
                properties={
                    "channel": "root.dunning",
                    "identity_key": f"dunning.run,{run.id}:"
                    f"{chunk.after_partner_id}-{chunk.last_partner_id}",
                },
            )
        trap.assert_enqueued_job(
            run._dun_queue_finish,
            properties={
                "channel": "root.dunning",
                "identity_key": f"dunning.run,{run.id}:finish",
            },
        )
        # The run waits for its jobs: nothing was sent by the cron itself.
        self.assertEqual(
            set(self._sent_per_customer().values()), {(0, 0)}, "nothing sent yet"
        )

    def test_second_call_the_same_day_queues_nothing(self):
        with trap_jobs() as trap:
            self._cron()
            queued = trap.jobs_count()
            self._cron()
            self.assertEqual(trap.jobs_count(), queued)
            self.assertEqual(len(trap.calls), queued)
        self.assertEqual(len(self._today_run().queue_chunk_ids), 3)

    def test_jobs_send_one_reminder_per_customer_and_finish_the_run(self):
        with trap_jobs() as trap:
            self._cron()
            with freeze_time(DAY):
                trap.perform_enqueued_jobs()
        run = self._today_run()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.partner_done_count, 5)
        self.assertEqual(run.queue_chunk_done_count, 3)
        self.assertEqual(
            self._sent_per_customer(), {c.name: (1, 1) for c in self.customers}
        )
        sent = self.env["dunning.communication"].search(
            [("partner_id", "in", self.customers.ids), ("state", "=", "sent")]
        )
        self.assertEqual(sent.level_id, self.friendly)
        # The day's dunning is over: a later call queues and sends nothing.
        with trap_jobs() as trap:
            self._cron()
            trap.assert_jobs_count(0)
        self.assertEqual(
            self._sent_per_customer(), {c.name: (1, 1) for c in self.customers}
        )

    def test_failed_job_does_not_stop_the_others_and_is_retried_alone(self):
        """The job of the second chunk loses its database connection: the
        other chunks send their reminders, the run waits; the failed job,
        requeued, runs alone and the run finishes."""
        self._cron()
        run = self._today_run()
        second = run.queue_chunk_ids[1]
        unlucky = self.env["res.partner"].browse(second.last_partner_id)
        log_history = DunningCommunication._log_history

        def lose_connection(communications):
            if unlucky in communications.partner_id:
                raise ConnectionError("server closed the connection unexpectedly")
            return log_history(communications)

        with patch.object(DunningCommunication, "_log_history", lose_connection):
            self._work_queue()
        chunk_jobs = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("model_name", "=", "dunning.run.chunk"),
                    ("channel", "=", "root.dunning"),
                ]
            )
        )
        failed = chunk_jobs.filtered(lambda j: j.state == "failed")
        self.assertEqual(len(failed), 1)
        self.assertIn("server closed the connection", failed.exc_message)
        self.assertEqual(failed.records, second)
        finish = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("model_name", "=", "dunning.run"),
                    ("method_name", "=", "_dun_queue_finish"),
                ]
            )
            .filtered(lambda j: j.records == run)
        )
        self.assertEqual(finish.state, "wait_dependencies")
        self.assertEqual(run.state, "running")
        sent = self._sent_per_customer()
        for customer in self.customers:
            in_second = second.after_partner_id < customer.id <= second.last_partner_id
            self.assertEqual(sent[customer.name], (0, 0) if in_second else (1, 1))

        failed.requeue()  # by a Job Queue Manager (the test reads jobs as one)
        ran = self._work_queue()
        self.assertEqual(ran, failed | finish, "the failed job alone, then the end")
        self.assertEqual(run.state, "done")
        self.assertEqual(run.partner_done_count, 5)
        self.assertEqual(
            self._sent_per_customer(), {c.name: (1, 1) for c in self.customers}
        )

    def test_a_chunk_run_twice_sends_nothing_twice(self):
        with trap_jobs() as trap:
            self._cron()
            with freeze_time(DAY):
                trap.perform_enqueued_jobs()
                chunk = self._today_run().queue_chunk_ids[0]
                self.assertIn("Nothing to do", chunk._dun_chunk())
        self.assertEqual(
            self._sent_per_customer(), {c.name: (1, 1) for c in self.customers}
        )

    def test_next_call_finishes_a_run_whose_last_job_was_lost(self):
        """The chunks are done but the job that finishes the run was
        cancelled: the next call of the scheduled action queues it again."""
        with trap_jobs() as trap:
            self._cron()
            with freeze_time(DAY):
                for job in trap.enqueued_jobs:
                    if job.method_name == "_dun_chunk":
                        job.perform()
        run = self._today_run()
        self.assertEqual(run.queue_chunk_done_count, 3)
        self.assertEqual(run.state, "running")
        with trap_jobs() as trap:
            self._cron()
            trap.assert_jobs_count(1, only=run._dun_queue_finish)
            with freeze_time(DAY):
                trap.perform_enqueued_jobs()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.partner_done_count, 5)

    def test_switched_off_the_run_works_through_its_batches_inline(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "dunning_advanced_queue.enabled", "False"
        )
        with trap_jobs() as trap:
            self._cron()
            trap.assert_jobs_count(0)
        run = self._today_run()
        self.assertEqual(run.state, "done")
        self.assertFalse(run.queue_chunk_ids)
        self.assertEqual(
            self._sent_per_customer(), {c.name: (1, 1) for c in self.customers}
        )

    def test_a_queued_run_stays_on_the_queue_when_switched_off(self):
        """Switched off after the run was queued: the scheduled action does
        not start its customers again inline, the jobs finish the run."""
        with trap_jobs() as trap:
            self._cron()
            self.env["ir.config_parameter"].sudo().set_param(
                "dunning_advanced_queue.enabled", "False"
            )
            self._cron()
            self.assertEqual(
                set(self._sent_per_customer().values()), {(0, 0)}, "nothing inline"
            )
            with freeze_time(DAY):
                trap.perform_enqueued_jobs()
        self.assertEqual(self._today_run().state, "done")
        self.assertEqual(
            self._sent_per_customer(), {c.name: (1, 1) for c in self.customers}
        )

    def test_settings_switch_the_queue_off_and_on(self):
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.dunning_queue_enabled)
        settings.dunning_queue_enabled = False
        settings.execute()
        self.assertFalse(self.env["dunning.run"]._dunning_queue_enabled())
        settings = self.env["res.config.settings"].create({})
        self.assertFalse(settings.dunning_queue_enabled)
        settings.dunning_queue_enabled = True
        settings.execute()
        self.assertTrue(self.env["dunning.run"]._dunning_queue_enabled())
