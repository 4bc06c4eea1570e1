import logging
from collections import defaultdict
from datetime import datetime, time
from decimal import Decimal

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount, format_date

from ..lib.dunning_levels import fee_amount
from ..lib.late_interest import KIND_B2B
from .dunning_communication_line import SENT_STATES
from .dunning_level import CHANNELS

_logger = logging.getLogger(__name__)

STATES = [
    ("draft", "Draft"),
    ("to_approve", "To Approve"),
    ("error", "Error"),
    ("pending", "Waiting for Payment Notice"),
    ("sent", "Sent"),
    ("delivery_failed", "Delivery Failed"),
    ("cancelled", "Cancelled"),
]
DUNNING_USER = "dunning_advanced.group_dunning_user"
DRAFT_NAME = "/"
CREDIT_MANAGER = "dunning_advanced.group_dunning_credit_manager"


def _decimal(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


def reminder_amounts(lines, currency, fee):
    """The stored amounts of a reminder from its lines, given as tuples
    (section, claimed, include, amount residual, interest, compensation), and
    its fee in the reminder's currency: the compute of a reminder and the
    engine's bulk drafts share it."""
    totals = defaultdict(float)
    claimed_not_due = interest = compensation = 0.0
    count = 0
    for section, claimed, include, residual, line_interest, line_compensation in lines:
        if not include:
            continue
        totals[section] += residual
        if section == "not_due" and claimed:
            claimed_not_due += residual
        if section == "overdue":
            count += 1
            interest += line_interest
            compensation += line_compensation
    charges = interest + compensation + fee
    credit = -totals["credit"]
    to_pay = totals["overdue"] + claimed_not_due + charges - credit
    owed = totals["overdue"] + totals["not_due"] + totals["paused"] + charges - credit
    round_ = currency.round
    return {
        "line_count": count,
        "amount_residual": round_(totals["overdue"]),
        "amount_not_due": round_(totals["not_due"]),
        "amount_credit": round_(credit),
        "amount_disputed": round_(totals["disputed"]),
        "amount_paused": round_(totals["paused"]),
        "interest_amount": round_(interest),
        "compensation_amount": round_(compensation),
        "amount_total": max(round_(to_pay), 0.0),
        "amount_owed": round_(owed),
    }


class DunningCommunication(models.Model):
    """The one message a customer gets from a run: all it owes, one voice.

    A run makes at most one reminder per customer (commercial partner),
    company and currency. Its level is the customer's level; it lists every
    open item (overdue, not yet due, credits, disputed and paused ones) and
    claims the overdue ones at its level. Interest, compensation and fees are
    computed when the draft is made, so a preview shows what will be sent.

    States change only through the actions: a draft is sent, or waits for a
    credit manager's approval (levels that ask for it), or ends in error with
    its reason (the run carries on); a sent reminder waits for its pagoPA
    notice (*pending*) or is *sent*; an email that bounced makes it *delivery
    failed*. Only reminders that went out count as levels reached.

    The sending pipeline is in this file; the letter, statement and email
    rendering in dunning_communication_document.py; payment links (EPC QR,
    pagoPA) in dunning_communication_payment.py.
    """

    _name = "dunning.communication"
    _description = "Dunning Reminder"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "dunning.controlled.fields.mixin",
    ]
    _order = "date desc, id desc"
    _check_company_auto = True
    _dunning_controlled_fields = (
        "name",
        "run_id",
        "company_id",
        "partner_id",
        "currency_id",
        "date",
        "sent_date",
        "state",
        "mail_id",
        "letter_attachment_id",
        "fee_amount",
        "fee_move_id",
        "fee_invoiced",
        "fee_detail",
        "note",
        "interest_note",
        "is_simulation",
        "via_pec",
        "pagopa_wait_until",
        "delivery_note",
        "epc_qr_attachment_id",
    )
    # What a Dunning User may change on a draft before it is sent.
    _dunning_draft_fields = ("level_id", "email_to", *CHANNELS)

    name = fields.Char(required=True, copy=False, readonly=True, default=DRAFT_NAME)
    run_id = fields.Many2one(
        "dunning.run", index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    level_id = fields.Many2one(
        "dunning.level", required=True, check_company=True, tracking=True
    )
    policy_id = fields.Many2one(related="level_id.policy_id", store=True)
    level_rank = fields.Integer(related="level_id.rank", store=True, string="Rank")
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    date = fields.Date(
        required=True,
        readonly=True,
        index=True,
        help="The day of the reminder: the run's day for a draft, the day it is "
        "sent once sent (letters carry it).",
    )
    sent_date = fields.Datetime(readonly=True, copy=False)
    state = fields.Selection(
        STATES,
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
        readonly=True,
    )
    is_simulation = fields.Boolean(
        string="Simulation",
        readonly=True,
        help="Made by a run dated after today: shows what would be sent that day; "
        "it can never be sent.",
    )
    line_ids = fields.One2many(
        "dunning.communication.line", "communication_id", string="Open Items"
    )
    line_count = fields.Integer(
        string="Overdue Items", compute="_compute_amounts", store=True
    )
    amount_residual = fields.Monetary(
        string="Overdue", compute="_compute_amounts", store=True
    )
    amount_not_due = fields.Monetary(
        string="Not Yet Due", compute="_compute_amounts", store=True
    )
    amount_credit = fields.Monetary(
        string="Credits",
        compute="_compute_amounts",
        store=True,
        help="Credit notes and payments on account not yet applied: deducted from "
        "what is asked now.",
    )
    amount_disputed = fields.Monetary(
        string="Disputed", compute="_compute_amounts", store=True
    )
    amount_paused = fields.Monetary(
        string="Promised or in a Plan",
        compute="_compute_amounts",
        store=True,
    )
    interest_amount = fields.Monetary(
        string="Interest", compute="_compute_amounts", store=True
    )
    compensation_amount = fields.Monetary(
        string="Compensation", compute="_compute_amounts", store=True
    )
    fee_amount = fields.Monetary(
        currency_field="company_currency_id", readonly=True, copy=False
    )
    fee_detail = fields.Char(
        readonly=True, copy=False, help="How the fee was computed."
    )
    amount_total = fields.Monetary(
        string="To Pay Now",
        compute="_compute_amounts",
        store=True,
        help="What the reminder asks for: the overdue items (or, for a courtesy "
        "reminder, the items falling due), interest, compensation and fee, less "
        "the credits.",
    )
    amount_owed = fields.Monetary(
        string="Total Owed",
        compute="_compute_amounts",
        store=True,
        help="Everything the customer owes in this currency, items not yet due "
        "included, disputed items excluded, less the credits.",
    )
    interest_note = fields.Char(
        readonly=True, help="Why interest could not be computed, if so."
    )
    send_email = fields.Boolean(string="By Email")
    send_letter = fields.Boolean(string="By Letter")
    send_sms = fields.Boolean(string="By SMS")
    create_call = fields.Boolean(string="By Phone Call")
    email_to = fields.Char(
        help="Where the email goes: the PEC address for a formal notice when the "
        "customer has one, its email otherwise."
    )
    via_pec = fields.Boolean(
        string="By PEC",
        readonly=True,
        help="The email goes to a certified (PEC) address: its delivery is proof.",
    )
    mail_id = fields.Many2one(
        "mail.mail", string="Email Sent", readonly=True, copy=False
    )
    email_state = fields.Selection(related="mail_id.state", string="Email Status")
    letter_attachment_id = fields.Many2one(
        "ir.attachment", string="Letter PDF", readonly=True, copy=False
    )
    fee_move_id = fields.Many2one(
        "account.move", string="Fee Invoice", readonly=True, copy=False
    )
    fee_invoiced = fields.Boolean(
        readonly=True,
        copy=False,
        help="The fee has been put on an invoice (its own or an interest invoice).",
    )
    note = fields.Text(
        readonly=True, help="What could not be done as planned, and why."
    )
    delivery_note = fields.Text(
        readonly=True, copy=False, help="Why the email could not be delivered."
    )
    pagopa_wait_until = fields.Datetime(
        readonly=True,
        copy=False,
        help="The email and letter wait for the pagoPA notice until then.",
    )
    is_b2b = fields.Boolean(
        string="Business Customer",
        compute="_compute_is_b2b",
        store=True,
        help="Statutory interest of D.Lgs. 231/2002 and 40 EUR compensation for "
        "businesses; legal rate only for consumers.",
    )
    is_written_demand = fields.Boolean(
        compute="_compute_is_written_demand",
        help="A formal notice or legal-stage letter: once its receipt is proven, "
        "it interrupts the prescription of its invoices (art. 2943 c.c.).",
    )

    @api.depends("level_id.is_formal_notice", "level_id.legal_stage")
    def _compute_is_written_demand(self):
        for communication in self:
            level = communication.level_id
            communication.is_written_demand = (
                level.is_formal_notice or level.legal_stage
            )

    @api.depends("partner_id.commercial_partner_id.dunning_debtor_type")
    def _compute_is_b2b(self):
        for communication in self:
            communication.is_b2b = (
                communication.partner_id._dunning_interest_kind() == KIND_B2B
            )

    @api.depends(
        "line_ids.include",
        "line_ids.section",
        "line_ids.claimed",
        "line_ids.amount_residual",
        "line_ids.interest_amount",
        "line_ids.compensation_amount",
        "fee_amount",
    )
    def _compute_amounts(self):
        for communication in self:
            lines = [
                (
                    line.section,
                    line.claimed,
                    line.include,
                    line.amount_residual,
                    line.interest_amount,
                    line.compensation_amount,
                )
                for line in communication.line_ids
            ]
            communication.update(
                reminder_amounts(
                    lines, communication.currency_id, communication._fee_in_currency()
                )
            )

    def _fee_in_currency(self):
        self.ensure_one()
        if not self.fee_amount:
            return 0.0
        return self.company_currency_id._convert(
            self.fee_amount,
            self.currency_id,
            self.company_id,
            self.date or self.company_id._dunning_today(),
        )

    @api.model_create_multi
    def create(self, vals_list):
        # Reminders are made by dunning runs only: a user cannot create one for
        # any invoice at any level (the run checks the user's right, then
        # creates them as superuser).
        if not self.env.su:
            raise AccessError(
                _("Reminders are made by dunning runs: start a run instead.")
            )
        for vals in vals_list:
            # Numbered when it goes out: a preview uses up no number.
            vals.setdefault("name", DRAFT_NAME)
        return super().create(vals_list)

    def _assign_number(self):
        """The reminder's number, from the company's sequence, when it goes out."""
        todo = self.filtered(lambda c: c.name == DRAFT_NAME)
        for company, communications in todo.grouped("company_id").items():
            # What next_by_code() does, once per company instead of once per
            # reminder (it searches the sequence for every number).
            Sequence = self.env["ir.sequence"].with_company(company)
            Sequence.browse().check_access("read")
            sequence = Sequence.search(
                [
                    ("code", "=", "dunning.communication"),
                    ("company_id", "in", [company.id, False]),
                ],
                order="company_id",
                limit=1,
            )
            for communication, number in zip(
                communications,
                self._sequence_numbers(sequence, len(communications)),
                strict=True,
            ):
                communication._write_controlled({"name": number or DRAFT_NAME})

    @api.model
    def _sequence_numbers(self, sequence, count):
        """``count`` numbers of ``sequence``: a plain sequence gives them in one
        query, with its prefix worked out once; others one by one."""
        if not sequence:
            return [False] * count
        if sequence.implementation != "standard" or sequence.use_date_range:
            return [sequence._next() for _index in range(count)]
        self.env.cr.execute(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"ir_sequence_{sequence.id:03d}",
                count,
            )
        )
        prefix, suffix = sequence._get_prefix_suffix()
        return [
            f"{prefix}{number:0{sequence.padding}d}{suffix}"
            for (number,) in self.env.cr.fetchall()
        ]

    def write(self, vals):
        if not self.env.su:
            draft_fields = set(self._dunning_draft_fields).intersection(vals)
            if draft_fields and self.filtered(lambda c: c.state != "draft"):
                raise UserError(
                    _(
                        "Only a draft reminder can change its level, channels or "
                        "address: %s is no longer a draft.",
                        self.filtered(lambda c: c.state != "draft")[0].name,
                    )
                )
            if draft_fields:
                self._check_dunning_user()
        if "level_id" in vals:
            level = self.env["dunning.level"].browse(vals["level_id"])
            self._check_level_not_lower(level)
            if not self.env.su:
                # The channels and the address follow the level chosen by hand,
                # unless given with it.
                for communication in self:
                    level_vals = {
                        channel: level[channel]
                        for channel in CHANNELS
                        if channel not in vals
                    }
                    if "email_to" not in vals:
                        email_to, via_pec = communication.partner_id._dunning_email_to(
                            level
                        )
                        level_vals.update(email_to=email_to, via_pec=via_pec)
                    super(DunningCommunication, communication.sudo()).write(level_vals)
        res = super().write(vals)
        if "level_id" in vals:
            # Interest and fee follow the level chosen by hand.
            self.filtered(lambda c: c.state == "draft").sudo()._compute_charges()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_only_by_the_engine(self):
        if not self.env.su:
            raise AccessError(
                _("Reminders are never deleted: cancel a draft or discard its run.")
            )

    def _compute_display_name(self):
        for communication in self:
            name = communication.name
            if name == DRAFT_NAME:
                name = _("Draft")
            communication.display_name = (
                f"{name} - {communication.partner_id.display_name}"
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_send(self):
        """Send these drafts now (re-checked first; a level that needs a
        credit manager's approval waits for it)."""
        self._check_dunning_user()
        drafts = self.filtered(lambda c: c.state == "draft")
        self._check_not_simulation(drafts)
        drafts.sudo()._send()
        return drafts._notify_outcome()

    def action_approve(self):
        """A credit manager approves reminders waiting for approval: they are
        re-checked as of today and sent."""
        self._check_credit_manager()
        waiting = self.filtered(lambda c: c.state == "to_approve")
        waiting.sudo()._send(approved=True)
        return waiting._notify_outcome()

    def action_retry(self):
        """Try again reminders that ended in error (after fixing the cause)."""
        self._check_dunning_user()
        failed = self.filtered(lambda c: c.state == "error")
        self._check_not_simulation(failed)
        failed.sudo()._write_controlled({"state": "draft"})
        failed.sudo()._send()
        return failed._notify_outcome()

    def action_cancel(self):
        self._check_dunning_user()
        gone = self.filtered(lambda c: c.state not in ("draft", "to_approve", "error"))
        if gone.filtered(lambda c: c.state != "cancelled"):
            raise UserError(
                _(
                    "%s went out already: a sent reminder stays in the history.",
                    gone[0].name,
                )
            )
        todo = self - gone
        todo._write_controlled(
            {"state": "cancelled", "note": _("Cancelled by %s.", self.env.user.name)}
        )
        return True

    def action_print_letter(self):
        """Download the letter (a marked draft for a reminder not sent)."""
        ids = ",".join(str(i) for i in self.ids)
        return {
            "type": "ir.actions.act_url",
            "url": f"/dunning/letters/{ids}",
            "target": "self",
        }

    def action_record_receipt(self):
        """Record the proven receipt of this formal notice (PEC delivery receipt,
        signed return receipt): only then it interrupts the prescription of its
        invoices (art. 2943 c. 4 c.c.)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_prescription_event_action"
        )
        action.update(
            views=[(False, "form")],
            view_mode="form",
            target="new",
            context={
                "default_partner_id": self.partner_id.commercial_partner_id.id,
                "default_move_ids": self._claimed_lines().move_id.ids,
                "default_kind": "formal_notice",
                "default_communication_id": self.id,
                "default_company_id": self.company_id.id,
            },
        )
        return action

    def action_open_invoices(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Open Items of %s", self.name),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", self.line_ids.move_id.ids)],
        }

    def _notify_outcome(self):
        """A notification saying what happened to the reminders just handled."""
        counts = defaultdict(int)
        for communication in self:
            counts[communication.state] += 1
        labels = dict(self._fields["state"]._description_selection(self.env))
        parts = [f"{labels[state]}: {count}" for state, count in counts.items()]
        errors = self.filtered(lambda c: c.state == "error")
        message = ", ".join(parts) or _("Nothing to send.")
        if errors:
            message += "\n" + "\n".join(
                f"{c.name} ({c.partner_id.name}): {c.note}" for c in errors[:10]
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Reminders"),
                "message": message,
                "type": "danger" if errors else "success",
                "sticky": bool(errors),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------
    # Rights
    # ------------------------------------------------------------------

    def _check_dunning_user(self):
        if not self.env.su and not self.env.user.has_group(DUNNING_USER):
            raise AccessError(_("Only Dunning Users can send or change reminders."))
        # The record rules too (another company's reminders), whatever the
        # cache already holds of them.
        self.check_access("write")

    def _check_credit_manager(self):
        if not self.env.su and not self.env.user.has_group(CREDIT_MANAGER):
            raise AccessError(_("Only Credit Managers can approve reminders."))
        self.check_access("write")

    def _check_not_simulation(self, communications):
        today_by_company = {}
        for communication in communications:
            company = communication.company_id
            if company not in today_by_company:
                today_by_company[company] = company._dunning_today()
            if communication.is_simulation or (
                communication.date > today_by_company[company]
            ):
                raise UserError(
                    _(
                        "%(ref)s is a simulation of %(date)s: reminders go out on "
                        "their day, never before. Start a run today to send.",
                        ref=communication.name,
                        date=format_date(self.env, communication.date),
                    )
                )

    def _check_level_not_lower(self, level):
        """A draft's level may be raised by hand, within its policy, never set at
        or below what the customer has already received."""
        for communication in self.filtered(lambda c: c.state == "draft"):
            if level.policy_id != communication.policy_id:
                raise UserError(
                    _(
                        "%(ref)s: level %(level)s is not in policy %(policy)s.",
                        ref=communication.name,
                        level=level.name,
                        policy=communication.policy_id.name,
                    )
                )
            reached = communication._reached_rank()
            if level.rank <= reached:
                raise UserError(
                    _(
                        "%(customer)s already received level %(rank)s: levels never "
                        "go backwards. Choose a higher level.",
                        customer=communication.partner_id.name,
                        rank=reached,
                    )
                )

    # ------------------------------------------------------------------
    # Re-checks before sending
    # ------------------------------------------------------------------

    def _claimed_lines(self):
        return self.line_ids.filtered(lambda line: line.claimed and line.include)

    def _reached_rank(self):
        """Highest level the items this reminder claims reached with reminders
        that went out: the customer's level as the engine counts it."""
        self.ensure_one()
        return self._reached_ranks().get(self.id, 0)

    def _reached_ranks(self):
        """{reminder id: :meth:`_reached_rank`} of these reminders, in one query."""
        self.env["dunning.communication.line"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT l.communication_id, MAX(o.level_rank)
              FROM dunning_communication_line l
              JOIN dunning_communication_line o
                ON o.move_line_id = l.move_line_id
               AND o.level_reached
               AND o.communication_id != l.communication_id
             WHERE l.communication_id = ANY(%s)
               AND l.claimed
               AND l.include
          GROUP BY l.communication_id
                """,
                self.ids,
            )
        )
        return dict(rows)

    def _newer_reminders(self):
        """{reminder id: number of a reminder of the same customer and currency
        that went out after this draft was made (by another run)}, in one
        query."""
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT c.id, n.name
              FROM dunning_communication c
              JOIN LATERAL (
                    SELECT n.name
                      FROM dunning_communication n
                     WHERE n.partner_id = c.partner_id
                       AND n.company_id = c.company_id
                       AND n.currency_id = c.currency_id
                       AND n.state = ANY(%(sent)s)
                       AND n.id != c.id
                       AND (n.id > c.id OR n.sent_date >= c.create_date)
                     LIMIT 1) n ON TRUE
             WHERE c.id = ANY(%(ids)s)
                """,
                sent=list(SENT_STATES),
                ids=self.ids,
            )
        )
        return dict(rows)

    def _recheck(self, on_date=None):
        """Bring drafts up to today before they go out.

        Each line is checked again: paid items leave, items disputed or paused
        since are no longer claimed, amounts are today's. A reminder is
        cancelled, saying why, when its customer is now in a collection case or
        excluded, when another run already sent this level or a higher one, or
        when nothing is left to claim. The others are dated today, with their
        interest and fee to today. Returns the reminders still to send.
        """
        Run = self.env["dunning.run"]
        keep = self.browse()
        for company, communications in self.grouped("company_id").items():
            today = on_date or company._dunning_today()
            partners = communications.partner_id
            checks = {
                "blocked": Run._blocked_partner_ids(company, today, partners.ids),
                "paused": Run._paused_line_reasons(
                    company, today, communications.line_ids.move_line_id.ids
                ),
                "reached": communications._reached_ranks(),
                "newer": communications._newer_reminders(),
            }
            gone = self.env["dunning.communication.line"]
            for communication in communications:
                reason, left = communication._recheck_one(today, checks)
                gone |= left
                if reason:
                    communication._write_controlled(
                        {"state": "cancelled", "note": reason}
                    )
                else:
                    keep |= communication
            gone.sudo().unlink()
            # A reminder whose paid items all left has nothing to claim.
            for communication in keep & communications:
                if not communication._claimed_lines():
                    communication._write_controlled(
                        {
                            "state": "cancelled",
                            "note": _(
                                "Not sent: nothing is left to claim (paid, disputed "
                                "or paused)."
                            ),
                        }
                    )
                    keep -= communication
        keep._compute_charges()
        return keep

    def _recheck_one(self, today, checks):
        """Update one draft to today: (the reason to cancel it or False, its
        lines of items paid since, to remove)."""
        self.ensure_one()
        partner = self.partner_id
        Line = self.env["dunning.communication.line"]
        if partner.id in checks["blocked"]:
            return checks["blocked"][partner.id], Line
        reached = checks["reached"].get(self.id, 0)
        if reached >= self.level_rank:
            reason = _(
                "Not sent: %(customer)s already received level %(rank)s since this "
                "draft was made.",
                customer=partner.name,
                rank=reached,
            )
            return reason, Line
        newer = checks["newer"].get(self.id)
        if newer:
            reason = _(
                "Not sent: %(ref)s went out to %(customer)s since this draft was "
                "made.",
                ref=newer,
                customer=partner.name,
            )
            return reason, Line
        gone = Line
        currency = self.currency_id
        for line in self.line_ids:
            aml = line.move_line_id
            if aml.reconciled or aml.company_currency_id.is_zero(aml.amount_residual):
                gone |= line
                continue
            vals = {}
            if currency.compare_amounts(
                line.amount_residual, aml.amount_residual_currency
            ):
                vals["amount_residual"] = aml.amount_residual_currency
            days = (today - line.date_maturity).days
            if line.days_overdue != days:
                vals["days_overdue"] = days
            reason = checks["paused"].get(aml.id)
            if reason and line.section in ("overdue", "not_due"):
                vals.update(
                    section="disputed" if reason[0] == "dunning.dispute" else "paused",
                    claimed=False,
                    pause_reason=reason[1],
                )
            if vals:  # most drafts are sent the day they are made, unchanged
                line._write_controlled(vals)
        if self.date != today:
            self._write_controlled({"date": today})
        return False, gone

    # ------------------------------------------------------------------
    # Charges: interest, compensation, fee (drafts and at sending)
    # ------------------------------------------------------------------

    def _compute_charges(self):
        """Interest and compensation on the claimed overdue items, and the fee,
        to the reminder's date; on drafts too, so a preview shows them."""
        charged = self.filtered("level_id.add_interest")
        # Others only lose the interest of an earlier level, if they carry any.
        charged |= (self - charged).filtered(
            lambda c: any(
                line.interest_amount or line.compensation_amount for line in c.line_ids
            )
        )
        charged._compute_interest()
        for communication in self:
            communication._compute_fee()

    def _compute_interest(self):
        """Statutory interest to the reminder's date on each claimed overdue
        item, when the level adds interest: the one computation of collection
        cases and interest invoices (``account.move._dunning_statutory_interest``:
        D.Lgs. 231/2002 for businesses, the legal rate of art. 1284 c.c. for
        consumers, partial payments at their dates, days already invoiced left
        out, 40 EUR once per invoice for a business)."""
        for communication in self:
            lines = communication.line_ids
            zero = {"interest_amount": 0.0, "compensation_amount": 0.0}
            if not communication.level_id.add_interest:
                lines.filtered(
                    lambda line: line.interest_amount or line.compensation_amount
                )._write_controlled(zero)
                continue
            charged = lines.filtered(
                lambda line, c=communication: line.section == "overdue"
                and line.include
                and c.date > line.date_maturity
            )
            (lines - charged).filtered(
                lambda line: line.interest_amount or line.compensation_amount
            )._write_controlled(zero)
            claims = charged.move_id._dunning_statutory_interest(
                communication.date, strict=False
            )
            compensated = set()
            notes = []
            for line in charged:
                claim = claims[line.move_id.id]
                if claim.error:
                    notes.append(claim.error)
                vals = {
                    "interest_amount": float(
                        claim.by_line.get(line.move_line_id.id, Decimal(0))
                    ),
                    "compensation_amount": 0.0,
                    "interest_detail": communication._interest_detail(
                        [
                            period
                            for due, period in claim.lines
                            if due == line.date_maturity
                        ]
                    ),
                }
                if claim.compensation and line.move_id not in compensated:
                    compensated.add(line.move_id)
                    vals["compensation_amount"] = float(claim.compensation)
                line._write_controlled(vals)
            communication._write_controlled(
                {"interest_note": "\n".join(dict.fromkeys(notes)) or False}
            )

    def _interest_detail(self, periods):
        """'10.15 % for 35 days' for each rate period of an item's interest."""
        parts = []
        for period in periods:
            rate = "%.2f" % period.rate
            parts.append(
                self.env._("%(rate)s %% for %(days)s days", rate=rate, days=period.days)
            )
        return "; ".join(parts)[:250] or False

    def _compute_fee(self):
        self.ensure_one()
        base = self.currency_id._convert(
            self.amount_residual, self.company_currency_id, self.company_id, self.date
        )
        amount, detail = self._fee_values(self.level_id, base)
        if amount != self.fee_amount or detail != self.fee_detail:
            self._write_controlled({"fee_amount": amount, "fee_detail": detail})

    @api.model
    def _fee_values(self, level, base):
        """(fee, how it was computed) of ``level`` on ``base``, the overdue
        amount in the company's currency."""
        amount = fee_amount(
            level.fee_type,
            fixed=_decimal(level.fee_fixed),
            percent=Decimal(str(level.fee_percent)),
            cap=_decimal(level.fee_cap) if level.fee_cap else None,
            base=_decimal(base),
        )
        detail = False
        currency = level.company_id.currency_id
        if level.fee_type == "percent" and amount:
            percent = "%g" % level.fee_percent
            detail = _(
                "%(percent)s %% of %(base)s",
                percent=percent,
                base=format_amount(self.env, base, currency),
            )
            if level.fee_cap and float(amount) >= level.fee_cap:
                detail = _(
                    "%(detail)s, at most %(cap)s",
                    detail=detail,
                    cap=format_amount(self.env, level.fee_cap, currency),
                )
        return currency.round(float(amount)), detail

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def _send(self, approved=False, on_date=None, recheck=True):
        """Send these reminders; one that cannot be produced goes to *error*
        with its reason and the others carry on.

        Called as superuser by the actions and the scheduled run, after they
        checked the user's right. Drafts are re-checked first; a level asking
        for approval waits for a credit manager unless ``approved``. Documents
        (letter, QR codes) are made per reminder, the emails rendered per
        template and language in one go, then each reminder is delivered in a
        savepoint of its own: its emails, SMS, call, fee entry, hold and legal
        case are all there or none is; the emails are created at the end, in
        one go. ``on_date`` (the demo's history only) sends as of a past day
        instead of today; ``recheck=False``: drafts the caller has just made
        for today (a scheduled run), nothing to re-check.
        """
        todo = self._recheck(on_date) if recheck else self
        if not approved:
            waiting = todo.filtered(lambda c: c.level_id.requires_approval)
            waiting._ask_approval()
            todo -= waiting
        if not todo:
            return
        # What is rendered from here on is what goes out (no draft mark).
        todo = todo.with_context(dunning_sending=True)
        todo._prefetch_documents()
        todo._assign_number()  # all at once: one query per company
        ready = todo._isolated(lambda c: c._prepare_documents())
        rendered = ready._render_emails()
        # A reminder whose email could not be rendered is in error already.
        ready = ready.filtered(lambda c: c.state != "error")
        delivered = ready._isolated(lambda c: c._deliver())
        outgoing = delivered.filtered(lambda c: c.state != "pending")
        outgoing._queue_emails(rendered)
        # Going out is not tracked in each reminder's chatter (a message per
        # reminder, created one by one): _log_history notes it there, all in
        # one batch; errors and bounces are tracked.
        outgoing._track_discard()
        outgoing._write_controlled({"state": "sent"})
        delivered._log_history()

    def _isolated(self, step):
        """Run ``step`` on each reminder; a failure puts that reminder in
        error with its reason. Returns the ones that went through.

        All of them are tried in one savepoint first, and only when one fails
        again one by one, each in a savepoint of its own. A savepoint per
        reminder would cost more than its own statement: every subtransaction
        that writes a row referencing the company, the user or the level
        takes a key-share lock on that row, and PostgreSQL records those
        lockers in a multixact it copies, member by member, at each new lock:
        a batch of thousands of savepoints slows every later write down.
        """
        if len(self) > 1:
            try:
                with self.env.cr.savepoint():
                    for communication in self:
                        step(communication)
                return self
            except Exception as error:  # found below, one by one
                _logger.info(
                    "%s of %s reminders failed in one go (%s): one by one",
                    getattr(step, "__name__", "a step"),
                    len(self),
                    error,
                )
        done = self.browse()
        for communication in self:
            try:
                with self.env.cr.savepoint():
                    step(communication)
            except Exception as error:
                communication._set_error(error)
                continue
            done |= communication
        return done

    def _set_error(self, error):
        self.ensure_one()
        cause = getattr(error, "error", None)  # a template's own error (QWeb)
        if isinstance(cause, Exception):
            message = _(
                "the email template failed: %(type)s: %(error)s",
                type=type(cause).__name__,
                error=cause,
            )
        else:
            message = str(error.args[0]) if error.args else repr(error)
        message = message.strip().splitlines()[0][:500] if message else repr(error)
        _logger.info("Reminder %s not sent: %s", self.name, message)
        self._write_controlled({"state": "error", "note": _("Not sent: %s", message)})

    def _ask_approval(self):
        """Leave these reminders to a credit manager, with a to-do."""
        self._write_controlled({"state": "to_approve"})
        for communication in self:
            manager = communication.company_id._dunning_credit_manager()
            if manager:
                communication.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=communication.date,
                    user_id=manager.id,
                    summary=_(
                        "Approve %(level)s to %(customer)s",
                        level=communication.level_id.name,
                        customer=communication.partner_id.name,
                    ),
                )

    def _deliver(self):
        """Everything of one reminder that goes out, in the caller's savepoint:
        fee entry, hold, legal stage, and then its letter, SMS and call (its
        email is queued with the others of the batch), or the wait for its
        pagoPA notice."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self.date < self.company_id._dunning_today():  # the demo's history
            now = datetime.combine(self.date, time(9))
        self._write_controlled({"sent_date": now})
        self._post_fees()
        self._apply_credit_holds()
        if self.level_id.legal_stage:
            self._start_legal_stage()
        if self._pagopa_wait():
            self._write_controlled({"state": "pending"})
            return
        self._output_channels()

    def _output_channels(self):
        """The letter, the SMS, the call (the email: :meth:`_queue_emails`)."""
        self.ensure_one()
        partner = self.partner_id
        notes = [self.note] if self.note else []
        send_letter = self.send_letter
        if self.send_email and not self.email_to:
            notes.append(_("No email address: a letter is sent instead."))
            send_letter = True
        if send_letter and not self.letter_attachment_id:
            self._attach_letter()
        if self.send_sms:
            if partner.mobile or partner.phone:
                self._message_sms_with_template(
                    template=self.level_id.sms_template_id,
                    partner_ids=partner.ids,
                    put_in_queue=True,
                )
            else:
                notes.append(_("No phone number: no SMS."))
        if self.create_call:
            collector = partner._dunning_responsible(self.company_id)
            self.activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=self.date,
                user_id=collector.id,
                summary=_("Call %s about overdue invoices", partner.display_name),
                note=_(
                    "%(level)s: %(amount)s to pay.",
                    level=self.level_id.name,
                    amount=format_amount(self.env, self.amount_total, self.currency_id),
                ),
            )
        vals = {"note": "\n".join(notes) or False}
        if send_letter and not self.send_letter:
            vals["send_letter"] = True
        self.sudo().write(vals)
        if self.letter_attachment_id and self.run_id:
            self.run_id._letters_changed()

    def _post_fees(self):
        """Fees the level posts as their own invoice, when the reminder goes out."""
        to_invoice = self.filtered(
            lambda c: c.fee_amount and c.level_id.fee_posting == "invoice"
        )
        if not to_invoice:
            return
        product = self.env.ref("dunning_advanced.product_dunning_fee")
        for communication in to_invoice:
            move = (
                self.env["account.move"]
                .sudo()
                .with_company(communication.company_id)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": communication.partner_id.id,
                        "company_id": communication.company_id.id,
                        "invoice_date": communication.date,
                        "dunning_excluded": True,
                        "dunning_exclusion_reason": _("Dunning fee"),
                        "invoice_origin": communication.name,
                        "invoice_line_ids": [
                            fields.Command.create(
                                {
                                    "product_id": product.id,
                                    "name": _(
                                        "Dunning fee: %(level)s (%(ref)s)",
                                        level=communication.level_id.name,
                                        ref=communication.name,
                                    ),
                                    "quantity": 1,
                                    "price_unit": communication.fee_amount,
                                    "tax_ids": [fields.Command.clear()],
                                }
                            )
                        ],
                    }
                )
            )
            move.with_context(dunning_credit_check_bypass=True).action_post()
            communication._write_controlled(
                {"fee_move_id": move.id, "fee_invoiced": True}
            )

    def _apply_credit_holds(self):
        blocking = self.filtered(lambda c: c.level_id.credit_hold)
        Profile = self.env["dunning.credit.profile"].sudo()
        for company, communications in blocking.grouped("company_id").items():
            profiles = Profile._get_or_create(communications.partner_id, company)
            by_partner = {p.partner_id: p for p in profiles}
            for communication in communications:
                by_partner[communication.partner_id].write(
                    {
                        "dunning_hold": True,
                        "dunning_hold_reason": _(
                            "%(level)s sent on %(date)s (%(ref)s)",
                            level=communication.level_id.name,
                            date=format_date(self.env, communication.date),
                            ref=communication.name,
                        ),
                    }
                )
            profiles._refresh_hold()

    def _start_legal_stage(self):
        """The legal stage is reached: the customer's collection case is opened
        (or these invoices added to it), with a to-do to hand it over."""
        return self.env["dunning.collection.case"]._open_from_communications(self)

    def _log_history(self):
        """A note on the reminder (sent, by which channels), on its customer
        and on each claimed invoice, in three batched writes."""
        partner_bodies = defaultdict(list)
        move_bodies = defaultdict(list)
        own_bodies = {}
        for communication in self:
            summary = communication._history_summary()
            own_bodies[communication.id] = _(
                "Sent: %s", ", ".join(communication._channel_labels()) or "-"
            )
            partner_bodies[communication.partner_id.id].append(summary)
            for move in communication._claimed_lines().move_id:
                move_bodies[move.id].append(summary)
        self.sudo()._message_log_batch(bodies=own_bodies)
        self.env["res.partner"].sudo().browse(list(partner_bodies))._message_log_batch(
            bodies={pid: Markup("<br/>").join(b) for pid, b in partner_bodies.items()}
        )
        self.env["account.move"].sudo().browse(list(move_bodies))._message_log_batch(
            bodies={mid: Markup("<br/>").join(b) for mid, b in move_bodies.items()}
        )

    def _history_summary(self):
        self.ensure_one()
        channels = ", ".join(self._channel_labels()) or _("no channel")
        link = Markup('<a href="#" data-oe-model="%s" data-oe-id="%s">%s</a>') % (
            self._name,
            self.id,
            self.name,
        )
        return Markup("%s") % _(
            "Reminder %(link)s, %(level)s, by %(channels)s: %(amount)s to pay, "
            "%(owed)s owed in all",
            link=link,
            level=self.level_id.name,
            channels=channels,
            amount=format_amount(self.env, self.amount_total, self.currency_id),
            owed=format_amount(self.env, self.amount_owed, self.currency_id),
        )

    def _channel_labels(self):
        labels = []
        if self.send_email and self.email_to:
            labels.append(
                _("PEC to %s", self.email_to)
                if self.via_pec
                else _("email to %s", self.email_to)
            )
        if self.send_letter or (self.send_email and not self.email_to):
            labels.append(_("letter"))
        if self.send_sms and (self.partner_id.mobile or self.partner_id.phone):
            labels.append(_("SMS"))
        if self.create_call:
            labels.append(_("phone call"))
        return labels

    # ------------------------------------------------------------------
    # Delivery: bounces and failures, the letter instead
    # ------------------------------------------------------------------

    def _on_email_failed(self, reason):
        """The email of these reminders failed or bounced: say so, and produce
        the letter instead when the level asks for it."""
        for communication in self.filtered(lambda c: c.state in ("sent", "pending")):
            vals = {"state": "delivery_failed", "delivery_note": reason}
            body = _(
                "The email to %(address)s was not delivered: %(reason)s",
                address=communication.email_to,
                reason=reason,
            )
            if communication.level_id.letter_fallback and not (
                communication.letter_attachment_id
            ):
                try:
                    with self.env.cr.savepoint():
                        communication._attach_letter()
                        communication.sudo().write({"send_letter": True})
                    body += " " + _("A letter was produced instead, to print and post.")
                    if communication.run_id:
                        communication.run_id._letters_changed()
                except Exception as error:
                    body += " " + _("The letter could not be produced: %s", error)
            communication._write_controlled(vals)
            communication._message_log(body=body)
            communication.partner_id.commercial_partner_id.sudo()._message_log(
                body=body
            )

    def _message_receive_bounce(self, email, partner):
        """Odoo's mail gateway found a bounce of this reminder's email."""
        res = super()._message_receive_bounce(email, partner)
        self.sudo()._on_email_failed(_("the message bounced (%s).", email))
        return res

    # ------------------------------------------------------------------
    # Waiting for the pagoPA notice
    # ------------------------------------------------------------------

    @api.model
    def _cron_send_pending(self):
        """Reminders waiting for their pagoPA notice: out with the notice once
        it is published (or refused), without it once the wait is over."""
        now = fields.Datetime.now()
        pending = self.sudo().search([("state", "=", "pending")], order="id")
        for communication in pending:
            notices = communication.pagopa_notice_ids
            waiting = notices.filtered(lambda n: n.state in ("draft", "queued"))
            published = notices.filtered(lambda n: n.state == "published")
            timed_out = communication.pagopa_wait_until and (
                communication.pagopa_wait_until <= now
            )
            if waiting and not timed_out and not published:
                continue
            if not published:
                reason = notices[:1].last_error or _(
                    "the payment notice was not published in time"
                )
                note = _(
                    "Sent without its pagoPA notice: %(reason)s",
                    reason=reason,
                )
                communication._write_controlled(
                    {"note": "\n".join(filter(None, [communication.note, note]))}
                )
            try:
                with self.env.cr.savepoint():
                    sending = communication.with_context(dunning_sending=True)
                    sending._output_channels()
                    sending._queue_emails()
                    communication._write_controlled({"state": "sent"})
            except Exception as error:
                # Its fee and hold are done: it stays pending, tried again at
                # the next call, with the reason in sight.
                communication._write_controlled(
                    {"note": _("Could not go out yet: %s", error)}
                )
