from odoo import fields, models

INTEREST_LINE_TYPES = [
    ("interest", "Late Payment Interest"),
    ("compensation", "Fixed Compensation"),
    ("fee", "Reminder Fee"),
]


class AccountMoveLine(models.Model):
    """A line of a late-interest invoice remembers what it charges for: which
    invoice, which days. The invoice it charges for derives from these lines
    up to which day interest is invoiced, so days are never charged twice."""

    _inherit = "account.move.line"

    dunning_interest_origin_id = fields.Many2one(
        "account.move",
        string="Interest On Invoice",
        index="btree_not_null",
        ondelete="restrict",
        copy=False,
        readonly=True,
        help="The late invoice this line charges interest or compensation for.",
    )
    dunning_interest_type = fields.Selection(
        INTEREST_LINE_TYPES, string="Late Charge", copy=False, readonly=True
    )
    dunning_interest_date_from = fields.Date(
        string="Interest From", copy=False, readonly=True
    )
    dunning_interest_date_to = fields.Date(
        string="Interest To", copy=False, readonly=True
    )
