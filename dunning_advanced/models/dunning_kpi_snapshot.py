import logging
from datetime import timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.credit_kpi import (
    AGING_BUCKETS,
    average_days_delinquent,
    collection_effectiveness,
    dso_countback,
    share,
)

_logger = logging.getLogger(__name__)

# The countback goes back at most this many months before the current one.
COUNTBACK_MONTHS = 12
# CEI, promises kept: over the last days up to the snapshot's day.
PERIOD_DAYS = 30
# Recovery rate: collection cases closed in the last days.
RECOVERY_DAYS = 365


def _dec(value):
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


class DunningKpiSnapshot(models.Model):
    """Receivables KPIs of one company on one day, kept for the trend charts.

    Written by the daily scheduled action (idempotent: a second run on the same
    day rewrites the day's row) and back-filled for the demo. Every figure is
    computed from the books as they stood on that day (see
    :meth:`dunning.aged.receivable._open_items_sql`), in the company's
    currency; the formulas are in lib/credit_kpi.py.
    """

    _name = "dunning.kpi.snapshot"
    _description = "Receivables KPI Snapshot"
    _order = "date desc, company_id"
    _rec_name = "date"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, readonly=True, index=True)
    receivable = fields.Monetary(string="Receivables", readonly=True)
    receivable_current = fields.Monetary(string="Not Due", readonly=True)
    receivable_overdue = fields.Monetary(string="Overdue", readonly=True)
    aging_not_due = fields.Monetary(string="Not Due (Aging)", readonly=True)
    aging_1_30 = fields.Monetary(string="1-30 Days", readonly=True)
    aging_31_60 = fields.Monetary(string="31-60 Days", readonly=True)
    aging_61_90 = fields.Monetary(string="61-90 Days", readonly=True)
    aging_91_120 = fields.Monetary(string="91-120 Days", readonly=True)
    aging_over_120 = fields.Monetary(string="Over 120 Days", readonly=True)
    overdue_share = fields.Float(
        string="Overdue Share (%)",
        digits=(5, 2),
        readonly=True,
        aggregator="avg",
        help="Overdue receivables / all receivables.",
    )
    sales_period = fields.Monetary(
        string="Sales (30 Days)",
        readonly=True,
        help="Customer invoices less credit notes of the last 30 days, taxes "
        "included (like the receivables).",
    )
    dso = fields.Float(
        string="DSO (Days)",
        digits=(6, 1),
        readonly=True,
        aggregator="avg",
        help="Days sales outstanding, countback method: the days of the latest "
        "sales that the receivables amount to.",
    )
    best_dso = fields.Float(
        string="Best Possible DSO",
        digits=(6, 1),
        readonly=True,
        aggregator="avg",
        help="The countback of the receivables not yet due only.",
    )
    days_delinquent = fields.Float(
        string="Average Days Delinquent",
        digits=(6, 1),
        readonly=True,
        aggregator="avg",
        help="DSO less the best possible DSO: the days customers add to their "
        "payment terms.",
    )
    cei = fields.Float(
        string="CEI (%)",
        digits=(5, 2),
        readonly=True,
        aggregator="avg",
        help="Collection effectiveness index of the last 30 days: what was "
        "collected of what could be collected.",
    )
    promises_kept = fields.Integer(readonly=True, aggregator="sum")
    promises_broken = fields.Integer(readonly=True, aggregator="sum")
    promises_kept_share = fields.Float(
        string="Promises Kept (%)",
        digits=(5, 2),
        readonly=True,
        aggregator="avg",
        help="Promises to pay checked in the last 30 days that were kept.",
    )
    recovery_rate = fields.Float(
        string="Recovery Rate (%)",
        digits=(5, 2),
        readonly=True,
        aggregator="avg",
        help="Of what collection cases closed in the last 12 months claimed at "
        "opening, the share that was paid (settled or written-off parts are "
        "not).",
    )

    _sql_constraints = [
        (
            "company_date_uniq",
            "unique(company_id, date)",
            "A company has one KPI snapshot per day.",
        ),
    ]

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    @api.model
    def _receivables(self, company, day):
        """Receivables of ``company`` on ``day`` in each aging column, company
        currency: {code of :data:`AGING_BUCKETS`: Decimal}."""
        companies = self._companies(company)
        Aged = self.env["dunning.aged.receivable"]
        bucket = Aged._aging_case_sql(SQL("(%s::date - date_maturity)", day))
        rows = self.env["dunning.credit.profile"]._credit_query(
            SQL(
                """
            WITH items AS (%s)
            SELECT %s, SUM(residual) FROM items GROUP BY 1
                """,
                Aged._open_items_sql(day, companies),
                bucket,
            )
        )
        amounts = {code: Decimal(0) for code, _first, _last in AGING_BUCKETS}
        amounts.update({code: _dec(amount) for code, amount in rows})
        return amounts

    @api.model
    def _companies(self, company):
        ids = self.env["dunning.credit.profile"]._credit_company_ids(company)
        return self.env["res.company"].browse(ids)

    @api.model
    def _sales(self, company, date_from, date_to):
        """Customer invoices less credit notes (receivable side, taxes included)
        dated from ``date_from`` to ``date_to``, by month: {first day: amount}."""
        rows = self.env["dunning.credit.profile"]._credit_query(
            SQL(
                """
            SELECT date_trunc('month', l.date)::date, SUM(l.balance)
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
              JOIN account_account a ON a.id = l.account_id
             WHERE l.company_id = ANY(%(companies)s)
               AND a.account_type = 'asset_receivable'
               AND l.parent_state = 'posted'
               AND m.move_type IN ('out_invoice', 'out_refund')
               AND l.date BETWEEN %(date_from)s AND %(date_to)s
          GROUP BY 1
                """,
                companies=self._companies(company).ids,
                date_from=date_from,
                date_to=date_to,
            )
        )
        return {month: _dec(amount) for month, amount in rows}

    @api.model
    def _countback_periods(self, company, day):
        """``(days, sales)`` of the month to ``day``, then each month before it,
        the most recent first."""
        first = day.replace(day=1)
        start = first - relativedelta(months=COUNTBACK_MONTHS)
        by_month = self._sales(company, start, day)
        periods = [(day.day, by_month.get(first, Decimal(0)))]
        month = first
        for _index in range(COUNTBACK_MONTHS):
            previous = month - relativedelta(months=1)
            periods.append(
                ((month - previous).days, by_month.get(previous, Decimal(0)))
            )
            month = previous
        return periods

    @api.model
    def _sales_between(self, company, date_from, date_to):
        return sum(self._sales(company, date_from, date_to).values(), Decimal(0))

    @api.model
    def _promises(self, company, date_from, date_to):
        rows = self.env["dunning.credit.profile"]._credit_query(
            SQL(
                """
            SELECT COUNT(*) FILTER (WHERE state = 'kept'),
                   COUNT(*) FILTER (WHERE state = 'broken')
              FROM dunning_promise
             WHERE company_id = %s AND closed_date BETWEEN %s AND %s
                """,
                company.id,
                date_from,
                date_to,
            )
        )
        return rows[0]

    @api.model
    def _recovery_rate(self, company, day):
        cases = (
            self.env["dunning.collection.case"]
            .sudo()
            .with_company(company)
            .search(
                [
                    ("company_id", "=", company.id),
                    ("is_closed", "=", True),
                    ("date_closed", ">", day - timedelta(days=RECOVERY_DAYS)),
                    ("date_closed", "<=", day),
                ]
            )
        )
        opening = recovered = Decimal(0)
        for case in cases:
            case_opening = _dec(case.amount_opening)
            lost = _dec(case.amount_residual) + _dec(case.amount_written_off)
            opening += case_opening
            recovered += max(case_opening - lost, Decimal(0))
        return share(recovered, opening)

    @api.model
    def _compute_values(self, company, day):
        """The figures of ``company`` on ``day`` (a dict of field values)."""
        aging = self._receivables(company, day)
        total = sum(aging.values(), Decimal(0))
        current = aging["not_due"]
        overdue = total - current
        periods = self._countback_periods(company, day)
        dso = dso_countback(total, periods).days
        best = dso_countback(current, periods).days
        start = day - timedelta(days=PERIOD_DAYS)
        opening = sum(self._receivables(company, start).values(), Decimal(0))
        sales = self._sales_between(company, start + timedelta(days=1), day)
        cei = collection_effectiveness(opening, sales, total, current)
        kept, broken = self._promises(company, start + timedelta(days=1), day)
        return {
            "company_id": company.id,
            "date": day,
            "receivable": float(total),
            "receivable_current": float(current),
            "receivable_overdue": float(overdue),
            **{f"aging_{code}": float(amount) for code, amount in aging.items()},
            "overdue_share": float(share(max(overdue, Decimal(0)), total) or 0),
            "sales_period": float(sales),
            "dso": float(dso),
            "best_dso": float(best),
            "days_delinquent": float(average_days_delinquent(total, current, periods)),
            "cei": float(cei or 0),
            "promises_kept": kept,
            "promises_broken": broken,
            "promises_kept_share": float(
                share(Decimal(kept), Decimal(kept + broken)) or 0
            ),
            "recovery_rate": float(self._recovery_rate(company, day) or 0),
        }

    @api.model
    def _take(self, company, day):
        """Write the snapshot of ``company`` on ``day`` (replacing that day's)."""
        vals = self._compute_values(company, day)
        snapshot = self.sudo().search(
            [("company_id", "=", company.id), ("date", "=", day)]
        )
        if snapshot:
            snapshot.write(vals)
            return snapshot
        return self.sudo().create(vals)

    @api.model
    def _backfill(self, company, date_from, date_to):
        """Snapshots of every day from ``date_from`` to ``date_to``."""
        day = date_from
        while day <= date_to:
            self._take(company, day)
            day += timedelta(days=1)

    @api.model
    def _cron_take_snapshots(self):
        """Daily: today's KPI snapshot of every company."""
        # Companies are few and all of them are measured.
        companies = self.env["res.company"].sudo().search([], order="id")  # pylint: disable=no-search-all
        for company in companies:
            today = fields.Date.context_today(self.with_company(company))
            self.with_company(company)._take(company, today)
            _logger.info("KPI snapshot of %s on %s taken", company.name, today)
        return True
