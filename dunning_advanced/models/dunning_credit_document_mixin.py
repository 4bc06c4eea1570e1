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
                if (
                    state != "hold"
                    and document.id
                    and document._credit_pending_amount()
                ):
                    # An order within the limit until it is confirmed: judged
                    # with its own amount, as confirming it will be.
                    figures = document.sudo()._credit_figures()
                    if figures["state"] == "hold":
                        state, reason = "hold", figures["reasons"]
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

    # ------------------------------------------------------------------
    # Approval requests (see dunning.approval.request)
    # ------------------------------------------------------------------

    credit_request_pending = fields.Boolean(
        string="Approval Asked",
        compute="_compute_credit_request_pending",
        help="A request to let this document through the hold waits for a credit "
        "manager.",
    )

    def _compute_credit_request_pending(self):
        pending = (
            self.env["dunning.approval.request"]
            .sudo()
            ._read_group(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("state", "=", "pending"),
                ],
                ["res_id"],
            )
        )
        ids = {res_id for (res_id,) in pending}
        for document in self:
            document.credit_request_pending = document.id in ids

    def _credit_pending_amount(self):
        """What this document adds to the exposure once it goes on (its
        currency); a draft invoice is already in the exposure."""
        return 0.0

    def _credit_figures(self):
        """What a credit manager weighs before letting this document through:
        hold reasons, the exposure with the document and the credit limit, in
        the limit's currency. Reads only."""
        self.ensure_one()
        company = self.company_id
        commercial = self.partner_id.commercial_partner_id.sudo().with_company(company)
        Profile = self.env["dunning.credit.profile"].sudo().with_company(company)
        exposure = Profile._get_exposure(commercial, company)[commercial.id]
        extra = self._credit_pending_amount()
        if extra:
            extra = self.currency_id._convert(
                extra, exposure.currency, company, fields.Date.context_today(self)
            )
        profile = Profile.search(
            [("partner_id", "=", commercial.id), ("company_id", "=", company.id)]
        ) or Profile.new({"partner_id": commercial.id, "company_id": company.id})
        state, reasons = profile._evaluate_hold(exposure, extra_amount=extra)
        return {
            "state": state,
            "reasons": reasons,
            "currency": exposure.currency,
            "exposure_after": exposure.total + extra,
            "limit": exposure.limit,
        }

    def action_credit_request_approval(self):
        """A dialog to ask the credit managers to let this document through."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Request Credit Approval"),
            "res_model": "dunning.approval.request",
            "view_mode": "form",
            "views": [
                (
                    self.env.ref(
                        "dunning_advanced.dunning_approval_request_view_form_new"
                    ).id,
                    "form",
                )
            ],
            "target": "new",
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }
