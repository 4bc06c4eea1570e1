from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.late_interest import (
    CADENCE_BY_KIND,
    KIND_B2B,
    KIND_LEGAL,
    compute_interest_with_payments,
)

# No statutory rate ever came near it (the highest B2B rate since 2002 is
# 12.5 %): a larger figure is a typo, such as 900 for 9.00.
MAX_RATE = 100.0

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
                # Built before _(): Odoo's term export cannot read an f-string
                # among the arguments and would drop this file's terms.
                period = f"{rate.date_from} – {rate.date_to}"
                raise ValidationError(
                    _(
                        "The rate of %(period)s is negative (%(rate)s %%): enter the "
                        "annual rate in percent, 0 or more (e.g. 10.15).",
                        period=period,
                        rate=rate.rate,
                    )
                )
            if rate.rate > MAX_RATE:
                period = f"{rate.date_from} – {rate.date_to}"
                raise ValidationError(
                    _(
                        "The rate of %(period)s is %(rate)s %%, more than %(max)s %%: "
                        "enter the annual rate in percent as published (e.g. "
                        "10.15).",
                        period=period,
                        rate=rate.rate,
                        max=MAX_RATE,
                    )
                )
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

    @api.model
    def _late_interest(
        self, kind, principal, due_date, to_date, payments=(), label="", table=None
    ):
        """Interest of ``kind`` on ``principal`` from the day after ``due_date``
        to ``to_date``, less the ``payments`` (date, amount) as they come in.

        A day without a rate is a UserError naming the half-year (B2B) or year
        (legal rate) to add, prefixed with ``label`` (the invoice): never a
        silent zero. ``table``: the rates of ``kind`` when the caller already
        read them (:meth:`_rate_table`), to read them once for many invoices.
        """
        try:
            return compute_interest_with_payments(
                principal,
                due_date,
                to_date,
                payments,
                self._rate_table(kind) if table is None else table,
                cadence=CADENCE_BY_KIND[kind],
            )
        except ValueError as error:
            if not label:
                raise UserError(str(error)) from error
            raise UserError(
                _("%(label)s: %(error)s", label=label, error=str(error))
            ) from error
