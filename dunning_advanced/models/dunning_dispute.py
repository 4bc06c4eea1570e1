from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

DISPUTE_STATES = [("open", "Open"), ("resolved", "Resolved"), ("rejected", "Rejected")]


class DunningDispute(models.Model):
    """A customer contests an invoice, or one of its instalments (receivable line).

    While the dispute is open the invoice (or only that line) is left out of
    dunning; once resolved or rejected, the next run reminds it again where its
    level had stopped.
    """

    _name = "dunning.dispute"
    _description = "Disputed Invoice"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "dunning.controlled.fields.mixin",
    ]
    _order = "state, id desc"
    _check_company_auto = True
    _dunning_line_filter = True
    # Resolved, rejected or reopened with the dispute's buttons only.
    _dunning_controlled_fields = ("state", "resolution_date")

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: _("New"),
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        tracking=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Instalment",
        check_company=True,
        tracking=True,
        domain="[('move_id', '=', move_id), "
        "('account_type', '=', 'asset_receivable')]",
        help="Only this receivable line is disputed; the whole invoice when empty.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        related="move_id.commercial_partner_id",
        store=True,
        index=True,
    )
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_residual = fields.Monetary(
        related="move_id.amount_residual", string="Amount Due"
    )
    reason = fields.Text(required=True, tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        required=True,
        tracking=True,
        default=lambda self: self.env.user,
        help="Who looks into the dispute and settles it.",
    )
    state = fields.Selection(
        DISPUTE_STATES, required=True, default="open", tracking=True, index=True
    )
    resolution_note = fields.Text(tracking=True)
    resolution_date = fields.Date(readonly=True, tracking=True)

    @api.constrains("move_id", "move_line_id")
    def _check_move_line(self):
        for dispute in self:
            line = dispute.move_line_id
            if line and (
                line.move_id != dispute.move_id
                or line.account_id.account_type != "asset_receivable"
            ):
                raise ValidationError(
                    _(
                        "The disputed instalment must be a receivable line of "
                        "invoice %s.",
                        dispute.move_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "dunning.dispute"
                ) or _("New")
        disputes = super().create(vals_list)
        for dispute in disputes:
            dispute.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=dispute.user_id.id,
                summary=_("Settle the dispute on %s", dispute.move_id.display_name),
                note=dispute.reason,
            )
            dispute.move_id.message_post(
                body=_(
                    "Disputed (%(ref)s): %(reason)s. Left out of dunning until "
                    "the dispute is settled.",
                    ref=dispute.name,
                    reason=dispute.reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return disputes

    def action_resolve(self):
        """The dispute is settled in the customer's favour or not: dun again."""
        return self._close("resolved")

    def action_reject(self):
        """The complaint does not hold: dun again."""
        return self._close("rejected")

    def action_reopen(self):
        self.check_access("write")
        self._write_controlled({"state": "open", "resolution_date": False})
        return True

    def _close(self, state):
        self.check_access("write")
        for dispute in self:
            if dispute.state != "open":
                raise UserError(_("Dispute %s is not open any more.", dispute.name))
            if not dispute.resolution_note:
                raise UserError(
                    _(
                        "Write the resolution note of dispute %s first: what was "
                        "agreed with the customer.",
                        dispute.name,
                    )
                )
        self._write_controlled(
            {"state": state, "resolution_date": fields.Date.context_today(self)}
        )
        self.activity_feedback(
            ["mail.mail_activity_data_todo"], feedback=_("Dispute settled.")
        )
        return True

    # ------------------------------------------------------------------
    # Dunning engine plug-in
    # ------------------------------------------------------------------

    @api.model
    def _dunning_pause_sql(self, company, today):
        """An item with an open dispute is listed, marked disputed, never
        claimed."""
        return SQL(
            """EXISTS (
                SELECT 1 FROM dunning_dispute dd
                 WHERE dd.state = 'open'
                   AND dd.company_id = %s
                   AND dd.move_id = l.move_id
                   AND (dd.move_line_id IS NULL OR dd.move_line_id = l.id))""",
            company.id,
        )

    @api.model
    def _dunning_pause_label(self):
        return _("Disputed: not claimed until resolved")
