from freezegun import freeze_time

from .common import DunningTestCommon


class ArrangementTestCommon(DunningTestCommon):
    """A customer with a collector, and the engine run as the daily cron runs it.

    The customer has no email address: its reminders go as letters.

    The default policy of data/dunning_policy_data.xml: courtesy -5 days from
    the due date, friendly +7, firm +20, formal notice +35, legal +60.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.dunning_collector_id = cls.dunning_user

    def _run(self, day):
        """The daily scheduled run on ``day``; its sent reminders to the customer."""
        with freeze_time(day):
            self.env["dunning.run"]._cron_run_dunning()
        return self.env["dunning.communication"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("date", "=", day),
                ("state", "=", "sent"),
            ]
        )

    def _reminded(self, communications):
        """{invoice: level name} of what the reminders claim (items they only
        list, paused or not yet due, are not reminded)."""
        return {
            line.move_id: line.level_id.name for line in communications._claimed_lines()
        }
