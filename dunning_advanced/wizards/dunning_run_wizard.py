from odoo import fields, models


class DunningRunWizard(models.TransientModel):
    """Start a manual run: a preview as of a date, sent only when confirmed."""

    _name = "dunning.run.wizard"
    _description = "Start a Manual Dunning Run"

    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="Levels and interest are computed as of this day.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    def action_confirm(self):
        self.ensure_one()
        run = (
            self.env["dunning.run"]
            .with_company(self.company_id)
            .create(
                {
                    "company_id": self.company_id.id,
                    "date": self.date,
                    "run_type": "manual",
                    "state": "preview",
                }
            )
        )
        run.action_preview()
        return {
            "type": "ir.actions.act_window",
            "res_model": "dunning.run",
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }
