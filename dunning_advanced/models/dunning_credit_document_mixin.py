from odoo import _, api, fields, models

from .dunning_credit_profile import HOLD_STATES


class DunningCreditDocumentMixin(models.AbstractModel):
    """What sale orders and customer invoices share about credit holds.

    The approval field can only be set by a credit manager (through the approval
    wizard); no context key or RPC write gets around it.
    """

    _name = "dunning.credit.document.mixin"
    _description = "Document Blocked by Credit Holds"

    credit_approval_id = fields.Many2one(
        "dunning.credit.override",
        string="Credit Approval",
        readonly=True,
        copy=False,
        help="A credit manager approved this document despite the customer's hold.",
    )
    credit_hold_state = fields.Selection(
        HOLD_STATES, string="Credit Hold", compute="_compute_credit_hold_state"
    )
    credit_hold_reason = fields.Text(compute="_compute_credit_hold_state")

    @api.depends("partner_id", "company_id")
    @api.depends_context("uid")
    def _compute_credit_hold_state(self):
        # In the document's company, not the company the user works in.
        for company, documents in self.grouped("company_id").items():
            partners = documents.partner_id.commercial_partner_id.with_company(
                company or self.env.company
            )
            # Iterating the recordset computes the hold of all partners at once.
            holds = {
                p.id: (p.credit_hold_state, p.credit_hold_reason) for p in partners
            }
            for document in documents:
                state, reason = holds.get(
                    document.partner_id.commercial_partner_id.id, ("none", False)
                )
                document.credit_hold_state = state
                document.credit_hold_reason = reason

    @api.model_create_multi
    def create(self, vals_list):
        if any("credit_approval_id" in vals for vals in vals_list):
            self._check_credit_approval_rights()
        return super().create(vals_list)

    def write(self, vals):
        if "credit_approval_id" in vals:
            self._check_credit_approval_rights()
        return super().write(vals)

    def _check_credit_approval_rights(self):
        self.env["res.partner"]._check_credit_manager(_("approve a document on hold"))

    def _credit_approval_covers(self, partner=None):
        """Whether a credit manager approved this document, for ``partner``
        (its customer by default), at its current total."""
        self.ensure_one()
        approval = self.credit_approval_id.sudo()
        partner = partner or self.partner_id
        return bool(
            approval
            and approval.document_ref == self
            and approval.partner_id == partner.commercial_partner_id
            and approval.currency_id == self.currency_id
            and self.currency_id.compare_amounts(self.amount_total, approval.amount)
            <= 0
        )

    def action_credit_approve(self):
        self.ensure_one()
        return self.env["dunning.document.approve"]._open_for(self)
