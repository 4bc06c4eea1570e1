from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class DunningCollectionCaseLine(models.Model):
    """An invoice (its receivable line) in a collection case.

    The residual at opening is kept; the residual now is the journal item's,
    so payments show at once. The amounts at opening are read from the journal
    item when the line is made, never given: a case claims (and writes off)
    only what accounting says the customer owes.
    """

    _name = "dunning.collection.case.line"
    _description = "Collection Case Invoice"
    _inherit = ["dunning.controlled.fields.mixin"]
    _order = "date_maturity, id"
    _check_company_auto = True
    _dunning_controlled_fields = (
        "case_id",
        "move_line_id",
        "amount_original",
        "amount_opening",
        "amount_opening_company",
    )

    case_id = fields.Many2one(
        "dunning.collection.case", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="case_id.company_id", store=True)
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Journal Item",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    move_id = fields.Many2one(
        related="move_line_id.move_id", store=True, string="Invoice", index=True
    )
    currency_id = fields.Many2one(related="move_line_id.currency_id")
    company_currency_id = fields.Many2one(
        related="case_id.company_id.currency_id", string="Company Currency"
    )
    date_maturity = fields.Date(related="move_line_id.date_maturity", string="Due")
    amount_original = fields.Monetary(string="Invoice Amount")
    amount_opening = fields.Monetary(
        string="Due at Opening", help="Unpaid amount when the case was opened."
    )
    amount_opening_company = fields.Monetary(
        string="Due at Opening (Company Currency)",
        currency_field="company_currency_id",
    )
    amount_residual = fields.Monetary(
        string="Due Now", related="move_line_id.amount_residual_currency"
    )
    amount_residual_company = fields.Monetary(
        string="Due Now (Company Currency)",
        related="move_line_id.amount_residual",
        currency_field="company_currency_id",
    )
    interest_amount = fields.Monetary(
        string="Interest to Date", compute="_compute_claim"
    )
    compensation_amount = fields.Monetary(
        string="Compensation", compute="_compute_claim"
    )

    @api.depends_context("dunning_collection_date")
    @api.depends("move_line_id.amount_residual_currency")
    def _compute_claim(self):
        """Interest and compensation to today, by the rules of the reminders."""
        for case, lines in self.grouped("case_id").items():
            claims = case._line_claims(lines)
            for line in lines:
                line.interest_amount, line.compensation_amount = claims[line.id]

    @api.constrains("case_id", "move_line_id")
    def _check_move_line(self):
        for line in self:
            ml = line.move_line_id
            case = line.case_id
            if (
                ml.account_type != "asset_receivable"
                or ml.parent_state != "posted"
                or ml.company_id != case.company_id
            ):
                raise ValidationError(
                    _(
                        "%(item)s is not a posted receivable of %(company)s: only "
                        "customer invoices go into a collection case.",
                        item=ml.display_name,
                        company=case.company_id.name,
                    )
                )
            if ml.partner_id.commercial_partner_id != case.partner_id:
                raise ValidationError(
                    _(
                        "%(invoice)s is owed by %(debtor)s, not by %(customer)s of "
                        "case %(case)s: a case is for one debtor.",
                        invoice=ml.move_id.display_name,
                        debtor=ml.partner_id.commercial_partner_id.display_name,
                        customer=case.partner_id.display_name,
                        case=case.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        for line in lines:
            ml = line.move_line_id
            line._write_controlled(
                {
                    "amount_original": abs(ml.amount_currency),
                    "amount_opening": ml.amount_residual_currency,
                    "amount_opening_company": ml.amount_residual,
                }
            )
        return lines
