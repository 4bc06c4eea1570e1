from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib.late_interest import KIND_B2B, KIND_LEGAL

RATE_KINDS = [
    (KIND_B2B, "Late payment B2B (ECB rate + 8 points, D.Lgs. 231/2002)"),
    (KIND_LEGAL, "Legal rate (art. 1284 c.c.)"),
]


class DunningInterestRate(models.Model):
    """Statutory rates by period: official figures ship with the addon, and a
    credit manager adds each new half-year (B2B) or year (legal rate)."""

    _name = "dunning.interest.rate"
    _description = "Statutory Interest Rate"
    _order = "kind, date_from desc"

    kind = fields.Selection(RATE_KINDS, required=True)
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    rate = fields.Float(string="Annual Rate (%)", digits=(6, 4), required=True)
    source = fields.Char(
        required=True, help="Decree or Gazzetta Ufficiale issue the rate comes from."
    )

    @api.depends("kind", "date_from", "date_to", "rate")
    def _compute_display_name(self):
        for rate in self:
            rate.display_name = f"{rate.date_from} – {rate.date_to}: {rate.rate} %"

    @api.constrains("kind", "date_from", "date_to", "rate")
    def _check_period(self):
        for rate in self:
            if rate.date_to < rate.date_from:
                raise ValidationError(
                    _("The rate period ends before it starts (%s).", rate.display_name)
                )
            if rate.rate < 0:
                raise ValidationError(_("A statutory rate cannot be negative."))
            overlap = self.search(
                [
                    ("kind", "=", rate.kind),
                    ("id", "!=", rate.id),
                    ("date_from", "<=", rate.date_to),
                    ("date_to", ">=", rate.date_from),
                ],
                limit=1,
            )
            if overlap:
                raise ValidationError(
                    _(
                        "The period %(new)s overlaps %(old)s: one rate per day.",
                        new=rate.display_name,
                        old=overlap.display_name,
                    )
                )

    @api.model
    def _rate_table(self, kind):
        """The rates of ``kind`` as the pure interest module takes them."""
        rates = self.sudo().search([("kind", "=", kind)], order="date_from")
        return [
            (rate.date_from, rate.date_to, Decimal(str(rate.rate))) for rate in rates
        ]
