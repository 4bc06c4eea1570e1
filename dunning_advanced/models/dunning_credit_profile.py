import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, float_repr, float_round, format_amount, split_every
from odoo.tools.misc import formatLang

from ..lib.credit_hold import HoldInputs, evaluate_hold
from ..lib.risk_score import FACTORS, UNRATED, RiskInputs, compute_risk

_logger = logging.getLogger(__name__)

HOLD_STATES = [("none", "No Hold"), ("warning", "Warning"), ("hold", "On Hold")]
RISK_CLASSES = [
    ("A", "A"),
    ("B", "B"),
    ("C", "C"),
    ("D", "D"),
    (UNRATED, "Unrated"),
]
RISK_FLOORS = [("legal_stage", "Legal stage"), ("on_hold", "On credit hold")]
# A record written by a transaction that began before a score was computed
# and ended after it carries a write date before the score's: what was written
# this long before a score still counts as a change the next day.
RISK_CHANGE_MARGIN = timedelta(minutes=10)


@dataclass
class Exposure:
    """Credit exposure of one customer, in the currency of its credit limit."""

    currency: "models.Model"
    limit: float = 0.0
    receivable: float = 0.0
    overdue: float = 0.0
    draft_invoices: float = 0.0
    sale_unbilled: float = 0.0
    max_days_overdue: int = 0

    @property
    def total(self):
        return self.receivable + self.draft_invoices + self.sale_unbilled

    @property
    def available(self):
        return self.limit - self.total


class DunningCreditProfile(models.Model):
    """Credit standing of one customer (commercial partner) in one company.

    Holds what cannot be computed on the fly: manual and dunning holds, a credit
    manager's release, the last risk score with each factor's contribution, and
    a snapshot of hold state and exposure for lists, filters and reports. The
    live exposure is always computed with :meth:`_get_exposure`.
    """

    _name = "dunning.credit.profile"
    _inherit = ["dunning.batch.job.mixin"]
    _description = "Customer Credit Profile"
    _order = "risk_score desc, id"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('is_company', '=', True)]",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(
        "res.currency",
        string="Limit Currency",
        compute="_compute_currency_id",
        help="Currency of the customer's credit limit.",
    )
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")

    # Holds
    hold_state = fields.Selection(
        HOLD_STATES, string="Credit Hold", default="none", required=True, index=True
    )
    hold_reason = fields.Text(string="Hold Reasons", readonly=True)
    hold_date = fields.Date(string="Hold Since", readonly=True)
    manual_hold = fields.Boolean(readonly=True)
    manual_hold_reason = fields.Text(readonly=True)
    dunning_hold = fields.Boolean(
        readonly=True, help="Set by a dunning level that blocks the customer."
    )
    dunning_hold_reason = fields.Char(readonly=True)
    release_until = fields.Date(
        string="Released Until",
        readonly=True,
        help="Until this date, exposure over the limit and overdue invoices only "
        "warn: a credit manager released the hold.",
    )
    release_reason = fields.Text(readonly=True)

    # Snapshot of the last computation, for lists and reports
    exposure_amount = fields.Monetary(
        string="Exposure", currency_field="currency_id", readonly=True
    )
    overdue_amount = fields.Monetary(
        string="Overdue", currency_field="currency_id", readonly=True
    )
    credit_limit = fields.Monetary(currency_field="currency_id", readonly=True)
    max_days_overdue = fields.Integer(string="Days Overdue (Oldest)", readonly=True)
    oldest_due_date = fields.Date(
        string="Oldest Overdue Due Date",
        readonly=True,
        help="Due date of the oldest overdue invoice: its days overdue grow "
        "every day without anything else changing.",
    )

    # Risk score and its factors
    risk_score = fields.Float(digits=(5, 2), readonly=True, aggregator="avg")
    risk_class = fields.Selection(RISK_CLASSES, readonly=True, index=True)
    risk_date = fields.Date(string="Scored On", readonly=True, index=True)
    risk_scored_at = fields.Datetime(
        string="Score Computed At",
        readonly=True,
        help="When the score was last computed. On the days after, a customer "
        "is scored again only when something the score depends on changed; "
        "otherwise the score is carried over to the new day.",
    )
    risk_days_late = fields.Float(
        string="Average Days Late", digits=(6, 1), readonly=True, aggregator="avg"
    )
    risk_late_share = fields.Float(
        string="Share Paid Late", digits=(5, 4), readonly=True, aggregator="avg"
    )
    risk_overdue_ratio = fields.Float(
        string="Overdue / Exposure", digits=(5, 4), readonly=True, aggregator="avg"
    )
    risk_limit_usage = fields.Float(
        string="Exposure / Limit", digits=(7, 4), readonly=True, aggregator="avg"
    )
    risk_dunning_level = fields.Integer(
        string="Highest Dunning Level", readonly=True, aggregator="max"
    )
    risk_broken_promises = fields.Integer(
        string="Broken Promises", readonly=True, aggregator="sum"
    )
    risk_external_rating = fields.Integer(
        string="External Rating", readonly=True, aggregator="avg"
    )
    risk_paid_count = fields.Integer(
        string="Invoices Paid (12 months)", readonly=True, aggregator="sum"
    )
    risk_points_days_late = fields.Float(digits=(5, 2), readonly=True)
    risk_points_late_share = fields.Float(digits=(5, 2), readonly=True)
    risk_points_overdue_ratio = fields.Float(digits=(5, 2), readonly=True)
    risk_points_limit_usage = fields.Float(digits=(5, 2), readonly=True)
    risk_points_dunning_level = fields.Float(digits=(5, 2), readonly=True)
    risk_points_broken_promises = fields.Float(digits=(5, 2), readonly=True)
    risk_points_external_rating = fields.Float(digits=(5, 2), readonly=True)
    risk_na_factors = fields.Char(
        string="Factors Without Data",
        readonly=True,
        help="Factors without data; their weight went to the others.",
    )
    risk_explanation = fields.Html(
        compute="_compute_risk_explanation", sanitize=False, string="Why This Class"
    )
    risk_weights_used = fields.Json(
        readonly=True,
        help="The factor weights of the company when the score was computed.",
    )
    risk_floor = fields.Selection(
        RISK_FLOORS,
        string="Class Set By",
        readonly=True,
        help="A fact that set the class above what the score gives.",
    )
    risk_external_rating_text = fields.Char(
        string="External Rating Used",
        compute="_compute_risk_external_rating_text",
        help="Empty when the customer has no external rating.",
    )

    _sql_constraints = [
        (
            "partner_company_uniq",
            "unique(partner_id, company_id)",
            "A customer has one credit profile per company.",
        ),
    ]

    @api.depends("partner_id", "company_id")
    def _compute_currency_id(self):
        for profile in self:
            profile.currency_id = profile.partner_id.with_company(
                profile.company_id
            )._get_credit_limit_currency()

    @api.depends("risk_external_rating", "risk_na_factors")
    def _compute_risk_external_rating_text(self):
        for profile in self:
            na = (profile.risk_na_factors or "").split(",")
            profile.risk_external_rating_text = (
                False
                if not profile.risk_date or "external_rating" in na
                else str(profile.risk_external_rating)
            )

    @api.depends(lambda self: [f"risk_points_{code}" for code in FACTORS])
    @api.depends_context("lang")
    def _compute_risk_explanation(self):
        for profile in self:
            profile.risk_explanation = profile._render_risk_explanation()

    # ------------------------------------------------------------------
    # Exposure
    # ------------------------------------------------------------------

    @api.model
    def _get_exposure(self, partners, company=None, today=None):
        """Live exposure of commercial partners in a company.

        Open receivables (partial payments, credit notes and unapplied payments
        included), draft customer invoices and credit notes, and confirmed sale
        order lines not yet on an invoice, each converted at today's rate from
        its own currency into the currency of the partner's credit limit. Three
        grouped queries for the whole batch, whatever its size.

        :return: {partner id: Exposure}
        """
        company = company or self.env.company
        today = today or company._dunning_today()
        partners = partners.commercial_partner_id
        result = {}
        if not partners:
            return result
        # One read of the company-dependent limits for the whole batch.
        for partner in partners.with_company(company).sudo():
            result[partner.id] = Exposure(
                currency=partner.credit_limit_currency_id or company.currency_id,
                limit=partner.credit_limit or 0.0,
            )
        company_ids = self._credit_company_ids(company)
        partner_ids = list(result)
        # Filtered on p.commercial_partner_id (indexed, always set once
        # flushed), not on a COALESCE that no index serves: a batch then reads
        # its customers' lines only, not every journal item.
        rows = self._credit_query(
            SQL(
                """
            SELECT COALESCE(p.commercial_partner_id, p.id) AS partner_id,
                   l.currency_id,
                   SUM(l.amount_residual_currency) AS receivable,
                   SUM(l.amount_residual_currency) FILTER (
                       WHERE l.date_maturity < %(today)s AND l.amount_residual > 0
                   ) AS overdue,
                   MIN(l.date_maturity) FILTER (
                       WHERE l.date_maturity < %(today)s
                         AND l.amount_residual > %(tolerance)s
                   ) AS oldest_due,
                   'receivable' AS kind
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.company_id = ANY(%(company_ids)s)
               AND a.account_type = 'asset_receivable'
               AND l.parent_state = 'posted'
               AND NOT l.reconciled
               AND p.commercial_partner_id = ANY(%(partner_ids)s)
          GROUP BY 1, 2
         UNION ALL
            SELECT COALESCE(p.commercial_partner_id, p.id), m.currency_id,
                   SUM(m.amount_total_in_currency_signed), 0, NULL, 'draft'
              FROM account_move m
              JOIN res_partner p ON p.id = m.partner_id
             WHERE m.company_id = ANY(%(company_ids)s)
               AND m.state = 'draft'
               AND m.move_type IN ('out_invoice', 'out_refund')
               AND p.commercial_partner_id = ANY(%(partner_ids)s)
          GROUP BY 1, 2
         UNION ALL
            SELECT COALESCE(p.commercial_partner_id, p.id), so.currency_id,
                   SUM(sol.price_total
                       * GREATEST(sol.product_uom_qty - sol.qty_invoiced, 0)
                       / sol.product_uom_qty), 0, NULL, 'sale'
              FROM sale_order_line sol
              JOIN sale_order so ON so.id = sol.order_id
              JOIN res_partner p ON p.id = so.partner_id
             WHERE so.company_id = ANY(%(company_ids)s)
               AND so.state = 'sale'
               AND sol.display_type IS NULL
               AND NOT COALESCE(sol.is_downpayment, FALSE)
               AND sol.product_uom_qty > 0
               AND p.commercial_partner_id = ANY(%(partner_ids)s)
          GROUP BY 1, 2
                """,
                today=today,
                company_ids=company_ids,
                partner_ids=partner_ids,
                tolerance=company.credit_overdue_tolerance,
            ),
            as_dict=True,
        )
        convert = self._currency_converter(company, today)
        for row in rows:
            exposure = result[row["partner_id"]]
            amount = convert(
                row["receivable"] or 0.0, row["currency_id"], exposure.currency
            )
            if row["kind"] == "receivable":
                exposure.receivable += amount
                exposure.overdue += convert(
                    row["overdue"] or 0.0, row["currency_id"], exposure.currency
                )
                if row["oldest_due"]:
                    days = (today - row["oldest_due"]).days
                    exposure.max_days_overdue = max(exposure.max_days_overdue, days)
            elif row["kind"] == "draft":
                exposure.draft_invoices += amount
            else:
                exposure.sale_unbilled += amount
        for exposure in result.values():
            for attr in ("receivable", "overdue", "draft_invoices", "sale_unbilled"):
                setattr(
                    exposure, attr, exposure.currency.round(getattr(exposure, attr))
                )
        return result

    @api.model
    def _credit_query(self, query, as_dict=False):
        """Run a raw aggregate query after writing pending ORM changes.

        Raw SQL does not see what the ORM still holds in memory (a posted
        invoice, a profile scored a moment ago): flush first.
        """
        self.env.flush_all()
        # PostgreSQL plans these aggregates above jit_above_cost and spends
        # more time compiling them (0.3 s a call) than running them: no JIT
        # for the rest of the transaction.
        self.env.cr.execute(SQL("SET LOCAL jit = off"))
        if as_dict:
            return self.env.execute_query_dict(query)
        return self.env.execute_query(query)

    @api.model
    def _credit_company_ids(self, company):
        """The company and its branches: credit is managed for them together."""
        return (
            self.env["res.company"].sudo().search([("id", "child_of", company.id)]).ids
        )

    @api.model
    def _currency_converter(self, company, date):
        """A converter that asks the rate of each currency pair only once."""
        rates = {}
        currencies = self.env["res.currency"]

        def convert(amount, from_currency_id, to_currency):
            if not amount or from_currency_id == to_currency.id:
                return amount
            key = (from_currency_id, to_currency.id)
            if key not in rates:
                rates[key] = currencies._get_conversion_rate(
                    currencies.browse(from_currency_id), to_currency, company, date
                )
            return amount * rates[key]

        return convert

    # ------------------------------------------------------------------
    # Holds
    # ------------------------------------------------------------------

    def _hold_inputs(self, exposure, extra_amount=0.0, today=None):
        self.ensure_one()
        today = today or self.company_id._dunning_today()
        return HoldInputs(
            exposure=exposure.total + extra_amount,
            credit_limit=exposure.limit,
            max_days_overdue=exposure.max_days_overdue,
            manual=self.manual_hold,
            dunning=self.dunning_hold,
            released=bool(self.release_until and self.release_until >= today),
        )

    def _evaluate_hold(self, exposure, extra_amount=0.0, today=None):
        """``(state, reasons text)`` for this profile with the given exposure."""
        self.ensure_one()
        settings = self.company_id._credit_hold_settings()
        state, reasons = evaluate_hold(
            self._hold_inputs(exposure, extra_amount, today), settings
        )
        text = "\n".join(
            self._describe_reason(reason, exposure.currency) for reason in reasons
        )
        return state, text

    def _describe_reason(self, reason, currency):
        def amount(value):
            return format_amount(self.env, value, currency)

        if reason.code == "manual":
            return _(
                "Put on hold by a credit manager: %s", self.manual_hold_reason or ""
            )
        if reason.code == "dunning":
            return _(
                "Dunning: %s",
                self.dunning_hold_reason or _("a blocking level was reached"),
            )
        if reason.code == "over_limit":
            return _(
                "Exposure %(exposure)s exceeds the credit limit %(limit)s "
                "by %(excess)s",
                exposure=amount(reason.exposure),
                limit=amount(reason.limit),
                excess=amount(reason.exposure - reason.limit),
            ) + (
                _(" (released until %s)", self.release_until)
                if reason.state == "warning"
                else ""
            )
        if reason.code == "near_limit":
            return _(
                "Exposure %(exposure)s is above %(percent)s%% of the credit "
                "limit %(limit)s",
                exposure=amount(reason.exposure),
                percent=round(reason.threshold),
                limit=amount(reason.limit),
            )
        if reason.code == "overdue":
            return _(
                "An invoice is %(days)s days overdue (hold after %(threshold)s days)",
                days=reason.days,
                threshold=int(reason.threshold),
            ) + (
                _(" (released until %s)", self.release_until)
                if reason.state == "warning"
                else ""
            )
        return _(
            "An invoice is %(days)s days overdue (warning after %(threshold)s days)",
            days=reason.days,
            threshold=int(reason.threshold),
        )

    def _refresh_hold(self, exposures=None, today=None):
        """Store the current hold state; note changes in the customer's chatter."""
        rows, changes = self._hold_rows(exposures, today)
        self._post_hold_changes(changes)
        self._write_rows(rows)

    def _hold_rows(self, exposures=None, today=None):
        """The hold state and exposure snapshot of each profile, not written.

        :return: ({profile id: vals}, [(partner id, company, old state, new
            state, reasons)] of the profiles whose state changes)
        """
        rows = {}
        changes = []
        for company, profiles in self.grouped("company_id").items():
            day = today or company._dunning_today()
            if exposures is None:
                company_exposures = self._get_exposure(
                    profiles.partner_id, company, day
                )
            else:
                company_exposures = exposures
            for profile in profiles:
                partner_id = profile.partner_id.id
                rows[profile.id] = profile._hold_vals(
                    company_exposures[partner_id], day, partner_id, changes
                )
        return rows, changes

    def _hold_vals(self, exposure, day, partner_id, changes):
        """The hold state and exposure snapshot of this profile (or of a new
        one: a draft profile of its company) for ``partner_id``; a change of
        state is appended to ``changes``."""
        state, reasons = self._evaluate_hold(exposure, today=day)
        currency = exposure.currency
        vals = {
            "exposure_amount": currency.round(exposure.total),
            "overdue_amount": currency.round(exposure.overdue),
            "credit_limit": currency.round(exposure.limit),
            "max_days_overdue": exposure.max_days_overdue,
            "oldest_due_date": day - timedelta(days=exposure.max_days_overdue)
            if exposure.max_days_overdue
            else False,
            "hold_reason": reasons or False,
            "hold_state": self.hold_state,
            "hold_date": self.hold_date,
        }
        if state != self.hold_state:
            vals.update(hold_state=state, hold_date=day if state == "hold" else False)
            changes.append(
                (partner_id, self.company_id, self.hold_state, state, reasons)
            )
        return vals

    def _post_hold_changes(self, changes):
        """One chatter note per customer whose hold state changes, all the
        notes of a company created at once (no one is notified of a note).

        :param changes: [(partner id, company, old state, new state, reasons)]
        """
        labels = dict(self._fields["hold_state"]._description_selection(self.env))
        by_company = defaultdict(dict)
        for partner_id, company, old, new, reasons in changes:
            body = _(
                "Credit status in %(company)s: %(old)s → %(new)s.",
                company=company.name,
                old=labels[old],
                new=labels[new],
            )
            lines = [body, *(reasons.splitlines() if reasons else [])]
            by_company[company][partner_id] = Markup("<br/>").join(lines)
        for bodies in by_company.values():
            partners = self.env["res.partner"].sudo().browse(list(bodies))
            partners._message_log_batch(bodies)

    def _write_rows(self, rows, touch=True):
        """Write computed values of many profiles: one UPDATE per set of fields
        and 5,000 profiles, each column passed as one array, not one write() per
        profile (half of the time of a scoring run went into the ORM's
        per-record write).

        :param rows: {profile id: vals}, values as :meth:`write` takes them
            (amounts already rounded in their currency), for stored fields of
            this model that no other stored field depends on (the snapshot and
            the score). Numbers are rounded to their field's digits as the ORM
            rounds them.
        :param touch: set the write date. Keeping a score changes nothing the
            customer did: it leaves the write date alone, since a write date
            after the score means "score again".
        """
        if not rows:
            return
        groups = defaultdict(list)
        for profile_id, vals in rows.items():
            groups[tuple(sorted(vals))].append((profile_id, vals))
        written = self.browse(list(rows))
        every_fname = set().union(*(fnames for fnames in groups))
        # What the ORM still holds for these fields goes first, not over ours.
        written.flush_recordset(list(every_fname))
        for fnames, items in groups.items():
            fields_ = [self._fields[fname] for fname in fnames]
            assignments = [
                SQL(
                    "%s = v.%s::%s",
                    SQL.identifier(field.name),
                    SQL.identifier(field.name),
                    SQL(field.column_type[1]),
                )
                for field in fields_
            ]
            if touch:
                assignments += [
                    SQL("write_date = %s", self.env.cr.now()),
                    SQL("write_uid = %s", self.env.uid),
                ]
            for chunk in split_every(5000, items):
                columns = [
                    self._column_texts(field, [vals[field.name] for __, vals in chunk])
                    for field in fields_
                ]
                self.env.cr.execute(
                    SQL(
                        """
                    UPDATE dunning_credit_profile t
                       SET %(assignments)s
                      FROM unnest(%(ids)s::int[], %(columns)s)
                           AS v(id, %(names)s)
                     WHERE t.id = v.id
                        """,
                        assignments=SQL(", ").join(assignments),
                        ids=[profile_id for profile_id, __ in chunk],
                        columns=SQL(", ").join(
                            SQL("%s::text[]", column) for column in columns
                        ),
                        names=SQL(", ").join(
                            SQL.identifier(field.name) for field in fields_
                        ),
                    )
                )
        fnames = list(every_fname)
        written.invalidate_recordset([*fnames, "write_date", "write_uid"])
        # What is computed from these fields (the customer's class, hold and
        # explanation on screen) is computed again when read.
        written.modified(fnames)

    @api.model
    def _insert_rows(self, company, rows):
        """Create the profiles of customers in ``company`` with their values:
        one INSERT per 5,000, not a create() then a write() (a first run
        creates 10,000 of them). One made meanwhile by another worker gets the
        values.

        :param rows: {partner id: vals}, as for :meth:`_write_rows`, each with
            the same fields, the required ones among them.
        """
        if not rows:
            return
        fields_ = [self._fields[fname] for fname in sorted(next(iter(rows.values())))]
        items = list(rows.items())
        for chunk in split_every(5000, items):
            columns = [
                self._column_texts(field, [vals[field.name] for __, vals in chunk])
                for field in fields_
            ]
            self.env.cr.execute(
                SQL(
                    """
                INSERT INTO dunning_credit_profile
                       (partner_id, company_id, create_uid, create_date, write_uid,
                        write_date, %(names)s)
                SELECT v.partner_id, %(company)s, %(uid)s, %(now)s, %(uid)s,
                       %(now)s, %(values)s
                  FROM unnest(%(partner_ids)s::int[], %(columns)s)
                       AS v(partner_id, %(names)s)
                    ON CONFLICT (partner_id, company_id) DO UPDATE
                   SET %(updates)s, write_uid = %(uid)s, write_date = %(now)s
                    """,
                    names=SQL(", ").join(
                        SQL.identifier(field.name) for field in fields_
                    ),
                    values=SQL(", ").join(
                        SQL(
                            "v.%s::%s",
                            SQL.identifier(field.name),
                            SQL(field.column_type[1]),
                        )
                        for field in fields_
                    ),
                    updates=SQL(", ").join(
                        SQL(
                            "%s = EXCLUDED.%s",
                            SQL.identifier(field.name),
                            SQL.identifier(field.name),
                        )
                        for field in fields_
                    ),
                    company=company.id,
                    uid=self.env.uid,
                    now=self.env.cr.now(),
                    partner_ids=[partner_id for partner_id, __ in chunk],
                    columns=SQL(", ").join(
                        SQL("%s::text[]", column) for column in columns
                    ),
                )
            )
        self.env["res.partner"].browse(list(rows)).invalidate_recordset(
            ["credit_profile_ids"]
        )

    def _column_texts(self, field, values):
        """``values`` of ``field`` as the texts of its column (None for NULL),
        numbers rounded to the field's digits as the ORM rounds them."""
        if field.type == "json":
            return [None if v is None else json.dumps(v) for v in values]
        if field.type == "float":
            digits = field.get_digits(self.env)
            if digits:
                scale = digits[1]
                return [
                    float_repr(float_round(v or 0.0, precision_digits=scale), scale)
                    for v in values
                ]
            return [str(float(v or 0.0)) for v in values]
        if field.type == "boolean":
            return [str(bool(v)) for v in values]
        if field.type == "integer":
            return [str(int(v or 0)) for v in values]
        return [None if v is None or v is False else str(v) for v in values]

    # ------------------------------------------------------------------
    # Risk score
    # ------------------------------------------------------------------

    @api.model
    def _get_payment_behaviour(self, partners, company, today):
        """Lateness of the invoices paid in the 12 months before ``today``.

        One receivable line counts once, at the date it was fully reconciled;
        its delay is weighted by its amount. Credit notes are not payments:
        reconciliations with one are left out.

        :return: {partner id: (weighted average days late, share paid late, count)}
        """
        rows = self._credit_query(
            SQL(
                """
            WITH paid AS (
                SELECT COALESCE(p.commercial_partner_id, p.id) AS partner_id,
                       l.balance,
                       GREATEST(MAX(apr.max_date) - l.date_maturity, 0) AS days_late
                  FROM account_move_line l
                  JOIN account_account a ON a.id = l.account_id
                  JOIN res_partner p ON p.id = l.partner_id
                  JOIN account_partial_reconcile apr ON apr.debit_move_id = l.id
                  JOIN account_move_line c ON c.id = apr.credit_move_id
                  JOIN account_move cm ON cm.id = c.move_id
                 WHERE l.company_id = ANY(%(company_ids)s)
                   AND a.account_type = 'asset_receivable'
                   AND l.parent_state = 'posted'
                   AND l.reconciled
                   AND l.balance > 0
                   AND cm.move_type != 'out_refund'
                   AND p.commercial_partner_id = ANY(%(partner_ids)s)
                   -- The latest reconciliation of a line is after since if
                   -- one is, and is the same without the earlier ones: they
                   -- need not be joined to their payment.
                   AND apr.max_date > %(since)s
              GROUP BY 1, l.id
                HAVING MAX(apr.max_date) > %(since)s
            )
            SELECT partner_id,
                   SUM(balance * days_late) / NULLIF(SUM(balance), 0),
                   COUNT(*) FILTER (WHERE days_late > 0)::float / COUNT(*),
                   COUNT(*)
              FROM paid
          GROUP BY partner_id
                """,
                company_ids=self._credit_company_ids(company),
                partner_ids=partners.ids,
                since=today - relativedelta(years=1),
            )
        )
        return {row[0]: (float(row[1] or 0.0), row[2], row[3]) for row in rows}

    @api.model
    def _get_dunning_levels(self, partners, company, today):
        """Highest dunning level (rank) sent to each partner in the last 12 months."""
        rows = self._credit_query(
            SQL(
                """
            SELECT partner_id, MAX(level_rank)
              FROM dunning_communication_line
             WHERE company_id = %(company)s
               AND level_reached
               AND date > %(since)s
               AND partner_id = ANY(%(partners)s)
          GROUP BY partner_id
                """,
                company=company.id,
                since=today - relativedelta(years=1),
                partners=partners.ids,
            )
        )
        return dict(rows)

    @api.model
    def _get_broken_promises(self, partners, company, today):
        """Payment promises each partner broke in the last 12 months.

        :return: {partner id: count of promises broken after ``today`` - 1 year}
        """
        rows = self._credit_query(
            SQL(
                """
            SELECT partner_id, COUNT(*)
              FROM dunning_promise
             WHERE company_id = %(company)s
               AND state = 'broken'
               AND closed_date > %(since)s
               AND closed_date <= %(today)s
               AND partner_id = ANY(%(partners)s)
          GROUP BY partner_id
                """,
                company=company.id,
                since=today - relativedelta(years=1),
                today=today,
                partners=partners.ids,
            )
        )
        return dict(rows)

    @api.model
    def _compute_risk_scores(self, partners, company, today=None):
        """Score ``partners`` (commercial) in ``company``; create missing profiles.

        A fixed number of grouped queries per batch, whatever its size; the
        hold state and the score written together, one UPDATE (and one INSERT
        for the new profiles) per 5,000 profiles.
        """
        today = today or company._dunning_today()
        partners = partners.commercial_partner_id
        profiles = self.sudo().search(
            [("partner_id", "in", partners.ids), ("company_id", "=", company.id)]
        )
        exposures = self._get_exposure(partners, company, today)
        behaviour = self._get_payment_behaviour(partners, company, today)
        levels = self._get_dunning_levels(partners, company, today)
        promises = self._get_broken_promises(partners, company, today)
        in_case = self._get_legal_stage(partners, company)
        weights = company._risk_weights()
        scale = company._risk_scale()
        thresholds = company._risk_thresholds()
        policy = company._risk_policy()
        # The hold state first: being on hold sets a floor to the class. A
        # customer without a profile gets one, inserted with its score: a
        # draft profile of the company stands for it until then.
        changes = []
        draft = self.sudo().new({"company_id": company.id})
        rows = {
            profile.partner_id: (
                profile.id,
                profile._hold_vals(
                    exposures[profile.partner_id.id],
                    today,
                    profile.partner_id.id,
                    changes,
                ),
            )
            for profile in profiles
        }
        for partner in partners - profiles.partner_id:
            rows[partner] = (
                None,
                draft._hold_vals(exposures[partner.id], today, partner.id, changes),
            )
        weights_used = {code: getattr(weights, code) for code in FACTORS}
        scored_at = self.env.cr.now()
        for partner, (__, vals) in rows.items():
            exposure = exposures[partner.id]
            days_late, late_share, paid_count = behaviour.get(
                partner.id, (None, None, 0)
            )
            inputs = RiskInputs(
                avg_days_late=days_late,
                late_share=late_share,
                overdue=exposure.overdue,
                exposure=exposure.total,
                credit_limit=exposure.limit or None,
                dunning_level=levels.get(partner.id, 0),
                broken_promises=promises.get(partner.id, 0),
                external_rating=partner.risk_external_rating
                if partner.risk_external_rating_date
                else None,
                paid_count=paid_count,
                legal_stage=partner.id in in_case,
                on_hold=vals["hold_state"] == "hold",
            )
            result = compute_risk(inputs, weights, scale, thresholds, policy)
            vals.update(
                {
                    "risk_score": result.score,
                    "risk_class": result.risk_class,
                    "risk_date": today,
                    "risk_scored_at": scored_at,
                    "risk_days_late": days_late or 0.0,
                    "risk_late_share": late_share or 0.0,
                    "risk_overdue_ratio": result.factor("overdue_ratio").value or 0.0,
                    "risk_limit_usage": result.factor("limit_usage").value or 0.0,
                    "risk_dunning_level": inputs.dunning_level,
                    "risk_broken_promises": inputs.broken_promises,
                    "risk_external_rating": inputs.external_rating or 0,
                    "risk_paid_count": paid_count,
                    "risk_weights_used": weights_used,
                    "risk_floor": result.floor or False,
                    "risk_na_factors": ",".join(
                        f.code for f in result.factors if not f.applicable
                    )
                    or False,
                }
            )
            vals.update({f"risk_points_{f.code}": f.points for f in result.factors})
        self._post_hold_changes(changes)
        self.sudo()._write_rows(
            {profile_id: vals for profile_id, vals in rows.values() if profile_id}
        )
        self.sudo()._insert_rows(
            company,
            {
                partner.id: vals
                for partner, (profile_id, vals) in rows.items()
                if not profile_id
            },
        )
        return self.sudo().search(
            [("partner_id", "in", partners.ids), ("company_id", "=", company.id)]
        )

    @api.model
    def _get_legal_stage(self, partners, company):
        """Ids of the ``partners`` with an open collection case in ``company``
        (a legal-stage reminder opens one)."""
        rows = self._credit_query(
            SQL(
                """
            SELECT DISTINCT partner_id
              FROM dunning_collection_case
             WHERE company_id = %(company)s
               AND NOT COALESCE(is_closed, FALSE)
               AND partner_id = ANY(%(partners)s)
                """,
                company=company.id,
                partners=partners.ids,
            )
        )
        return {row[0] for row in rows}

    @api.model
    def _get_or_create(self, partners, company):
        """Profiles of commercial ``partners`` in ``company``, created if missing."""
        partners = partners.commercial_partner_id
        profiles = self.sudo().search(
            [("partner_id", "in", partners.ids), ("company_id", "=", company.id)]
        )
        missing = partners - profiles.partner_id
        if missing:
            profiles |= self.sudo().create(
                [{"partner_id": p.id, "company_id": company.id} for p in missing]
            )
        return profiles

    @api.model
    def _risk_candidates_query(self, company, today):
        """Customers of ``company`` whose score was neither computed nor
        carried over on ``today``: the day's run looks at each of them once
        (:meth:`_risk_changed` tells which to score).

        A customer is anyone with a receivable line or a sale order in the
        company, or any active company customer.
        """
        company_ids = self._credit_company_ids(company)
        return SQL(
            """
            SELECT cp.id
              FROM res_partner cp
             WHERE cp.active
               AND cp.id = COALESCE(cp.commercial_partner_id, cp.id)
               AND (cp.company_id IS NULL OR cp.company_id = ANY(%(company_ids)s))
               AND (
                    cp.customer_rank > 0
                    OR EXISTS (
                        SELECT 1 FROM account_move_line l
                          JOIN account_account a ON a.id = l.account_id
                          JOIN res_partner p ON p.id = l.partner_id
                         WHERE p.commercial_partner_id = cp.id
                           AND l.company_id = ANY(%(company_ids)s)
                           AND a.account_type = 'asset_receivable')
               )
               -- NOT IN (a hashed subplan), not NOT EXISTS: the statistics
               -- see no profile scored today, and the anti join they chose
               -- made each batch slower than the previous one.
               AND cp.id NOT IN (
                    SELECT dcp.partner_id FROM dunning_credit_profile dcp
                     WHERE dcp.company_id = %(company_id)s
                       AND dcp.risk_date >= %(today)s)
          ORDER BY cp.id
            """,
            company_ids=company_ids,
            company_id=company.id,
            today=today,
        )

    @api.model
    def _risk_changed(self, partner_ids, company, today):
        """Which of ``partner_ids`` (customers not scored on ``today``) must be
        scored; the score of the others can be carried over to ``today``.

        A customer is scored when it has no score, or when since its score was
        computed:

        - something the score depends on was written: the customer or its
          contacts (limit, rating), its journal items (invoices posted, changed
          or cancelled, payments, reconciliations), sale orders, promises,
          reminders, collection cases, its profile (holds, releases), the
          company's settings;
        - the calendar moved it: an open invoice fell due, the oldest one passed
          the warning or hold days, a release ended; a paid invoice, a reminder
          or a broken promise left the 12 months the score looks at;
        - an amount is converted from another currency at today's rate.

        Deleted records leave no write date: their deletion marks the profile
        (:meth:`_mark_risk_stale`). A handful of queries for the whole company,
        each reading only what changed since the oldest score, but the journal
        items, read once to find those written since (no index on their write
        date).

        :return: (ids to score, ids to carry over)
        """
        rows = self._credit_query(
            SQL(
                """
            SELECT partner_id, risk_date, risk_scored_at, write_date,
                   release_until, oldest_due_date
              FROM dunning_credit_profile
             WHERE company_id = %(company_id)s
               AND partner_id = ANY(%(partner_ids)s)
               AND risk_date < %(today)s
               AND risk_scored_at IS NOT NULL
                """,
                company_id=company.id,
                partner_ids=partner_ids,
                today=today,
            )
        )
        profiles = {row[0]: row for row in rows}
        if not profiles:
            return list(partner_ids), []
        settings = company._credit_hold_settings()
        company.flush_recordset(["write_date"])
        company_written = company.sudo().write_date
        changed = set()
        thresholds = [
            days
            for days in (settings.warning_overdue_days, settings.hold_overdue_days)
            if days
        ]
        for partner_id, day, scored_at, written, release_until, oldest in rows:
            if (
                written > scored_at
                or company_written > scored_at
                or (release_until and day <= release_until < today)
                # The oldest overdue invoice passed the warning or hold days.
                or any(
                    (day - oldest).days <= days < (today - oldest).days
                    for days in thresholds
                    if oldest
                )
            ):
                changed.add(partner_id)
        # Written since the score (less a margin for transactions that were
        # under way), or moved by the calendar: (partner, date) pairs.
        since = min(row[2] for row in rows) - RISK_CHANGE_MARGIN
        first_day = min(row[1] for row in rows)
        year = relativedelta(years=1)
        company_ids = self._credit_company_ids(company)
        events = self._credit_query(
            SQL(
                """
            SELECT p.commercial_partner_id, w.write_date, w.day, w.foreign
              FROM (
                -- Journal items read once: written since, or open in another
                -- currency (converted at today's rate).
                SELECT l.partner_id, l.write_date, NULL::date AS day,
                       l.currency_id != %(currency)s
                       AND l.account_id = ANY(%(receivable)s)
                       AND l.reconciled IS NOT TRUE
                       AND l.parent_state IN ('posted', 'draft') AS foreign
                  FROM account_move_line l
                 WHERE l.company_id = ANY(%(company_ids)s)
                   AND (l.write_date > %(since)s
                        OR (l.currency_id != %(currency)s
                            AND l.account_id = ANY(%(receivable)s)
                            AND l.reconciled IS NOT TRUE
                            AND l.parent_state IN ('posted', 'draft')))
             UNION ALL
                SELECT so.partner_id, GREATEST(so.write_date, sol.write_date), NULL,
                       so.state = 'sale' AND so.currency_id != %(currency)s
                  FROM sale_order so
                  JOIN sale_order_line sol ON sol.order_id = so.id
                 WHERE so.company_id = ANY(%(company_ids)s)
                   AND (so.write_date > %(since)s
                        OR sol.write_date > %(since)s
                        OR (so.state = 'sale' AND so.currency_id != %(currency)s))
             UNION ALL
                SELECT partner_id, write_date, NULL, FALSE FROM dunning_promise
                 WHERE write_date > %(since)s AND company_id = %(company_id)s
             UNION ALL
                SELECT partner_id, write_date, NULL, FALSE
                  FROM dunning_communication_line
                 WHERE write_date > %(since)s AND company_id = %(company_id)s
             UNION ALL
                SELECT partner_id, write_date, NULL, FALSE
                  FROM dunning_collection_case
                 WHERE write_date > %(since)s AND company_id = %(company_id)s
             UNION ALL
                -- The customer, its contacts; a credit limit in another
                -- currency.
                SELECT id, write_date, NULL,
                       (credit_limit_currency_id ->> %(company_key)s)::int
                       != %(currency)s
                  FROM res_partner
                 WHERE write_date > %(since)s
                    OR (credit_limit_currency_id ->> %(company_key)s)::int
                       != %(currency)s
             UNION ALL
                -- Fell due: overdue from the day after its due date.
                SELECT l.partner_id, NULL, l.date_maturity + 1, FALSE
                  FROM account_move_line l
                  JOIN account_account a ON a.id = l.account_id
                 WHERE l.date_maturity >= %(first_day)s
                   AND l.date_maturity < %(today)s
                   AND l.company_id = ANY(%(company_ids)s)
                   AND a.account_type = 'asset_receivable'
                   AND l.parent_state = 'posted'
                   AND NOT l.reconciled
             UNION ALL
                -- Left the 12 months looked at: the day it did.
                SELECT l.partner_id, NULL, (apr.max_date + INTERVAL '1 year')::date,
                       FALSE
                  FROM account_partial_reconcile apr
                  JOIN account_move_line l ON l.id = apr.debit_move_id
                 WHERE apr.max_date > %(first_day)s - INTERVAL '1 year'
                   AND apr.max_date <= %(year_ago)s
                   AND l.company_id = ANY(%(company_ids)s)
             UNION ALL
                SELECT partner_id, NULL, (date + INTERVAL '1 year')::date, FALSE
                  FROM dunning_communication_line
                 WHERE company_id = %(company_id)s
                   AND level_reached
                   AND date > %(first_day)s - INTERVAL '1 year'
                   AND date <= %(year_ago)s
             UNION ALL
                SELECT partner_id, NULL, (closed_date + INTERVAL '1 year')::date,
                       FALSE
                  FROM dunning_promise
                 WHERE company_id = %(company_id)s
                   AND state = 'broken'
                   AND closed_date > %(first_day)s - INTERVAL '1 year'
                   AND closed_date <= %(year_ago)s
              ) w
              JOIN res_partner p ON p.id = w.partner_id
                """,
                since=since,
                first_day=first_day,
                today=today,
                year_ago=today - year,
                company_id=company.id,
                company_ids=company_ids,
                company_key=str(company.id),
                currency=company.currency_id.id,
                receivable=self.env["account.account"]
                .sudo()
                .search([("account_type", "=", "asset_receivable")])
                .ids,
            )
        )
        for partner_id, written, event_day, foreign in events:
            profile = profiles.get(partner_id)
            if not profile or partner_id in changed:
                continue
            # Written since the score, a fact that holds from a day after the
            # score's (and until today: the query asks no later one), an
            # amount in another currency.
            if (
                foreign
                or (written and written > profile[2] - RISK_CHANGE_MARGIN)
                or (event_day and event_day > profile[1])
            ):
                changed.add(partner_id)
        return (
            [pid for pid in partner_ids if pid not in profiles or pid in changed],
            [pid for pid in partner_ids if pid in profiles and pid not in changed],
        )

    @api.model
    def _risk_carry_over(self, partner_ids, company, today):
        """Keep the scores of ``partner_ids``, unchanged since they were
        computed: no scoring, and nothing written but what the calendar moves.

        The oldest overdue invoice is older by the days gone by, and the hold
        reason that gives its age is written again (a crossing of the warning
        or hold days changes the hold: those customers are scored instead).
        Idempotent: a second call on the same day finds nothing to write.
        """
        if not partner_ids:
            return
        self.env.flush_all()
        # The write date stays: it says "score again" when after the score.
        rows = self.env.execute_query(
            SQL(
                """
            UPDATE dunning_credit_profile
               SET max_days_overdue = %(today)s - oldest_due_date
             WHERE company_id = %(company_id)s
               AND partner_id = ANY(%(partner_ids)s)
               AND oldest_due_date IS NOT NULL
               AND max_days_overdue != %(today)s - oldest_due_date
         RETURNING id, hold_reason IS NOT NULL
                """,
                today=today,
                company_id=company.id,
                partner_ids=partner_ids,
            )
        )
        aged = self.browse([row[0] for row in rows])
        aged.invalidate_recordset(["max_days_overdue"])
        aged.modified(["max_days_overdue"])
        texts = {}
        for profile in aged.filtered("hold_reason"):
            exposure = Exposure(
                currency=profile.currency_id,
                limit=profile.credit_limit,
                receivable=profile.exposure_amount,
                overdue=profile.overdue_amount,
                max_days_overdue=profile.max_days_overdue,
            )
            __, reasons = profile._evaluate_hold(exposure, today=today)
            if (reasons or False) != profile.hold_reason:
                texts[profile.id] = {"hold_reason": reasons or False}
        aged._write_rows(texts, touch=False)

    @api.model
    def _mark_risk_stale(self, partners):
        """Score these customers again on the next run: something their score
        depends on was deleted or moved to another customer, which leaves no
        write date to find."""
        partner_ids = (partners | partners.commercial_partner_id).ids
        if not partner_ids:
            return
        self.env.cr.execute(
            SQL(
                """
            UPDATE dunning_credit_profile SET risk_scored_at = NULL
             WHERE partner_id = ANY(%s) AND risk_scored_at IS NOT NULL
                """,
                partner_ids,
            )
        )
        self.env["dunning.credit.profile"].invalidate_model(["risk_scored_at"])

    @api.model
    def _cron_compute_risk_scores(self, batch_size=5000):
        """Daily: exposure, hold state and risk score of every customer.

        Only the customers whose score may have changed are scored (see
        :meth:`_risk_changed`); the others keep their score, carried over to
        the day. One batch per call in a scheduled run (the cron runner commits
        and calls again while work remains); all batches in one call otherwise.
        Idempotent: customers already scored today are skipped, so a run cut
        short resumes where it stopped. Batches of 5,000: the grouped queries of
        a batch read the journal items once whatever its size (0.2 s each); with
        500 the queries took twice as long as the scoring.
        """
        # Companies are few and all of them are scored.
        companies = self.env["res.company"].sudo().search([], order="id")  # pylint: disable=no-search-all

        def batches():
            for company in companies:
                model = self.sudo().with_company(company)
                today = company._dunning_today()
                # What the companies after this one have to do, for the
                # progress: asked once per company, not once per batch.
                elsewhere = model._risk_remaining_elsewhere(company)
                query = model._risk_candidates_query(company, today)
                ids = [row[0] for row in model._credit_query(query)]
                ids, unchanged = model._risk_changed(ids, company, today)
                model._risk_carry_over(unchanged, company, today)
                # Scored customers leave the candidates: a call of the cron
                # runner does the first batch, the next call asks again.
                for start in range(0, len(ids), batch_size):
                    batch = model.env["res.partner"].browse(
                        ids[start : start + batch_size]
                    )
                    model._compute_risk_scores(batch, company, today)
                    remaining = len(ids) - start - len(batch) + elsewhere
                    _logger.info(
                        "Risk scores: %s scored in %s, %s carried over, "
                        "%s remaining",
                        len(batch),
                        company.name,
                        len(unchanged),
                        remaining,
                    )
                    unchanged = []
                    yield len(batch), remaining

        self._run_batches("dunning_advanced.ir_cron_compute_risk_scores", batches())

    @api.model
    def _risk_remaining_elsewhere(self, company):
        """Customers still to score today in the companies after ``company``."""
        remaining = 0
        for other in self.env["res.company"].sudo().search([("id", ">", company.id)]):
            today = other._dunning_today()
            query = self._risk_candidates_query(other, today)
            ids = [row[0] for row in self._credit_query(query)]
            remaining += len(self._risk_changed(ids, other, today)[0])
        return remaining

    # ------------------------------------------------------------------
    # Explanation
    # ------------------------------------------------------------------

    def _factor_labels(self):
        return {
            "days_late": _("Average days late (paid invoices, 12 months)"),
            "late_share": _("Share of invoices paid late"),
            "overdue_ratio": _("Overdue amount / exposure"),
            "limit_usage": _("Exposure / credit limit"),
            "dunning_level": _("Highest dunning level (12 months)"),
            "broken_promises": _("Broken payment promises (12 months)"),
            "external_rating": _("External rating (0 best, 100 worst)"),
        }

    def _factor_value_text(self, code):
        self.ensure_one()
        na = (self.risk_na_factors or "").split(",")
        if code in na:
            return _("no data")
        # Numbers as the user writes them (1.234,5 in Italian).
        if code == "days_late":
            return _("%s days", formatLang(self.env, self.risk_days_late, digits=1))
        if code in ("late_share", "overdue_ratio", "limit_usage"):
            value = self[f"risk_{code}"]
            return "%s %%" % formatLang(self.env, value * 100, digits=1)
        return formatLang(self.env, self[f"risk_{code}"], digits=0)

    def _render_risk_explanation(self):
        self.ensure_one()
        if not self.risk_date:
            return False
        company = self.company_id
        # The weights of the computation, not today's settings.
        current = company._risk_weights()
        used = self.risk_weights_used or {}
        labels = self._factor_labels()
        return self.env["ir.qweb"]._render(
            "dunning_advanced.risk_explanation",
            {
                "profile": self,
                "class_label": dict(
                    self._fields["risk_class"]._description_selection(self.env)
                ).get(self.risk_class, ""),
                "score": formatLang(self.env, self.risk_score, digits=2),
                "rows": [
                    {
                        "label": labels[code],
                        "value": self._factor_value_text(code),
                        "weight": formatLang(
                            self.env, used.get(code, getattr(current, code)), digits=0
                        ),
                        "points": formatLang(
                            self.env, self[f"risk_points_{code}"], digits=2
                        ),
                        "na": code in (self.risk_na_factors or "").split(","),
                    }
                    for code in FACTORS
                ],
            },
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_compute_risk_score(self):
        """Score these customers now (Dunning Users and up)."""
        self._check_dunning_user()
        for company, profiles in self.sudo().grouped("company_id").items():
            self.sudo()._compute_risk_scores(profiles.partner_id, company)
        return True

    def _check_dunning_user(self):
        if not self.env.su and not self.env.user.has_group(
            "dunning_advanced.group_dunning_user"
        ):
            raise AccessError(_("Only Dunning Users can recompute risk scores."))

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "context": {"allowed_company_ids": [self.company_id.id]},
        }
