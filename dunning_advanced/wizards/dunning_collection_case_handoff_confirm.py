from odoo import api, fields, models


class DunningCollectionCaseHandoffConfirm(models.TransientModel):
    """Hand Over: the lawyer or agency is chosen (or confirmed) before the
    case file leaves, not asked for after."""

    _name = "dunning.collection.case.handoff.confirm"
    _description = "Hand Over a Collection Case"

    case_id = fields.Many2one("dunning.collection.case", required=True)
    agency_id = fields.Many2one(
        "res.partner",
        string="Lawyer or Agency",
        required=True,
        domain="[('collection_agency_kind', '!=', False)]",
    )
    channel = fields.Selection(related="agency_id.collection_handoff_channel")
    dispute_warning = fields.Text(related="case_id.dispute_warning")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        case = self.env["dunning.collection.case"].browse(values.get("case_id"))
        if case and not values.get("agency_id"):
            values["agency_id"] = case.agency_id.id
        return values

    def action_confirm(self):
        self.ensure_one()
        case = self.case_id
        if case.agency_id != self.agency_id:
            case.agency_id = self.agency_id
        case.action_handoff()
        return {"type": "ir.actions.act_window_close"}
