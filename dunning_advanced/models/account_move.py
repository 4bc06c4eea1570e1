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

    @api.depends("dunning_line_ids.state", "dunning_line_ids.level_rank")
    def _compute_dunning_level(self):
        for move in self:
            sent = move.dunning_line_ids.filtered(lambda line: line.state == "sent")
            move.dunning_count = len(sent)
            move.dunning_level_id = sent.sorted("level_rank")[-1:].level_id

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

    pagopa_notice_ids = fields.Many2many(
        "dunning.pagopa.notice",
        "dunning_pagopa_notice_move_rel",
        "move_id",
        "notice_id",
        string="pagoPA Notices",
        copy=False,
        readonly=True,
    )
    pagopa_notice_count = fields.Integer(compute="_compute_pagopa_notice_count")

    @api.depends("pagopa_notice_ids")
    def _compute_pagopa_notice_count(self):
        for move in self:
            move.pagopa_notice_count = len(move.pagopa_notice_ids)

    def action_view_pagopa_notices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_pagopa_notice_action"
        )
        action["domain"] = [("move_ids", "in", self.ids)]
        return action
