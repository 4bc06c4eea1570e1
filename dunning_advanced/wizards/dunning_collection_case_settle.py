from odoo import fields, models


class DunningCollectionCaseSettle(models.TransientModel):
    """Settle a collection case for an agreed amount, or write it off."""

    _name = "dunning.collection.case.settle"
    _description = "Settle or Write Off a Collection Case"

    case_id = fields.Many2one("dunning.collection.case", required=True)
    currency_id = fields.Many2one(related="case_id.currency_id")
    amount_residual = fields.Monetary(related="case_id.amount_residual")
    action = fields.Selection(
        [("settle", "Settle for an Agreed Amount"), ("write_off", "Write Off")],
        required=True,
        default="settle",
    )
    amount = fields.Monetary(
        string="Agreed Amount",
        help="What the customer pays from today; the rest is written off once it "
        "is received.",
    )
    note = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        case = self.case_id
        case._check_credit_manager()
        if self.action == "settle":
            case._agree_settlement(self.amount, self.note)
        else:
            case._write_off(self.note)
        return {"type": "ir.actions.act_window_close"}
