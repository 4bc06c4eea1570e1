import logging
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib.dunning_levels import LineState, next_level

_logger = logging.getLogger(__name__)


class DunningRun(models.Model):
    """The dunning of one company on one day.

    A scheduled run goes through the customers in batches ordered by id and
    remembers the last one done (``cursor``): the cron runner commits after each
    batch, so a run cut short by a crash resumes at the next customer, and no
    reminder is created or sent twice. A manual run first makes a preview (draft
    reminders that the accountant can change), and sends only when confirmed.

    Features that keep invoices out of dunning (disputes, promises, instalment
    plans, legal cases) plug in by setting ``_dunning_line_filter = True`` on
    their model and implementing ``_dunning_exclusion_sql(company, today)``,
    which returns SQL conditions on ``l`` (the receivable line) and ``cp`` (the
    commercial partner). They may also implement ``_dunning_before_run(company,
    today)`` and ``_dunning_forced_line_ids(company, today, line_ids)``.
    """

    _name = "dunning.run"
    _description = "Dunning Run"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        required=True, readonly=True, copy=False, default=lambda self: _("New")
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    date = fields.Date(
        required=True,
        readonly=True,
        default=fields.Date.context_today,
        help="Levels and interest are computed as of this day.",
    )
    run_type = fields.Selection(
        [("scheduled", "Scheduled"), ("manual", "Manual")],
        required=True,
        readonly=True,
        default="manual",
    )
    state = fields.Selection(
        [
            ("preview", "Preview"),
            ("running", "Running"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="preview",
        tracking=True,
        readonly=True,
    )
    user_id = fields.Many2one(
        "res.users", readonly=True, default=lambda self: self.env.user
    )
    cursor = fields.Integer(
        readonly=True, help="Last customer (id) processed: a resumed run starts after."
    )
    partner_done_count = fields.Integer(string="Customers Checked", readonly=True)
    communication_ids = fields.One2many("dunning.communication", "run_id")
    communication_count = fields.Integer(compute="_compute_counts")
    sent_count = fields.Integer(compute="_compute_counts")
    letters_attachment_id = fields.Many2one(
        "ir.attachment", string="Letters to Print", readonly=True, copy=False
    )

    @api.depends("communication_ids.state")
    def _compute_counts(self):
        groups = self.env["dunning.communication"]._read_group(
            [("run_id", "in", self.ids)], ["run_id", "state"], ["__count"]
        )
        counts = defaultdict(int)
        sent = defaultdict(int)
        for run, state, count in groups:
            if state != "cancelled":
                counts[run.id] += count
            if state == "sent":
                sent[run.id] += count
        for run in self:
            run.communication_count = counts[run.id]
            run.sent_count = sent[run.id]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["name"] = self.env["ir.sequence"].with_company(
                    company
                ).next_by_code("dunning.run") or _("New")
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Scheduled run
    # ------------------------------------------------------------------

    @api.model
    def _cron_run_dunning(self, batch_size=200):
        """Daily: every company's dunning, one batch of customers per call.

        Under the cron runner (progress context) one batch is done per call and
        the runner commits and calls again; called directly, all batches run.
        """
        cron = self.env["ir.cron"]
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        done = 0
        # Companies are few and all of them are dunned.
        companies = self.env["res.company"].sudo().search([], order="id")  # pylint: disable=no-search-all
        for company in companies:
            run = self.sudo().with_company(company)._scheduled_run(company)
            if not run:
                continue
            while run.state == "running":
                done += run._process_batch(batch_size)
                remaining = run._remaining_partner_count() + sum(
                    self.sudo()._scheduled_remaining(other)
                    for other in companies.filtered(lambda c, co=company: c.id > co.id)
                )
                cron._notify_progress(done=done, remaining=remaining)
                if in_cron and remaining:
                    self.env.ref("dunning_advanced.ir_cron_run_dunning")._trigger()
                    return
        cron._notify_progress(done=done, remaining=0)

    @api.model
    def _scheduled_run(self, company):
        """Today's scheduled run of ``company``, created if needed."""
        today = fields.Date.context_today(self.with_company(company))
        run = self.search(
            [
                ("company_id", "=", company.id),
                ("run_type", "=", "scheduled"),
                ("date", "=", today),
            ],
            limit=1,
        )
        if not run:
            run = self.create(
                {
                    "company_id": company.id,
                    "date": today,
                    "run_type": "scheduled",
                    "state": "running",
                    "user_id": self.env.user.id,
                }
            )
        return run

    @api.model
    def _scheduled_remaining(self, company):
        today = fields.Date.context_today(self.with_company(company))
        run = self.search(
            [
                ("company_id", "=", company.id),
                ("run_type", "=", "scheduled"),
                ("date", "=", today),
            ],
            limit=1,
        )
        if run and run.state != "running":
            return 0
        return len(self.with_company(company)._candidate_partner_ids(company, today, 0))

    def _process_batch(self, batch_size):
        """Dun the next batch of customers and send; return how many were done."""
        self.ensure_one()
        if not self.cursor and not self.partner_done_count:
            self._before_run()
        partner_ids = self._candidate_partner_ids(
            self.company_id, self.date, self.cursor, limit=batch_size
        )
        if not partner_ids:
            self._finish()
            return 0
        partners = self.env["res.partner"].browse(partner_ids)
        communications = self._prepare_communications(partners)
        communications._send()
        self.write(
            {
                "cursor": max(partner_ids),
                "partner_done_count": self.partner_done_count + len(partner_ids),
            }
        )
        _logger.info(
            "Dunning %s: %s customers checked, %s reminders",
            self.name,
            self.partner_done_count,
            len(communications),
        )
        return len(partner_ids)

    def _remaining_partner_count(self):
        self.ensure_one()
        if self.state != "running":
            return 0
        return len(self._candidate_partner_ids(self.company_id, self.date, self.cursor))

    def _before_run(self):
        """Daily checks of the plugged-in features (promises due, plans...)."""
        for model in self._line_filter_models():
            if hasattr(model, "_dunning_before_run"):
                model._dunning_before_run(self.company_id, self.date)

    def _finish(self):
        self.ensure_one()
        self._refresh_dunning_holds()
        self._attach_letters()
        self.state = "done"

    # ------------------------------------------------------------------
    # Manual run: preview, then send
    # ------------------------------------------------------------------

    def action_preview(self):
        """Draft reminders as of the run's date; nothing is sent."""
        self.ensure_one()
        self._check_state("preview")
        self.communication_ids.filtered(lambda c: c.state == "draft").unlink()
        self._before_run()
        partner_ids = self._candidate_partner_ids(self.company_id, self.date, 0)
        partners = self.env["res.partner"].browse(partner_ids)
        self._prepare_communications(partners)
        self.partner_done_count = len(partner_ids)
        return True

    def action_send(self):
        """Send the previewed reminders, with the accountant's changes."""
        self.ensure_one()
        self._check_state("preview")
        drafts = self.communication_ids.filtered(lambda c: c.state == "draft")
        drafts = drafts._split_overridden_levels()
        drafts._send()
        self._finish()
        return True

    def action_cancel(self):
        self.ensure_one()
        self._check_state("preview")
        self.communication_ids.filtered(lambda c: c.state == "draft").write(
            {"state": "cancelled"}
        )
        self.state = "cancelled"
        return True

    def action_open_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_communication_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"default_run_id": self.id}
        return action

    def action_print_letters(self):
        self.ensure_one()
        if not self.letters_attachment_id:
            raise UserError(_("This run has no letter to print."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.letters_attachment_id.id}?download=true",
            "target": "self",
        }

    def _check_state(self, state):
        for run in self:
            if run.state != state:
                raise UserError(
                    _(
                        "Run %(run)s is %(state)s: this is not possible any more.",
                        run=run.name,
                        state=run.state,
                    )
                )

    # ------------------------------------------------------------------
    # Finding what to remind
    # ------------------------------------------------------------------

    @api.model
    def _line_filter_models(self):
        return [
            self.env[name]
            for name, model in self.env.registry.items()
            if getattr(model, "_dunning_line_filter", False) and not model._abstract
        ]

    @api.model
    def _exclusion_sql(self, company, today):
        conditions = [
            SQL("NOT COALESCE(m.dunning_excluded, FALSE)"),
            SQL(
                "NOT (COALESCE(cp.dunning_excluded, FALSE) AND "
                "(cp.dunning_excluded_until IS NULL "
                "OR cp.dunning_excluded_until >= %s))",
                today,
            ),
        ]
        for model in self._line_filter_models():
            conditions.extend(model._dunning_exclusion_sql(company, today))
        return SQL(" AND ").join(conditions)

    @api.model
    def _horizon(self, company, today):
        """Latest due date a courtesy level can look at today."""
        levels = (
            self.env["dunning.level"]
            .sudo()
            .search([("company_id", "=", company.id), ("delay_type", "=", "due")])
        )
        ahead = max([-lv.delay_days for lv in levels if lv.delay_days < 0] or [0])
        return today + timedelta(days=ahead)

    @api.model
    def _candidate_partner_ids(self, company, today, after_id, limit=None):
        """Commercial partners with an open invoice that may need a reminder."""
        query = SQL(
            """
            SELECT DISTINCT cp.id
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              JOIN account_move m ON m.id = l.move_id
              JOIN res_partner p ON p.id = l.partner_id
              JOIN res_partner cp ON cp.id = COALESCE(p.commercial_partner_id, p.id)
             WHERE l.company_id = %(company)s
               AND a.account_type = 'asset_receivable'
               AND l.parent_state = 'posted'
               AND NOT l.reconciled
               AND l.amount_residual > 0
               AND COALESCE(l.date_maturity, l.date) <= %(horizon)s
               AND cp.id > %(after)s
               AND %(exclusions)s
          ORDER BY cp.id
             %(limit)s
            """,
            company=company.id,
            horizon=self._horizon(company, today),
            after=after_id,
            exclusions=self._exclusion_sql(company, today),
            limit=SQL("LIMIT %s", limit) if limit else SQL(""),
        )
        return [
            row[0] for row in self.env["dunning.credit.profile"]._credit_query(query)
        ]

    def _open_lines(self, partners):
        """Open receivable lines of ``partners`` with the level each one reached."""
        self.ensure_one()
        query = SQL(
            """
            WITH reached AS (
                SELECT DISTINCT ON (dl.move_line_id)
                       dl.move_line_id, dl.level_rank, dl.date
                  FROM dunning_communication_line dl
                 WHERE dl.company_id = %(company)s
                   AND dl.state != 'cancelled'
                   AND dl.partner_id = ANY(%(partners)s)
              ORDER BY dl.move_line_id, dl.level_rank DESC, dl.date DESC
            )
            SELECT l.id, cp.id AS partner_id, l.currency_id, l.move_id,
                   COALESCE(l.date_maturity, l.date) AS date_maturity,
                   l.amount_residual, l.amount_residual_currency,
                   ABS(l.amount_currency) AS amount_original,
                   COALESCE(r.level_rank, 0) AS rank, r.date AS reached_date
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              JOIN account_move m ON m.id = l.move_id
              JOIN res_partner p ON p.id = l.partner_id
              JOIN res_partner cp ON cp.id = COALESCE(p.commercial_partner_id, p.id)
         LEFT JOIN reached r ON r.move_line_id = l.id
             WHERE l.company_id = %(company)s
               AND a.account_type = 'asset_receivable'
               AND l.parent_state = 'posted'
               AND NOT l.reconciled
               AND l.amount_residual > 0
               AND cp.id = ANY(%(partners)s)
               AND %(exclusions)s
          ORDER BY cp.id, 5, l.id
            """,
            company=self.company_id.id,
            partners=partners.ids,
            exclusions=self._exclusion_sql(self.company_id, self.date),
        )
        return self.env["dunning.credit.profile"]._credit_query(query, as_dict=True)

    def _prepare_communications(self, partners):
        """Draft reminders for ``partners``: one per customer, level and currency."""
        self.ensure_one()
        company = self.company_id
        today = self.date
        rows = self._open_lines(partners)
        forced = set()
        for model in self._line_filter_models():
            if hasattr(model, "_dunning_forced_line_ids"):
                forced |= set(
                    model._dunning_forced_line_ids(
                        company, today, [r["id"] for r in rows]
                    )
                )
        policies = self.env["dunning.policy"].sudo()._policies_for(partners, company)
        rules_by_policy = {}
        groups = defaultdict(list)
        for row in rows:
            policy = policies.get(row["partner_id"])
            if not policy:
                continue
            if policy.id not in rules_by_policy:
                rules_by_policy[policy.id] = (
                    policy.level_ids._rules(),
                    {level.id: level for level in policy.level_ids},
                )
            rules, levels = rules_by_policy[policy.id]
            state = LineState(
                due_date=row["date_maturity"],
                current_rank=row["rank"],
                current_date=row["reached_date"],
                force_next=row["id"] in forced,
            )
            rule = next_level(rules, state, today)
            if not rule:
                continue
            level = levels[rule.key]
            if (
                company.currency_id.compare_amounts(
                    row["amount_residual"], level.tolerance
                )
                <= 0
            ):
                continue
            groups[(row["partner_id"], level, row["currency_id"])].append(row)
        vals_list = []
        for (partner_id, level, currency_id), lines in groups.items():
            total = sum(line["amount_residual"] for line in lines)
            if company.currency_id.compare_amounts(total, level.min_amount) < 0:
                continue
            vals_list.append(
                self._communication_vals(partner_id, level, currency_id, lines)
            )
        return self.env["dunning.communication"].sudo().create(vals_list)

    def _communication_vals(self, partner_id, level, currency_id, lines):
        partner = self.env["res.partner"].browse(partner_id)
        return {
            "run_id": self.id,
            "company_id": self.company_id.id,
            "partner_id": partner_id,
            "level_id": level.id,
            "currency_id": currency_id,
            "date": self.date,
            "send_email": level.send_email,
            "send_letter": level.send_letter,
            "send_sms": level.send_sms,
            "create_call": level.create_call,
            "email_to": partner._dunning_email_to(level),
            "line_ids": [
                (
                    0,
                    0,
                    {
                        "move_line_id": line["id"],
                        "level_id": level.id,
                        "level_rank": level.rank,
                        "date_maturity": line["date_maturity"],
                        "days_overdue": (self.date - line["date_maturity"]).days,
                        "amount_original": line["amount_original"],
                        "amount_residual": line["amount_residual_currency"],
                    },
                )
                for line in lines
            ],
        }

    # ------------------------------------------------------------------
    # After the run
    # ------------------------------------------------------------------

    def _refresh_dunning_holds(self):
        """Lift dunning holds whose blocking invoices are all paid now."""
        self.ensure_one()
        profiles = (
            self.env["dunning.credit.profile"]
            .sudo()
            .search(
                [("company_id", "=", self.company_id.id), ("dunning_hold", "=", True)]
            )
        )
        if not profiles:
            return
        query = SQL(
            """
            SELECT DISTINCT dl.partner_id
              FROM dunning_communication_line dl
              JOIN dunning_level lv ON lv.id = dl.level_id
              JOIN account_move_line l ON l.id = dl.move_line_id
             WHERE dl.company_id = %(company)s
               AND dl.state = 'sent'
               AND lv.credit_hold
               AND NOT l.reconciled
               AND dl.partner_id = ANY(%(partners)s)
            """,
            company=self.company_id.id,
            partners=profiles.partner_id.ids,
        )
        still = {
            row[0] for row in self.env["dunning.credit.profile"]._credit_query(query)
        }
        lifted = profiles.filtered(lambda p: p.partner_id.id not in still)
        if lifted:
            lifted.write({"dunning_hold": False, "dunning_hold_reason": False})
            lifted._refresh_hold()

    def _attach_letters(self):
        """One PDF with all the letters of the run, for printing and posting."""
        self.ensure_one()
        letters = self.communication_ids.filtered(
            lambda c: c.state == "sent" and c.send_letter and c.letter_attachment_id
        )
        if not letters:
            return
        pdf = self.env["dunning.communication"]._render_letters_pdf(letters)
        self.letters_attachment_id = self.env["ir.attachment"].create(
            {
                "name": _("Letters %(run)s.pdf", run=self.name.replace("/", "-")),
                "raw": pdf,
                "mimetype": "application/pdf",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
