from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

from .dunning_credit_profile import HOLD_STATES, RISK_CLASSES

# Why a customer needs a person today, the most urgent first.
REASONS = [
    ("to_approve", "Formal Notice to Approve"),
    ("bounced", "Reminder Bounced"),
    ("promise_broken", "Promise Broken"),
    ("instalment", "Instalment Missed"),
    ("promise_due", "Promise Due"),
    ("call", "Call Due"),
    ("agency", "Agency Update"),
    ("dispute", "Dispute Waiting"),
]
REASON_CODES = [code for code, _label in REASONS]
# Events older than this are not news any more.
RECENT_DAYS = 7
# A dispute open this long waits for someone.
DISPUTE_WAIT_DAYS = 7
# Records whose phone-call activities are calls to their customer:
# model -> (table, customer column, company column or None for the company
# the worklist is for).
CALL_MODELS = {
    "res.partner": ("res_partner", "commercial_partner_id", None),
    "account.move": ("account_move", "commercial_partner_id", "company_id"),
    "dunning.communication": ("dunning_communication", "partner_id", "company_id"),
    "dunning.promise": ("dunning_promise", "partner_id", "company_id"),
    "dunning.instalment.plan": ("dunning_instalment_plan", "partner_id", "company_id"),
    "dunning.dispute": ("dunning_dispute", "partner_id", "company_id"),
    "dunning.collection.case": ("dunning_collection_case", "partner_id", "company_id"),
}


class DunningWorklist(models.Model):
    """Today: the customers that need a person, ranked by the money at stake.

    One row per customer (commercial partner) and company, computed when it is
    read (no table): a customer is listed for each reason in :data:`REASONS`
    that holds today. Reasons that are events (a promise broken, an instalment
    missed, a promise due, an agency update, a dispute waiting a week) count
    only when they happened after the customer's last contact (a call logged or
    a snooze); reasons that are work waiting on a record (a call activity due,
    a formal notice to approve, a reminder that bounced) stay until the work is
    done. A snooze hides the customer until its day.

    The money at stake is the overdue amount weighted by risk: overdue * (1 +
    risk score / 100), so a class D customer at score 80 weighs 1.8 times its
    overdue amount.
    """

    _name = "dunning.worklist"
    _description = "Collections Worklist"
    _auto = False
    _order = "amount_at_stake desc, amount_overdue desc, id"
    _rec_name = "partner_id"
    _depends = {
        "dunning.contact": ["partner_id", "company_id", "date", "snooze_until"],
        "dunning.promise": ["partner_id", "company_id", "state", "date"],
        "dunning.instalment.plan": ["partner_id", "company_id", "state"],
        "dunning.instalment.plan.line": ["plan_id", "date", "amount"],
        "dunning.dispute": ["partner_id", "company_id", "state"],
        "dunning.communication": ["partner_id", "company_id", "state"],
        "dunning.collection.stage.log": ["case_id", "source", "date"],
        "dunning.credit.profile": ["risk_score", "risk_class", "hold_state"],
        "mail.activity": ["res_model", "res_id", "date_deadline", "active"],
        "account.move.line": ["amount_residual", "reconciled", "date_maturity"],
    }

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        readonly=True,
        help="The customer's collector, else its salesperson.",
    )
    reason = fields.Selection(
        REASONS, string="Main Reason", readonly=True, help="The most urgent reason."
    )
    reason_count = fields.Integer(string="Reasons", readonly=True)
    reasons_text = fields.Char(string="Why Today", compute="_compute_reasons_text")
    amount_overdue = fields.Monetary(string="Overdue", readonly=True)
    amount_open = fields.Monetary(string="Open", readonly=True)
    amount_at_stake = fields.Monetary(
        string="At Stake",
        readonly=True,
        help="Overdue amount weighted by risk: overdue x (1 + risk score / 100).",
    )
    max_days_late = fields.Integer(
        string="Days Late", readonly=True, aggregator="max", help="Oldest item."
    )
    risk_score = fields.Float(readonly=True, digits=(5, 2), aggregator="avg")
    risk_class = fields.Selection(RISK_CLASSES, readonly=True)
    hold_state = fields.Selection(HOLD_STATES, string="Credit Hold", readonly=True)
    last_contact = fields.Datetime(string="Last Contact", readonly=True)
    reason_to_approve = fields.Boolean("Formal Notice to Approve", readonly=True)
    reason_bounced = fields.Boolean("Reminder Bounced", readonly=True)
    reason_promise_broken = fields.Boolean("Promise Broken", readonly=True)
    reason_instalment = fields.Boolean("Instalment Missed", readonly=True)
    reason_promise_due = fields.Boolean("Promise Due", readonly=True)
    reason_call = fields.Boolean("Call Due", readonly=True)
    reason_agency = fields.Boolean("Agency Update", readonly=True)
    reason_dispute = fields.Boolean("Dispute Waiting", readonly=True)

    @api.depends(*(f"reason_{code}" for code in REASON_CODES))
    def _compute_reasons_text(self):
        labels = dict(self._fields["reason"]._description_selection(self.env))
        for row in self:
            row.reasons_text = ", ".join(
                labels[code] for code in REASON_CODES if row[f"reason_{code}"]
            )

    # ------------------------------------------------------------------
    # The query
    # ------------------------------------------------------------------

    @property
    def _table_query(self):
        today = fields.Date.context_today(self)
        return self._worklist_query(today, self.env.companies, self.env.company)

    @api.model
    def _event_queries(self, today, company):
        """(customer, company, reason, when) of each reason today; ``when`` is
        NULL for work waiting on a record (it stays until done)."""
        recent = today - timedelta(days=RECENT_DAYS)
        calls = [
            SQL(
                """
            SELECT t.%(partner)s, %(company)s, 'call', NULL::timestamp
              FROM mail_activity act
              JOIN mail_activity_type typ ON typ.id = act.activity_type_id
              JOIN %(table)s t ON t.id = act.res_id
             WHERE act.res_model = %(model)s
               AND act.active IS NOT FALSE
               AND typ.category = 'phonecall'
               AND act.date_deadline <= %(today)s
                """,
                partner=SQL.identifier(partner_column),
                company=SQL.identifier("t", company_column)
                if company_column
                else SQL("%s", company.id),
                table=SQL.identifier(table),
                model=model,
                today=today,
            )
            for model, (table, partner_column, company_column) in CALL_MODELS.items()
        ]
        return [
            *calls,
            SQL(
                """
            SELECT partner_id, company_id, 'promise_due', date::timestamp
              FROM dunning_promise
             WHERE state = 'open' AND date <= %s
                """,
                today,
            ),
            SQL(
                """
            SELECT partner_id, company_id, 'promise_broken', closed_date::timestamp
              FROM dunning_promise
             WHERE state = 'broken' AND closed_date >= %s
                """,
                recent,
            ),
            SQL(
                """
            SELECT partner_id, company_id, 'instalment', closed_date::timestamp
              FROM dunning_instalment_plan
             WHERE state = 'broken' AND closed_date >= %s
                """,
                recent,
            ),
            # An active plan behind its schedule: what fell due before today is
            # more than what was paid since the plan started.
            SQL(
                """
            SELECT ip.partner_id, ip.company_id, 'instalment',
                   due.last_date::timestamp + interval '1 day'
              FROM dunning_instalment_plan ip
              JOIN LATERAL (
                    SELECT SUM(ipl.amount) AS amount, MAX(ipl.date) AS last_date
                      FROM dunning_instalment_plan_line ipl
                     WHERE ipl.plan_id = ip.id AND ipl.date < %(today)s
                   ) due ON due.amount IS NOT NULL
              JOIN LATERAL (
                    SELECT SUM(m.amount_residual) AS amount
                      FROM dunning_instalment_plan_account_move_rel rel
                      JOIN account_move m ON m.id = rel.move_id
                     WHERE rel.plan_id = ip.id
                   ) owed ON TRUE
             WHERE ip.state = 'active'
               AND due.amount > COALESCE(ip.residual_at_activation, 0)
                                - COALESCE(owed.amount, 0) + 0.005
                """,
                today=today,
            ),
            SQL(
                """
            SELECT partner_id, company_id, 'dispute',
                   create_date + make_interval(days => %s)
              FROM dunning_dispute
             WHERE state = 'open' AND create_date::date <= %s
                """,
                DISPUTE_WAIT_DAYS,
                today - timedelta(days=DISPUTE_WAIT_DAYS),
            ),
            # States of the reminder the engine gives: a formal notice waiting
            # for a credit manager's approval, an email that bounced.
            SQL(
                """
            SELECT partner_id, company_id,
                   CASE state WHEN 'to_approve' THEN 'to_approve'
                              ELSE 'bounced' END,
                   NULL::timestamp
              FROM dunning_communication
             WHERE state IN ('to_approve', 'delivery_failed')
                """
            ),
            SQL(
                """
            SELECT c.partner_id, c.company_id, 'agency', log.date
              FROM dunning_collection_stage_log log
              JOIN dunning_collection_case c ON c.id = log.case_id
             WHERE log.source = 'agency' AND log.date >= %s
                """,
                recent,
            ),
        ]

    @api.model
    def _worklist_query(self, today, companies, company):
        priority = SQL(
            "CASE e.reason %s END",
            SQL(" ").join(
                SQL("WHEN %s THEN %s", code, index)
                for index, code in enumerate(REASON_CODES)
            ),
        )
        flags = SQL(", ").join(
            SQL(
                "bool_or(e.reason = %s) AS %s",
                code,
                SQL.identifier(f"reason_{code}"),
            )
            for code in REASON_CODES
        )
        main_reason = SQL(
            "(ARRAY[%s])[MIN(%s) + 1]",
            SQL(", ").join(SQL("%s", code) for code in REASON_CODES),
            priority,
        )
        currency_table = self.env["res.currency"]._get_simple_currency_table(companies)
        Aged = self.env["dunning.aged.receivable"]
        open_items = Aged._open_items_sql(
            today, companies, SQL("SELECT partner_id FROM customers")
        )
        return SQL(
            """
            WITH contact AS (
                SELECT partner_id, company_id, MAX(date) AS last_date,
                       MAX(snooze_until) FILTER (WHERE kind = 'snooze') AS snooze
                  FROM dunning_contact
                 WHERE company_id = ANY(%(companies)s)
              GROUP BY partner_id, company_id
            ), events AS (
                %(events)s
            ), live AS (
                SELECT e.*
                  FROM events e (partner_id, company_id, reason, event_at)
             LEFT JOIN contact c
                    ON c.partner_id = e.partner_id AND c.company_id = e.company_id
                 WHERE e.company_id = ANY(%(companies)s)
                   AND (c.snooze IS NULL OR c.snooze <= %(today)s)
                   AND (e.event_at IS NULL OR c.last_date IS NULL
                        OR e.event_at > c.last_date)
            ), customers AS (
                SELECT e.partner_id, e.company_id, %(flags)s,
                       COUNT(DISTINCT e.reason) AS reason_count,
                       %(main_reason)s AS reason
                  FROM live e
              GROUP BY e.partner_id, e.company_id
            ), items AS (
                %(open_items)s
            ), owed AS (
                SELECT i.partner_id, i.company_id,
                       SUM(i.residual * account_currency_table.rate) AS amount_open,
                       SUM(i.residual * account_currency_table.rate) FILTER (
                           WHERE i.date_maturity < %(today)s) AS amount_overdue,
                       MAX(%(today)s::date - i.date_maturity) FILTER (
                           WHERE i.residual > 0) AS max_days_late
                  FROM items i
                  JOIN %(currency_table)s
                    ON account_currency_table.company_id = i.company_id
              GROUP BY i.partner_id, i.company_id
            )
            SELECT cu.partner_id::bigint * 65536 + cu.company_id AS id,
                   cu.*,
                   %(currency)s AS currency_id,
                   COALESCE(cp.dunning_collector_id, cp.user_id) AS collector_id,
                   COALESCE(o.amount_open, 0) AS amount_open,
                   GREATEST(COALESCE(o.amount_overdue, 0), 0) AS amount_overdue,
                   GREATEST(COALESCE(o.amount_overdue, 0), 0)
                       * (1 + COALESCE(prof.risk_score, 0) / 100.0) AS amount_at_stake,
                   GREATEST(COALESCE(o.max_days_late, 0), 0) AS max_days_late,
                   prof.risk_score,
                   prof.risk_class,
                   COALESCE(prof.hold_state, 'none') AS hold_state,
                   c.last_date AS last_contact
              FROM customers cu
              JOIN res_partner cp ON cp.id = cu.partner_id
         LEFT JOIN owed o
                ON o.partner_id = cu.partner_id AND o.company_id = cu.company_id
         LEFT JOIN dunning_credit_profile prof
                ON prof.partner_id = cu.partner_id AND prof.company_id = cu.company_id
         LEFT JOIN contact c
                ON c.partner_id = cu.partner_id AND c.company_id = cu.company_id
            """,
            companies=companies.ids,
            today=today,
            events=SQL(" UNION ALL ").join(self._event_queries(today, company)),
            flags=flags,
            main_reason=main_reason,
            open_items=open_items,
            currency_table=currency_table,
            currency=self.env.company.currency_id.id,
        )

    # ------------------------------------------------------------------
    # Actions: the customer's, in the row's company
    # ------------------------------------------------------------------

    def _customer(self):
        self.ensure_one()
        return self.partner_id.with_company(self.company_id)

    def action_open_customer(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "name": self.partner_id.display_name,
        }

    def action_log_call(self):
        return self._back_to_today(self._customer().action_dunning_log_call())

    def action_snooze(self):
        return self._back_to_today(self._customer().action_dunning_snooze())

    def _back_to_today(self, action):
        """From the worklist card, a call or a snooze may take the customer
        off today's list: its dialog then goes back to the list."""
        if self.env.context.get("dunning_worklist_return"):
            action["context"]["dunning_worklist_return"] = True
        return action

    def action_new_promise(self):
        return self._customer().action_dunning_new_promise()

    def action_new_dispute(self):
        return self._customer().action_dunning_new_dispute()

    def action_send_statement(self):
        return self._customer().action_dunning_send_statement()

    def action_print_statement(self):
        return self._customer().action_dunning_print_statement()

    def action_open_items(self):
        return self._customer().action_view_credit_items()

    @api.model
    def action_open_today(self):
        """The worklist, named after the day."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_worklist_action"
        )
        action["display_name"] = _("Today")
        return action
