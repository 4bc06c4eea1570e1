from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount, format_date

# A wait longer than this is an instalment plan, not a promise.
MAX_PROMISE_DAYS = 90

PROMISE_STATES = [
    ("open", "Open"),
    ("kept", "Kept"),
    ("broken", "Broken"),
    ("cancelled", "Cancelled"),
]


class DunningPromise(models.Model):
    """The customer promises to pay an amount on some invoices by a date.

    Dunning of those invoices pauses until the promised date. The first run
    after it checks the promise: kept when the invoices received at least the
    promised amount since the promise (or are paid), broken otherwise. A broken
    promise counts in the risk score and the invoices' next reminder comes at
    once, one level up.
    """

    _name = "dunning.promise"
    _description = "Promise to Pay"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "dunning.controlled.fields.mixin",
    ]
    _order = "date desc, id desc"
    _check_company_auto = True
    _dunning_line_filter = True
    # Kept or broken is the run's finding (a broken promise counts in the risk
    # score), cancelled the user's action; never a written field.
    _dunning_controlled_fields = ("state", "closed_date", "residual_at_promise")

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: _("New"),
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('is_company', '=', True)]",
    )
    move_ids = fields.Many2many(
        "account.move",
        "dunning_promise_account_move_rel",
        "promise_id",
        "move_id",
        string="Invoices",
        required=True,
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('payment_state', 'not in', ('paid', 'in_payment', 'reversed')), "
        "('commercial_partner_id', '=', partner_id)]",
    )
    promise_date = fields.Date(
        string="Promised On",
        required=True,
        default=fields.Date.context_today,
        help="Payments received from this day count towards the promise.",
    )
    date = fields.Date(
        string="Payment Date",
        required=True,
        tracking=True,
        help="Dunning of the invoices pauses until this day.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
    )
    amount = fields.Monetary(string="Promised Amount", required=True, tracking=True)
    residual_at_promise = fields.Monetary(
        string="Due When Promised",
        readonly=True,
        help="What the invoices still owed when the promise was made.",
    )
    amount_received = fields.Monetary(
        compute="_compute_amount_received",
        help="Paid on the invoices since the promise.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        required=True,
        tracking=True,
        default=lambda self: self.env.user,
    )
    state = fields.Selection(
        PROMISE_STATES, required=True, default="open", tracking=True, index=True
    )
    closed_date = fields.Date(
        string="Checked On", readonly=True, index=True, tracking=True
    )
    note = fields.Text()

    @api.depends("move_ids")
    def _compute_currency_id(self):
        for promise in self:
            promise.currency_id = (
                promise.move_ids[:1].currency_id
                or promise.currency_id
                or promise.company_id.currency_id
                or self.env.company.currency_id
            )

    @api.depends("move_ids.amount_residual", "residual_at_promise")
    def _compute_amount_received(self):
        for promise in self:
            promise.amount_received = promise.residual_at_promise - sum(
                promise.move_ids.mapped("amount_residual")
            )

    @api.constrains("move_ids", "partner_id", "currency_id", "amount")
    def _check_moves(self):
        for promise in self:
            if promise.currency_id.compare_amounts(promise.amount, 0) <= 0:
                raise ValidationError(_("The promised amount must be positive."))
            others = promise.move_ids.filtered(
                lambda m, p=promise: m.commercial_partner_id
                != p.partner_id.commercial_partner_id
            )
            if others:
                raise ValidationError(
                    _(
                        "Invoices %(invoices)s are not of %(partner)s.",
                        invoices=", ".join(others.mapped("display_name")),
                        partner=promise.partner_id.display_name,
                    )
                )
            if promise.move_ids.currency_id != promise.currency_id:
                raise ValidationError(
                    _(
                        "The invoices of a promise must all be in %s, the "
                        "currency of the promised amount.",
                        promise.currency_id.name,
                    )
                )

    @api.constrains("promise_date", "date", "amount", "move_ids")
    def _check_pause(self):
        """A promise pauses the reminders: for a real amount, from the day it
        was made, for a few weeks at most."""
        for promise in self:
            money = promise.currency_id
            if promise.date < promise.promise_date:
                raise ValidationError(
                    _(
                        "The payment date %(date)s is before the day of the promise "
                        "%(promised)s: the pause would end before it starts.",
                        date=format_date(self.env, promise.date),
                        promised=format_date(self.env, promise.promise_date),
                    )
                )
            if (promise.date - promise.promise_date).days > MAX_PROMISE_DAYS:
                raise ValidationError(
                    _(
                        "A promise pauses reminders for %(days)s days at most "
                        "(%(date)s asked): for a longer time, agree an instalment "
                        "plan.",
                        days=MAX_PROMISE_DAYS,
                        date=format_date(self.env, promise.date),
                    )
                )
            tolerance = promise.company_id.credit_overdue_tolerance
            minimum = promise.company_id.currency_id._convert(
                tolerance,
                money,
                promise.company_id,
                promise.promise_date,
            )
            if money.compare_amounts(promise.amount, minimum) <= 0:
                raise ValidationError(
                    _(
                        "A promise of %(amount)s does not pause reminders: promise "
                        "more than %(minimum)s (the company's overdue tolerance).",
                        amount=format_amount(self.env, promise.amount, money),
                        minimum=format_amount(self.env, minimum, money),
                    )
                )
            if promise.state == "open" and promise.move_ids:
                due = sum(promise.move_ids.mapped("amount_residual"))
                if money.compare_amounts(promise.amount, due) > 0:
                    raise ValidationError(
                        _(
                            "%(amount)s promised is more than the %(due)s the "
                            "invoices owe.",
                            amount=format_amount(self.env, promise.amount, money),
                            due=format_amount(self.env, due, money),
                        )
                    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "dunning.promise"
                ) or _("New")
            if vals.get("partner_id"):
                partner = self.env["res.partner"].browse(vals["partner_id"])
                vals["partner_id"] = partner.commercial_partner_id.id
        promises = super().create(vals_list)
        for promise in promises:
            promise._write_controlled(
                {"residual_at_promise": sum(promise.move_ids.mapped("amount_residual"))}
            )
            promise.move_ids._message_log_batch(
                bodies=dict.fromkeys(
                    promise.move_ids.ids,
                    _(
                        "Promise to pay %(ref)s: %(amount)s by %(date)s. No "
                        "reminder until then.",
                        ref=promise.name,
                        amount=format_amount(
                            self.env, promise.amount, promise.currency_id
                        ),
                        date=format_date(self.env, promise.date),
                    ),
                )
            )
        return promises

    def action_cancel(self):
        self.check_access("write")
        if self.filtered(lambda p: p.state != "open"):
            raise UserError(_("Only an open promise can be cancelled."))
        self._write_controlled({"state": "cancelled"})
        return True

    # ------------------------------------------------------------------
    # Dunning engine plug-in
    # ------------------------------------------------------------------

    @api.model
    def _dunning_pause_sql(self, company, today):
        """Items of an open promise are paused until its date."""
        return SQL(
            """EXISTS (
                SELECT 1 FROM dunning_promise dp
                  JOIN dunning_promise_account_move_rel rel
                    ON rel.promise_id = dp.id
                 WHERE dp.state = 'open'
                   AND dp.company_id = %s
                   AND dp.date >= %s
                   AND rel.move_id = l.move_id)""",
            company.id,
            today,
        )

    @api.model
    def _dunning_pause_label(self):
        return _("Payment promised: paused until the promised date")

    @api.model
    def _dunning_due_promises(self, company, today):
        """Open promises whose date has passed, split into (kept, broken) as
        a real run would settle them today. Reads only."""
        due = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "open"),
                ("date", "<", today),
            ]
        )
        kept = due.filtered(
            lambda promise: all(
                move.currency_id.is_zero(move.amount_residual)
                for move in promise.move_ids
            )
            or promise.currency_id.compare_amounts(
                promise.amount_received, promise.amount
            )
            >= 0
        )
        return kept, due - kept

    @api.model
    def _dunning_before_run(self, company, today):
        """A real run settles the open promises whose date has passed: kept or
        broken (a preview only reads :meth:`_dunning_due_promises`)."""
        kept, broken = self._dunning_due_promises(company, today)
        kept._write_controlled({"state": "kept", "closed_date": today})
        for promise in broken:
            promise._break(today)

    def _break(self, today):
        self.ensure_one()
        self._write_controlled({"state": "broken", "closed_date": today})
        money = self.currency_id
        body = _(
            "Promise to pay %(ref)s broken: %(promised)s promised by %(date)s, "
            "%(received)s received. Dunning resumes one level up.",
            ref=self.name,
            promised=format_amount(self.env, self.amount, money),
            date=format_date(self.env, self.date),
            received=format_amount(self.env, self.amount_received, money),
        )
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
        self.partner_id.message_post(body=body, subtype_xmlid="mail.mt_note")
        partner = self.partner_id
        collector = partner.dunning_collector_id or self.user_id or partner.user_id
        self.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=today,
            user_id=collector.id,
            summary=_("Promise broken: call %s", partner.display_name),
            note=body,
        )

    @api.model
    def _dunning_forced_line_ids(self, company, today, line_ids):
        """Lines of broken promises not reminded since the promise broke, and
        of the promises a real run would find broken today (so that a preview
        shows it, without breaking anything)."""
        if not line_ids:
            return []
        _kept, breaking = self._dunning_due_promises(company, today)
        rows = self.env["dunning.credit.profile"]._credit_query(
            SQL(
                """
            SELECT DISTINCT l.id
              FROM account_move_line l
              JOIN dunning_promise_account_move_rel rel ON rel.move_id = l.move_id
              JOIN dunning_promise dp ON dp.id = rel.promise_id
             WHERE l.id = ANY(%(lines)s)
               AND dp.company_id = %(company)s
               AND ((dp.state = 'broken' AND dp.closed_date <= %(today)s)
                    OR dp.id = ANY(%(breaking)s))
               AND NOT EXISTS (
                    SELECT 1 FROM dunning_communication_line dl
                     WHERE dl.move_line_id = l.id
                       AND dl.level_reached
                       AND dl.date >= COALESCE(dp.closed_date, %(today)s))
                """,
                lines=list(line_ids),
                company=company.id,
                today=today,
                breaking=breaking.ids,
            )
        )
        return [row[0] for row in rows]
