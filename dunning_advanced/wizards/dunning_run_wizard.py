from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

DUNNING_USER = "dunning_advanced.group_dunning_user"


class DunningRunWizard(models.TransientModel):
    """Start a manual run: a preview as of a date, sent only when confirmed.

    Today's preview can be sent; a later day gives a simulation of that day,
    never sent. A day in the past has nothing to show: levels only move
    forward from what was sent.
    """

    _name = "dunning.run.wizard"
    _description = "Start a Manual Dunning Run"

    date = fields.Date(
        required=True,
        default=lambda self: self.env.company._dunning_today(),
        help="Today to send; a later day to simulate what would be sent then.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    is_simulation = fields.Boolean(compute="_compute_is_simulation")

    @api.depends("date", "company_id")
    def _compute_is_simulation(self):
        for wizard in self:
            wizard.is_simulation = bool(
                wizard.date
                and wizard.company_id
                and wizard.date > wizard.company_id._dunning_today()
            )

    @api.constrains("date", "company_id")
    def _check_date(self):
        for wizard in self:
            if wizard.date < wizard.company_id._dunning_today():
                raise ValidationError(
                    _(
                        "A run looks at today, or at a later day as a simulation: "
                        "choose today or a later date."
                    )
                )

    def action_confirm(self):
        self.ensure_one()
        if not self.env.user.has_group(DUNNING_USER):
            raise AccessError(_("Only Dunning Users can run dunning."))
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(_("You cannot run dunning for %s.", self.company_id.name))
        run = (
            self.env["dunning.run"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "company_id": self.company_id.id,
                    "date": self.date,
                    "run_type": "manual",
                    "state": "preview",
                    "user_id": self.env.user.id,
                }
            )
        )
        run.with_user(self.env.user).action_preview()
        return {
            "type": "ir.actions.act_window",
            "res_model": "dunning.run",
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }
