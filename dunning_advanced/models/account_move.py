from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib.prescription import prescription_date as lib_prescription_date
from .dunning_prescription_event import PRESCRIPTION_TERMS, prescription_category

DUNNING_USER = "dunning_advanced.group_dunning_user"


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
    dunning_compensation_invoiced = fields.Boolean(
        string="Compensation Invoiced",
        compute="_compute_dunning_interest_invoiced",
        store=True,
        help="The 40 EUR compensation of art. 6 D.Lgs. 231/2002 is on an interest "
        "invoice: it is owed once per invoice.",
    )

    @api.depends("dunning_line_ids.state", "dunning_line_ids.level_rank")
    def _compute_dunning_level(self):
        for move in self:
            sent = move.dunning_line_ids.filtered(lambda line: line.state == "sent")
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
        "commercial_partner_id.is_company",
        "commercial_partner_id.dunning_micro_enterprise",
        "prescription_event_ids.date",
    )
    def _compute_prescription_date(self):
        for move in self:
            if move.move_type != "out_invoice" or move.state != "posted":
                move.prescription_term = move.prescription_date = False
                continue
            start = move._prescription_start_date()
            partner = move.commercial_partner_id
            short_utility = not partner.is_company or partner.dunning_micro_enterprise
            interruptions = [
                day
                for day in move.prescription_event_ids.mapped("date")
                if day >= start
            ]
            found = []
            for term in move._prescription_terms():
                category, sector = prescription_category(term, short_utility)
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
        today = fields.Date.context_today(self)
        for move in self:
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

    def write(self, vals):
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
        # entries debiting it; credit notes and payments lower it.
        if vals.get("state") == "posted":
            for move in self.filtered(lambda m: m.state != "posted"):
                move._credit_check_posting()
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("dunning_excluded") for vals in vals_list):
            self._check_dunning_exclusion_rights()
        return super().create(vals_list)

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
