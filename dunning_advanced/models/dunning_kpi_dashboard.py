from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import SQL, format_amount, format_date
from odoo.tools.misc import formatLang

from ..lib.svg_chart import Series, line_chart
from .dunning_aged_receivable import AGING_SELECTION

CHART_MONTHS = 12
EFFECTIVENESS_MONTHS = 12


class DunningKpiDashboard(models.TransientModel):
    """One page with the receivables KPIs of the current company: today's
    figures against a month ago, 12-month trends from the daily snapshots,
    aging, what reminders brought in by level, channel and template, promises
    and collectors. Rendered on the server (inline SVG charts): it opens and
    prints without waiting for scripts."""

    _name = "dunning.kpi.dashboard"
    _description = "Receivables KPI Dashboard"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    dashboard_html = fields.Html(
        compute="_compute_dashboard_html", sanitize=False, string="Dashboard"
    )

    def _compute_display_name(self):
        for dashboard in self:
            dashboard.display_name = _("Receivables KPIs")

    @api.model
    def action_open(self):
        self.env["res.partner"]._check_dunning_user(_("see the receivables KPIs"))
        dashboard = self.create({})
        return {
            "type": "ir.actions.act_window",
            "name": _("Receivables KPIs"),
            "res_model": self._name,
            "res_id": dashboard.id,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref("dunning_advanced.dunning_kpi_dashboard_view_form").id,
                    "form",
                )
            ],
            "target": "current",
        }

    @api.depends("company_id", "date")
    def _compute_dashboard_html(self):
        for dashboard in self:
            values = dashboard.with_company(dashboard.company_id)._dashboard_values()
            dashboard.dashboard_html = self.env["ir.qweb"]._render(
                "dunning_advanced.kpi_dashboard_content", values
            )

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    def _dashboard_values(self):
        """The figures of the latest snapshot (the daily scheduled action writes
        today's early in the morning), computed now when there is none."""
        self.ensure_one()
        company, day = self.company_id, self.date
        Snapshot = self.env["dunning.kpi.snapshot"].sudo()
        latest = Snapshot.search(
            [("company_id", "=", company.id), ("date", "<=", day)],
            order="date desc",
            limit=1,
        )
        if latest:
            current = latest.read()[0]
            day = latest.date
        else:
            current = Snapshot._compute_values(company, day)
        before = Snapshot.search(
            [
                ("company_id", "=", company.id),
                ("date", "<=", day - timedelta(days=30)),
            ],
            order="date desc",
            limit=1,
        )
        history = Snapshot.search(
            [
                ("company_id", "=", company.id),
                ("date", ">", day - relativedelta(months=CHART_MONTHS)),
                ("date", "<=", day),
            ],
            order="date",
        )
        lang = self.env.lang or "en_US"
        money = company.currency_id
        return {
            "company": company,
            "date": format_date(self.env, day),
            "cards": self._cards(current, before, money),
            "charts": self._charts(history, lang),
            "history_days": len(history),
            "aging": self._aging(current, money),
            "effectiveness": self._effectiveness(day, money),
            "collectors": self._collectors(day, money),
        }

    def _number(self, value, digits=1):
        return formatLang(self.env, value, digits=digits)

    def _cards(self, current, before, money):
        def card(label, field, unit="", digits=1, better="lower", help_text=""):
            value = current.get(field) or 0.0
            delta = None
            if before:
                delta = value - (before[field] or 0.0)
            good = delta is not None and (
                (delta < 0) if better == "lower" else (delta > 0)
            )
            return {
                "label": label,
                "value": self._number(value, digits) + unit,
                "delta": None
                if delta is None or round(delta, digits) == 0
                else ("+" if delta > 0 else "") + self._number(delta, digits) + unit,
                "good": good,
                "help": help_text,
            }

        return [
            {
                "label": _("Receivables"),
                "value": format_amount(self.env, current.get("receivable") or 0, money),
                "delta": None,
                "good": False,
                "help": _(
                    "Of which overdue: %s",
                    format_amount(
                        self.env, current.get("receivable_overdue") or 0, money
                    ),
                ),
            },
            card(_("DSO"), "dso", _(" d"), help_text=_("Countback method")),
            card(
                _("Avg. Days Delinquent"),
                "days_delinquent",
                _(" d"),
                help_text=_("DSO less best possible DSO"),
            ),
            card(_("CEI"), "cei", " %", 1, "higher", _("Last 30 days")),
            card(_("Overdue Share"), "overdue_share", " %", 1),
            card(
                _("Promises Kept"),
                "promises_kept_share",
                " %",
                0,
                "higher",
                _("Last 30 days"),
            ),
            card(
                _("Recovery Rate"),
                "recovery_rate",
                " %",
                0,
                "higher",
                _("Collection cases closed in 12 months"),
            ),
        ]

    def _charts(self, history, lang):
        def points(field):
            return [(snap.date, snap[field]) for snap in history]

        charts = [
            (
                _("DSO and best possible DSO (days)"),
                [
                    Series(_("DSO"), points("dso")),
                    Series(_("Best possible DSO"), points("best_dso")),
                ],
                "",
            ),
            (
                _("Collection effectiveness index (%)"),
                [Series(_("CEI"), points("cei"))],
                " %",
            ),
            (
                _("Average days delinquent"),
                [Series(_("Days"), points("days_delinquent"))],
                "",
            ),
            (
                _("Overdue share of receivables (%)"),
                [Series(_("Overdue"), points("overdue_share"))],
                " %",
            ),
        ]
        return [
            {
                "title": title,
                "legend": [s.name for s in series],
                "svg": Markup(line_chart(series, lang=lang, unit=unit)),
            }
            for title, series, unit in charts
        ]

    def _aging(self, current, money):
        amounts = {
            code: current.get(f"aging_{code}") or 0.0 for code, _l in AGING_SELECTION
        }
        total = sum(amounts.values())
        labels = dict(AGING_SELECTION)
        labels = dict(
            self.env["dunning.aged.receivable"]
            ._fields["age_bucket"]
            ._description_selection(self.env)
        )
        return [
            {
                "label": labels[code],
                "amount": format_amount(self.env, amounts[code], money),
                "percent": round(amounts[code] / total * 100) if total else 0,
                "late": code != "not_due",
            }
            for code, _label in AGING_SELECTION
        ]

    def _effectiveness(self, day, money):
        Effect = self.env["dunning.reminder.effectiveness"]
        since = day - relativedelta(months=EFFECTIVENESS_MONTHS)
        channels = dict(Effect._fields["channel"]._description_selection(self.env))
        tables = []
        for title, group_by in (
            (_("By level"), "level_id"),
            (_("By channel"), "channel"),
            (_("By email template"), "mail_template_id"),
        ):
            rows = []
            for key, reminded, shares in Effect._summary(group_by, since, day):
                if group_by == "channel":
                    name = channels.get(key, key)
                else:
                    name = key.display_name if key else _("None")
                rows.append(
                    {
                        "name": name,
                        "reminded": format_amount(self.env, reminded, money),
                        "shares": [
                            self._number(shares[d], 0) + " %" for d in (7, 14, 30)
                        ],
                    }
                )
            tables.append({"title": title, "rows": rows})
        return tables

    def _collectors(self, day, money):
        since = day - relativedelta(months=12)
        overdue = self._overdue_by_collector(day)
        promises = {}
        for user, state, count in self.env["dunning.promise"]._read_group(
            [("closed_date", ">", since), ("state", "in", ("kept", "broken"))],
            ["user_id", "state"],
            ["__count"],
        ):
            promises.setdefault(user, {"kept": 0, "broken": 0})[state] = count
        calls = dict(
            self.env["dunning.contact"]._read_group(
                [("kind", "=", "call"), ("date", ">", day - timedelta(days=30))],
                ["user_id"],
                ["__count"],
            )
        )
        collected = {
            user: shares[30]
            for user, _reminded, shares in self.env[
                "dunning.reminder.effectiveness"
            ]._summary("collector_id", since, day)
        }
        users = set(overdue) | set(promises) | set(calls) | set(collected)
        rows = []
        for user in sorted(users, key=lambda u: -(overdue.get(u) or 0.0)):
            kept = promises.get(user, {}).get("kept", 0)
            broken = promises.get(user, {}).get("broken", 0)
            rows.append(
                {
                    "name": user.name if user else _("Nobody"),
                    "overdue": format_amount(self.env, overdue.get(user, 0.0), money),
                    "calls": calls.get(user, 0),
                    "promises": "%s / %s" % (kept, kept + broken),
                    "paid_30": self._number(collected.get(user, 0.0), 0) + " %",
                }
            )
        return rows

    def _overdue_by_collector(self, day):
        """{collector (res.users): overdue amount of its customers} (one query
        on the open items, not the whole aged report)."""
        company = self.company_id
        companies = self.env["dunning.kpi.snapshot"]._companies(company)
        rows = self.env["dunning.credit.profile"]._credit_query(
            SQL(
                """
            WITH items AS (%s)
            SELECT COALESCE(cp.dunning_collector_id, cp.user_id), SUM(i.residual)
              FROM items i
              JOIN res_partner cp ON cp.id = i.partner_id
             WHERE i.date_maturity < %s
          GROUP BY 1
                """,
                self.env["dunning.aged.receivable"]._open_items_sql(day, companies),
                day,
            )
        )
        Users = self.env["res.users"]
        return {Users.browse(user_id): amount for user_id, amount in rows}
