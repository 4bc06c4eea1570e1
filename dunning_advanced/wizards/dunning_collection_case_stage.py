from odoo import fields, models


class DunningCollectionCaseStage(models.TransientModel):
    """Move a collection case to another stage, saying why."""

    _name = "dunning.collection.case.stage"
    _description = "Move a Collection Case"

    case_id = fields.Many2one("dunning.collection.case", required=True)
    company_id = fields.Many2one(related="case_id.company_id")
    current_stage_id = fields.Many2one(related="case_id.stage_id")
    stage_id = fields.Many2one(
        "dunning.collection.stage",
        string="New Stage",
        required=True,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id), "
        "('closing_kind', 'in', (False, 'paid'))]",
    )
    note = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.case_id._action_move_stage(self.stage_id, self.note)
        return {"type": "ir.actions.act_window_close"}
