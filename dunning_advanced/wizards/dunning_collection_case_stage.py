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
        self.case_id._check_open()
        self.case_id.with_context(collection_stage_note=self.note).write(
            {"stage_id": self.stage_id.id}
        )
        return {"type": "ir.actions.act_window_close"}
