from odoo import fields, models


class DunningRiskClass(models.Model):
    """The four risk classes, as records so that policies can pick several."""

    _name = "dunning.risk.class"
    _description = "Risk Class"
    _order = "code"
    _rec_name = "code"

    code = fields.Selection(
        [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")], required=True
    )
    name = fields.Char(required=True, translate=True)

    _sql_constraints = [("code_uniq", "unique(code)", "Each risk class exists once.")]
