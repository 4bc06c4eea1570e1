import dataclasses
from decimal import Decimal

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount, format_date

from ..lib.instalments import cumulative_due, schedule
from ..report import pagopa_notice_renderer as nr

PLAN_STATES = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("completed", "Completed"),
    ("broken", "Broken"),
    ("cancelled", "Cancelled"),
]


class DunningInstalmentPlan(models.Model):
    """A repayment plan (piano di rientro): overdue invoices paid in instalments.

    While the plan is active its invoices leave normal dunning and the plan's
    dates rule instead: an instalment still unpaid after its date and the grace
    days breaks the plan, and the invoices go back to normal dunning. What was
    paid is measured on the invoices themselves: the amount paid on them since
    the plan started, against the instalments due so far.
    """

    _name = "dunning.instalment.plan"
    _description = "Instalment Plan"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "dunning.controlled.fields.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    _dunning_line_filter = True
    # Completed or broken is the run's finding from the payments, the amount
    # to repay what the invoices owe: set by the plan's actions only.
    _dunning_controlled_fields = (
        "state",
        "activation_date",
        "closed_date",
        "residual_at_activation",
        "amount_total",
    )

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
        "dunning_instalment_plan_account_move_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        required=True,
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('payment_state', 'not in', ('paid', 'in_payment', 'reversed')), "
        "('commercial_partner_id', '=', partner_id)]",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        required=True,
        precompute=True,
    )
    amount_total = fields.Monetary(
        string="Amount to Repay",
        compute="_compute_amount_total",
        store=True,
        precompute=True,
        help="What the invoices owe when the plan is drawn up.",
    )
    instalment_count = fields.Integer(
        string="Instalments", required=True, default=3, tracking=True
    )
    first_date = fields.Date(string="First Instalment", required=True, tracking=True)
    interval_number = fields.Integer(string="Every", required=True, default=1)
    interval_unit = fields.Selection(
        [("days", "Days"), ("weeks", "Weeks"), ("months", "Months")],
        required=True,
        default="months",
    )
    grace_days = fields.Integer(
        default=5,
        tracking=True,
        help="Days after an instalment's date before the plan counts as broken.",
    )
    line_ids = fields.One2many(
        "dunning.instalment.plan.line", "plan_id", string="Instalments Schedule"
    )
    state = fields.Selection(
        PLAN_STATES, required=True, default="draft", tracking=True, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        required=True,
        tracking=True,
        default=lambda self: self.env.user,
    )
    activation_date = fields.Date(readonly=True, copy=False)
    closed_date = fields.Date(readonly=True, copy=False, tracking=True)
    residual_at_activation = fields.Monetary(readonly=True, copy=False)
    amount_paid = fields.Monetary(
        compute="_compute_amount_paid", help="Paid on the invoices since activation."
    )
    note = fields.Text()

    @api.depends("move_ids")
    def _compute_currency_id(self):
        for plan in self:
            plan.currency_id = (
                plan.move_ids[:1].currency_id
                or plan.company_id.currency_id
                or self.env.company.currency_id
            )

    @api.depends("move_ids")
    def _compute_amount_total(self):
        # Not on the invoices' residual: the amount is fixed once drafted, and
        # the button that recomputes the instalments refreshes it.
        for plan in self:
            plan.amount_total = sum(plan.move_ids.mapped("amount_residual"))

    @api.depends("move_ids.amount_residual", "residual_at_activation", "state")
    def _compute_amount_paid(self):
        for plan in self:
            if plan.state in ("draft", "cancelled"):
                plan.amount_paid = 0.0
                continue
            plan.amount_paid = plan.residual_at_activation - sum(
                plan.move_ids.mapped("amount_residual")
            )

    @api.constrains("move_ids", "partner_id", "instalment_count", "interval_number")
    def _check_plan(self):
        for plan in self:
            if plan.instalment_count < 1 or plan.interval_number < 1:
                raise ValidationError(
                    _("A plan needs at least one instalment, at least 1 apart.")
                )
            others = plan.move_ids.filtered(
                lambda m, p=plan: m.commercial_partner_id
                != p.partner_id.commercial_partner_id
            )
            if others:
                raise ValidationError(
                    _(
                        "Invoices %(invoices)s are not of %(partner)s.",
                        invoices=", ".join(others.mapped("display_name")),
                        partner=plan.partner_id.display_name,
                    )
                )
            if len(plan.move_ids.currency_id) > 1:
                raise ValidationError(
                    _(
                        "The invoices of a plan must all be in one currency: "
                        "make one plan per currency."
                    )
                )

    @api.constrains("grace_days", "first_date", "state")
    def _check_dates(self):
        today = fields.Date.context_today(self)
        for plan in self:
            if plan.grace_days < 0:
                raise ValidationError(
                    _(
                        "Grace days are 0 or more: %s would break the plan before "
                        "an instalment is due.",
                        plan.grace_days,
                    )
                )
            if plan.state == "draft" and plan.first_date < today:
                raise ValidationError(
                    _(
                        "The first instalment of %(plan)s is due on %(date)s, in the "
                        "past: a plan starts from today on.",
                        plan=plan.name,
                        date=format_date(self.env, plan.first_date),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "dunning.instalment.plan"
                ) or _("New")
            if vals.get("partner_id"):
                partner = self.env["res.partner"].browse(vals["partner_id"])
                vals["partner_id"] = partner.commercial_partner_id.id
        return super().create(vals_list)

    def write(self, vals):
        # What the plan repays is fixed once it starts.
        if not self.env.su and "move_ids" in vals:
            started = self.filtered(lambda p: p.state != "draft")
            if started:
                raise UserError(
                    _(
                        "Plan %s has started: its invoices are fixed. Cancel it "
                        "and draw up a new one.",
                        started[:1].name,
                    )
                )
        return super().write(vals)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_compute_instalments(self):
        """Split what the invoices owe into the dated instalments."""
        self.check_access("write")
        for plan in self:
            if plan.state != "draft":
                raise UserError(
                    _("Plan %s is not a draft: its instalments are fixed.", plan.name)
                )
            # Read from the invoices again, as the system (controlled field).
            plan.sudo()._compute_amount_total()
            try:
                rows = schedule(
                    Decimal(str(plan.amount_total)),
                    plan.instalment_count,
                    plan.first_date,
                    plan.interval_number,
                    plan.interval_unit,
                    plan.currency_id.decimal_places,
                )
            except ValueError as error:
                raise UserError(str(error)) from error
            plan.line_ids = [Command.clear()] + [
                Command.create({"sequence": index, "date": when, "amount": amount})
                for index, (when, amount) in enumerate(rows, start=1)
            ]
        return True

    def action_activate(self):
        """Start the plan: its invoices follow its dates instead of dunning."""
        self.check_access("write")
        for plan in self:
            if plan.state != "draft":
                raise UserError(_("Only a draft plan can be started."))
            if not plan.line_ids:
                plan.action_compute_instalments()
            total = sum(plan.line_ids.mapped("amount"))
            if plan.currency_id.compare_amounts(total, plan.amount_total):
                raise UserError(
                    _(
                        "The instalments add up to %(total)s but the invoices owe "
                        "%(due)s: recompute the instalments.",
                        total=format_amount(self.env, total, plan.currency_id),
                        due=format_amount(
                            self.env, plan.amount_total, plan.currency_id
                        ),
                    )
                )
            busy = self.search(
                [
                    ("id", "!=", plan.id),
                    ("state", "=", "active"),
                    ("move_ids", "in", plan.move_ids.ids),
                ],
                limit=1,
            )
            if busy:
                raise UserError(
                    _(
                        "Some of these invoices are already in active plan %s.",
                        busy.name,
                    )
                )
            plan._write_controlled(
                {
                    "state": "active",
                    "activation_date": fields.Date.context_today(plan),
                    "residual_at_activation": plan.amount_total,
                }
            )
            plan.move_ids._message_log_batch(
                bodies=dict.fromkeys(
                    plan.move_ids.ids,
                    _(
                        "In instalment plan %(ref)s (%(count)s instalments from "
                        "%(date)s): no reminder while the plan is kept.",
                        ref=plan.name,
                        count=plan.instalment_count,
                        date=format_date(self.env, plan.first_date),
                    ),
                )
            )
        return True

    def action_cancel(self):
        self.check_access("write")
        if self.filtered(lambda p: p.state not in ("draft", "active")):
            raise UserError(_("Only a draft or active plan can be cancelled."))
        self._write_controlled(
            {"state": "cancelled", "closed_date": fields.Date.context_today(self)}
        )
        return True

    def action_draft(self):
        self.check_access("write")
        if self.filtered(lambda p: p.state != "cancelled"):
            raise UserError(_("Only a cancelled plan can be set back to draft."))
        self._write_controlled({"state": "draft", "closed_date": False})
        return True

    # ------------------------------------------------------------------
    # Dunning engine plug-in
    # ------------------------------------------------------------------

    @api.model
    def _dunning_pause_sql(self, company, today):
        """The invoices of an active plan follow the plan, not the policy;
        those of a plan that a real run breaks today are dunned again (so a
        preview shows it without breaking the plan)."""
        _completed, breaking = self._dunning_due_plans(company, today)
        return SQL(
            """EXISTS (
                SELECT 1 FROM dunning_instalment_plan ip
                  JOIN dunning_instalment_plan_account_move_rel rel
                    ON rel.plan_id = ip.id
                 WHERE ip.state = 'active'
                   AND ip.company_id = %s
                   AND ip.id != ALL(%s)
                   AND rel.move_id = l.move_id)""",
            company.id,
            [plan.id for plan, _due in breaking],
        )

    @api.model
    def _dunning_pause_label(self):
        return _("In an instalment plan: follows the plan")

    @api.model
    def _dunning_due_plans(self, company, today):
        """Active plans a real run settles today: (completed, [(broken, amount
        due so far)]). Reads only."""
        plans = self.sudo().search(
            [("company_id", "=", company.id), ("state", "=", "active")]
        )
        completed, broken = self.browse(), []
        for plan in plans:
            money = plan.currency_id
            paid = plan.amount_paid
            settled = all(money.is_zero(m.amount_residual) for m in plan.move_ids)
            if settled or money.compare_amounts(paid, plan.amount_total) >= 0:
                completed |= plan
                continue
            due = cumulative_due(
                [(line.date, Decimal(str(line.amount))) for line in plan.line_ids],
                today,
                plan.grace_days,
            )
            if money.compare_amounts(paid, float(due)) < 0:
                broken.append((plan, float(due)))
        return completed, broken

    @api.model
    def _dunning_before_run(self, company, today):
        """A real run completes the plans that are paid and breaks those with a
        missed instalment."""
        completed, broken = self._dunning_due_plans(company, today)
        for plan in completed:
            plan._write_controlled({"state": "completed", "closed_date": today})
            plan.message_post(
                body=_("All instalments paid: plan completed."),
                subtype_xmlid="mail.mt_note",
            )
        for plan, due in broken:
            plan._break(today, due)

    def _break(self, today, due):
        self.ensure_one()
        self._write_controlled({"state": "broken", "closed_date": today})
        money = self.currency_id
        missed = self.line_ids.filtered(lambda line: line.state != "paid")[:1]
        body = _(
            "Instalment plan %(ref)s broken: the instalment of %(date)s is unpaid "
            "(%(due)s due so far, %(paid)s paid). The invoices are dunned again.",
            ref=self.name,
            date=format_date(self.env, missed.date),
            due=format_amount(self.env, due, money),
            paid=format_amount(self.env, self.amount_paid, money),
        )
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
        self.partner_id.message_post(body=body, subtype_xmlid="mail.mt_note")
        partner = self.partner_id
        responsible = partner.dunning_collector_id or self.user_id or partner.user_id
        self.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=today,
            user_id=responsible.id,
            summary=_("Instalment plan broken: call %s", partner.display_name),
            note=body,
        )


class DunningInstalmentPlanPagopa(models.Model):
    """pagoPA notice with instalments (Allegato 2, "Rate multiple") for a plan:
    one notice code per instalment, all on one printed notice."""

    _inherit = "dunning.instalment.plan"

    pagopa_attachment_id = fields.Many2one(
        "ir.attachment", string="pagoPA Notice", readonly=True, copy=False
    )

    def action_pagopa_notice(self):
        """Issue a pagoPA notice for each instalment still to pay (published
        on GPD like any notice) and print them on one notice with instalments.
        Writes the notices and the PDF attachment of the plan."""
        self.ensure_one()
        if not self.env.user.has_group("dunning_advanced.group_dunning_user"):
            raise UserError(_("Only Dunning Users can issue pagoPA notices."))
        company = self.company_id
        if not company.pagopa_enabled:
            raise UserError(
                _("Switch pagoPA on in the settings of %s first.", company.name)
            )
        if self.currency_id != self.env.ref("base.EUR"):
            raise UserError(
                _("pagoPA collects euro only: %s is not in euro.", self.name)
            )
        if self.state != "active":
            raise UserError(
                _("Start the plan %s before issuing its notice.", self.name)
            )
        lines = self.line_ids.filtered(lambda line: line.state != "paid").sorted(
            lambda line: (line.date, line.sequence)
        )
        if len(lines) < 2:
            raise UserError(
                _(
                    "A notice with instalments needs at least 2 instalments to pay; "
                    "%s has fewer: remind the rest with a single notice.",
                    self.name,
                )
            )
        Notice = self.env["dunning.pagopa.notice"].sudo()
        for line in lines.filtered(lambda line: not line.pagopa_notice_id):
            line.sudo().pagopa_notice_id = Notice.create(
                {
                    "company_id": company.id,
                    "partner_id": self.partner_id.commercial_partner_id.id,
                    "move_ids": [Command.set(self.move_ids.ids)],
                    "amount": line.amount - line.amount_paid,
                    "date_due": line.date,
                }
            )
        notices = lines.pagopa_notice_id
        first = notices[0]._prepare_notice_data()
        instalments = tuple(
            nr.NoticeInstalment(
                notice_code=data.notice_code,
                amount=data.amount,
                due_date=data.due_date,
                qr_payload=data.qr_payload,
                datamatrix_text=data.datamatrix_text,
            )
            for data in (notice._prepare_notice_data() for notice in notices)
        )
        data = dataclasses.replace(
            first,
            subject=_(
                "Instalment plan %(plan)s: %(invoices)s",
                plan=self.name,
                invoices=", ".join(self.move_ids.mapped("name")),
            )[:90],
            amount=sum((item.amount for item in instalments), Decimal(0)),
            due_date=instalments[-1].due_date,
            instalments=instalments,
        )
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": "Avviso pagoPA %s.pdf" % self.name.replace("/", "-"),
                    "raw": nr.render_notice(data),
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self.sudo().pagopa_attachment_id = attachment
        self.message_post(
            body=_(
                "pagoPA notice with %(count)s instalments: %(codes)s",
                count=len(instalments),
                codes=", ".join(notices.mapped("notice_code")),
            ),
            attachment_ids=attachment.ids,
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }


class DunningInstalmentPlanLine(models.Model):
    _name = "dunning.instalment.plan.line"
    _description = "Instalment"
    _order = "plan_id, sequence, id"

    plan_id = fields.Many2one(
        "dunning.instalment.plan", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    sequence = fields.Integer(string="#", default=1)
    date = fields.Date(required=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    amount = fields.Monetary(required=True)
    pagopa_notice_id = fields.Many2one(
        "dunning.pagopa.notice",
        string="pagoPA Notice",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
    amount_paid = fields.Monetary(
        compute="_compute_amount_paid",
        help="What the payments on the plan cover of this instalment, oldest first.",
    )
    state = fields.Selection(
        [("to_pay", "To Pay"), ("partial", "Partially Paid"), ("paid", "Paid")],
        compute="_compute_amount_paid",
    )

    @api.depends("plan_id.name", "plan_id.partner_id", "sequence")
    def _compute_display_name(self):
        """``PLAN/0003, 2 of 3: customer``: a calendar entry says what it is."""
        for line in self:
            plan = line.plan_id
            line.display_name = _(
                "%(plan)s, %(number)s of %(count)s: %(partner)s",
                plan=plan.name,
                number=line.sequence,
                count=len(plan.line_ids),
                partner=plan.partner_id.display_name,
            )

    @api.depends("plan_id.amount_paid", "amount", "date", "sequence")
    def _compute_amount_paid(self):
        covered_by_line = {}
        for plan in self.plan_id:
            left = plan.amount_paid
            for line in plan.line_ids.sorted(lambda li: (li.date, li.sequence)):
                covered = max(min(left, line.amount), 0.0)
                left -= covered
                covered_by_line[line.id] = covered
        for line in self:
            covered = covered_by_line.get(line.id, 0.0)
            line.amount_paid = covered
            if line.currency_id.compare_amounts(covered, line.amount) >= 0:
                line.state = "paid"
            else:
                line.state = "partial" if covered > 0 else "to_pay"
