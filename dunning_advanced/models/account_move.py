from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..lib.late_interest import KIND_B2B, InterestLine, compensation_b2b
from ..lib.prescription import prescription_date as lib_prescription_date
from .dunning_prescription_event import PRESCRIPTION_TERMS, prescription_category

DUNNING_USER = "dunning_advanced.group_dunning_user"
CENT = Decimal("0.01")


def _cents(value):
    return Decimal(str(value)).quantize(CENT)


@dataclass
class StatutoryInterest:
    """What one late invoice owes on top of its amount, up to ``date_to``, not
    invoiced yet (see :meth:`AccountMove._dunning_statutory_interest`).

    Amounts are in the invoice's currency; ``interest`` is the sum of
    ``by_line`` (one total per receivable line, each rounded once), ``lines``
    the rate periods ``(due date, InterestLine)`` it comes from. ``error`` says
    which rate is missing when the computation could not be done (interest 0).
    """

    move: object
    kind: str
    date_from: date
    date_to: date
    interest: Decimal = Decimal("0.00")
    compensation: Decimal = Decimal("0.00")
    lines: list[tuple[date, InterestLine]] = field(default_factory=list)
    by_line: dict[int, Decimal] = field(default_factory=dict)
    error: str = ""


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "dunning.credit.document.mixin"]

    dunning_excluded = fields.Boolean(
        string="No Dunning",
        copy=False,
        tracking=True,
        help="This invoice is never reminded.",
    )
    dunning_exclusion_reason = fields.Char(string="Reason for No Dunning", copy=False)
    dunning_line_ids = fields.One2many(
        "dunning.communication.line", "move_id", string="Reminder History"
    )
    dunning_level_id = fields.Many2one(
        "dunning.level",
        string="Dunning Level",
        compute="_compute_dunning_level",
        help="Highest level this invoice was reminded at.",
    )
    dunning_count = fields.Integer(compute="_compute_dunning_level", string="Reminders")
    dunning_dispute_ids = fields.One2many(
        "dunning.dispute", "move_id", string="Disputes", groups=DUNNING_USER
    )
    dunning_dispute_open_count = fields.Integer(
        compute="_compute_dunning_dispute_open_count",
        string="Open Disputes",
        groups=DUNNING_USER,
    )
    # Prescription: see models/dunning_prescription_event.py
    prescription_term = fields.Selection(
        PRESCRIPTION_TERMS,
        compute="_compute_prescription_date",
        store=True,
        help="The term that ends first among the invoice lines' product categories "
        "(a line without one: the journal's, else ordinary).",
    )
    prescription_date = fields.Date(
        compute="_compute_prescription_date",
        store=True,
        index="btree_not_null",
        help="Last day to interrupt the prescription of this customer invoice, from "
        "its (first) due date and the last interruption recorded.",
    )
    prescription_event_ids = fields.Many2many(
        "dunning.prescription.event",
        "dunning_prescription_event_move_rel",
        "move_id",
        "event_id",
        string="Prescription Interruptions",
        copy=False,
    )
    prescription_event_count = fields.Integer(
        compute="_compute_prescription_event_count", string="Interruptions"
    )
    prescription_days_left = fields.Integer(
        compute="_compute_prescription_days_left", string="Days Left"
    )
    prescription_near = fields.Boolean(
        string="Near Prescription",
        compute="_compute_prescription_days_left",
        search="_search_prescription_near",
    )
    prescription_expired = fields.Boolean(
        string="Prescribed",
        compute="_compute_prescription_days_left",
        search="_search_prescription_expired",
    )
    dunning_case_line_ids = fields.One2many(
        "dunning.collection.case.line", "move_id", string="Collection Cases"
    )
    prescription_alert_date = fields.Date(
        readonly=True,
        copy=False,
        help="The prescription date a to-do was planned for.",
    )
    dunning_interest_line_ids = fields.One2many(
        "account.move.line",
        "dunning_interest_origin_id",
        string="Late Interest Charged",
        readonly=True,
    )
    dunning_interest_invoiced_to = fields.Date(
        string="Interest Invoiced Up To",
        compute="_compute_dunning_interest_invoiced",
        store=True,
        help="Last day whose late-payment interest is on an interest invoice (draft "
        "or posted); the next interest invoice starts the day after.",
    )
    dunning_late_charge_invoice = fields.Boolean(
        string="Late Charges Invoice",
        readonly=True,
        copy=False,
        help="Made by Invoice Late Interest: statutory interest, compensation and "
        "reminder fees. The credit hold does not block it (it charges what a late "
        "payment costs, it is no new sale). Only that wizard sets it.",
    )
    dunning_compensation_invoiced = fields.Boolean(
        string="Compensation Invoiced",
        compute="_compute_dunning_interest_invoiced",
        store=True,
        help="The 40 EUR compensation of art. 6 D.Lgs. 231/2002 is on an interest "
        "invoice: it is owed once per invoice.",
    )

    @api.depends("dunning_line_ids.level_reached", "dunning_line_ids.level_rank")
    def _compute_dunning_level(self):
        for move in self:
            sent = move.dunning_line_ids.filtered("level_reached")
            move.dunning_count = len(sent)
            move.dunning_level_id = sent.sorted("level_rank")[-1:].level_id

    @api.depends("dunning_dispute_ids.state")
    def _compute_dunning_dispute_open_count(self):
        groups = self.env["dunning.dispute"]._read_group(
            [("move_id", "in", self.ids), ("state", "=", "open")],
            ["move_id"],
            ["__count"],
        )
        counts = {move.id: count for move, count in groups}
        for move in self:
            move.dunning_dispute_open_count = counts.get(move.id, 0)

    @api.depends(
        "move_type",
        "state",
        "invoice_date_due",
        "line_ids.date_maturity",
        "journal_id.prescription_term",
        "invoice_line_ids.product_id.categ_id.prescription_term",
        "commercial_partner_id.dunning_debtor_type",
        "commercial_partner_id.dunning_micro_enterprise",
        "prescription_event_ids.date",
        "dunning_case_line_ids.case_id.judgement_date",
    )
    def _compute_prescription_date(self):
        for move in self:
            if move.move_type != "out_invoice" or move.state != "posted":
                move.prescription_term = move.prescription_date = False
                continue
            start = move._prescription_start_date()
            partner = move.commercial_partner_id
            short_utility = (
                partner.dunning_debtor_type == "consumer"
                or partner.dunning_micro_enterprise
            )
            interruptions = [
                day
                for day in move.prescription_event_ids.mapped("date")
                if day >= start
            ]
            # A final judgement on the claim (recorded on its collection case):
            # nothing ran during the proceedings, 10 years from the day it
            # became final (art. 2945 c. 2, art. 2953 c.c.).
            judgement = max(
                move.sudo().dunning_case_line_ids.case_id.mapped("judgement_date"),
                default=None,
            )
            found = []
            for term in move._prescription_terms():
                category, sector = prescription_category(term, short_utility)
                try:
                    when = lib_prescription_date(
                        start,
                        category,
                        interruptions,
                        suspended_until=judgement,
                        sector=sector,
                    )
                except ValueError:
                    # No served claim before the judgement: the ordinary term.
                    when = lib_prescription_date(
                        start, category, interruptions, sector=sector
                    )
                found.append((when, term))
            move.prescription_date, move.prescription_term = min(found)

    @api.depends("prescription_event_ids")
    def _compute_prescription_event_count(self):
        for move in self:
            move.prescription_event_count = len(move.prescription_event_ids)

    @api.depends("prescription_date", "company_id.prescription_horizon_days")
    def _compute_prescription_days_left(self):
        for move in self:
            today = (move.company_id or self.env.company)._dunning_today()
            when = move.prescription_date
            left = (when - today).days if when else 0
            horizon = move.company_id.prescription_horizon_days
            move.prescription_days_left = left
            move.prescription_expired = bool(when) and left < 0
            move.prescription_near = bool(when) and 0 <= left <= horizon

    def _search_prescription_near(self, operator, value):
        """Within each company's horizon, from today on (prescribed ones aside)."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(operator)
        today = fields.Date.context_today(self)
        near = ["|"] * (len(self.env.companies) - 1)
        for company in self.env.companies:
            limit = today + timedelta(days=company.prescription_horizon_days)
            near += [
                "&",
                ("company_id", "=", company.id),
                ("prescription_date", "<=", limit),
            ]
        domain = ["&", ("prescription_date", ">=", today), *near]
        if (operator == "=") != value:
            return ["|", ("prescription_date", "=", False), "!", *domain]
        return domain

    def _search_prescription_expired(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(operator)
        today = fields.Date.context_today(self)
        if (operator == "=") == value:
            return [("prescription_date", "<", today)]
        return [
            "|",
            ("prescription_date", "=", False),
            ("prescription_date", ">=", today),
        ]

    def _prescription_start_date(self):
        """Art. 2935 c.c.: the day the credit can be claimed; with installments,
        the first due date, so that nothing prescribes unnoticed."""
        self.ensure_one()
        dates = self.line_ids.filtered(
            lambda line: line.display_type == "payment_term" and line.date_maturity
        ).mapped("date_maturity")
        return min(
            dates, default=self.invoice_date_due or self.invoice_date or self.date
        )

    def _prescription_terms(self):
        """Terms of the invoice lines: the product category's, else the journal's,
        else ordinary. The invoice takes the one that ends first."""
        self.ensure_one()
        default = self.journal_id.prescription_term or "ordinary"
        lines = self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        return {
            line.product_id.categ_id.prescription_term or default for line in lines
        } or {default}

    @api.model
    def _prescription_alert_ids(self, company, today, limit=None):
        """Open invoices of ``company`` prescribing within its lead days and not
        announced yet for that date, the most urgent first."""
        self.flush_model(
            ["company_id", "move_type", "state", "payment_state", "prescription_date"]
        )
        self.flush_model(["prescription_alert_date"])
        query = SQL(
            """
            SELECT id FROM account_move
             WHERE company_id = %(company_id)s
               AND move_type = 'out_invoice'
               AND state = 'posted'
               AND payment_state IN ('not_paid', 'partial')
               AND prescription_date BETWEEN %(today)s AND %(until)s
               AND prescription_alert_date IS DISTINCT FROM prescription_date
          ORDER BY prescription_date, id
            """,
            company_id=company.id,
            today=today,
            until=today + timedelta(days=company.prescription_lead_days),
        )
        if limit:
            query = SQL("%s LIMIT %s", query, limit)
        return [row[0] for row in self.env.execute_query(query)]

    @api.depends(
        "dunning_interest_line_ids.parent_state",
        "dunning_interest_line_ids.dunning_interest_type",
        "dunning_interest_line_ids.dunning_interest_date_to",
    )
    def _compute_dunning_interest_invoiced(self):
        for move in self:
            charged = move.dunning_interest_line_ids.filtered(
                lambda line: line.parent_state != "cancel"
            )
            interest = charged.filtered(
                lambda line: line.dunning_interest_type == "interest"
            )
            move.dunning_interest_invoiced_to = max(
                interest.mapped("dunning_interest_date_to"), default=False
            )
            move.dunning_compensation_invoiced = any(
                line.dunning_interest_type == "compensation" for line in charged
            )

    # ------------------------------------------------------------------
    # Statutory interest: the one computation for reminders, collection cases
    # and interest invoices.
    # ------------------------------------------------------------------

    def _dunning_statutory_interest(
        self, date_to, kind=None, tables=None, compensation_date=None, strict=True
    ):
        """{invoice id: :class:`StatutoryInterest`}: the statutory interest of
        each invoice up to ``date_to`` (included) not invoiced yet, and the 40
        EUR compensation when owed. Writes nothing.

        For each installment (receivable line): the original amount, reduced by
        each payment or credit note reconciled with it at that payment's date,
        bears interest from the day after its due date, or after the last day
        already on an interest invoice (``dunning_interest_invoiced_to``), to
        ``date_to`` (lib/late_interest.py). ``kind``: the rate
        (``KIND_B2B``/``KIND_LEGAL``); by default the debtor's
        (:meth:`res.partner._dunning_interest_kind`). The compensation of art.
        6 D.Lgs. 231/2002 is owed once per invoice, for B2B only, when some
        installment was late and it is not on an interest invoice yet; it is
        converted from EUR at ``compensation_date`` (default ``date_to``).
        ``tables``: {kind: rate table} when the caller read them already.
        ``strict``: a missing rate raises UserError naming the period to add;
        otherwise the invoice gets no interest and the reason in ``error``.
        """
        Rate = self.env["dunning.interest.rate"]
        tables = dict(tables or {})
        eur = self.env.ref("base.EUR")
        results = {}
        for move in self:
            move_kind = kind or move.commercial_partner_id._dunning_interest_kind()
            if move_kind not in tables:
                tables[move_kind] = Rate._rate_table(move_kind)
            invoiced_to = move.dunning_interest_invoiced_to
            receivables = move.line_ids.filtered(
                lambda line: line.display_type == "payment_term"
            ).sorted(lambda line: (line.date_maturity or date.min, line.id))
            first_due = (
                receivables[:1].date_maturity or move.invoice_date_due or move.date
            )
            start = max(first_due, invoiced_to) if invoiced_to else first_due
            result = StatutoryInterest(
                move=move,
                kind=move_kind,
                date_from=start + timedelta(days=1),
                date_to=date_to,
            )
            late = False
            for receivable in receivables:
                due = receivable.date_maturity or move.invoice_date_due or move.date
                principal = _cents(abs(receivable.amount_currency))
                payments = [
                    (partial.credit_move_id.date, _cents(partial.debit_amount_currency))
                    for partial in receivable.matched_credit_ids
                ]
                paid_by_due = sum(
                    (amount for day, amount in payments if day <= due), Decimal(0)
                )
                if principal > paid_by_due and date_to > due:
                    late = True
                window_start = max(due, invoiced_to) if invoiced_to else due
                try:
                    interest = Rate._late_interest(
                        move_kind,
                        principal,
                        window_start,
                        date_to,
                        payments,
                        label=move.name,
                        table=tables[move_kind],
                    )
                except UserError as error:
                    if strict:
                        raise
                    result.error = str(error)
                    result.interest = Decimal("0.00")
                    result.lines = []
                    result.by_line = dict.fromkeys(receivables.ids, Decimal("0.00"))
                    break
                result.by_line[receivable.id] = interest.total
                result.interest += interest.total
                result.lines += [(due, line) for line in interest.lines]
            result.date_to = max(
                (line.end for _due, line in result.lines), default=date_to
            )
            if (
                move_kind == KIND_B2B
                and late
                and not move.dunning_compensation_invoiced
            ):
                result.compensation = _cents(
                    eur._convert(
                        float(compensation_b2b()),
                        move.currency_id,
                        move.company_id,
                        compensation_date or date_to,
                    )
                )
            results[move.id] = result
        return results

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            vals.get("dunning_late_charge_invoice") for vals in vals_list
        ):
            self._raise_late_charge_flag()
        if any(vals.get("dunning_excluded") for vals in vals_list):
            self._check_dunning_exclusion_rights()
        return super().create(vals_list)

    def _raise_late_charge_flag(self):
        raise AccessError(
            _(
                "Only the Invoice Late Interest wizard marks an invoice as a late "
                "charges invoice."
            )
        )

    def write(self, vals):
        # The flag lets an invoice past the credit hold: only the interest
        # invoice wizard sets it, as superuser after its own rights check.
        if "dunning_late_charge_invoice" in vals and not self.env.su:
            self._raise_late_charge_flag()
        # What stops the reminders of an invoice is a credit manager's call.
        if any(
            fname in vals and move[fname] != (vals[fname] or False)
            for move in self
            for fname in ("dunning_excluded", "dunning_exclusion_reason")
        ):
            self._check_dunning_exclusion_rights()
        # _post() and every other route to a posted move write the state; Odoo
        # refuses to create a move already posted. Whatever raises a
        # customer's receivable is checked: invoices, sales receipts and
        # entries debiting it; credit notes and payments lower it. Late charges
        # invoices (interest, compensation, fees) are no new sale: the hold does
        # not block them.
        if vals.get("state") == "posted":
            for move in self.filtered(
                lambda m: m.state != "posted" and not m.dunning_late_charge_invoice
            ):
                move._credit_check_posting()
        # The customer an entry leaves keeps no trace of it: score it again.
        left = self.env["res.partner"]
        if "partner_id" in vals:
            left = self.filtered(
                lambda m: m.partner_id.id != vals["partner_id"]
            ).partner_id
        res = super().write(vals)
        if left:
            self.env["dunning.credit.profile"]._mark_risk_stale(left)
        return res

    def unlink(self):
        # A deleted draft invoice leaves no write date behind: the next risk
        # run scores its customer again.
        partners = self.partner_id
        res = super().unlink()
        self.env["dunning.credit.profile"]._mark_risk_stale(partners)
        return res

    def _check_dunning_exclusion_rights(self):
        self.env["res.partner"]._check_credit_manager(
            _("exclude an invoice from dunning")
        )

    def _credit_check_posting(self):
        """Raise UserError when posting this move raises the receivable of a
        customer on credit hold (see res.partner._credit_check_document)."""
        self.ensure_one()
        if self.move_type == "out_invoice":
            self.partner_id._credit_check_document(self)
            return
        if self.move_type == "out_receipt":
            # Draft receipts are not in the exposure: the receipt adds its total.
            self.partner_id._credit_check_document(
                self, self.amount_total, self.currency_id
            )
            return
        if (
            self.move_type != "entry"
            or self.origin_payment_id
            or self.statement_line_id
        ):
            return  # payments and bank lines settle receivables
        if self.journal_id == self.company_id.currency_exchange_journal_id:
            return  # exchange differences of a reconciliation
        debits = {}
        for line in self.line_ids.filtered(
            lambda ml: ml.account_type == "asset_receivable" and ml.partner_id
        ):
            partner = line.partner_id.commercial_partner_id
            debits[partner] = debits.get(partner, 0.0) + line.balance
        company_currency = self.company_id.currency_id
        for partner, amount in debits.items():
            if company_currency.compare_amounts(amount, 0.0) > 0:
                partner._credit_check_document(self, amount, company_currency)

    def action_view_prescription_events(self):
        self.ensure_one()
        return self.env["dunning.prescription.event"]._action_open(
            self.commercial_partner_id, self
        )

    def action_view_dunning_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_communication_line_action"
        )
        action["domain"] = [("move_id", "=", self.id)]
        return action

    def action_open_dispute(self):
        """A new dispute on this invoice, in a dialog."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Dispute %s", self.display_name),
            "res_model": "dunning.dispute",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_move_id": self.id,
                "default_company_id": self.company_id.id,
            },
        }

    def action_view_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_dispute_action"
        )
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {"default_move_id": self.id}
        return action

    def action_new_payment_promise(self):
        """A promise to pay on the selected invoices (invoice list action)."""
        return self._dunning_new_arrangement("dunning.promise", _("Promise to Pay"))

    def action_new_instalment_plan(self):
        """An instalment plan of the selected invoices (invoice list action)."""
        return self._dunning_new_arrangement(
            "dunning.instalment.plan", _("Instalment Plan")
        )

    def _dunning_new_arrangement(self, model, title):
        moves = self.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "posted"
            and not m.currency_id.is_zero(m.amount_residual)
        )
        if not moves:
            raise UserError(_("Select posted customer invoices that are not paid."))
        if len(moves.commercial_partner_id) > 1 or len(moves.company_id) > 1:
            raise UserError(
                _("Select the invoices of one customer in one company at a time.")
            )
        if len(moves.currency_id) > 1:
            raise UserError(
                _("Select invoices in one currency: make one %s per currency.", title)
            )
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": model,
            "view_mode": "form",
            "target": "current",
            "context": {
                "default_partner_id": moves.commercial_partner_id.id,
                "default_company_id": moves.company_id.id,
                "default_move_ids": moves.ids,
            },
        }

    pagopa_notice_ids = fields.Many2many(
        "dunning.pagopa.notice",
        "dunning_pagopa_notice_move_rel",
        "move_id",
        "notice_id",
        string="pagoPA Notices",
        copy=False,
        readonly=True,
    )
    pagopa_notice_count = fields.Integer(compute="_compute_pagopa_notice_count")

    @api.depends("pagopa_notice_ids")
    def _compute_pagopa_notice_count(self):
        for move in self:
            move.pagopa_notice_count = len(move.pagopa_notice_ids)

    def action_view_pagopa_notices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_pagopa_notice_action"
        )
        action["domain"] = [("move_ids", "in", self.ids)]
        return action
