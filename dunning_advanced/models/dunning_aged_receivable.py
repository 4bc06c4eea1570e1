from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib.credit_kpi import AGING_BUCKETS
from .dunning_credit_profile import RISK_CLASSES

AGING_LABELS = {
    "not_due": "Not Due",
    "1_30": "1-30 Days",
    "31_60": "31-60 Days",
    "61_90": "61-90 Days",
    "91_120": "91-120 Days",
    "over_120": "Over 120 Days",
}
AGING_SELECTION = [(code, AGING_LABELS[code]) for code, _f, _l in AGING_BUCKETS]
AS_OF_KEY = "dunning_as_of"
# Context key of the customers (commercial) the report is for: it then reads
# only their items (the Exposure button of a customer).
PARTNER_KEY = "dunning_partner_ids"


class DunningAgedReceivable(models.Model):
    """Open receivable items as they stood on a date, aged.

    Read-only report over the journal items (no table): an item is open on a
    day when its residual on that day is not zero. The residual on a past day
    is today's residual with the reconciliations made after that day undone
    (partial reconciliations count on their date, ``max_date``: the later of
    the two items' dates), so payments registered later do not change the
    past. Amounts are converted into the current company's currency at today's
    rate; each item also keeps its residual in its own currency.

    The day comes from the context key ``dunning_as_of`` (default: today).
    """

    _name = "dunning.aged.receivable"
    _description = "Aged Receivables"
    _auto = False
    _order = "days_late desc, id"
    _rec_name = "move_line_id"
    _depends = {
        "account.move.line": [
            "account_id",
            "amount_residual",
            "amount_residual_currency",
            "balance",
            "company_id",
            "currency_id",
            "date",
            "date_maturity",
            "move_id",
            "parent_state",
            "partner_id",
            "reconciled",
        ],
        "account.partial.reconcile": [
            "amount",
            "credit_amount_currency",
            "credit_move_id",
            "debit_amount_currency",
            "debit_move_id",
            "max_date",
        ],
        "account.move": ["invoice_user_id", "move_type"],
        "res.partner": [
            "commercial_partner_id",
            "name",
            "user_id",
            "dunning_collector_id",
        ],
        "dunning.credit.profile": ["risk_class"],
        "dunning.dispute": ["state", "move_id", "move_line_id"],
        "dunning.communication.line": [
            "move_line_id",
            "level_id",
            "level_rank",
            "level_reached",
        ],
    }

    move_line_id = fields.Many2one("account.move.line", string="Item", readonly=True)
    move_id = fields.Many2one("account.move", string="Document", readonly=True)
    move_type = fields.Selection(
        [
            ("out_invoice", "Invoice"),
            ("out_refund", "Credit Note"),
            ("entry", "Payment or Entry"),
        ],
        string="Type",
        readonly=True,
    )
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    # Grouped by in the pivot: thousands of customers' names come with the
    # query, not from one display name computation per customer.
    partner_name = fields.Char(string="Customer Name", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        readonly=True,
        help="The customer's collector, else its salesperson.",
    )
    risk_class = fields.Selection(RISK_CLASSES, readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    company_currency_id = fields.Many2one(
        "res.currency", string="Report Currency", readonly=True
    )
    date = fields.Date(readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    days_late = fields.Integer(
        readonly=True,
        aggregator="max",
        help="Days past the due date on the report's day; negative: not due yet.",
    )
    age_bucket = fields.Selection(AGING_SELECTION, string="Age", readonly=True)
    level_id = fields.Many2one(
        "dunning.level", string="Level Reached", readonly=True, aggregator=None
    )
    disputed = fields.Boolean(readonly=True)
    amount_residual_currency = fields.Monetary(
        string="Residual in Currency",
        currency_field="currency_id",
        readonly=True,
        aggregator=None,
    )
    amount_residual = fields.Monetary(
        string="Total Open", currency_field="company_currency_id", readonly=True
    )
    amount_overdue = fields.Monetary(
        string="Overdue", currency_field="company_currency_id", readonly=True
    )
    amount_not_due = fields.Monetary(
        string="Not Due", currency_field="company_currency_id", readonly=True
    )
    amount_1_30 = fields.Monetary(
        string="1-30", currency_field="company_currency_id", readonly=True
    )
    amount_31_60 = fields.Monetary(
        string="31-60", currency_field="company_currency_id", readonly=True
    )
    amount_61_90 = fields.Monetary(
        string="61-90", currency_field="company_currency_id", readonly=True
    )
    amount_91_120 = fields.Monetary(
        string="91-120", currency_field="company_currency_id", readonly=True
    )
    amount_over_120 = fields.Monetary(
        string="Over 120", currency_field="company_currency_id", readonly=True
    )

    # ------------------------------------------------------------------
    # The query
    # ------------------------------------------------------------------

    @api.model
    def _as_of(self):
        """The report's day: the context's ``dunning_as_of``, else today."""
        value = self.env.context.get(AS_OF_KEY)
        return fields.Date.to_date(value) if value else fields.Date.context_today(self)

    @property
    def _table_query(self):
        return self._report_query(self._as_of(), self.env.companies)

    @api.model
    def _open_items_sql(self, as_of, companies, partner_ids=None):
        """Receivable items open on ``as_of`` in ``companies``: one row per item
        with ``line_id``, ``company_id``, ``move_id``, ``currency_id``,
        ``date``, ``partner_id`` (commercial), ``date_maturity`` (its date when
        it has none), ``residual`` (company currency) and ``residual_currency``
        (its own currency).

        Today's residual plus the reconciliations dated after ``as_of``; an
        item dated after ``as_of`` did not exist yet. One place for every
        figure of this addon that needs open items on a day (aged report,
        KPI snapshot, statements, worklist).
        """
        partner_filter = SQL()
        if isinstance(partner_ids, SQL):  # a subquery
            partner_filter = SQL("AND p.commercial_partner_id IN (%s)", partner_ids)
        elif partner_ids is not None:
            partner_filter = SQL(
                "AND p.commercial_partner_id = ANY(%s)", list(partner_ids)
            )
        accounts = (
            self.env["account.account"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("account_type", "=", "asset_receivable"),
                    ("company_ids", "in", companies.ids),
                ]
            )
        )
        # Two sources: the items not reconciled today (an index serves them)
        # and the reconciled items with a reconciliation after the day, to
        # undo. On a past day these are many: they are then read with the
        # others by account and date rather than one by one.
        if as_of >= fields.Date.context_today(self):
            reconciled_later = SQL(
                """
                SELECT l.id, l.company_id, l.move_id, l.currency_id, l.date,
                       l.date_maturity, l.partner_id, l.amount_residual,
                       l.amount_residual_currency
                  FROM undone u
                  JOIN account_move_line l ON l.id = u.line_id
                 WHERE l.account_id = ANY(%(accounts)s)
                   AND l.reconciled
                   AND l.parent_state = 'posted'
                """,
                accounts=accounts.ids,
            )
            items = SQL(
                """
                SELECT l.id, l.company_id, l.move_id, l.currency_id, l.date,
                       l.date_maturity, l.partner_id, l.amount_residual,
                       l.amount_residual_currency
                  FROM account_move_line l
                 WHERE l.account_id = ANY(%(accounts)s)
                   AND l.reconciled IS NOT TRUE
                   AND l.parent_state = 'posted'
             UNION ALL
                %(reconciled_later)s
                """,
                accounts=accounts.ids,
                reconciled_later=reconciled_later,
            )
        else:
            items = SQL(
                """
                SELECT l.id, l.company_id, l.move_id, l.currency_id, l.date,
                       l.date_maturity, l.partner_id, l.amount_residual,
                       l.amount_residual_currency
                  FROM account_move_line l
                  JOIN (
                        SELECT l2.id
                          FROM account_move_line l2
                         WHERE l2.account_id = ANY(%(accounts)s)
                           AND l2.reconciled IS NOT TRUE
                           AND l2.parent_state = 'posted'
                     UNION
                        SELECT line_id FROM undone
                  ) c ON c.id = l.id
                 WHERE l.account_id = ANY(%(accounts)s)
                   AND l.parent_state = 'posted'
                   AND l.date <= %(as_of)s
                """,
                accounts=accounts.ids,
                as_of=as_of,
            )
        return SQL(
            """
            WITH later AS (
                SELECT apr.debit_move_id AS line_id, apr.amount,
                       apr.debit_amount_currency AS amount_currency
                  FROM account_partial_reconcile apr
                 WHERE apr.max_date > %(as_of)s
                   AND apr.company_id = ANY(%(companies)s)
             UNION ALL
                SELECT apr.credit_move_id, -apr.amount, -apr.credit_amount_currency
                  FROM account_partial_reconcile apr
                 WHERE apr.max_date > %(as_of)s
                   AND apr.company_id = ANY(%(companies)s)
            ), undone AS (
                SELECT line_id, SUM(amount) AS amount,
                       SUM(amount_currency) AS amount_currency
                  FROM later
              GROUP BY line_id
            ), items AS (%(items)s)
            SELECT l.id AS line_id,
                   l.company_id,
                   l.move_id,
                   l.currency_id,
                   l.date,
                   p.commercial_partner_id AS partner_id,
                   COALESCE(l.date_maturity, l.date) AS date_maturity,
                   l.amount_residual + COALESCE(u.amount, 0) AS residual,
                   l.amount_residual_currency + COALESCE(u.amount_currency, 0)
                       AS residual_currency
              FROM items l
              JOIN res_partner p ON p.id = l.partner_id
         LEFT JOIN undone u ON u.line_id = l.id
             WHERE l.company_id = ANY(%(companies)s)
               AND l.date <= %(as_of)s
               AND (l.amount_residual + COALESCE(u.amount, 0) != 0
                    OR l.amount_residual_currency + COALESCE(u.amount_currency, 0)
                       != 0)
               %(partner_filter)s
            """,
            as_of=as_of,
            companies=companies.ids,
            items=items,
            partner_filter=partner_filter,
        )

    @api.model
    def _open_items(self, as_of, companies, partners=None):
        """The rows of :meth:`_open_items_sql` as dicts."""
        query = self._open_items_sql(
            as_of, companies, partners.ids if partners is not None else None
        )
        return self.env["dunning.credit.profile"]._credit_query(query, as_dict=True)

    @api.model
    def _aging_case_sql(self, days):
        """The aging column (:data:`AGING_BUCKETS`) of ``days`` late, in SQL."""
        whens = []
        for code, first, last in AGING_BUCKETS:
            if first is None:
                whens.append(SQL("WHEN %s <= %s THEN %s", days, last, code))
            elif last is None:
                whens.append(SQL("WHEN %s >= %s THEN %s", days, first, code))
            else:
                whens.append(
                    SQL("WHEN %s BETWEEN %s AND %s THEN %s", days, first, last, code)
                )
        return SQL("CASE %s END", SQL(" ").join(whens))

    @api.model
    def _level_reached_sql(self, alias="dl"):
        """Condition on a reminder line that its item reached its level."""
        return SQL("%s.level_reached", SQL.identifier(alias))

    @api.model
    def _report_query(self, as_of, companies):
        days = SQL("(%s::date - o.date_maturity)", as_of)
        bucket = self._aging_case_sql(days)
        amount = SQL("(o.residual * account_currency_table.rate)")
        columns = [
            SQL(
                "CASE WHEN %s = %s THEN %s ELSE 0 END AS %s",
                bucket,
                code,
                amount,
                SQL.identifier(f"amount_{code}"),
            )
            for code, _first, _last in AGING_BUCKETS
        ]
        currency_table = self.env["res.currency"]._get_simple_currency_table(companies)
        partner_ids = self.env.context.get(PARTNER_KEY)
        return SQL(
            """
            WITH open_items AS (%(open_items)s),
            -- The highest level each item reached (all reminder lines: one
            -- sort is cheaper than a lookup per open item).
            reached AS (
                SELECT DISTINCT ON (dl.move_line_id) dl.move_line_id, dl.level_id
                  FROM dunning_communication_line dl
                 WHERE %(reached)s
              ORDER BY dl.move_line_id, dl.level_rank DESC, dl.id DESC
            )
            SELECT o.line_id AS id,
                   o.line_id AS move_line_id,
                   o.move_id,
                   CASE WHEN m.move_type IN ('out_invoice', 'out_refund')
                        THEN m.move_type ELSE 'entry' END AS move_type,
                   o.company_id,
                   cp.id AS partner_id,
                   cp.name AS partner_name,
                   COALESCE(m.invoice_user_id, cp.user_id) AS user_id,
                   COALESCE(cp.dunning_collector_id, cp.user_id) AS collector_id,
                   prof.risk_class,
                   o.currency_id,
                   %(report_currency)s AS company_currency_id,
                   o.date,
                   o.date_maturity,
                   %(days)s AS days_late,
                   %(bucket)s AS age_bucket,
                   reached.level_id,
                   EXISTS (
                       SELECT 1 FROM dunning_dispute dd
                        WHERE dd.state = 'open'
                          AND dd.move_id = o.move_id
                          AND (dd.move_line_id IS NULL OR dd.move_line_id = o.line_id)
                   ) AS disputed,
                   o.residual_currency AS amount_residual_currency,
                   %(amount)s AS amount_residual,
                   CASE WHEN %(days)s > 0 THEN %(amount)s ELSE 0 END AS amount_overdue,
                   %(columns)s
              FROM open_items o
              JOIN account_move m ON m.id = o.move_id
              JOIN res_partner cp ON cp.id = o.partner_id
              JOIN %(currency_table)s
                ON account_currency_table.company_id = o.company_id
         LEFT JOIN reached ON reached.move_line_id = o.line_id
         LEFT JOIN dunning_credit_profile prof
                ON prof.partner_id = cp.id AND prof.company_id = o.company_id
            """,
            open_items=self._open_items_sql(as_of, companies, partner_ids),
            reached=self._level_reached_sql(),
            report_currency=self.env.company.currency_id.id,
            days=days,
            bucket=bucket,
            amount=amount,
            columns=SQL(", ").join(columns),
            currency_table=currency_table,
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @api.model
    def _action_open(self, as_of=None, partner=None, view="pivot"):
        """The report as of ``as_of`` (today), for one customer or everyone."""
        as_of = as_of or fields.Date.context_today(self)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_aged_receivable_action"
        )
        context = {AS_OF_KEY: fields.Date.to_string(as_of)}
        if partner:
            context[PARTNER_KEY] = partner.commercial_partner_id.ids
            action["domain"] = [("partner_id", "=", partner.commercial_partner_id.id)]
            action["name"] = _(
                "Open Items of %(partner)s on %(date)s",
                partner=partner.commercial_partner_id.display_name,
                date=fields.Date.to_string(as_of),
            )
            action["views"] = [
                (
                    self.env.ref(
                        "dunning_advanced.dunning_aged_receivable_view_list"
                    ).id,
                    "list",
                ),
                (False, "pivot"),
            ]
            action["view_mode"] = "list,pivot"
            context["search_default_group_by_partner"] = 0
        else:
            action["name"] = _("Aged Receivables on %s", fields.Date.to_string(as_of))
            if view == "list":
                action["views"] = sorted(action["views"], key=lambda v: v[1] != "list")
        action["context"] = context
        return action

    def action_open_document(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    @api.model
    def _check_date(self, as_of):
        if as_of and as_of > fields.Date.context_today(self):
            raise UserError(
                _("Aged receivables are as of today or a past day, not %s.", as_of)
            )
