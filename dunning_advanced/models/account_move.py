from odoo import api, fields, models


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
    dunning_interest_line_ids = fields.One2many(
        "account.move.line",
        "dunning_interest_origin_id",
        string="Late Interest Charged",
        readonly=True,
    )
    dunning_interest_invoiced_to = fields.Date(
        string="Interest Invoiced Up To",
        compute="_compute_dunning_interest_invoiced",
        store=True,
        help="Last day whose late-payment interest is on an interest invoice (draft "
        "or posted); the next interest invoice starts the day after.",
    )
    dunning_compensation_invoiced = fields.Boolean(
        string="Compensation Invoiced",
        compute="_compute_dunning_interest_invoiced",
        store=True,
        help="The 40 EUR compensation of art. 6 D.Lgs. 231/2002 is on an interest "
        "invoice: it is owed once per invoice.",
    )

    @api.depends("dunning_line_ids.state", "dunning_line_ids.level_rank")
    def _compute_dunning_level(self):
        for move in self:
            sent = move.dunning_line_ids.filtered(lambda line: line.state == "sent")
            move.dunning_count = len(sent)
            move.dunning_level_id = sent.sorted("level_rank")[-1:].level_id

    @api.depends(
        "dunning_interest_line_ids.parent_state",
        "dunning_interest_line_ids.dunning_interest_type",
        "dunning_interest_line_ids.dunning_interest_date_to",
    )
    def _compute_dunning_interest_invoiced(self):
        for move in self:
            charged = move.dunning_interest_line_ids.filtered(
                lambda line: line.parent_state != "cancel"
            )
            interest = charged.filtered(
                lambda line: line.dunning_interest_type == "interest"
            )
            move.dunning_interest_invoiced_to = max(
                interest.mapped("dunning_interest_date_to"), default=False
            )
            move.dunning_compensation_invoiced = any(
                line.dunning_interest_type == "compensation" for line in charged
            )

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
