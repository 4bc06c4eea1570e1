from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.dunning_levels import LevelRule

CHANNELS = ("send_email", "send_letter", "send_sms", "create_call")


class DunningLevel(models.Model):
    """One step of a dunning policy: when, how, and what it costs the customer."""

    _name = "dunning.level"
    _description = "Dunning Level"
    _order = "policy_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    policy_id = fields.Many2one(
        "dunning.policy", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    rank = fields.Integer(
        compute="_compute_rank",
        store=True,
        help="Position of the level in its policy: 1 is the first reminder.",
    )
    delay_type = fields.Selection(
        [("due", "Days From Due Date"), ("previous", "Days After Previous Level")],
        default="due",
        required=True,
    )
    delay_days = fields.Integer(
        string="Days",
        help="Negative (from the due date only): a courtesy reminder before the "
        "invoice falls due.",
    )
    min_amount = fields.Monetary(
        string="Minimum Amount",
        help="Nothing is sent when the customer's invoices at this level add up to "
        "less (in company currency).",
    )
    tolerance = fields.Monetary(
        help="Open amounts of an invoice up to this much are not reminded: the "
        "cents a payment left open.",
        default=1.0,
    )
    send_email = fields.Boolean(string="Email", default=True)
    send_letter = fields.Boolean(string="Letter (PDF)")
    send_sms = fields.Boolean(string="SMS")
    create_call = fields.Boolean(
        string="Phone Call",
        help="Plan a call activity for the customer's collector.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain="[('model', '=', 'dunning.communication')]",
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS Template",
        domain="[('model', '=', 'dunning.communication')]",
    )
    subject = fields.Char(
        translate=True, help="Subject of the letter; the level name when empty."
    )
    letter_opening = fields.Text(
        string="Letter Opening", translate=True, help="Text above the invoices."
    )
    letter_closing = fields.Text(
        string="Letter Closing", translate=True, help="Text below the total due."
    )
    fee_type = fields.Selection(
        [("none", "No Fee"), ("fixed", "Fixed"), ("percent", "Percentage")],
        default="none",
        required=True,
    )
    fee_fixed = fields.Monetary(string="Fixed Fee")
    fee_percent = fields.Float(string="Fee %", digits=(5, 2))
    fee_cap = fields.Monetary(string="Fee Cap", help="Highest percentage fee; 0: none.")
    fee_posting = fields.Selection(
        [
            ("invoice", "Fee Invoice When Sent"),
            ("interest_invoice", "On the Next Interest Invoice"),
        ],
        default="invoice",
        required=True,
        help="A fee is always an amount the customer owes in the books: either a "
        "customer invoice posted when the reminder is sent, or a line of the next "
        "interest invoice.",
    )
    add_interest = fields.Boolean(
        string="Add Statutory Interest",
        help="Show late-payment interest to date (and, B2B, the 40 EUR "
        "compensation of D.Lgs. 231/2002) in the letter and email.",
    )
    credit_hold = fields.Boolean(
        string="Puts on Credit Hold",
        help="Customers reaching this level are blocked until their invoices at "
        "this level are paid or a credit manager releases them.",
    )
    legal_stage = fields.Boolean(
        help="Hands the credit over to the legal stage (collection case)."
    )
    is_formal_notice = fields.Boolean(
        string="Formal Notice",
        help="Messa in mora: worded as a formal demand, sent by letter and PEC.",
    )
    requires_approval = fields.Boolean(
        string="Credit Manager Approves",
        help="Reminders of this level wait for a credit manager's approval before "
        "they go out (a formal notice has legal effects).",
    )
    letter_fallback = fields.Boolean(
        string="Letter If the Email Fails",
        default=True,
        help="When the email of a reminder of this level bounces or cannot be "
        "delivered, a letter is produced for printing instead.",
    )

    @api.depends("policy_id.level_ids.sequence", "sequence")
    def _compute_rank(self):
        for policy in self.policy_id:
            ordered = policy.level_ids.sorted(lambda lv: (lv.sequence, lv.id or 0))
            for rank, level in enumerate(ordered, start=1):
                level.rank = rank
        for level in self.filtered(lambda lv: not lv.policy_id):
            level.rank = 0

    @api.constrains("delay_type", "delay_days")
    def _check_delay(self):
        for level in self:
            if level.delay_type == "previous" and level.delay_days < 0:
                raise ValidationError(
                    _(
                        "Level %s counts days after the previous level: use 0 days "
                        "or more. Only days from the due date can be negative.",
                        level.name,
                    )
                )

    @api.constrains("min_amount", "tolerance")
    def _check_amounts(self):
        for level in self:
            if level.min_amount < 0 or level.tolerance < 0:
                raise ValidationError(
                    _(
                        "Level %(level)s: the minimum amount and the tolerance are "
                        "amounts of 0 or more (%(minimum)s and %(tolerance)s given).",
                        level=level.name,
                        minimum=level.min_amount,
                        tolerance=level.tolerance,
                    )
                )

    @api.constrains("fee_type", "fee_fixed", "fee_percent", "fee_cap")
    def _check_fee(self):
        for level in self:
            if min(level.fee_fixed, level.fee_percent, level.fee_cap) < 0:
                raise ValidationError(
                    _("Level %s: fees and caps cannot be negative.", level.name)
                )
            if level.fee_type == "percent" and not 0 < level.fee_percent <= 100:
                raise ValidationError(
                    _("Level %s: a percentage fee is between 0 and 100 %%.", level.name)
                )

    @api.constrains(*CHANNELS, "mail_template_id", "sms_template_id")
    def _check_channels(self):
        for level in self:
            if not any(level[channel] for channel in CHANNELS):
                raise ValidationError(
                    _(
                        "Level %s sends nothing: choose at least one channel.",
                        level.name,
                    )
                )
            if level.send_email and not level.mail_template_id:
                raise ValidationError(
                    _("Level %s sends an email: choose its email template.", level.name)
                )
            if level.send_sms and not level.sms_template_id:
                raise ValidationError(
                    _("Level %s sends an SMS: choose its SMS template.", level.name)
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_by_reminders(self):
        used = (
            self.env["dunning.communication"]
            .sudo()
            .search_count([("level_id", "in", self.ids)], limit=1)
        )
        if used:
            raise UserError(
                _(
                    "These levels are in the reminders already made: they stay for "
                    "the history. Archive the policy instead, or change the level."
                )
            )

    def _rules(self):
        return [
            LevelRule(
                key=level.id or 0,
                rank=level.rank,
                delay_type=level.delay_type,
                delay_days=level.delay_days,
            )
            for level in self
        ]

    def _channel_labels(self):
        self.ensure_one()
        labels = {
            "send_email": _("email"),
            "send_letter": _("letter"),
            "send_sms": _("SMS"),
            "create_call": _("phone call"),
        }
        return [labels[channel] for channel in CHANNELS if self[channel]]
