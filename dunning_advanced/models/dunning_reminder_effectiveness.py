from odoo import api, fields, models
from odoo.tools import SQL

CHANNEL_MIX = [
    ("email_letter", "Email and Letter"),
    ("email", "Email"),
    ("letter", "Letter"),
    ("sms", "SMS"),
    ("call", "Phone Call"),
    ("other", "Other"),
]
WINDOWS = (7, 14, 30)


class DunningReminderEffectiveness(models.Model):
    """What reminders brought in: per invoice reminded at a level, the amount
    reminded and what was paid on it within 7, 14 and 30 days.

    Read-only report (no table) over the reminder lines whose level was
    reached. Payments are the reconciliations of the invoice's receivable line
    dated after the reminder (credit notes included); what they paid is capped
    at the amount reminded. Amounts in the current company's currency at
    today's rate. The share paid is the sum paid over the sum reminded: the
    dashboard shows it by level, channel and template.
    """

    _name = "dunning.reminder.effectiveness"
    _description = "Reminder Effectiveness"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "move_id"
    _depends = {
        "dunning.communication": [
            "company_id",
            "partner_id",
            "date",
            "state",
            "send_email",
            "send_letter",
            "send_sms",
            "create_call",
        ],
        "dunning.communication.line": [
            "communication_id",
            "move_line_id",
            "level_id",
            "level_reached",
            "amount_residual",
        ],
        "account.partial.reconcile": ["debit_move_id", "amount", "max_date"],
    }

    communication_id = fields.Many2one(
        "dunning.communication", string="Reminder", readonly=True
    )
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    date = fields.Date(string="Reminded On", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    collector_id = fields.Many2one("res.users", string="Collector", readonly=True)
    level_id = fields.Many2one("dunning.level", string="Level", readonly=True)
    mail_template_id = fields.Many2one(
        "mail.template", string="Email Template", readonly=True
    )
    channel = fields.Selection(CHANNEL_MIX, readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_reminded = fields.Monetary(readonly=True)
    amount_paid_7 = fields.Monetary(string="Paid Within 7 Days", readonly=True)
    amount_paid_14 = fields.Monetary(string="Paid Within 14 Days", readonly=True)
    amount_paid_30 = fields.Monetary(string="Paid Within 30 Days", readonly=True)

    @property
    def _table_query(self):
        return self._effectiveness_query(self.env.companies)

    @api.model
    def _effectiveness_query(self, companies):
        factor = SQL(
            "CASE WHEN l.currency_id = l.company_currency_id OR l.amount_currency = 0 "
            "THEN 1 ELSE ABS(l.balance / l.amount_currency) END"
            " * account_currency_table.rate"
        )
        reminded = SQL("(dl.amount_residual * %s)", factor)
        paid = [
            SQL(
                """LEAST(%(reminded)s, COALESCE((
                    SELECT SUM(apr.amount) FROM account_partial_reconcile apr
                     WHERE apr.debit_move_id = l.id
                       AND apr.max_date > dc.date
                       AND apr.max_date <= dc.date + %(days)s
                ), 0) * account_currency_table.rate) AS %(name)s""",
                reminded=reminded,
                days=days,
                name=SQL.identifier(f"amount_paid_{days}"),
            )
            for days in WINDOWS
        ]
        return SQL(
            """
            SELECT dl.id,
                   dc.id AS communication_id,
                   l.move_id,
                   dc.date,
                   dc.company_id,
                   dc.partner_id,
                   COALESCE(cp.dunning_collector_id, cp.user_id) AS collector_id,
                   dl.level_id,
                   lvl.mail_template_id,
                   CASE WHEN dc.send_email AND dc.send_letter THEN 'email_letter'
                        WHEN dc.send_email THEN 'email'
                        WHEN dc.send_letter THEN 'letter'
                        WHEN dc.send_sms THEN 'sms'
                        WHEN dc.create_call THEN 'call'
                        ELSE 'other' END AS channel,
                   %(currency)s AS currency_id,
                   %(reminded)s AS amount_reminded,
                   %(paid)s
              FROM dunning_communication_line dl
              JOIN dunning_communication dc ON dc.id = dl.communication_id
              JOIN dunning_level lvl ON lvl.id = dl.level_id
              JOIN account_move_line l ON l.id = dl.move_line_id
              JOIN res_partner cp ON cp.id = dc.partner_id
              JOIN %(currency_table)s
                ON account_currency_table.company_id = dc.company_id
             WHERE dc.company_id = ANY(%(companies)s)
               AND %(reached)s
               AND dl.amount_residual > 0
            """,
            currency=self.env.company.currency_id.id,
            reminded=reminded,
            paid=SQL(", ").join(paid),
            currency_table=self.env["res.currency"]._get_simple_currency_table(
                companies
            ),
            companies=companies.ids,
            reached=self.env["dunning.aged.receivable"]._level_reached_sql("dl"),
        )

    @api.model
    def _summary(self, group_by, date_from, date_to):
        """Amount reminded and share paid within 7/14/30 days per ``group_by``
        value, for reminders sent from ``date_from`` to ``date_to``:
        [(group record or value, reminded, {7: %, 14: %, 30: %})], the largest
        amount reminded first."""
        groups = self._read_group(
            [("date", ">=", date_from), ("date", "<=", date_to)],
            [group_by],
            ["amount_reminded:sum"] + [f"amount_paid_{days}:sum" for days in WINDOWS],
        )
        result = []
        for key, reminded, *paid in groups:
            shares = {
                days: (amount / reminded * 100 if reminded else 0.0)
                for days, amount in zip(WINDOWS, paid, strict=True)
            }
            result.append((key, reminded, shares))
        result.sort(key=lambda row: -row[1])
        return result
