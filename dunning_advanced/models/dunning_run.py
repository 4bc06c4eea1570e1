import logging
from bisect import bisect_right
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date, split_every

from ..lib.dunning_levels import (
    CustomerState,
    LineState,
    courtesy_level,
    customer_level,
)
from ..lib.late_interest import KIND_B2B
from .dunning_communication import (
    CREDIT_MANAGER,
    DRAFT_NAME,
    DUNNING_USER,
    reminder_amounts,
)
from .dunning_communication_line import SECTION_ORDER, SENT_STATES
from .ir_qweb import COMPILED_INLINE

_logger = logging.getLogger(__name__)

# Customers a batch of the scheduled run checks, and reminders a manual run
# sends at a time: a batch's own queries (about 80) weigh little beside its
# work, and its memory stays a few tens of MB.
BATCH_SIZE = 500
# The reminder's fields computed from its lines: the engine writes them with
# the drafts it inserts.
AMOUNT_FIELDS = tuple(
    f"dunning.communication.{name}"
    for name in (
        "line_count",
        "amount_residual",
        "amount_not_due",
        "amount_credit",
        "amount_disputed",
        "amount_paused",
        "interest_amount",
        "compensation_amount",
        "amount_total",
        "amount_owed",
    )
)


class DunningRun(models.Model):
    """The dunning of one company on one day.

    A run makes at most one reminder per customer (commercial partner) and
    currency: the customer is the unit (see lib/dunning_levels.py). A
    scheduled run goes through the customers in batches ordered by id and
    remembers the last one done (``cursor``): the cron runner commits after each
    batch, so a run cut short resumes at the next customer, and nothing is sent
    twice. A reminder that cannot be produced ends in error with its reason and
    the run carries on.

    A manual run first makes a preview: draft reminders showing exactly what
    would go out (interest and fees included), which the accountant can
    change; a preview writes nothing outside its own drafts. A run dated after
    today is a simulation and is never sent. Sending re-checks every draft as
    of today.

    Features that keep items or customers out of dunning plug in by setting
    ``_dunning_line_filter = True`` on their model and implementing:

    - ``_dunning_pause_sql(company, today)``: SQL true when the receivable line
      ``l`` is paused (listed with ``_dunning_pause_label()``, not claimed);
    - ``_dunning_customer_block_sql(company, today)`` (optional): SQL true when
      the commercial partner ``cp`` gets no automated reminder at all, with
      ``_dunning_customer_block_label()``;
    - ``_dunning_forced_line_ids(company, today, line_ids)`` (optional, no side
      effect): lines that escalate at once;
    - ``_dunning_before_run(company, today)`` (optional): the daily work of a
      real run (promises kept or broken...), never called by a preview.
    """

    _name = "dunning.run"
    _description = "Dunning Run"
    _inherit = [
        "mail.thread",
        "dunning.controlled.fields.mixin",
        "dunning.batch.job.mixin",
    ]
    _order = "date desc, id desc"
    _check_company_auto = True
    _dunning_controlled_fields = (
        "state",
        "cursor",
        "candidate_ids",
        "partner_done_count",
        "letters_attachment_id",
        "run_type",
        "company_id",
        "date",
        "user_id",
    )

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
        help="Levels, interest and fees are computed as of this day.",
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
            ("cancelled", "Discarded"),
        ],
        required=True,
        default="preview",
        tracking=True,
        readonly=True,
    )
    is_simulation = fields.Boolean(
        string="Simulation",
        compute="_compute_is_simulation",
        help="Dated after today: shows what would be sent that day, never sent.",
    )
    user_id = fields.Many2one(
        "res.users", readonly=True, default=lambda self: self.env.user
    )
    cursor = fields.Integer(
        readonly=True, help="Last customer (id) processed: a resumed run starts after."
    )
    candidate_ids = fields.Json(
        copy=False,
        groups="base.group_system",
        help="The customers a scheduled run may remind (ids, ascending), found "
        "once when it starts; each batch checks the next ones again.",
    )
    partner_done_count = fields.Integer(string="Customers Checked", readonly=True)
    communication_ids = fields.One2many("dunning.communication", "run_id")
    communication_count = fields.Integer(compute="_compute_counts")
    sent_count = fields.Integer(compute="_compute_counts", string="Sent")
    error_count = fields.Integer(compute="_compute_counts", string="Errors")
    to_approve_count = fields.Integer(compute="_compute_counts", string="To Approve")
    pending_count = fields.Integer(
        compute="_compute_counts", string="Waiting for pagoPA"
    )
    delivery_failed_count = fields.Integer(
        compute="_compute_counts", string="Delivery Failed"
    )
    error_communication_ids = fields.One2many(
        "dunning.communication",
        compute="_compute_counts",
        string="Reminders in Error",
    )
    letters_attachment_id = fields.Many2one(
        "ir.attachment", string="Letters to Print", readonly=True, copy=False
    )

    @api.depends("date", "company_id")
    def _compute_is_simulation(self):
        for run in self:
            run.is_simulation = bool(
                run.date
                and run.company_id
                and run.date > run.company_id._dunning_today()
            )

    @api.depends("communication_ids.state")
    def _compute_counts(self):
        groups = self.env["dunning.communication"]._read_group(
            [("run_id", "in", self.ids)], ["run_id", "state"], ["__count"]
        )
        counts = defaultdict(lambda: defaultdict(int))
        for run, state, count in groups:
            counts[run.id][state] += count
        for run in self:
            by_state = counts[run.id]
            run.communication_count = sum(
                count for state, count in by_state.items() if state != "cancelled"
            )
            run.sent_count = sum(by_state[state] for state in SENT_STATES)
            run.error_count = by_state["error"]
            run.to_approve_count = by_state["to_approve"]
            run.pending_count = by_state["pending"]
            run.delivery_failed_count = by_state["delivery_failed"]
            run.error_communication_ids = run.communication_ids.filtered(
                lambda c: c.state == "error"
            )

    def init(self):
        # One scheduled run per company and day, even when two workers start
        # the day's dunning at the same moment.
        self.env.cr.execute(
            SQL(
                """
            CREATE UNIQUE INDEX IF NOT EXISTS dunning_run_scheduled_day_uniq
                ON dunning_run (company_id, date)
             WHERE run_type = 'scheduled'
                """
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(
                _("Runs are started with Run Dunning or by the scheduled action.")
            )
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
    def _cron_run_dunning(self, batch_size=BATCH_SIZE):
        """Daily: every company's dunning, in batches of customers (see
        dunning.batch.job.mixin)."""
        # Companies are few and all of them are dunned.
        companies = self.env["res.company"].sudo().search([], order="id")  # pylint: disable=no-search-all
        # Email templates compiled once for every batch of the call.
        self = self.with_context(**{COMPILED_INLINE: {}})

        def batches():
            for company in companies:
                run = self.sudo().with_company(company)._scheduled_run(company)
                if run.state != "running":
                    continue
                # The companies after this one, for the progress: once.
                elsewhere = sum(
                    self.sudo()._scheduled_remaining(other)
                    for other in companies
                    if other.id > company.id
                )
                while run.state == "running":
                    batch = run._process_batch(batch_size)
                    if batch is None:  # another worker is on it
                        break
                    done, left = batch
                    yield done, left + elsewhere

        self._run_batches("dunning_advanced.ir_cron_run_dunning", batches())

    @api.model
    def _scheduled_run(self, company):
        """Today's scheduled run of ``company``, created if needed."""
        today = company._dunning_today()
        run = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("run_type", "=", "scheduled"),
                ("date", "=", today),
            ],
            limit=1,
        )
        if not run:
            run = self.sudo().create(
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
        today = company._dunning_today()
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
        if run and isinstance(run.candidate_ids, list):
            return len(run.candidate_ids) - bisect_right(run.candidate_ids, run.cursor)
        return len(self.with_company(company)._candidate_partner_ids(company, today, 0))

    def _process_batch(self, batch_size):
        """Dun the next batch of customers and send: (how many were done, how
        many remain); the run is finished when none remains. None when another
        worker holds the run (it carries on from where it is)."""
        self.ensure_one()
        if not self._try_lock():
            return None
        if self.state != "running":  # finished by the worker that held it
            return 0, 0
        if not self.cursor and not self.partner_done_count:
            self._before_run()
        candidate_ids = self.candidate_ids
        if not isinstance(candidate_ids, list):
            # Found once per run: the query reads every open receivable, and
            # a batch needs only its customers, checked again below.
            candidate_ids = self._candidate_partner_ids(
                self.company_id, self.date, self.cursor
            )
            self._write_controlled({"candidate_ids": candidate_ids})
        candidates = candidate_ids[bisect_right(candidate_ids, self.cursor) :]
        batch = candidates[:batch_size]
        if not batch:
            self._finish()
            return 0, 0
        # Still to remind now (paid, blocked or given a reminder to approve
        # since the run started: left out).
        partner_ids = self._candidate_partner_ids(
            self.company_id, self.date, self.cursor, partner_ids=batch
        )
        communications = (
            self._dun_partners(partner_ids)
            if partner_ids
            else self.env["dunning.communication"]
        )
        self._write_controlled(
            {
                "cursor": max(batch),
                "partner_done_count": self.partner_done_count + len(batch),
            }
        )
        _logger.info(
            "Dunning %s: %s customers checked, %s reminders",
            self.name,
            self.partner_done_count,
            len(communications),
        )
        left = len(candidates) - len(batch)
        if not left:
            self._finish()
        return len(batch), left

    def _try_lock(self):
        """Lock this run's row until the transaction ends; False when another
        transaction holds it (a second worker on the same run)."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM dunning_run WHERE id = %s "
                "FOR NO KEY UPDATE SKIP LOCKED",
                self.id,
            )
        )
        if self.env.cr.fetchone():
            self.invalidate_recordset()  # read the state the holder left
            return True
        return False

    def _dun_partners(self, partner_ids):
        """Remind these customers (commercial partner ids) on the run's day and
        send: the reminders made. The unit a batch, or a queued job of a
        worker, does; callers keep the run's progress."""
        self.ensure_one()
        partners = self.env["res.partner"].browse(partner_ids)
        communications = self._prepare_communications(partners)
        self._supersede_errors(communications)
        communications._send(recheck=False)
        return communications

    def _before_run(self, today=None):
        """Daily work of the plugged-in features (promises due, plans...):
        real runs only, on their real day."""
        for model in self._line_filter_models():
            if hasattr(model, "_dunning_before_run"):
                model._dunning_before_run(self.company_id, today or self.date)

    def _supersede_errors(self, communications):
        """A reminder left in error by an earlier run is replaced by today's."""
        if not communications:
            return
        old = self.env["dunning.communication"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "=", "error"),
                ("partner_id", "in", communications.partner_id.ids),
                ("id", "not in", communications.ids),
            ]
        )
        by_key = {(c.partner_id, c.currency_id): c for c in communications}
        for communication in old:
            new = by_key.get((communication.partner_id, communication.currency_id))
            if new:
                communication._write_controlled(
                    {
                        "state": "cancelled",
                        "note": _("Replaced by %s.", new.name),
                    }
                )

    def _finish(self):
        self.ensure_one()
        self._refresh_dunning_holds()
        self._attach_letters()
        self._write_controlled({"state": "done"})

    @api.autovacuum
    def _gc_stale_previews(self):
        """Previews never sent nor discarded only ever showed what a run would
        do: their drafts go after 30 days."""
        limit = fields.Date.today() - timedelta(days=30)
        self.sudo().search(
            [("state", "=", "preview"), ("date", "<", limit)]
        ).action_cancel()

    # ------------------------------------------------------------------
    # Manual run: preview, then send
    # ------------------------------------------------------------------

    def _check_dunning_user(self):
        if not self.env.su and not self.env.user.has_group(DUNNING_USER):
            raise AccessError(_("Only Dunning Users can run dunning."))
        self.check_access("write")

    def action_preview(self):
        """Draft reminders as of the run's date; nothing else is written."""
        self.ensure_one()
        self._check_dunning_user()
        self._check_state("preview")
        run = self.sudo()
        run.communication_ids.filtered(lambda c: c.state == "draft").unlink()
        partner_ids = run._candidate_partner_ids(run.company_id, run.date, 0)
        partners = run.env["res.partner"].browse(partner_ids)
        run._prepare_communications(partners)
        run._write_controlled({"partner_done_count": len(partner_ids)})
        return True

    def action_send(self):
        """Send the previewed reminders, with the accountant's changes, after
        checking each again as of today."""
        self.ensure_one()
        self._check_dunning_user()
        self._check_state("preview")
        if self.date > self.company_id._dunning_today():
            raise UserError(
                _(
                    "%(run)s is a simulation of %(date)s: reminders go out on their "
                    "day, never before. Start a run today to send.",
                    run=self.name,
                    date=format_date(self.env, self.date),
                )
            )
        # Email templates compiled once for all the batches.
        run = self.sudo().with_context(**{COMPILED_INLINE: {}})
        # A real run on its real day: promises and plans due are settled first.
        run._before_run(run.company_id._dunning_today())
        drafts = run.communication_ids.filtered(lambda c: c.state == "draft")
        # A credit manager sending a preview approves it; a Dunning User's
        # formal notices wait for a credit manager.
        approved = self.env.user.has_group(CREDIT_MANAGER)
        # In batches as the scheduled run sends, each one's records then left
        # out of the cache: memory stays one batch's however large the run.
        for batch in split_every(BATCH_SIZE, drafts.ids, run.env[drafts._name].browse):
            batch._send(approved=approved)
            run.env.invalidate_all()
        run._finish()
        return True

    def action_cancel(self):
        """Discard a preview: its drafts go, nothing else was ever written."""
        self._check_dunning_user()
        self._check_state("preview")
        runs = self.sudo()
        runs.communication_ids.filtered(lambda c: c.state == "draft").unlink()
        runs._write_controlled({"state": "cancelled"})
        return True

    def action_retry_errors(self):
        """Try again the reminders of this run that ended in error."""
        self.ensure_one()
        failed = self.communication_ids.filtered(lambda c: c.state == "error")
        if not failed:
            raise UserError(_("No reminder of %s is in error.", self.name))
        return failed.action_retry()

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
    def _customer_block_sql(self, company, today):
        """SQL true when the commercial partner ``cp`` gets no automated
        reminder: excluded, or blocked by a plugged-in feature (a case)."""
        conditions = [
            SQL(
                "(COALESCE(cp.dunning_excluded, FALSE) AND "
                "(cp.dunning_excluded_until IS NULL "
                "OR cp.dunning_excluded_until >= %s))",
                today,
            )
        ]
        for model in self._line_filter_models():
            if hasattr(model, "_dunning_customer_block_sql"):
                conditions.append(model._dunning_customer_block_sql(company, today))
        return SQL("(%s)", SQL(" OR ").join(conditions))

    @api.model
    def _pause_sql(self, company, today):
        """SQL giving, for the receivable line ``l``, the model that pauses it
        (NULL when none)."""
        cases = [
            SQL(
                "WHEN (%s) THEN %s",
                model._dunning_pause_sql(company, today),
                model._name,
            )
            for model in self._line_filter_models()
        ]
        if not cases:
            return SQL("NULL")
        return SQL("CASE %s ELSE NULL END", SQL(" ").join(cases))

    @api.model
    def _pause_labels(self):
        return {
            model._name: model._dunning_pause_label()
            for model in self._line_filter_models()
        }

    @api.model
    def _blocked_partner_ids(self, company, today, partner_ids):
        """{commercial partner id: why it gets no automated reminder}."""
        if not partner_ids:
            return {}
        block_cases = [
            SQL(
                "WHEN (%s) THEN %s",
                model._dunning_customer_block_sql(company, today),
                model._name,
            )
            for model in self._line_filter_models()
            if hasattr(model, "_dunning_customer_block_sql")
        ]
        rows = self.env["dunning.credit.profile"]._credit_query(
            SQL(
                """
            SELECT cp.id,
                   CASE WHEN COALESCE(cp.dunning_excluded, FALSE)
                             AND (cp.dunning_excluded_until IS NULL
                                  OR cp.dunning_excluded_until >= %(today)s)
                        THEN 'excluded'
                        %(cases)s
                        ELSE NULL END
              FROM res_partner cp
             WHERE cp.id = ANY(%(partners)s)
                """,
                today=today,
                partners=list(partner_ids),
                cases=SQL(" ").join(block_cases),
            )
        )
        labels = {
            model._name: model._dunning_customer_block_label()
            for model in self._line_filter_models()
            if hasattr(model, "_dunning_customer_block_label")
        }
        labels["excluded"] = _("the customer is excluded from dunning")
        return {
            partner_id: _("Not sent: %s.", labels[key])
            for partner_id, key in rows
            if key
        }

    @api.model
    def _paused_line_reasons(self, company, today, line_ids):
        """{receivable line id: (pausing model, label)} of these lines."""
        if not line_ids:
            return {}
        rows = self.env["dunning.credit.profile"]._credit_query(
            SQL(
                "SELECT l.id, %(pause)s FROM account_move_line l "
                "WHERE l.id = ANY(%(lines)s)",
                pause=self._pause_sql(company, today),
                lines=list(line_ids),
            )
        )
        labels = self._pause_labels()
        return {line_id: (key, labels[key]) for line_id, key in rows if key}

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
    def _open_receivable_sql(self):
        """SQL true for an open, posted receivable journal item ``l``, in the
        terms of Odoo's index of unreconciled items by account and partner:
        with the receivable accounts given, a batch reads only its customers'
        items instead of every open item of the ledger."""
        accounts = (
            self.env["account.account"]
            .sudo()
            .with_context(active_test=False)
            .search([("account_type", "=", "asset_receivable")])
        )
        return SQL(
            """AND l.account_id = ANY(%s)
               AND l.parent_state = 'posted'
               AND l.reconciled IS NOT TRUE""",
            accounts.ids,
        )

    @api.model
    def _candidate_partner_ids(
        self, company, today, after_id, limit=None, partner_ids=None
    ):
        """Commercial partners with an open receivable that may need a reminder:
        not blocked, and without a reminder waiting for approval; among
        ``partner_ids`` (commercial partner ids) when given."""
        among = SQL("")
        if partner_ids is not None:
            # Through the customers' contacts, so that PostgreSQL reads only
            # their journal items (by partner), not every open receivable.
            among = SQL(
                "AND l.partner_id IN (SELECT c.id FROM res_partner c "
                "WHERE c.commercial_partner_id = ANY(%s) OR c.id = ANY(%s))",
                list(partner_ids),
                list(partner_ids),
            )
        query = SQL(
            """
            SELECT DISTINCT cp.id
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
              JOIN res_partner p ON p.id = l.partner_id
              JOIN res_partner cp ON cp.id = COALESCE(p.commercial_partner_id, p.id)
             WHERE l.company_id = %(company)s
               %(open_receivable)s
               AND l.amount_residual > 0
               AND COALESCE(l.date_maturity, l.date) <= %(horizon)s
               AND cp.id > %(after)s
               %(among)s
               AND NOT COALESCE(m.dunning_excluded, FALSE)
               AND NOT %(blocked)s
               AND NOT EXISTS (
                    SELECT 1 FROM dunning_communication c
                     WHERE c.partner_id = cp.id
                       AND c.company_id = %(company)s
                       AND c.state = 'to_approve')
          ORDER BY cp.id
             %(limit)s
            """,
            company=company.id,
            horizon=self._horizon(company, today),
            after=after_id,
            blocked=self._customer_block_sql(company, today),
            limit=SQL("LIMIT %s", limit) if limit else SQL(""),
            among=among,
            open_receivable=self._open_receivable_sql(),
        )
        return [
            row[0] for row in self.env["dunning.credit.profile"]._credit_query(query)
        ]

    def _open_items(self, partners):
        """Every open receivable item of ``partners`` (credits too), with the
        level it reached by reminders that went out and what pauses it."""
        self.ensure_one()
        query = SQL(
            """
            WITH reached AS (
                SELECT DISTINCT ON (dl.move_line_id)
                       dl.move_line_id, dl.level_rank, dl.date
                  FROM dunning_communication_line dl
                 WHERE dl.company_id = %(company)s
                   AND dl.level_reached
                   AND dl.partner_id = ANY(%(partners)s)
              ORDER BY dl.move_line_id, dl.level_rank DESC, dl.date DESC
            )
            SELECT l.id, p.commercial_partner_id AS partner_id, l.currency_id,
                   l.move_id,
                   COALESCE(l.date_maturity, l.date) AS date_maturity,
                   l.amount_residual, l.amount_residual_currency,
                   ROUND(l.amount_residual * %(scale)s)::bigint AS units,
                   ABS(l.amount_currency) AS amount_original,
                   COALESCE(r.level_rank, 0) AS rank, r.date AS reached_date,
                   %(pause)s AS paused_by
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
              -- The contacts of the customers only (a join on the customer
              -- itself would read every partner for each batch).
              JOIN res_partner p ON p.id = l.partner_id
                                AND p.commercial_partner_id = ANY(%(partners)s)
         LEFT JOIN reached r ON r.move_line_id = l.id
             WHERE l.company_id = %(company)s
               %(open_receivable)s
               AND l.amount_residual != 0
               AND NOT COALESCE(m.dunning_excluded, FALSE)
          ORDER BY p.commercial_partner_id, 5, l.id
            """,
            company=self.company_id.id,
            partners=partners.ids,
            pause=self._pause_sql(self.company_id, self.date),
            scale=10**self.company_id.currency_id.decimal_places,
            open_receivable=self._open_receivable_sql(),
        )
        return self.env["dunning.credit.profile"]._credit_query(query, as_dict=True)

    def _prepare_communications(self, partners):
        """Draft reminders for ``partners``: at most one per customer and
        currency, with every open item, its interest and fee to the run's date."""
        self.ensure_one()
        company = self.company_id
        rows = self._open_items(partners)
        forced = set()
        positive = [r["id"] for r in rows if r["amount_residual"] > 0]
        for model in self._line_filter_models():
            if hasattr(model, "_dunning_forced_line_ids"):
                forced |= set(
                    model._dunning_forced_line_ids(company, self.date, positive)
                )
        policies = self.env["dunning.policy"].sudo()._policies_for(partners, company)
        groups = defaultdict(list)
        for row in rows:
            groups[(row["partner_id"], row["currency_id"])].append(row)
        labels = self._pause_labels()
        rules_by_policy = {}
        drafts = []
        for (partner_id, currency_id), items in groups.items():
            policy = policies.get(partner_id)
            if not policy or not policy.level_ids:
                continue
            if policy.id not in rules_by_policy:
                levels = policy.level_ids.sorted("rank")
                rules_by_policy[policy.id] = (
                    levels._rules(),
                    {level.id: level for level in levels},
                )
            rules, levels = rules_by_policy[policy.id]
            plan = self._plan_message(rules, levels, items, forced)
            if plan:
                level, claimed = plan
                drafts.append(
                    self._communication_vals(
                        partner_id, currency_id, level, items, claimed, labels
                    )
                )
        # Thousands of drafts a day: written in two INSERTs from the values
        # computed here (the ORM's create cost 80 % of a preview).
        communications = (
            self.env["dunning.communication"]
            .sudo()
            ._insert_rows([vals for vals, _lines in drafts])
        )
        lines = []
        for communication_id, (_vals, draft_lines) in zip(
            communications.ids, drafts, strict=True
        ):
            for line in draft_lines:
                line["communication_id"] = communication_id
            lines += draft_lines
        self.env["dunning.communication.line"].sudo()._insert_rows(
            lines, covered=AMOUNT_FIELDS
        )
        # Interest needs each invoice's payments: computed by the ORM, for the
        # levels that add it only.
        communications.filtered("level_id.add_interest")._compute_charges()
        return communications

    def _plan_message(self, rules, levels, items, forced):
        """(level, ids of the items it claims) of a customer's message in one
        currency, or None when nothing is to be sent today.

        Overdue items drive the customer's level (lib/dunning_levels.py); items
        left open for less than the tolerance carry no level. A courtesy
        reminder goes alone, only when nothing is overdue.
        """
        today = self.date
        # Compared in the company currency's smallest unit (cents): integers.
        scale = 10**self.company_id.currency_id.decimal_places

        def units(amount):
            return round(amount * scale)

        min_tolerance = units(min(level.tolerance for level in levels.values()))
        credits = -sum(i["units"] for i in items if i["units"] < 0)
        live = [i for i in items if i["units"] > 0 and not i["paused_by"]]
        overdue = [
            i for i in live if i["date_maturity"] < today and i["units"] > min_tolerance
        ]
        if overdue:
            top = max(overdue, key=lambda i: (i["rank"], i["reached_date"] or today))
            state = CustomerState(
                oldest_due_date=min(i["date_maturity"] for i in overdue),
                current_rank=top["rank"],
                current_date=top["reached_date"],
                force_next=any(i["id"] in forced for i in overdue),
            )
            rule = customer_level(rules, state, today)
            if not rule:
                return None
            level = levels[rule.key]
            tolerance = units(level.tolerance)
            claimed = [i for i in overdue if i["units"] > tolerance]
        else:
            upcoming = [i for i in live if i["date_maturity"] >= today]
            states = [
                LineState(
                    due_date=i["date_maturity"],
                    current_rank=i["rank"],
                    current_date=i["reached_date"],
                )
                for i in upcoming
            ]
            rule, indexes = courtesy_level(rules, states, today)
            if not rule:
                return None
            level = levels[rule.key]
            claimed = [upcoming[index] for index in indexes]
        total = sum(i["units"] for i in claimed)
        if not claimed or total - credits <= 0 or total < units(level.min_amount):
            return None
        return level, {i["id"] for i in claimed}

    def _communication_vals(
        self, partner_id, currency_id, level, items, claimed, labels
    ):
        """(values of the draft reminder, values of its lines): every stored
        field, computed ones included, as the ORM would compute them for a new
        draft; interest is left to ``_compute_charges``."""
        partner = self.env["res.partner"].browse(partner_id)
        currency = self.env["res.currency"].browse(currency_id)
        company = self.company_id
        today = self.date
        stored = {
            "state": "draft",
            "date": today,
            "company_id": company.id,
            "partner_id": partner_id,
            "level_id": level.id,
            "level_rank": level.rank,
            "level_reached": False,
        }
        lines = []
        for item in items:
            residual = item["amount_residual"]
            if residual < 0:
                section = "credit"
            elif item["paused_by"]:
                section = (
                    "disputed" if item["paused_by"] == "dunning.dispute" else "paused"
                )
            elif item["date_maturity"] < today:
                section = "overdue"
            else:
                section = "not_due"
            lines.append(
                {
                    **stored,
                    "move_line_id": item["id"],
                    "move_id": item["move_id"],
                    "section": section,
                    "sequence": SECTION_ORDER[section],
                    "claimed": item["id"] in claimed,
                    "include": True,
                    "pause_reason": labels.get(item["paused_by"]) or False,
                    "date_maturity": item["date_maturity"],
                    "days_overdue": (today - item["date_maturity"]).days,
                    "amount_original": item["amount_original"],
                    "amount_residual": item["amount_residual_currency"],
                }
            )
        amounts = [
            (
                line["section"],
                line["claimed"],
                True,
                line["amount_residual"],
                0.0,
                0.0,
            )
            for line in lines
        ]
        money = company.currency_id
        overdue = reminder_amounts(amounts, currency, 0.0)["amount_residual"]
        fee, fee_detail = self.env["dunning.communication"]._fee_values(
            level, currency._convert(overdue, money, company, today)
        )
        email_to, via_pec = partner._dunning_email_to(level)
        vals = {
            "run_id": self.id,
            "name": DRAFT_NAME,
            "state": "draft",
            "company_id": company.id,
            "partner_id": partner_id,
            "level_id": level.id,
            "policy_id": level.policy_id.id,
            "level_rank": level.rank,
            "currency_id": currency_id,
            "date": today,
            "is_simulation": self.is_simulation,
            "is_b2b": partner._dunning_interest_kind() == KIND_B2B,
            "send_email": level.send_email,
            "send_letter": level.send_letter,
            "send_sms": level.send_sms,
            "create_call": level.create_call,
            "email_to": email_to,
            "via_pec": via_pec,
            "fee_amount": fee,
            "fee_detail": fee_detail,
            # A new draft: nobody has opened or paid it yet.
            "portal_opened": False,
            "portal_paid": False,
            "portal_paid_amount": 0.0,
            **reminder_amounts(
                amounts,
                currency,
                money._convert(fee, currency, company, today) if fee else 0.0,
            ),
        }
        return vals, lines

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
               AND dl.level_reached
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
            lambda c: c.state in SENT_STATES and c.letter_attachment_id
        )
        if not letters:
            return
        old = self.letters_attachment_id
        # Written to a file a letter at a time and stored from there: memory
        # does not grow with the number of letters.
        attachment = self.env["dunning.communication"]._attach_letters_pdf(
            letters,
            {
                "name": _("Letters %(run)s.pdf", run=self.name.replace("/", "-")),
                "res_model": self._name,
                "res_id": self.id,
            },
        )
        self._write_controlled({"letters_attachment_id": attachment.id})
        old.sudo().unlink()

    def _letters_changed(self):
        """A letter came after the run ended (a pagoPA notice published, a
        bounced email): the run's print file gets it."""
        for run in self.filtered(lambda r: r.state == "done"):
            run._attach_letters()
