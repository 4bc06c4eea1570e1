from markupsafe import Markup

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount

from .dunning_credit_override import DOCUMENT_MODELS

REQUEST_STATES = [
    ("pending", "Waiting"),
    ("approved", "Approved"),
    ("refused", "Refused"),
    ("cancelled", "Cancelled"),
]
CREDIT_MANAGER = "dunning_advanced.group_dunning_credit_manager"


class DunningApprovalRequest(models.Model):
    """A salesperson or an accountant blocked by a credit hold asks the credit
    managers to let one document through.

    Creating the request gives each credit manager of the company a to-do on
    it; the manager approves it (the approval dialog, whose approval goes in
    the audit log like any other) or refuses it with a reason, and the
    requester is notified either way. The requester writes the note only: the
    document's customer, company and amount are taken from the document, the
    decision is set by the managers' actions.
    """

    _name = "dunning.approval.request"
    _description = "Credit Approval Request"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "dunning.controlled.fields.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    _dunning_controlled_fields = (
        "res_model",
        "res_id",
        "document_name",
        "state",
        "decided_by_id",
        "decision_date",
        "decision_note",
        "approval_id",
        "partner_id",
        "company_id",
        "amount",
        "currency_id",
        "user_id",
    )

    name = fields.Char(compute="_compute_name", store=True)
    res_model = fields.Selection(DOCUMENT_MODELS, required=True, readonly=True)
    res_id = fields.Integer(required=True, readonly=True)
    document_name = fields.Char(string="Document", readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", readonly=True, default=lambda self: self.env.company
    )
    amount = fields.Monetary(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    note = fields.Text(
        string="Why", required=True, help="What the credit managers should know."
    )
    user_id = fields.Many2one(
        "res.users",
        string="Requested By",
        readonly=True,
        default=lambda self: self.env.user,
        index=True,
    )
    state = fields.Selection(
        REQUEST_STATES, default="pending", required=True, tracking=True, index=True
    )
    decided_by_id = fields.Many2one("res.users", string="Decided By", readonly=True)
    decision_date = fields.Datetime(readonly=True)
    decision_note = fields.Text(readonly=True)
    approval_id = fields.Many2one(
        "dunning.credit.override", string="Approval", readonly=True
    )
    hold_reason = fields.Text(
        string="Hold Reasons", compute="_compute_credit", compute_sudo=True
    )
    exposure_currency_id = fields.Many2one(
        "res.currency", compute="_compute_credit", compute_sudo=True
    )
    exposure_after = fields.Monetary(
        string="Exposure With It",
        compute="_compute_credit",
        compute_sudo=True,
        currency_field="exposure_currency_id",
        help="The customer's exposure once this document goes on.",
    )
    credit_limit = fields.Monetary(
        compute="_compute_credit",
        compute_sudo=True,
        currency_field="exposure_currency_id",
    )

    @api.depends("document_name", "partner_id")
    def _compute_name(self):
        for request in self:
            request.name = _(
                "%(document)s for %(partner)s",
                document=request.document_name or "",
                partner=request.partner_id.display_name or "",
            )

    @api.depends("res_model", "res_id", "state")
    def _compute_credit(self):
        for request in self:
            document = request._document().sudo()
            figures = document._credit_figures() if document else {}
            request.hold_reason = figures.get("reasons") or False
            request.exposure_currency_id = figures.get("currency") or (
                request.company_id.currency_id
            )
            request.exposure_after = figures.get("exposure_after", 0.0)
            request.credit_limit = figures.get("limit", 0.0)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """The document's customer, company and amount, whoever asks: of what
        the caller gives, only the document and the note are kept."""
        clean_list = []
        for vals in vals_list:
            document = self._document_of(vals.get("res_model"), vals.get("res_id"))
            document.check_access("read")
            if document.credit_hold_state != "hold":
                raise UserError(
                    _(
                        "%s is not blocked by a credit hold: there is nothing to "
                        "approve.",
                        document.display_name,
                    )
                )
            if document.credit_approval_id and document._credit_approval_covers():
                raise UserError(_("%s is already approved.", document.display_name))
            if self.sudo().search_count(
                [
                    ("res_model", "=", document._name),
                    ("res_id", "=", document.id),
                    ("state", "=", "pending"),
                ]
            ):
                raise UserError(
                    _(
                        "An approval of %s is already asked: the credit managers "
                        "have it in their to-dos.",
                        document.display_name,
                    )
                )
            clean_list.append(
                {
                    "res_model": document._name,
                    "res_id": document.id,
                    "note": vals.get("note"),
                    "document_name": document.display_name,
                    "partner_id": document.partner_id.commercial_partner_id.id,
                    "company_id": document.company_id.id,
                    "amount": document.amount_total,
                    "currency_id": document.currency_id.id,
                    "user_id": self.env.user.id,
                }
            )
        # The values above come from the document, not from the caller.
        requests = super(DunningApprovalRequest, self.sudo()).create(clean_list)
        for request in requests:
            request._ask_credit_managers()
        return requests.with_env(self.env)

    @api.model
    def _document_of(self, res_model, res_id):
        if res_model not in dict(DOCUMENT_MODELS) or not res_id:
            raise UserError(_("Say which sale order or invoice to approve."))
        document = self.env[res_model].browse(res_id).exists()
        if not document:
            raise UserError(_("The document to approve no longer exists."))
        return document

    def _document(self):
        self.ensure_one()
        if not self.res_model or not self.res_id:
            return None
        return self.env[self.res_model].browse(self.res_id).exists()

    def _credit_managers(self):
        self.ensure_one()
        group = self.env.ref(CREDIT_MANAGER)
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", group.id),
                    ("company_ids", "in", self.company_id.id),
                    ("id", "!=", SUPERUSER_ID),
                    ("share", "=", False),
                ]
            )
        )

    def _ask_credit_managers(self):
        """A to-do for each credit manager of the company (as superuser: the
        requester may not schedule work for others)."""
        self.ensure_one()
        summary = _("Approve %s despite the credit hold?", self.document_name)
        note = Markup("<p>%s</p><p>%s</p>") % (
            _(
                "%(user)s asks to let %(document)s (%(amount)s) go on.",
                user=self.user_id.name,
                document=self.document_name,
                amount=format_amount(self.env, self.amount, self.currency_id),
            ),
            self.note or "",
        )
        for manager in self._credit_managers():
            self.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=manager.id,
                summary=summary,
                note=note,
            )
        self.sudo().message_post(body=note, subtype_xmlid="mail.mt_note")

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_open_document(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_approve(self):
        """The approval dialog, with this request's document."""
        self.ensure_one()
        self._check_pending()
        document = self._document()
        if not document:
            raise UserError(_("The document to approve no longer exists."))
        action = self.env["dunning.document.approve"]._open_for(document)
        action["context"]["default_request_id"] = self.id
        return action

    def action_refuse(self):
        """The dialog to refuse this request with a reason."""
        self.ensure_one()
        self._check_pending()
        self.env["res.partner"]._check_credit_manager(_("refuse an approval request"))
        action = self.env["dunning.document.approve"]._open_for(self._document())
        action["context"].update(default_request_id=self.id, dunning_refuse=True)
        action["name"] = _("Refuse the Approval Request")
        return action

    def action_cancel(self):
        """The requester (or a credit manager) withdraws the request."""
        for request in self:
            request._check_pending()
            if request.user_id != self.env.user and not self.env.user.has_group(
                CREDIT_MANAGER
            ):
                raise AccessError(
                    _("Only who asked or a credit manager can withdraw the request.")
                )
        self._decide("cancelled", _("Withdrawn."))
        return True

    def _check_pending(self):
        self.ensure_one()
        if self.state != "pending":
            raise UserError(_("This request was already answered."))

    # ------------------------------------------------------------------
    # Decisions (called by the approval dialog after its rights check)
    # ------------------------------------------------------------------

    def _decide(self, state, note, approval=None):
        """Close the request, the managers' to-dos, and tell the requester."""
        self._write_controlled(
            {
                "state": state,
                "decided_by_id": self.env.user.id,
                "decision_date": fields.Datetime.now(),
                "decision_note": note,
                "approval_id": approval.id if approval else False,
            }
        )
        labels = dict(self._fields["state"]._description_selection(self.env))
        for request in self:
            request.sudo().activity_ids.action_feedback(feedback=note)
            body = _(
                "%(document)s: %(decision)s by %(user)s. %(note)s",
                document=request.document_name,
                decision=labels[state],
                user=self.env.user.name,
                note=note or "",
            )
            request.sudo().message_post(
                body=body,
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
                partner_ids=request.user_id.partner_id.ids,
            )
            if state == "approved" and request.user_id != self.env.user:
                request.sudo().activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=request.user_id.id,
                    summary=_("%s approved: it can go on", request.document_name),
                    note=note,
                )
