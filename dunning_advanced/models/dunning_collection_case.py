import json
import logging
from collections import defaultdict
from decimal import Decimal

import requests
from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_amount

from ..lib import case_file as cf
from ..lib.agency_client import AgencyClient, AgencyError
from ..lib.http_retry import LOCAL_HOSTS
from ..report import collection_case_renderer

_logger = logging.getLogger(__name__)

CREDIT_MANAGER = "dunning_advanced.group_dunning_credit_manager"


def _money(value, currency):
    """Decimal of ``value`` rounded to the decimals of ``currency``."""
    places = Decimal(1).scaleb(-currency.decimal_places)
    return Decimal(str(currency.round(value))).quantize(places)


class DunningCollectionCase(models.Model):
    """A credit in the legal stage: the invoices a customer did not pay despite
    the reminders, followed from the formal notice to the lawyer, the payment
    order (decreto ingiuntivo), the enforcement, and its closing.

    While a case is open its invoices get no automated reminder (dunning engine
    plug-in, see dunning.run). Each daily run first checks the payments: a
    fully paid case closes as paid, a settled one writes off the rest once the
    agreed amount is in.
    """

    _name = "dunning.collection.case"
    _description = "Collection Case"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "dunning.controlled.fields.mixin",
    ]
    _order = "date_opened desc, id desc"
    _check_company_auto = True
    _dunning_line_filter = True
    # Set by the case's actions only (see _move_to_stage, _agree_settlement,
    # _write_off_remaining, _build_case_file): a stage that closes a case, an
    # amount agreed or written off, never by writing the field.
    _dunning_controlled_fields = (
        "stage_id",
        "origin",
        "communication_id",
        "date_closed",
        "case_file_id",
        "case_file_checksum",
        "settlement_amount",
        "settlement_base",
        "settlement_date",
        "writeoff_move_id",
        "amount_written_off",
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
        readonly=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        default=lambda self: self.env.user,
    )
    stage_id = fields.Many2one(
        "dunning.collection.stage",
        tracking=True,
        index=True,
        copy=False,
        group_expand="_read_group_stage_ids",
        default=lambda self: self._default_stage(),
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True)
    closing_kind = fields.Selection(related="stage_id.closing_kind", store=True)
    origin = fields.Selection(
        [("auto", "Legal Level Reached"), ("manual", "Opened by Hand")],
        required=True,
        default="manual",
        readonly=True,
    )
    communication_id = fields.Many2one(
        "dunning.communication",
        string="Opened by Reminder",
        readonly=True,
        check_company=True,
    )
    date_opened = fields.Date(
        required=True, readonly=True, default=fields.Date.context_today
    )
    date_closed = fields.Date(readonly=True, copy=False)
    line_ids = fields.One2many(
        "dunning.collection.case.line", "case_id", string="Invoices"
    )
    invoice_count = fields.Integer(compute="_compute_amounts")
    amount_opening = fields.Monetary(
        string="Due at Opening", compute="_compute_amounts"
    )
    amount_residual = fields.Monetary(string="Due Now", compute="_compute_amounts")
    amount_received = fields.Monetary(
        string="Received Since Opening", compute="_compute_amounts"
    )
    amount_interest = fields.Monetary(
        string="Interest to Date", compute="_compute_amounts"
    )
    amount_compensation = fields.Monetary(
        string="Compensation", compute="_compute_amounts"
    )
    amount_fees = fields.Monetary(string="Reminder Fees", compute="_compute_amounts")
    amount_total = fields.Monetary(string="Total Claimed", compute="_compute_amounts")
    communication_ids = fields.Many2many(
        "dunning.communication",
        string="Reminders",
        compute="_compute_communication_ids",
    )
    agency_id = fields.Many2one(
        "res.partner",
        string="Lawyer or Agency",
        tracking=True,
        domain="[('collection_agency_kind', '!=', False)]",
    )
    agency_case_id = fields.Char(string="Agency's Case Id", tracking=True, copy=False)
    case_file_id = fields.Many2one(
        "ir.attachment", string="Case File", readonly=True, copy=False
    )
    case_file_checksum = fields.Char(
        string="Case File SHA-256", readonly=True, copy=False
    )
    handoff_ids = fields.One2many(
        "dunning.collection.handoff", "case_id", string="Handoffs", readonly=True
    )
    stage_log_ids = fields.One2many(
        "dunning.collection.stage.log", "case_id", string="Stage History", readonly=True
    )
    settlement_amount = fields.Monetary(
        string="Agreed Settlement",
        readonly=True,
        tracking=True,
        copy=False,
        help="What the customer agreed to pay from the settlement day; the rest is "
        "written off once it is received.",
    )
    settlement_base = fields.Monetary(
        string="Due at Settlement", readonly=True, copy=False
    )
    settlement_date = fields.Date(readonly=True, copy=False)
    writeoff_move_id = fields.Many2one(
        "account.move", string="Write-off Entry", readonly=True, copy=False
    )
    amount_written_off = fields.Monetary(readonly=True, copy=False)

    @api.model
    def _default_stage(self):
        company = self.env.company
        return self.env["dunning.collection.stage"].search(
            [
                ("is_closed", "=", False),
                ("company_id", "in", [False, company.id]),
            ],
            limit=1,
        )

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        return stages.search([("company_id", "in", [False, *self.env.companies.ids])])

    @api.depends_context("dunning_collection_date")
    @api.depends(
        "line_ids.amount_residual_company",
        "line_ids.amount_opening_company",
        "line_ids.interest_amount",
        "line_ids.compensation_amount",
    )
    def _compute_amounts(self):
        today = self._today()
        fees = self._fees_by_case()
        for case in self:
            company_currency = case.currency_id
            opening = residual = interest = compensation = 0.0
            for line in case.line_ids:
                opening += line.amount_opening_company
                residual += line.amount_residual_company
                rate_currency = line.currency_id
                interest += rate_currency._convert(
                    line.interest_amount, company_currency, case.company_id, today
                )
                compensation += rate_currency._convert(
                    line.compensation_amount, company_currency, case.company_id, today
                )
            fee = sum(amount for _desc, amount in fees.get(case.id, []))
            case.invoice_count = len(case.line_ids)
            case.amount_opening = opening
            case.amount_residual = residual
            case.amount_received = opening - residual
            case.amount_interest = interest
            case.amount_compensation = compensation
            case.amount_fees = fee
            case.amount_total = company_currency.round(
                residual + interest + compensation + fee
            )

    @api.depends("line_ids.move_line_id")
    def _compute_communication_ids(self):
        lines = self.env["dunning.communication.line"].search(
            [
                ("move_line_id", "in", self.line_ids.move_line_id.ids),
                ("level_reached", "=", True),
            ]
        )
        for case in self:
            case.communication_ids = lines.filtered(
                lambda line, c=case: line.move_line_id in c.line_ids.move_line_id
            ).communication_id

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["name"] = self.env["ir.sequence"].with_company(
                    company
                ).next_by_code("dunning.collection.case") or _("New")
        cases = super().create(vals_list)
        for case in cases.filtered("stage_id"):
            source = "system" if case.origin == "auto" else "user"
            case._log_stage(False, case.stage_id, source)
        return cases

    def write(self, vals):
        if not self.env.su and {"partner_id", "company_id"}.intersection(vals):
            raise UserError(
                _(
                    "The customer and the company of a collection case are set "
                    "when it opens: open a case for the other customer instead."
                )
            )
        return super().write(vals)

    def _move_to_stage(self, stage, source="user", note=False, booked=False):
        """The one place a case changes stage, after the caller checked the
        user's right. A stage that closes the case as paid needs every invoice
        paid; one that closes it with a loss (settled, written off) needs the
        write-off entry posted (``booked``); a closed case never moves."""
        for case in self:
            before = case.stage_id
            if stage == before:
                continue
            if before.is_closed:
                raise UserError(
                    _(
                        "Case %s is closed: a credit manager reopens it with "
                        "Reopen, when a payment was undone.",
                        case.name,
                    )
                )
            kind = stage.closing_kind if stage.is_closed else False
            if kind == "paid" and not case._is_paid():
                raise UserError(
                    _(
                        "Case %(case)s cannot close as paid: %(due)s is still due. "
                        "It closes by itself once its invoices are paid.",
                        case=case.name,
                        due=format_amount(
                            self.env, case._residual_company(), case.currency_id
                        ),
                    )
                )
            if kind in ("settled", "written_off") and not booked:
                raise UserError(
                    _(
                        "Stage %s closes the case with a loss: use Settle or Write "
                        "Off, which post the write-off entry.",
                        stage.name,
                    )
                )
            case._write_controlled(
                {
                    "stage_id": stage.id,
                    "date_closed": case._today() if stage.is_closed else False,
                }
            )
            case._log_stage(before, stage, source, note)
        return True

    def _log_stage(self, stage_from, stage_to, source="user", note=False):
        """The stage log line of a stage change."""
        self.ensure_one()
        self.env["dunning.collection.stage.log"].sudo().create(
            {
                "case_id": self.id,
                "user_id": self.env.user.id,
                "stage_from_id": stage_from.id if stage_from else False,
                "stage_to_id": stage_to.id,
                "source": source,
                "note": note or False,
            }
        )

    def _residual_company(self):
        """What the case's invoices still owe, in company currency."""
        self.ensure_one()
        return sum(self.line_ids.move_line_id.mapped("amount_residual"))

    def _is_paid(self):
        self.ensure_one()
        return self.currency_id.is_zero(self._residual_company())

    # ------------------------------------------------------------------
    # Amounts
    # ------------------------------------------------------------------

    def _today(self):
        return (
            self.env.context.get("dunning_collection_date")
            or (self.company_id[:1] or self.env.company)._dunning_today()
        )

    def _line_claims(self, lines):
        """{line id: (interest, compensation)} to today, in the invoice currency,
        by the one statutory computation of the reminders and interest invoices
        (:meth:`account.move._dunning_statutory_interest`): partial payments at
        their dates, days already invoiced left out, 40 EUR once per invoice
        for a business or public administration."""
        self.ensure_one()
        today = self._today()
        claims = lines.move_id._dunning_statutory_interest(today, strict=False)
        result = {}
        compensated = set()
        for line in lines:
            claim = claims.get(line.move_id.id)
            if claim is None:
                result[line.id] = (0.0, 0.0)
                continue
            if claim.error:
                _logger.info("Case %s: no interest: %s", self.name, claim.error)
            interest = claim.by_line.get(line.move_line_id.id, Decimal(0))
            compensation = Decimal(0)
            if line.move_id not in compensated:
                compensated.add(line.move_id)
                compensation = claim.compensation
            result[line.id] = (float(interest), float(compensation))
        return result

    def _fees_by_case(self):
        """{case id: [(description, amount in company currency)]}: the fees of
        the reminders sent for the case's invoices."""
        result = defaultdict(list)
        for case in self:
            for communication in case.communication_ids.sorted("date"):
                if communication.fee_amount:
                    result[case.id].append(
                        (
                            _(
                                "Reminder fee %(ref)s (%(level)s)",
                                ref=communication.name,
                                level=communication.level_id.name,
                            ),
                            communication.fee_amount,
                        )
                    )
        return result

    # ------------------------------------------------------------------
    # Opening
    # ------------------------------------------------------------------

    @api.model
    def _open_from_communications(self, communications):
        """Open (or add to) the customer's case for reminders of a legal level."""
        cases = self.browse()
        groups = communications.grouped(
            lambda c: (c.company_id, c.partner_id.commercial_partner_id)
        )
        for (company, partner), group in groups.items():
            move_lines = group._claimed_lines().move_line_id
            cases |= self.sudo()._open_or_update(
                partner, company, move_lines, origin="auto", communication=group[-1:]
            )
        return cases

    @api.model
    def _open_or_update(
        self, partner, company, move_lines, origin="manual", communication=None
    ):
        """The open case of ``partner`` in ``company`` with ``move_lines`` added;
        a new case when it has none. Lines already in an open case are skipped."""
        partner = partner.commercial_partner_id
        move_lines = move_lines.filtered(
            lambda ml: ml.company_id == company
            and ml.account_type == "asset_receivable"
            and not ml.reconciled
            and ml.amount_residual > 0
        )
        taken = (
            self.env["dunning.collection.case.line"]
            .sudo()
            .search(
                [
                    ("move_line_id", "in", move_lines.ids),
                    ("case_id.is_closed", "=", False),
                ]
            )
        )
        move_lines -= taken.move_line_id
        case = self.search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("is_closed", "=", False),
            ],
            limit=1,
        )
        line_commands = [Command.create({"move_line_id": ml.id}) for ml in move_lines]
        # The callers checked the right (the legal level of a reminder, or a
        # credit manager's wizard): lines hold amounts read from accounting.
        if case:
            if line_commands:
                case.sudo().line_ids = line_commands
                case.message_post(
                    body=_(
                        "Invoices added to the case: %s",
                        ", ".join(move_lines.move_id.mapped("name")),
                    )
                )
            return case
        if not line_commands:
            return case
        stage = self.with_company(company)._default_stage()
        if not stage:
            raise UserError(
                _("Configure the stages of collection cases: there is no open stage.")
            )
        responsible = partner._dunning_responsible(company)
        case = (
            self.sudo()
            .with_company(company)
            .create(
                {
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "user_id": responsible.id,
                    "origin": origin,
                    "communication_id": communication.id if communication else False,
                    "stage_id": stage.id,
                    "line_ids": line_commands,
                }
            )
        )
        case = case.with_env(self.env)
        case.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=case.date_opened,
            user_id=responsible.id,
            summary=_("Legal stage: hand %s over", partner.display_name),
            note=_("Choose a lawyer or an agency and send them the case file."),
        )
        return case

    # ------------------------------------------------------------------
    # Dunning engine plug-in (see dunning.run)
    # ------------------------------------------------------------------

    @api.model
    def _dunning_pause_sql(self, company, today):
        """An item in an open collection case gets no reminder."""
        return SQL(
            """EXISTS (
            SELECT 1
              FROM dunning_collection_case_line ccl
              JOIN dunning_collection_case cc ON cc.id = ccl.case_id
             WHERE ccl.move_line_id = l.id
               AND NOT COALESCE(cc.is_closed, FALSE))"""
        )

    @api.model
    def _dunning_pause_label(self):
        return _("In a collection case")

    @api.model
    def _dunning_customer_block_sql(self, company, today):
        """A customer with an open collection case gets no automated reminder
        at all: its new overdue items are offered to the case."""
        return SQL(
            """EXISTS (
            SELECT 1 FROM dunning_collection_case cc
             WHERE cc.partner_id = cp.id
               AND cc.company_id = %s
               AND NOT COALESCE(cc.is_closed, FALSE))""",
            company.id,
        )

    @api.model
    def _dunning_customer_block_label(self):
        return _("the customer's credit is in a collection case")

    @api.model
    def _dunning_before_run(self, company, today):
        """Daily, before the reminders: payments close or settle open cases."""
        cases = self.sudo().search(
            [("company_id", "=", company.id), ("is_closed", "=", False)]
        )
        cases.with_context(dunning_collection_date=today)._refresh_payments()

    def _refresh_payments(self):
        """Close the cases paid in full; write off the rest of settled ones.

        Amounts come from accounting: the residual of the cases' journal items,
        and the amount due when the credit manager agreed the settlement.
        """
        for case in self.filtered(lambda c: not c.is_closed):
            currency = case.currency_id
            residual = case._residual_company()
            if currency.is_zero(residual):
                case._move_to_stage(
                    case._closing_stage("paid"),
                    source="system",
                    note=_("All invoices are paid."),
                )
                continue
            if case.settlement_amount:
                received = case.settlement_base - residual
                if currency.compare_amounts(received, case.settlement_amount) >= 0:
                    case._write_off_remaining(
                        "settled",
                        _(
                            "Settlement of %(amount)s received: the rest is "
                            "written off.",
                            amount=format_amount(
                                self.env, case.settlement_amount, currency
                            ),
                        ),
                    )

    def _closing_stage(self, kind):
        self.ensure_one()
        stage = self.env["dunning.collection.stage"].search(
            [
                ("is_closed", "=", True),
                ("closing_kind", "=", kind),
                ("company_id", "in", [False, self.company_id.id]),
            ],
            limit=1,
        )
        if not stage:
            raise UserError(
                _(
                    "There is no closing stage for cases %s: add one in the "
                    "configuration of collection stages.",
                    dict(
                        self.env["dunning.collection.stage"]
                        ._fields["closing_kind"]
                        .selection
                    )[kind],
                )
            )
        return stage

    # ------------------------------------------------------------------
    # Settlement and write-off
    # ------------------------------------------------------------------

    def _check_credit_manager(self, message=None):
        if not self.env.su and not self.env.user.has_group(CREDIT_MANAGER):
            raise AccessError(
                message
                or _("Only Credit Managers can settle or write off collection cases.")
            )

    def _check_open(self):
        for case in self:
            if case.is_closed:
                raise UserError(_("Case %s is closed.", case.name))

    def _agree_settlement(self, amount, note=None):
        """Record the amount agreed; written off at once if already received."""
        self._check_credit_manager()
        self._check_open()
        self.ensure_one()
        note = self._check_note(note)
        currency = self.currency_id
        residual = self._residual_company()
        if currency.compare_amounts(amount, 0) <= 0 or (
            currency.compare_amounts(amount, residual) >= 0
        ):
            raise UserError(
                _(
                    "The agreed amount must be more than zero and less than the "
                    "%(due)s still due; to wait for everything, keep the case open.",
                    due=format_amount(self.env, residual, currency),
                )
            )
        self._write_controlled(
            {
                "settlement_amount": amount,
                "settlement_base": residual,
                "settlement_date": self._today(),
            }
        )
        self.message_post(
            body=_(
                "Settlement agreed: %(amount)s of %(due)s due. %(note)s",
                amount=format_amount(self.env, amount, currency),
                due=format_amount(self.env, residual, currency),
                note=note,
            )
        )
        self.sudo()._refresh_payments()

    def _write_off(self, note=None):
        """Write off everything still due and close the case."""
        self._check_credit_manager()
        self._check_open()
        note = self._check_note(note)
        for case in self:
            case.sudo()._write_off_remaining(
                "written_off",
                _(
                    "Written off by %(user)s: %(note)s",
                    user=self.env.user.name,
                    note=note,
                ),
            )

    def _check_note(self, note):
        """The credit manager's reason, kept in the chatter and the stage log."""
        note = (note or "").strip()
        if not note:
            raise ValidationError(
                _(
                    "Say why the case is settled or written off: the note is kept "
                    "with the write-off."
                )
            )
        return note

    def _write_off_remaining(self, kind, note):
        """A balanced entry crediting each open receivable line (debit on the
        write-off account of the settings), reconciled with it; then the case
        moves to the closing stage of ``kind``."""
        self.ensure_one()
        company = self.company_id
        account = company.dunning_collection_writeoff_account_id
        if not account:
            raise UserError(
                _(
                    "Set the write-off account of collection cases in Accounting > "
                    "Configuration > Settings (Credit & Dunning) for %s.",
                    company.name,
                )
            )
        journal = self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "general")], limit=1
        )
        if not journal:
            raise UserError(_("%s has no miscellaneous journal.", company.name))
        open_lines = self.line_ids.move_line_id.filtered(
            lambda ml: not ml.reconciled and ml.amount_residual
        )
        move = self.env["account.move"]
        if open_lines:
            today = self._today()
            line_vals = []
            for ml in open_lines:
                label = _(
                    "Write-off %(case)s: %(invoice)s",
                    case=self.name,
                    invoice=ml.move_id.name,
                )
                common = {
                    "partner_id": ml.partner_id.id,
                    "currency_id": ml.currency_id.id,
                    "name": label,
                }
                line_vals += [
                    Command.create(
                        {
                            **common,
                            "account_id": ml.account_id.id,
                            "debit": 0.0,
                            "credit": ml.amount_residual,
                            "amount_currency": -ml.amount_residual_currency,
                        }
                    ),
                    Command.create(
                        {
                            **common,
                            "account_id": account.id,
                            "debit": ml.amount_residual,
                            "credit": 0.0,
                            "amount_currency": ml.amount_residual_currency,
                        }
                    ),
                ]
            move = (
                self.env["account.move"]
                .with_company(company)
                .with_context(dunning_credit_check_bypass=True)
                .create(
                    {
                        "move_type": "entry",
                        "journal_id": journal.id,
                        "date": today,
                        "ref": _("Write-off of collection case %s", self.name),
                        "line_ids": line_vals,
                    }
                )
            )
            move.action_post()
            amount = sum(open_lines.mapped("amount_residual"))
            # Each open line has its credit line on the same account: reconciled
            # together, account by account, they leave nothing open.
            for receivable, lines in open_lines.grouped("account_id").items():
                credits = move.line_ids.filtered(
                    lambda line, acc=receivable: line.account_id == acc
                )
                (lines | credits).reconcile()
            self._write_controlled(
                {"writeoff_move_id": move.id, "amount_written_off": amount}
            )
        self._move_to_stage(
            self._closing_stage(kind), source="system", note=note, booked=True
        )
        self.message_post(body=note)
        return move

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_change_stage(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Move %s", self.name),
            "res_model": "dunning.collection.case.stage",
            "view_mode": "form",
            "target": "new",
            "context": {"default_case_id": self.id},
        }

    def _action_move_stage(self, stage, note):
        """A user moves an open case to ``stage`` (Move to Stage wizard)."""
        self.ensure_one()
        self.check_access("write")
        self._check_open()
        if stage.company_id and stage.company_id != self.company_id:
            raise UserError(
                _("Stage %s belongs to another company.", stage.display_name)
            )
        self._move_to_stage(stage, source="user", note=note)

    def action_reopen(self):
        """A credit manager reopens a case closed as paid whose payment was
        undone (a bounced transfer, a reversed reconciliation)."""
        self._check_credit_manager(
            _("Only Credit Managers can reopen a collection case.")
        )
        for case in self:
            if not case.is_closed:
                raise UserError(_("Case %s is open.", case.name))
            if case.closing_kind != "paid" or case._is_paid():
                raise UserError(
                    _(
                        "Case %s can only be reopened when it closed as paid and "
                        "its invoices are due again; a settled or written-off "
                        "case stays closed: open a new case for what is due.",
                        case.name,
                    )
                )
            stage = case.with_company(case.company_id)._default_stage()
            before = case.stage_id
            case._write_controlled({"stage_id": stage.id, "date_closed": False})
            case._log_stage(
                before,
                stage,
                "user",
                _("Reopened by %s: the invoices are due again.", self.env.user.name),
            )
        return True

    def action_settle(self):
        self.ensure_one()
        self._check_credit_manager()
        return {
            "type": "ir.actions.act_window",
            "name": _("Settle %s", self.name),
            "res_model": "dunning.collection.case.settle",
            "view_mode": "form",
            "target": "new",
            "context": {"default_case_id": self.id, "default_action": "settle"},
        }

    def action_write_off(self):
        self.ensure_one()
        self._check_credit_manager()
        return {
            "type": "ir.actions.act_window",
            "name": _("Write off %s", self.name),
            "res_model": "dunning.collection.case.settle",
            "view_mode": "form",
            "target": "new",
            "context": {"default_case_id": self.id, "default_action": "write_off"},
        }

    def action_check_payments(self):
        self.check_access("write")
        self._check_open()
        self.sudo()._refresh_payments()
        return True

    def action_open_invoices(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Invoices of %s", self.name),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", self.line_ids.move_id.ids)],
        }

    def action_open_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_communication_action"
        )
        action["domain"] = [("id", "in", self.communication_ids.ids)]
        action["context"] = {}
        return action

    def action_build_case_file(self):
        """Make (again) the case file ZIP and attach it to the case."""
        self.ensure_one()
        self.check_access("write")
        self._build_case_file()
        return True

    def action_download_case_file(self):
        self.ensure_one()
        if not self.case_file_id:
            self._build_case_file()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.case_file_id.id}?download=true",
            "target": "self",
        }

    def action_handoff(self):
        """Send the case file to the lawyer or agency, by its channel."""
        self.ensure_one()
        self.check_access("write")
        self._check_open()
        agency = self.agency_id
        if not agency:
            raise UserError(_("Choose the lawyer or agency to hand %s to.", self.name))
        if self.agency_case_id:
            raise UserError(
                _(
                    "%(case)s is already with %(agency)s under their case "
                    "%(ref)s: it is not sent twice.",
                    case=self.name,
                    agency=agency.display_name,
                    ref=self.agency_case_id,
                )
            )
        attachment = self._build_case_file()
        channel = agency.collection_handoff_channel or "email"
        if channel == "rest":
            agency_case_id = self._handoff_rest(attachment)
        else:
            agency_case_id = False
            self._handoff_email(attachment)
        self.env["dunning.collection.handoff"].sudo().create(
            {
                "case_id": self.id,
                "agency_id": agency.id,
                "user_id": self.env.user.id,
                "channel": channel,
                "file_name": attachment.name,
                "checksum": self.case_file_checksum,
                "agency_case_id": agency_case_id or False,
            }
        )
        handed = self.env["dunning.collection.stage"].search(
            [
                ("company_id", "in", [False, self.company_id.id]),
                ("is_handoff", "=", True),
            ],
            limit=1,
        )
        if agency_case_id:
            self.agency_case_id = agency_case_id
        if handed and handed.sequence > self.stage_id.sequence:
            self._move_to_stage(
                handed,
                source="system",
                note=_("Case file sent to %s.", agency.display_name),
            )
        self.message_post(
            body=_(
                "Case file %(file)s (SHA-256 %(sum)s) sent to %(agency)s by "
                "%(channel)s.",
                file=attachment.name,
                sum=self.case_file_checksum,
                agency=agency.display_name,
                channel=channel,
            )
        )
        return True

    # ------------------------------------------------------------------
    # Case file
    # ------------------------------------------------------------------

    def _party(self, partner, pec=""):
        """Only what identifies the party and where to serve it (GDPR 5(1)(c))."""
        return cf.Party(
            name=partner.name or "",
            address=cf.Address(
                street=partner.street or "",
                street2=partner.street2 or "",
                zip=partner.zip or "",
                city=partner.city or "",
                state=partner.state_id.code or "",
                country_code=partner.country_id.code or "",
            ),
            vat=partner.vat or "",
            email=partner.email or "",
            pec=pec or "",
        )

    def _contact_channels(self, communication):
        debtor = communication.partner_id.commercial_partner_id
        channels = []
        if communication.mail_id or (
            communication.send_email and communication.email_to
        ):
            is_pec = communication.email_to == debtor.dunning_pec_email
            channels.append("pec" if is_pec else "email")
        if communication.send_letter and communication.letter_attachment_id:
            channels.append("letter")
        if communication.send_sms:
            channels.append("sms")
        if communication.create_call:
            channels.append("phone")
        return channels or ["other"]

    def _email_receipt(self, communication):
        """Proof that the email of a reminder left: a text record of the
        outgoing server's acceptance (date, addresses, Message-Id), when the
        email was sent; None otherwise."""
        mail = communication.mail_id.sudo()
        if not mail or mail.state != "sent":
            return None
        text = "\n".join(
            [
                "Email sent / Email inviata",
                "Reminder: %s" % communication.name,
                "Date: %s UTC" % fields.Datetime.to_string(mail.date),
                "From: %s" % (mail.email_from or ""),
                "To: %s" % (mail.email_to or communication.email_to or ""),
                "Subject: %s" % (mail.subject or ""),
                "Message-Id: %s" % (mail.message_id or ""),
                "Status: accepted by the outgoing mail server",
            ]
        )
        name = "Email receipt %s.txt" % communication.name.replace("/", "-")
        return (name, (text + "\n").encode("utf-8"), "text/plain")

    def _prepare_case_file(self):
        """(case.json data, documents) of the case, documents as (name, bytes,
        mimetype): the letters of the reminders and the invoices' PDFs."""
        self.ensure_one()
        today = self._today()
        open_lines = self.line_ids.filtered(lambda line: line.amount_residual > 0)
        if not open_lines:
            raise UserError(_("%s has no unpaid invoice left to hand over.", self.name))
        invoices = []
        for line in open_lines:
            currency = line.currency_id
            move = line.move_id
            invoices.append(
                cf.CaseInvoice(
                    number=move.name,
                    date=move.invoice_date or move.date,
                    due_date=line.date_maturity or move.date,
                    currency=currency.name,
                    original_amount=_money(line.amount_original, currency),
                    residual=_money(line.amount_residual, currency),
                    interest=_money(line.interest_amount, currency),
                    compensation=_money(line.compensation_amount, currency),
                )
            )
        company_currency = self.currency_id
        fees = [
            cf.Fee(
                description=description,
                amount=_money(amount, company_currency),
                currency=company_currency.name,
            )
            for description, amount in self._fees_by_case().get(self.id, [])
        ]
        contacts = []
        documents = []
        for communication in self.communication_ids.sorted(lambda c: (c.date, c.id)):
            summary = _(
                "%(ref)s, %(level)s: %(amount)s claimed for %(invoices)s",
                ref=communication.name,
                level=communication.level_id.name,
                amount=format_amount(
                    self.env, communication.amount_total, communication.currency_id
                ),
                invoices=", ".join(communication.line_ids.move_id.mapped("name")),
            )
            for channel in self._contact_channels(communication):
                contacts.append(
                    cf.Contact(
                        date=communication.date,
                        channel=channel,
                        level=communication.level_rank,
                        summary=summary,
                    )
                )
            letter = communication.letter_attachment_id.sudo()
            if letter and communication.send_letter:
                documents.append((letter.name, letter.raw, "application/pdf"))
            receipt = self._email_receipt(communication)
            if receipt:
                documents.append(receipt)
        for move in open_lines.move_id:
            pdf = move.sudo().invoice_pdf_report_id
            if pdf:
                documents.append((pdf.name, pdf.raw, "application/pdf"))
        debtor = self.partner_id.commercial_partner_id
        try:
            data = cf.build_case_json(
                self.name,
                self._party(self.company_id.partner_id),
                self._party(debtor, debtor.dunning_pec_email),
                invoices,
                created_on=today,
                amounts_as_of=today,
                contacts=contacts,
                fees=fees,
            )
        except ValueError as error:
            raise UserError(
                _(
                    "The case file of %(case)s cannot be made: %(error)s",
                    case=self.name,
                    error=error,
                )
            ) from error
        return data, documents

    def _build_case_file(self):
        """The case file ZIP (case.json, summary.pdf, documents/) as an
        attachment of the case; kept when the same bytes are already there."""
        self.ensure_one()
        data, documents = self._prepare_case_file()
        summary = collection_case_renderer.render_summary(
            data, title=_("Collection case %s", self.name)
        )
        try:
            payload = cf.build_case_zip(data, summary, documents)
        except ValueError as error:
            raise UserError(
                _(
                    "The case file of %(case)s cannot be made: %(error)s",
                    case=self.name,
                    error=error,
                )
            ) from error
        checksum = cf.case_file_checksum(payload)
        if self.case_file_id and self.case_file_checksum == checksum:
            return self.case_file_id
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": "%s.zip" % self.name.replace("/", "-"),
                    "raw": payload,
                    "mimetype": "application/zip",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self.sudo().write(
            {"case_file_id": attachment.id, "case_file_checksum": checksum}
        )
        return attachment

    def _handoff_email(self, attachment):
        agency = self.agency_id
        if not agency.email:
            raise UserError(
                _(
                    "%s has no email address: add it to send the case file.",
                    agency.display_name,
                )
            )
        company = self.company_id
        body = Markup("<p>%s</p><p>%s</p>") % (
            _(
                "Please find attached the case file %(case)s: %(customer)s, "
                "%(amount)s claimed.",
                case=self.name,
                customer=self.partner_id.commercial_partner_id.name,
                amount=format_amount(self.env, self.amount_total, self.currency_id),
            ),
            _(
                "case.json follows the schema %(schema)s; the ZIP's SHA-256 is "
                "%(checksum)s.",
                schema=cf.SCHEMA["$id"],
                checksum=self.case_file_checksum,
            ),
        )
        return (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": _(
                        "Collection case %(case)s - %(company)s",
                        case=self.name,
                        company=company.name,
                    ),
                    "body_html": body,
                    "email_from": company.email_formatted
                    or self.env.user.email_formatted,
                    "email_to": agency.email_formatted,
                    "recipient_ids": [Command.link(agency.id)],
                    "attachment_ids": [Command.link(attachment.id)],
                    "model": self._name,
                    "res_id": self.id,
                    "auto_delete": False,
                }
            )
        )

    def _agency_client(self, agency):
        # The case's company's own endpoint and token with this agency.
        agency = agency.sudo().with_company(self.company_id)
        url = agency.collection_endpoint_url
        token = agency.collection_api_token
        session = requests.Session()
        if requests.utils.urlparse(url or "").hostname in LOCAL_HOSTS:
            session.trust_env = False  # no proxy for this machine
        try:
            return AgencyClient(
                url,
                token=token or "",
                timeout=(5.0, 30.0),
                attempts=3,
                backoff=1.0,
                max_backoff=10.0,
                session=session,
            ), session
        except ValueError as error:
            session.close()
            raise UserError(
                _("%(agency)s: %(error)s", agency=agency.display_name, error=error)
            ) from error

    def _handoff_rest(self, attachment):
        """POST the ZIP to the agency; retried on 5xx with the same idempotency
        key, so the agency opens one case whatever happens on the way."""
        agency = self.agency_id
        client, session = self._agency_client(agency)
        try:
            return client.send_case(self.name, attachment.raw)
        except AgencyError as error:
            _logger.warning(
                "Handoff of %s to %s failed (%s): %s",
                self.name,
                agency.display_name,
                error.status,
                error,
            )
            raise UserError(
                _("%(agency)s: %(error)s", agency=agency.display_name, error=error)
            ) from error
        finally:
            session.close()

    # ------------------------------------------------------------------
    # Webhook and exports
    # ------------------------------------------------------------------

    def _apply_agency_status(self, status, note=""):
        """What the agency's ``status`` does to the case (webhook, as superuser
        once the signature is checked): ``(stage, outcome)``.

        A status moves an open case forward to the stage that lists it
        (``applied``; ``unchanged`` when it is there already). It never closes a
        case nor reopens one: a closing status, or any status on a closed case,
        is ``proposed`` to a credit manager as a to-do, and the case stays as it
        is. An unknown status or a stage before the current one raise UserError.
        """
        self.ensure_one()
        status = (status or "").strip().lower()
        stages = self.env["dunning.collection.stage"].search(
            [("company_id", "in", [False, self.company_id.id])]
        )
        stage = stages.filtered(lambda s: status in s._agency_statuses())[:1]
        if not stage:
            raise UserError(_("Unknown status %r.", status))
        report = _(
            "%(agency)s reports %(status)s. %(note)s",
            agency=self.agency_id.display_name,
            status=status,
            note=note or "",
        ).strip()
        if self.is_closed or stage.is_closed:
            self._propose_to_credit_manager(stage, report)
            return stage, "proposed"
        if stage == self.stage_id:
            return stage, "unchanged"
        if (stage.sequence, stage.id) < (self.stage_id.sequence, self.stage_id.id):
            raise UserError(
                _(
                    "Status %(status)r would move case %(case)s back from "
                    "%(current)s to %(stage)s: stages only move forward.",
                    status=status,
                    case=self.name,
                    current=self.stage_id.name,
                    stage=stage.name,
                )
            )
        self._move_to_stage(stage, source="agency", note=report)
        return stage, "applied"

    def _propose_to_credit_manager(self, stage, report):
        """A to-do for the company's credit manager: the agency reports what
        only accounting (paid) or a credit manager (settled, written off,
        reopened) may decide."""
        self.ensure_one()
        manager = self.company_id._dunning_credit_manager() or self.user_id
        if self.is_closed:
            summary = _(
                "Agency reports %(stage)s on closed case %(case)s",
                stage=stage.name,
                case=self.name,
            )
            what = _(
                "The case stays closed. If it must go on, reopen it (a paid case "
                "whose payment was undone) or open a new one."
            )
        else:
            summary = _(
                "Agency reports %(stage)s on case %(case)s",
                stage=stage.name,
                case=self.name,
            )
            if stage.closing_kind == "paid":
                what = _(
                    "The case closes as paid by itself once its invoices are "
                    "paid: register the payment the agency collected."
                )
            else:
                what = _("Settle or write off the case if you agree.")
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=manager.id,
            summary=summary,
            note=Markup("<p>%s</p><p>%s</p>") % (report, what),
        )
        self.message_post(
            body=Markup("%s<br/>%s") % (report, what), author_id=self.agency_id.id
        )

    def _export_data(self):
        """All the data of the case, for a request of the customer (GDPR art. 15)."""
        self.ensure_one()
        return {
            "reference": self.name,
            "company": self.company_id.name,
            "customer": self.partner_id.commercial_partner_id.name,
            "stage": self.stage_id.name,
            "opened_on": fields.Date.to_string(self.date_opened),
            "closed_on": fields.Date.to_string(self.date_closed) or None,
            "agency": self.agency_id.name or None,
            "agency_case_id": self.agency_case_id or None,
            "invoices": [
                {
                    "number": line.move_id.name,
                    "due_date": fields.Date.to_string(line.date_maturity),
                    "currency": line.currency_id.name,
                    "due_at_opening": line.amount_opening,
                    "due_now": line.amount_residual,
                }
                for line in self.line_ids
            ],
            "settlement_amount": self.settlement_amount or None,
            "written_off": self.amount_written_off or None,
            "stage_history": [
                {
                    "date": fields.Datetime.to_string(log.date),
                    "by": log.user_id.name,
                    "from": log.stage_from_id.name or None,
                    "to": log.stage_to_id.name,
                    "note": log.note or None,
                }
                for log in self.stage_log_ids.sorted("id")
            ],
            "handoffs": [
                {
                    "date": fields.Datetime.to_string(handoff.date),
                    "by": handoff.user_id.name,
                    "to": handoff.agency_id.name,
                    "channel": handoff.channel,
                    "sha256": handoff.checksum,
                }
                for handoff in self.handoff_ids.sorted("id")
            ],
        }

    @api.model
    def _export_partner_cases(self, partner):
        """A JSON attachment with every case of ``partner`` in this company."""
        cases = self.search(
            [("partner_id", "=", partner.commercial_partner_id.id)], order="id"
        )
        payload = json.dumps(
            {
                "customer": partner.commercial_partner_id.name,
                "exported_on": fields.Date.to_string(self._today()),
                "cases": [case._export_data() for case in cases],
            },
            ensure_ascii=False,
            indent=2,
            sort_keys=True,
        ).encode()
        # Attached to no record: only the credit manager who asked for it (and
        # the administrators) can download it, not whoever reads the customer.
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": _("Collection cases of %s.json", partner.display_name),
                    "raw": payload,
                    "mimetype": "application/json",
                    "res_model": False,
                    "res_id": False,
                }
            )
        )
