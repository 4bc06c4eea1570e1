from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.dunning_collection_case_court import disputed_invoices_text


class DunningCollectionCaseOpen(models.TransientModel):
    """Open a collection case by hand, from a customer or selected invoices."""

    _name = "dunning.collection.case.open"
    _description = "Open a Collection Case"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        check_company=True,
        domain="[('company_id', '=', company_id), ('state', '=', 'posted'), "
        "('move_type', '=', 'out_invoice'), "
        "('payment_state', 'in', ('not_paid', 'partial')), "
        "('commercial_partner_id', '=', partner_id)]",
    )
    note = fields.Text(help="Why the case is opened; posted on the case.")
    dispute_warning = fields.Text(compute="_compute_dispute_warning")

    @api.depends("move_ids")
    def _compute_dispute_warning(self):
        """Invoices under an open dispute: warned before the case is opened."""
        for wizard in self:
            wizard.dispute_warning = disputed_invoices_text(self.env, wizard.move_ids)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "account.move" and context.get("active_ids"):
            moves = self.env["account.move"].browse(context["active_ids"])
            partners = moves.commercial_partner_id
            if len(partners) != 1:
                raise UserError(
                    _("Select invoices of one customer: a case is for one debtor.")
                )
            res.update({"partner_id": partners.id, "move_ids": moves.ids})
        elif "move_ids" in fields_list and res.get("partner_id"):
            partner = self.env["res.partner"].browse(res["partner_id"])
            moves = self.env["account.move"].search(
                [
                    ("company_id", "=", self.env.company.id),
                    ("state", "=", "posted"),
                    ("move_type", "=", "out_invoice"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("commercial_partner_id", "=", partner.commercial_partner_id.id),
                    ("invoice_date_due", "<", fields.Date.context_today(self)),
                ]
            )
            res["move_ids"] = moves.ids
        return res

    def action_confirm(self):
        self.ensure_one()
        # The legal stage opens cases by itself; by hand it is a credit
        # manager's decision (it stops the reminders of the invoices).
        self.env["dunning.collection.case"]._check_credit_manager(
            _("Only Credit Managers can open a collection case by hand.")
        )
        move_lines = self.move_ids.line_ids.filtered(
            lambda ml: ml.account_type == "asset_receivable"
            and not ml.reconciled
            and ml.amount_residual > 0
        )
        if not move_lines:
            raise UserError(_("Select at least one unpaid invoice of the customer."))
        case = self.env["dunning.collection.case"]._open_or_update(
            self.partner_id, self.company_id, move_lines, origin="manual"
        )
        if not case:
            raise UserError(_("These invoices are already in an open collection case."))
        if self.note:
            case.message_post(body=self.note)
        return {
            "type": "ir.actions.act_window",
            "res_model": "dunning.collection.case",
            "res_id": case.id,
            "view_mode": "form",
        }
