from odoo import api, fields, models
from odoo.tools import SQL


class DunningCommunicationLine(models.Model):
    """One open invoice (receivable line) reminded at one level.

    The pair (receivable line, level) is unique among communications that are
    not cancelled: this is what makes runs idempotent, whatever the crash.
    """

    _name = "dunning.communication.line"
    _description = "Dunning Reminder Line"
    _order = "date desc, id desc"
    _check_company_auto = True

    communication_id = fields.Many2one(
        "dunning.communication", required=True, ondelete="cascade", index=True
    )
    state = fields.Selection(related="communication_id.state", store=True)
    date = fields.Date(related="communication_id.date", store=True)
    company_id = fields.Many2one(related="communication_id.company_id", store=True)
    partner_id = fields.Many2one(
        related="communication_id.partner_id", store=True, index=True
    )
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Journal Item",
        required=True,
        index=True,
        ondelete="restrict",
    )
    move_id = fields.Many2one(
        related="move_line_id.move_id", store=True, index=True, string="Invoice"
    )
    level_id = fields.Many2one("dunning.level", required=True, ondelete="restrict")
    level_rank = fields.Integer(required=True)
    currency_id = fields.Many2one(related="communication_id.currency_id")
    date_maturity = fields.Date(string="Due Date", required=True)
    days_overdue = fields.Integer(
        help="Days past the due date on the day of the reminder; negative for a "
        "courtesy reminder."
    )
    amount_original = fields.Monetary(string="Original Amount")
    amount_residual = fields.Monetary(string="Amount Due")
    interest_amount = fields.Monetary(string="Interest")
    compensation_amount = fields.Monetary(string="Compensation")
    include = fields.Boolean(
        default=True,
        help="Untick in a preview to leave this invoice out of the reminder.",
    )

    def init(self):
        # Partial unique index: a cancelled reminder frees its lines.
        self.env.cr.execute(
            SQL(
                """
            CREATE UNIQUE INDEX IF NOT EXISTS dunning_communication_line_uniq
                ON dunning_communication_line (move_line_id, level_id)
             WHERE state != 'cancelled'
                """
            )
        )

    @api.depends("communication_id.name", "move_id.name")
    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.communication_id.name} / {line.move_id.name}"
