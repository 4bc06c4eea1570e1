from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# States of a reminder in which its level counts as reached: it went out, or
# is committed to go out (waiting for its pagoPA notice), or went out and its
# email came back.
SENT_STATES = ("pending", "sent", "delivery_failed")
SECTIONS = [
    ("overdue", "Overdue"),
    ("not_due", "Not Yet Due"),
    ("credit", "Credit in Favour"),
    ("disputed", "Disputed"),
    ("paused", "Paused"),
]
# The order a statement reads in: what is claimed first.
SECTION_ORDER = {key: index for index, (key, _label) in enumerate(SECTIONS)}


class DunningCommunicationLine(models.Model):
    """One open item of the customer as a reminder lists it.

    A reminder lists every open item of its customer in its currency, each in
    a section: overdue, not yet due, credits (credit notes, payments on
    account), disputed (shown, not claimed), paused (a promise to pay or an
    instalment plan). The lines the reminder *claims* at its level are the
    history of levels reached: once the reminder is sent, the pair (item,
    level) of a claimed line is unique, whatever the crash or the concurrency.
    """

    _name = "dunning.communication.line"
    _description = "Dunning Reminder Line"
    _inherit = ["dunning.controlled.fields.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    # The engine writes lines; a user only leaves an item out of a draft.
    _dunning_controlled_fields = (
        "communication_id",
        "move_line_id",
        "section",
        "claimed",
        "pause_reason",
        "date_maturity",
        "days_overdue",
        "amount_original",
        "amount_residual",
        "interest_amount",
        "compensation_amount",
        "interest_detail",
    )

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
        related="move_line_id.move_id", store=True, index=True, string="Document"
    )
    move_type = fields.Selection(related="move_line_id.move_id.move_type")
    level_id = fields.Many2one(
        related="communication_id.level_id", store=True, string="Level"
    )
    level_rank = fields.Integer(related="communication_id.level_rank", store=True)
    section = fields.Selection(SECTIONS, required=True, default="overdue")
    sequence = fields.Integer(
        compute="_compute_sequence", store=True, help="Order of the sections."
    )
    claimed = fields.Boolean(
        default=True,
        help="The reminder claims this item at its level: once sent, the item has "
        "reached the level. Items not yet due, credits, disputed and paused items "
        "are listed for a complete statement, not claimed.",
    )
    level_reached = fields.Boolean(
        compute="_compute_level_reached",
        store=True,
        help="Claimed by a reminder that went out: the item reached its level.",
    )
    pause_reason = fields.Char(
        string="Status", help="Why the item is listed but not claimed."
    )
    currency_id = fields.Many2one(related="communication_id.currency_id")
    date_maturity = fields.Date(string="Due Date", required=True)
    days_overdue = fields.Integer(
        help="Days past the due date on the day of the reminder; negative: days "
        "left before it."
    )
    amount_original = fields.Monetary(string="Original Amount")
    amount_residual = fields.Monetary(
        string="Amount Due", help="What is still open; negative for a credit."
    )
    interest_amount = fields.Monetary(string="Interest")
    compensation_amount = fields.Monetary(string="Compensation")
    interest_detail = fields.Char(
        help="How the interest was computed: periods, rates, days."
    )
    include = fields.Boolean(
        default=True,
        help="Untick in a draft to leave this item out of the reminder.",
    )

    def init(self):
        # Only reminders that went out count: drafts, previews, errors and
        # cancelled reminders never hold a level.
        self.env.cr.execute(SQL("DROP INDEX IF EXISTS dunning_communication_line_uniq"))
        self.env.cr.execute(
            SQL(
                """
            CREATE UNIQUE INDEX IF NOT EXISTS dunning_communication_line_reached_uniq
                ON dunning_communication_line (move_line_id, level_id)
             WHERE level_reached
                """
            )
        )

    @api.depends("section")
    def _compute_sequence(self):
        for line in self:
            line.sequence = SECTION_ORDER.get(line.section, len(SECTION_ORDER))

    @api.depends("claimed", "state", "include")
    def _compute_level_reached(self):
        for line in self:
            line.level_reached = (
                line.claimed and line.include and line.state in SENT_STATES
            )

    @api.depends("communication_id.name", "move_id.name")
    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.communication_id.name} / {line.move_id.name}"

    def write(self, vals):
        if "include" in vals and not self.env.su:
            if self.communication_id.filtered(lambda c: c.state != "draft"):
                raise UserError(
                    _("Only the items of a draft reminder can be left out or put back.")
                )
            if self.filtered(lambda line: line.section != "overdue"):
                raise UserError(
                    _(
                        "Only overdue items can be left out: the other items make the "
                        "customer's statement complete."
                    )
                )
        return super().write(vals)
