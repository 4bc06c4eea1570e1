from odoo import fields, models


class DunningCollectionStageLog(models.Model):
    """Who moved a collection case to which stage, when, and why."""

    _name = "dunning.collection.stage.log"
    _description = "Collection Case Stage Change"
    _order = "date desc, id desc"

    case_id = fields.Many2one(
        "dunning.collection.case", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="case_id.company_id", store=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    user_id = fields.Many2one("res.users", required=True, string="By")
    stage_from_id = fields.Many2one("dunning.collection.stage", string="From")
    stage_to_id = fields.Many2one(
        "dunning.collection.stage", string="To", required=True
    )
    source = fields.Selection(
        [("user", "User"), ("agency", "Agency Webhook"), ("system", "Automatic")],
        required=True,
        default="user",
    )
    note = fields.Text()
