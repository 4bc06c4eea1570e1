from odoo import _, api, fields, models
from odoo.exceptions import UserError

DUNNING_USER = "dunning_advanced.group_dunning_user"


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "dunning.credit.document.mixin"]

    dunning_excluded = fields.Boolean(
        string="No Dunning",
        copy=False,
        tracking=True,
        help="This invoice is never reminded.",
    )
    dunning_exclusion_reason = fields.Char(string="Reason for No Dunning", copy=False)
    dunning_line_ids = fields.One2many(
        "dunning.communication.line", "move_id", string="Reminder History"
    )
    dunning_level_id = fields.Many2one(
        "dunning.level",
        string="Dunning Level",
        compute="_compute_dunning_level",
        help="Highest level this invoice was reminded at.",
    )
    dunning_count = fields.Integer(compute="_compute_dunning_level", string="Reminders")
    dunning_dispute_ids = fields.One2many(
        "dunning.dispute", "move_id", string="Disputes", groups=DUNNING_USER
    )
    dunning_dispute_open_count = fields.Integer(
        compute="_compute_dunning_dispute_open_count",
        string="Open Disputes",
        groups=DUNNING_USER,
    )

    @api.depends("dunning_line_ids.state", "dunning_line_ids.level_rank")
    def _compute_dunning_level(self):
        for move in self:
            sent = move.dunning_line_ids.filtered(lambda line: line.state == "sent")
            move.dunning_count = len(sent)
            move.dunning_level_id = sent.sorted("level_rank")[-1:].level_id

    @api.depends("dunning_dispute_ids.state")
    def _compute_dunning_dispute_open_count(self):
        groups = self.env["dunning.dispute"]._read_group(
            [("move_id", "in", self.ids), ("state", "=", "open")],
            ["move_id"],
            ["__count"],
        )
        counts = {move.id: count for move, count in groups}
        for move in self:
            move.dunning_dispute_open_count = counts.get(move.id, 0)

    def write(self, vals):
        # _post() and every other route to a posted move write the state; Odoo
        # refuses to create a move already posted. Customer invoices only:
        # credit notes lower the exposure.
        if vals.get("state") == "posted":
            for move in self.filtered(
                lambda m: m.move_type == "out_invoice" and m.state != "posted"
            ):
                move.partner_id._credit_check_document(move)
        return super().write(vals)

    def action_view_dunning_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_communication_line_action"
        )
        action["domain"] = [("move_id", "=", self.id)]
        return action

    def action_open_dispute(self):
        """A new dispute on this invoice, in a dialog."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Dispute %s", self.display_name),
            "res_model": "dunning.dispute",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_move_id": self.id,
                "default_company_id": self.company_id.id,
            },
        }

    def action_view_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_dispute_action"
        )
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {"default_move_id": self.id}
        return action

    def action_new_payment_promise(self):
        """A promise to pay on the selected invoices (invoice list action)."""
        return self._dunning_new_arrangement("dunning.promise", _("Promise to Pay"))

    def action_new_instalment_plan(self):
        """An instalment plan of the selected invoices (invoice list action)."""
        return self._dunning_new_arrangement(
            "dunning.instalment.plan", _("Instalment Plan")
        )

    def _dunning_new_arrangement(self, model, title):
        moves = self.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "posted"
            and not m.currency_id.is_zero(m.amount_residual)
        )
        if not moves:
            raise UserError(_("Select posted customer invoices that are not paid."))
        if len(moves.commercial_partner_id) > 1 or len(moves.company_id) > 1:
            raise UserError(
                _("Select the invoices of one customer in one company at a time.")
            )
        if len(moves.currency_id) > 1:
            raise UserError(
                _("Select invoices in one currency: make one %s per currency.", title)
            )
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": model,
            "view_mode": "form",
            "target": "current",
            "context": {
                "default_partner_id": moves.commercial_partner_id.id,
                "default_company_id": moves.company_id.id,
                "default_move_ids": moves.ids,
            },
        }
