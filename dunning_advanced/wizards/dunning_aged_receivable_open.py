from odoo import fields, models

GROUPINGS = [
    ("partner_name", "Customer"),
    ("user_id", "Salesperson"),
    ("collector_id", "Collector"),
    ("risk_class", "Risk Class"),
    ("currency_id", "Currency"),
]


class DunningAgedReceivableOpen(models.TransientModel):
    """Aged receivables as of a chosen day, grouped as asked."""

    _name = "dunning.aged.receivable.open"
    _description = "Aged Receivables at a Date"

    as_of = fields.Date(
        string="As Of",
        required=True,
        default=fields.Date.context_today,
        help="The report shows what was open on this day, aged on this day: "
        "payments registered later are left out.",
    )
    group_by = fields.Selection(GROUPINGS, required=True, default="partner_name")

    def action_open(self):
        self.ensure_one()
        Report = self.env["dunning.aged.receivable"]
        Report._check_date(self.as_of)
        action = Report._action_open(self.as_of)
        action["context"]["pivot_row_groupby"] = [self.group_by]
        return action
