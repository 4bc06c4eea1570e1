from collections import defaultdict

from odoo import api, fields, models

from .dunning_communication_line import SENT_STATES


class DunningRunPortal(models.Model):
    """How customers answered the reminders of a run on their page: the share
    of reminders whose page was opened, and paid through the page."""

    _inherit = "dunning.run"

    portal_opened_count = fields.Integer(
        string="Pages Opened", compute="_compute_portal_figures"
    )
    portal_paid_count = fields.Integer(
        string="Paid Through the Page", compute="_compute_portal_figures"
    )
    portal_opened_rate = fields.Float(
        string="Page Opened (%)", compute="_compute_portal_figures", digits=(5, 1)
    )
    portal_paid_rate = fields.Float(
        string="Paid Online (%)", compute="_compute_portal_figures", digits=(5, 1)
    )

    @api.depends("communication_ids.portal_opened", "communication_ids.portal_paid")
    def _compute_portal_figures(self):
        groups = self.env["dunning.communication"]._read_group(
            [("run_id", "in", self.ids), ("state", "in", SENT_STATES)],
            ["run_id", "portal_opened", "portal_paid"],
            ["__count"],
        )
        figures = defaultdict(lambda: {"sent": 0, "opened": 0, "paid": 0})
        for run, opened, paid, count in groups:
            figures[run.id]["sent"] += count
            figures[run.id]["opened"] += count if opened else 0
            figures[run.id]["paid"] += count if paid else 0
        for run in self:
            values = figures[run.id]
            sent = values["sent"]
            run.portal_opened_count = values["opened"]
            run.portal_paid_count = values["paid"]
            run.portal_opened_rate = 100.0 * values["opened"] / sent if sent else 0.0
            run.portal_paid_rate = 100.0 * values["paid"] / sent if sent else 0.0
