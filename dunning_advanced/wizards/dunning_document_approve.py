from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..models.dunning_credit_override import DOCUMENT_MODELS


class DunningDocumentApprove(models.TransientModel):
    """A credit manager lets one sale order or invoice through a credit hold."""

    _name = "dunning.document.approve"
    _description = "Approve a Document Despite a Credit Hold"

    res_model = fields.Selection(DOCUMENT_MODELS, required=True)
    res_id = fields.Integer(required=True)
    # Shown to a credit manager, who may not read every salesperson's orders:
    # computed as superuser (the manager's right is checked to open the dialog
    # and to confirm it).
    document_name = fields.Char(
        compute="_compute_document", string="Document", compute_sudo=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", compute="_compute_document", compute_sudo=True
    )
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_document", compute_sudo=True
    )
    amount = fields.Monetary(compute="_compute_document", compute_sudo=True)
    exposure_currency_id = fields.Many2one(
        "res.currency", compute="_compute_document", compute_sudo=True
    )
    exposure_after = fields.Monetary(
        string="Exposure With It",
        compute="_compute_document",
        compute_sudo=True,
        currency_field="exposure_currency_id",
    )
    credit_limit = fields.Monetary(
        compute="_compute_document",
        compute_sudo=True,
        currency_field="exposure_currency_id",
    )
    hold_reason = fields.Text(
        string="Hold Reasons", compute="_compute_document", compute_sudo=True
    )
    request_id = fields.Many2one("dunning.approval.request", string="Request")
    request_note = fields.Text(related="request_id.note", string="Asked Because")
    request_user_id = fields.Many2one(related="request_id.user_id", string="Asked By")
    refuse = fields.Boolean(default=lambda self: self.env.context.get("dunning_refuse"))
    reason = fields.Text(required=True)

    @api.depends("res_model", "res_id")
    def _compute_document(self):
        for wizard in self:
            document = wizard._document()
            figures = document._credit_figures() if document else {}
            wizard.document_name = document.display_name
            wizard.partner_id = document.partner_id.commercial_partner_id
            wizard.currency_id = document.currency_id
            wizard.amount = document.amount_total if document else 0.0
            wizard.exposure_currency_id = figures.get("currency")
            wizard.exposure_after = figures.get("exposure_after", 0.0)
            wizard.credit_limit = figures.get("limit", 0.0)
            wizard.hold_reason = figures.get("reasons") or False

    def _document(self):
        self.ensure_one()
        return self.env[self.res_model].browse(self.res_id).exists()

    @api.model
    def _open_for(self, document):
        self.env["res.partner"]._check_credit_manager(_("approve a document on hold"))
        return {
            "type": "ir.actions.act_window",
            "name": _("Approve Despite Credit Hold"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_res_model": document._name,
                "default_res_id": document.id,
            },
        }

    def action_confirm(self):
        self.ensure_one()
        self.env["res.partner"]._check_credit_manager(_("approve a document on hold"))
        document = self._document()
        if not document:
            raise UserError(_("The document to approve no longer exists."))
        # Seeing the document is enough: a credit manager approves the orders
        # of every salesperson, also without "All Documents" sales rights.
        document.check_access("read")
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(_("Say why: the reason is kept in the audit log."))
        partner = document.partner_id.commercial_partner_id
        approval = (
            self.env["dunning.credit.override"]
            .sudo()
            .create(
                {
                    "override_type": "approve",
                    "partner_id": partner.id,
                    "company_id": document.company_id.id,
                    "user_id": self.env.user.id,
                    "reason": reason,
                    "document_ref": f"{document._name},{document.id}",
                    "amount": document.amount_total,
                    "currency_id": document.currency_id.id,
                }
            )
        )
        document.sudo().write({"credit_approval_id": approval.id})
        body = _(
            "%(document)s approved despite the credit hold by %(user)s for "
            "%(amount)s: %(reason)s",
            document=document.display_name,
            user=self.env.user.name,
            amount=format_amount(self.env, approval.amount, approval.currency_id),
            reason=reason,
        )
        # Posted as the manager, who may lack write access to the document.
        document.sudo().message_post(
            body=body,
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )
        partner.sudo().message_post(
            body=body,
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )
        self._close_requests(document, "approved", reason, approval)
        return {"type": "ir.actions.act_window_close"}

    def action_refuse(self):
        """Refuse the request: the document stays blocked, the requester is told
        why."""
        self.ensure_one()
        self.env["res.partner"]._check_credit_manager(_("refuse an approval request"))
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(_("Say why: the requester is told."))
        document = self._document()
        if not self.request_id or not document:
            raise UserError(_("There is no request to refuse."))
        self._close_requests(document, "refused", reason)
        return {"type": "ir.actions.act_window_close"}

    def _close_requests(self, document, state, reason, approval=None):
        """Answer the requests waiting for this document (the manager's right
        was checked by the caller)."""
        requests = (
            self.env["dunning.approval.request"]
            .sudo()
            .search(
                [
                    ("res_model", "=", document._name),
                    ("res_id", "=", document.id),
                    ("state", "=", "pending"),
                ]
            )
        )
        requests._decide(state, reason, approval)
