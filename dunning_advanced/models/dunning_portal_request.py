from decimal import Decimal

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount, format_date

REQUEST_KINDS = [
    ("paid", "Already Paid"),
    ("promise", "Promise to Pay"),
    ("plan", "Instalment Plan"),
    ("dispute", "Dispute"),
]
REQUEST_STATES = [
    ("pending", "To Review"),
    ("accepted", "Accepted"),
    ("refused", "Refused"),
]
DISPUTE_REASONS = [
    ("not_received", "Goods or services not received"),
    ("defective", "Goods defective or service not as agreed"),
    ("wrong_amount", "Wrong price or quantity"),
    ("credit_note", "A credit note was agreed"),
    ("not_ours", "Not addressed to us"),
    ("other", "Other"),
]
DUNNING_USER = "dunning_advanced.group_dunning_user"
CREDIT_MANAGER = "dunning_advanced.group_dunning_credit_manager"
MAX_PLAN_INSTALMENTS = 36
MAX_FIRST_INSTALMENT_DAYS = 60
MAX_PROMISE_DAYS = 365


def _decimal(value):
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


class DunningPortalRequest(models.Model):
    """What a customer asked on its page: it has already paid, it promises to
    pay, it disputes an item, it asks for an instalment plan.

    A dispute opens a dunning.dispute at once (the item is paused until it is
    settled). A promise or a plan within the company's rules
    (dunning.portal.rule) opens the promise or the plan at once; beyond them
    the request waits for a Dunning User (promise) or a Credit Manager (plan),
    who accepts or refuses it with an answer the customer reads on its page.
    "Already paid" pauses reminders of the chosen items for a few days
    (company setting) while the collector looks for the payment.

    A request waiting for review, and a reported payment for its days, pause
    dunning of its items: the engine's pause protocol (dunning_run.py).
    """

    _name = "dunning.portal.request"
    _description = "Customer Request"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "dunning.controlled.fields.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True
    _dunning_line_filter = True
    _dunning_controlled_fields = (
        "name",
        "company_id",
        "partner_id",
        "communication_id",
        "kind",
        "state",
        "move_ids",
        "move_line_id",
        "currency_id",
        "amount",
        "owed",
        "payment_date",
        "attachment_id",
        "promise_date",
        "instalment_count",
        "first_date",
        "reason_code",
        "message",
        "pause_until",
        "rule_id",
        "review_note",
        "promise_id",
        "plan_id",
        "dispute_id",
        "decision_date",
        "decided_by_id",
        "lang",
    )

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    communication_id = fields.Many2one(
        "dunning.communication",
        string="From Reminder",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The reminder whose link the customer followed.",
    )
    kind = fields.Selection(REQUEST_KINDS, required=True, readonly=True)
    state = fields.Selection(
        REQUEST_STATES,
        required=True,
        default="pending",
        readonly=True,
        tracking=True,
        index=True,
    )
    move_ids = fields.Many2many(
        "account.move",
        "dunning_portal_request_account_move_rel",
        "request_id",
        "move_id",
        string="Invoices",
        readonly=True,
    )
    move_line_id = fields.Many2one(
        "account.move.line", string="Disputed Item", readonly=True
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(
        readonly=True,
        help="Promised, repaid in instalments, or said to be paid.",
    )
    owed = fields.Monetary(
        string="Owed When Asked",
        readonly=True,
        help="What the chosen invoices owed when the customer asked.",
    )
    request_date = fields.Date(
        string="Asked On",
        readonly=True,
        help="The day the customer asked, in the company's time zone: a "
        "promise accepted later was made on this day.",
    )
    payment_date = fields.Date(string="Paid On", readonly=True)
    attachment_id = fields.Many2one(
        "ir.attachment", string="Remittance", readonly=True, copy=False
    )
    promise_date = fields.Date(string="Promised For", readonly=True)
    instalment_count = fields.Integer(string="Instalments", readonly=True)
    first_date = fields.Date(string="First Instalment", readonly=True)
    reason_code = fields.Selection(DISPUTE_REASONS, string="Reason", readonly=True)
    message = fields.Text(string="Customer's Message", readonly=True)
    answer = fields.Text(
        string="Our Answer",
        tracking=True,
        help="What the customer reads on its page: write it before refusing.",
    )
    pause_until = fields.Date(
        readonly=True,
        help="Reminders of these invoices wait until this day while the request "
        "is checked.",
    )
    rule_id = fields.Many2one(
        "dunning.portal.rule", string="Accepted by Rule", readonly=True
    )
    review_note = fields.Text(
        string="Why to Review", readonly=True, help="Why no rule accepted it at once."
    )
    user_id = fields.Many2one(
        "res.users",
        string="Reviewer",
        tracking=True,
        help="Who looks into the request.",
    )
    promise_id = fields.Many2one(
        "dunning.promise", string="Promise Opened", readonly=True, copy=False
    )
    plan_id = fields.Many2one(
        "dunning.instalment.plan", string="Plan Opened", readonly=True, copy=False
    )
    dispute_id = fields.Many2one(
        "dunning.dispute", string="Dispute Opened", readonly=True, copy=False
    )
    dispute_state = fields.Selection(
        related="dispute_id.state", string="Dispute Status"
    )
    decision_date = fields.Date(readonly=True)
    decided_by_id = fields.Many2one("res.users", string="Decided By", readonly=True)
    lang = fields.Char(string="Language", readonly=True)
    summary = fields.Text(compute="_compute_customer_view", string="Request")
    customer_status = fields.Char(
        compute="_compute_customer_view", string="Status for the Customer"
    )
    customer_answer = fields.Text(
        compute="_compute_customer_view", string="Answer the Customer Reads"
    )
    portal_url = fields.Char(
        string="Customer Page",
        compute="_compute_customer_view",
        groups="dunning_advanced.group_dunning_user",
    )

    @api.depends_context("lang")
    @api.depends(
        "kind", "state", "answer", "dispute_id.state", "dispute_id.resolution_note"
    )
    def _compute_customer_view(self):
        Portal = self.env["dunning.portal"].sudo()
        for request in self:
            request.summary = request._summary_text()
            request.customer_status = request._state_label()
            request.customer_answer = request._customer_answer()
            request.portal_url = (
                Portal._partner_link(request.partner_id, request.company_id)
                if request.partner_id and request.company_id
                else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"]
                    .sudo()
                    .with_company(vals.get("company_id"))
                    .next_by_code("dunning.portal.request")
                    or "/"
                )
            if not vals.get("request_date"):
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["request_date"] = company._dunning_today()
        return super().create(vals_list)

    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for request in self:
            request.display_name = f"{request.name} - {kinds.get(request.kind, '')}"

    # ------------------------------------------------------------------
    # Actions of the collectors
    # ------------------------------------------------------------------

    def action_accept(self):
        """Accept requests waiting for review: a promise or a plan is opened,
        a reported payment is marked as found. Promises and payments need a
        Dunning User, plans a Credit Manager."""
        for request in self:
            request._check_reviewer()
            if request.state != "pending":
                raise UserError(_("Request %s was decided already.", request.name))
        for request in self:
            request._accept(self.env.user)
        return True

    def action_refuse(self):
        """Refuse requests waiting for review, with the answer the customer
        reads; their invoices are dunned again."""
        for request in self:
            request._check_reviewer()
            if request.state != "pending":
                raise UserError(_("Request %s was decided already.", request.name))
            if not (request.answer or "").strip():
                raise UserError(
                    _(
                        "Write the answer to the customer first (request %s): it "
                        "reads it on its page.",
                        request.name,
                    )
                )
        for request in self:
            request._write_controlled(
                {
                    "state": "refused",
                    "pause_until": False,
                    "decision_date": request.company_id._dunning_today(),
                    "decided_by_id": self.env.user.id,
                }
            )
            request.activity_feedback(
                ["mail.mail_activity_data_todo"], feedback=_("Refused.")
            )
            request._notify_customer()
        return True

    def action_open_target(self):
        """The promise, plan or dispute this request opened."""
        self.ensure_one()
        target = self.promise_id or self.plan_id or self.dispute_id
        if not target:
            raise UserError(_("Request %s opened nothing yet.", self.name))
        return {
            "type": "ir.actions.act_window",
            "res_model": target._name,
            "res_id": target.id,
            "view_mode": "form",
        }

    def _check_reviewer(self):
        """Plans are decided by Credit Managers, the rest by Dunning Users."""
        self.ensure_one()
        if self.env.su:
            return
        group = CREDIT_MANAGER if self.kind == "plan" else DUNNING_USER
        if not self.env.user.has_group(group):
            raise AccessError(
                _("Only Credit Managers decide on instalment plans asked by customers.")
                if self.kind == "plan"
                else _("Only Dunning Users decide on customers' requests.")
            )

    def _accept(self, reviewer):
        """Open the promise or plan asked for (a reported payment: found).
        ``reviewer``: who accepted it, None for the company's rules."""
        self.ensure_one()
        vals = {
            "state": "accepted",
            "pause_until": self.pause_until if self.kind == "paid" else False,
            "decision_date": self.company_id._dunning_today(),
            "decided_by_id": reviewer.id if reviewer else False,
        }
        if self.kind == "promise":
            vals["promise_id"] = self._open_promise(reviewer).id
        elif self.kind == "plan":
            vals["plan_id"] = self._open_plan(reviewer).id
        self._write_controlled(vals)
        if reviewer:
            self.activity_feedback(
                ["mail.mail_activity_data_todo"], feedback=_("Accepted.")
            )
        else:
            self._log_on_customer()
        self._notify_customer()

    def _open_promise(self, reviewer):
        moves = self.move_ids
        partner = self.partner_id
        collector = reviewer or partner._dunning_responsible(self.company_id)
        promise = (
            self.env["dunning.promise"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "company_id": self.company_id.id,
                    "partner_id": partner.id,
                    "move_ids": [Command.set(moves.ids)],
                    "promise_date": self.request_date,
                    "date": self.promise_date,
                    "amount": self.amount,
                    "user_id": collector.id,
                    "note": _("Promised on the customer's page (%s).", self.name),
                }
            )
        )
        return promise

    def _open_plan(self, reviewer):
        partner = self.partner_id
        responsible = reviewer or partner._dunning_responsible(self.company_id)
        plan = (
            self.env["dunning.instalment.plan"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "company_id": self.company_id.id,
                    "partner_id": partner.id,
                    "move_ids": [Command.set(self.move_ids.ids)],
                    "instalment_count": self.instalment_count,
                    "first_date": self.first_date,
                    "interval_number": 1,
                    "interval_unit": "months",
                    "user_id": responsible.id,
                    "note": _("Asked on the customer's page (%s).", self.name),
                }
            )
        )
        plan.action_compute_instalments()
        plan.action_activate()
        return plan

    # ------------------------------------------------------------------
    # Telling the customer and the collectors
    # ------------------------------------------------------------------

    def _summary_text(self):
        """One line saying what the customer asked."""
        self.ensure_one()
        money = self.currency_id
        invoices = ", ".join(self.move_ids.mapped("name"))
        reasons = dict(self._fields["reason_code"]._description_selection(self.env))
        if self.kind == "paid":
            text = _(
                "Paid on %(date)s: %(amount)s for %(invoices)s.",
                date=format_date(self.env, self.payment_date),
                amount=format_amount(self.env, self.amount, money),
                invoices=invoices,
            )
        elif self.kind == "promise":
            text = _(
                "Will pay %(amount)s by %(date)s for %(invoices)s.",
                amount=format_amount(self.env, self.amount, money),
                date=format_date(self.env, self.promise_date),
                invoices=invoices,
            )
        elif self.kind == "plan":
            text = _(
                "%(count)s monthly instalments from %(date)s for %(invoices)s "
                "(%(amount)s).",
                count=self.instalment_count,
                date=format_date(self.env, self.first_date),
                invoices=invoices,
                amount=format_amount(self.env, self.amount, money),
            )
        else:
            text = _(
                "Disputes %(invoice)s: %(reason)s.",
                invoice=invoices,
                reason=reasons.get(self.reason_code, ""),
            )
        if self.message and self.kind != "dispute":
            text = f"{text} {self.message}"
        return text

    def _state_label(self):
        """What the customer reads as the status of its request."""
        self.ensure_one()
        if self.kind == "dispute":
            dispute = self.dispute_id
            return {
                "open": _("Being looked into"),
                "resolved": _("Settled"),
                "rejected": _("Not accepted"),
            }.get(dispute.state, _("Being looked into"))
        if self.kind == "paid":
            return {
                "pending": _("Being checked"),
                "accepted": _("Payment found, thank you"),
                "refused": _("Payment not found"),
            }[self.state]
        return {
            "pending": _("Waiting for our answer"),
            "accepted": _("Accepted"),
            "refused": _("Not accepted"),
        }[self.state]

    def _customer_answer(self):
        """Our answer as the customer reads it (a dispute's resolution)."""
        self.ensure_one()
        if self.kind == "dispute":
            dispute = self.dispute_id
            return dispute.resolution_note if dispute.state != "open" else False
        return self.answer

    def _log_on_customer(self):
        """A note on the customer and on the reminder the link came from."""
        self.ensure_one()
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        states = dict(self._fields["state"]._description_selection(self.env))
        link = Markup('<a href="#" data-oe-model="%s" data-oe-id="%s">%s</a>') % (
            self._name,
            self.id,
            self.name,
        )
        body = Markup("%s") % _(
            "On its page, the customer asked: %(kind)s %(link)s (%(state)s). "
            "%(summary)s",
            kind=kinds[self.kind],
            link=link,
            state=states[self.state],
            summary=self._summary_text(),
        )
        self.partner_id.sudo()._message_log(body=body)
        if self.communication_id:
            self.communication_id.sudo()._message_log(body=body)

    def _notify_customer(self):
        """The customer's confirmation by email, in its language: received,
        accepted or refused (with our answer)."""
        self.ensure_one()
        partner = self.partner_id
        if not partner.email:
            return
        template = self.env.ref(
            "dunning_advanced.mail_template_portal_request", raise_if_not_found=False
        )
        if not template:
            return
        # From the company when it has an address (the page has no user of
        # its own; a reviewer answers for the company).
        sender = (
            {"author_id": self.company_id.partner_id.id}
            if self.company_id.email
            else {}
        )
        self.with_context(lang=self.lang or partner.lang).message_post_with_source(
            template,
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid="mail.mail_notification_light",
            partner_ids=partner.ids,
            **sender,
        )

    # ------------------------------------------------------------------
    # Dunning engine plug-in
    # ------------------------------------------------------------------

    @api.model
    def _dunning_pause_sql(self, company, today):
        """Items of a request waiting for review, and items the customer
        reported paid, are paused for the request's days."""
        return SQL(
            """EXISTS (
                SELECT 1 FROM dunning_portal_request pr
                  JOIN dunning_portal_request_account_move_rel rel
                    ON rel.request_id = pr.id
                 WHERE pr.company_id = %s
                   AND rel.move_id = l.move_id
                   AND pr.pause_until >= %s
                   AND (pr.state = 'pending'
                        OR (pr.kind = 'paid' AND pr.state = 'accepted')))""",
            company.id,
            today,
        )

    @api.model
    def _dunning_pause_label(self):
        return _("Reported paid or asked for by the customer: being checked")
