import hashlib
from datetime import datetime, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib.sepa_sdd import (
    PAIN_008_001_02,
    PAIN_008_001_08,
    SddCreditor,
    build_pain008,
    validate_pain008,
)

BATCH_STATES = [
    ("draft", "Draft"),
    ("generated", "File Generated"),
    ("sent", "Sent to Bank"),
    ("done", "Collected"),
]
# EPC SDD rulebooks: since November 2016 a CORE collection (FRST or RCUR) may
# reach the debtor bank one business day before its due date; two calendar
# days leave the bank a day to forward the file.
COLLECTION_DELAY_DAYS = 2


class DunningSddBatch(models.Model):
    """A SEPA Direct Debit collection file re-presenting open invoices.

    Built from invoices of customers with an active mandate, it writes a
    pain.008 file (one payment information block per collection date and
    sequence type), checked against the official XSD. When the bank has
    collected, confirming registers a payment on each invoice and reconciles
    it: the invoices leave dunning.
    """

    _name = "dunning.sdd.batch"
    _description = "SEPA Direct Debit Batch"
    _inherit = ["mail.thread", "dunning.controlled.fields.mixin"]
    _order = "collection_date desc, id desc"
    _check_company_auto = True
    # A batch is generated, sent and collected by its buttons only, each
    # checking the state before and the file it made.
    _dunning_controlled_fields = ("state", "attachment_id", "file_checksum")

    name = fields.Char(
        required=True, readonly=True, copy=False, default=lambda self: _("New")
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    collection_date = fields.Date(
        string="Requested Collection Date",
        required=True,
        tracking=True,
        default=lambda self: fields.Date.context_today(self)
        + timedelta(days=COLLECTION_DELAY_DAYS),
        help="Date of the lines that have none of their own.",
    )
    pain_version = fields.Selection(
        [
            (PAIN_008_001_02, "pain.008.001.02"),
            (PAIN_008_001_08, "pain.008.001.08"),
        ],
        string="File Version",
        required=True,
        default=lambda self: self.env.company.dunning_sdd_pain_version,
    )
    bank_id = fields.Many2one(
        "res.partner.bank",
        string="Creditor Account",
        required=True,
        check_company=True,
        domain="[('partner_id.ref_company_ids', 'in', [company_id])]",
        default=lambda self: self.env.company._dunning_bank(),
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Bank Journal",
        required=True,
        check_company=True,
        domain="[('type', '=', 'bank'), ('company_id', '=', company_id)]",
        default=lambda self: self._default_journal(),
        help="Journal of the payments registered when the batch is collected.",
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.ref("base.EUR"), readonly=True
    )
    state = fields.Selection(
        BATCH_STATES,
        required=True,
        default="draft",
        tracking=True,
        index=True,
        copy=False,
    )
    line_ids = fields.One2many(
        "dunning.sdd.batch.line", "batch_id", string="Collections", copy=False
    )
    line_count = fields.Integer(compute="_compute_totals", store=True)
    amount_total = fields.Monetary(compute="_compute_totals", store=True)
    attachment_id = fields.Many2one(
        "ir.attachment", string="pain.008 File", readonly=True, copy=False
    )
    file_checksum = fields.Char(
        string="File SHA-256",
        readonly=True,
        copy=False,
        help="Of the file as generated: a file changed afterwards is not sent "
        "nor booked.",
    )

    @api.depends("line_ids.amount")
    def _compute_totals(self):
        for batch in self:
            batch.line_count = len(batch.line_ids)
            batch.amount_total = sum(batch.line_ids.mapped("amount"))

    @api.model
    def _default_journal(self):
        company = self.env.company
        journals = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)]
        )
        bank = company._dunning_bank()
        return (
            journals.filtered(lambda j: j.bank_account_id == bank)[:1] or (journals[:1])
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["name"] = self.env["ir.sequence"].with_company(
                    company
                ).next_by_code("dunning.sdd.batch") or _("New")
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_if_draft(self):
        if self.filtered(lambda b: b.state != "draft"):
            raise UserError(_("Only a draft batch can be deleted."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @api.model
    def action_create_from_invoices(self, invoices):
        """A draft batch re-collecting ``invoices`` (server action on invoices
        and on reminders); invoices that cannot be collected are listed."""
        self.check_access("create")
        invoices = self.env["account.move"].browse(
            invoices.ids if isinstance(invoices, models.BaseModel) else invoices
        )
        if len(invoices.company_id) > 1:
            raise UserError(_("Select invoices of one company at a time."))
        company = invoices.company_id or self.env.company
        Batch = self.with_company(company)
        mandates = self.env["dunning.sdd.mandate"]._active_for(
            invoices.partner_id, company
        )
        busy = (
            self.env["dunning.sdd.batch.line"]
            .search(
                [
                    ("invoice_id", "in", invoices.ids),
                    ("batch_id.state", "!=", "done"),
                ]
            )
            .invoice_id
        )
        eur = self.env.ref("base.EUR")
        lines, skipped = [], []
        for invoice in invoices:
            mandate = mandates.get(invoice.partner_id.commercial_partner_id)
            reason = None
            if invoice.move_type != "out_invoice" or invoice.state != "posted":
                reason = _("not a posted customer invoice")
            elif invoice.currency_id != eur:
                reason = _("not in EUR")
            elif invoice.payment_state not in ("not_paid", "partial"):
                reason = _("already paid")
            elif not mandate:
                reason = _("no active mandate")
            elif invoice in busy:
                reason = _("already in a batch not yet collected")
            if reason:
                skipped.append(f"{invoice.display_name}: {reason}")
                continue
            lines.append({"invoice_id": invoice.id, "mandate_id": mandate.id})
        if not lines:
            raise UserError(
                _(
                    "No invoice can be collected by direct debit:\n%s",
                    "\n".join(skipped),
                )
            )
        batch = Batch.create(
            {"company_id": company.id, "line_ids": [(0, 0, v) for v in lines]}
        )
        if skipped:
            batch._message_log(
                body=_("Left out: %s", "; ".join(skipped)),
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": batch.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_generate(self):
        """Write the pain.008 file, checked against the official XSD. The
        amounts are what the invoices owe now."""
        self._check_rights()
        for batch in self:
            batch._check_state("draft")
            for line in batch.line_ids:
                line._write_controlled({"amount": line.invoice_id.amount_residual})
            xml = batch._build_pain008()
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": f"{batch.name.replace('/', '-')}.xml",
                        "raw": xml,
                        "mimetype": "application/xml",
                        "res_model": batch._name,
                        "res_id": batch.id,
                    }
                )
            )
            batch._write_controlled(
                {
                    "attachment_id": attachment.id,
                    "file_checksum": hashlib.sha256(xml).hexdigest(),
                    "state": "generated",
                }
            )
        return True

    def action_check_file(self):
        """Validate the attached file again: unchanged since it was generated,
        and valid against the XSD."""
        for batch in self:
            if not batch.attachment_id:
                raise UserError(_("Batch %s has no file yet.", batch.name))
            raw = batch.attachment_id.sudo().raw
            try:
                validate_pain008(raw, batch.pain_version)
            except ValueError as error:
                raise UserError(
                    _("File of %(batch)s: %(error)s", batch=batch.name, error=error)
                ) from error
            if hashlib.sha256(raw).hexdigest() != batch.file_checksum:
                raise UserError(
                    _(
                        "The file of %s changed since it was generated: reset the "
                        "batch to draft and generate it again.",
                        batch.name,
                    )
                )
        return True

    def action_mark_sent(self):
        self._check_rights()
        for batch in self:
            batch._check_state("generated")
        self.action_check_file()
        self._write_controlled({"state": "sent"})
        return True

    def action_reset_draft(self):
        self._check_rights()
        for batch in self:
            batch._check_state("generated")
        attachments = self.attachment_id
        self._write_controlled(
            {"state": "draft", "attachment_id": False, "file_checksum": False}
        )
        attachments.sudo().unlink()
        return True

    def action_confirm_collected(self):
        """The bank collected: pay and reconcile the invoices, and the
        mandates used for a first collection go on with RCUR. It books money:
        a credit manager confirms it, for the amounts of the file sent."""
        self._check_rights(manager=True)
        for batch in self:
            batch._check_state("sent")
            batch.action_check_file()
            batch._register_payments()
            batch._write_controlled({"state": "done"})
        return True

    def action_download(self):
        self.ensure_one()
        if not self.attachment_id:
            raise UserError(_("Batch %s has no file yet.", self.name))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _check_rights(self, manager=False):
        """Dunning Users prepare and send batches; Credit Managers book them."""
        group = (
            "dunning_advanced.group_dunning_credit_manager"
            if manager
            else "dunning_advanced.group_dunning_user"
        )
        if not self.env.su and not self.env.user.has_group(group):
            raise AccessError(
                _("Only Credit Managers can confirm that a batch was collected.")
                if manager
                else _("Only Dunning Users can prepare direct debit batches.")
            )
        self.check_access("write")

    def _check_draft_lines(self):
        """Collections are added, changed or removed in a draft batch only."""
        if self.env.su:
            return
        for batch in self:
            if batch.state != "draft":
                raise UserError(
                    _(
                        "Batch %s is no longer a draft: its collections are those "
                        "of its file. Reset it to draft to change them.",
                        batch.name,
                    )
                )

    def _check_state(self, state):
        self.ensure_one()
        if self.state != state:
            raise UserError(
                _(
                    "Batch %(batch)s is %(state)s: this is not possible any more.",
                    batch=self.name,
                    state=dict(BATCH_STATES)[self.state],
                )
            )

    def _build_pain008(self):
        self.ensure_one()
        if not self.line_ids:
            raise UserError(_("Batch %s has no collection.", self.name))
        company = self.company_id
        for line in self.line_ids:
            line._check_collectable()
        creditor = SddCreditor(
            name=company.name,
            iban=self.bank_id.acc_number,
            creditor_id=company._dunning_sdd_creditor_identifier(),
            bic=self.bank_id.bank_bic or None,
        )
        collections = [line._prepare_collection() for line in self.line_ids]
        try:
            return build_pain008(
                creditor,
                self.name.replace("/", "-"),
                self._creation_datetime(),
                collections,
                self.pain_version,
            )
        except ValueError as error:
            raise UserError(
                _("Batch %(batch)s: %(error)s", batch=self.name, error=error)
            ) from error

    def _creation_datetime(self):
        """Now, with the offset of the company's time zone (CreDtTm): a time
        without offset is read by banks as their local time."""
        tz = self.company_id.partner_id.tz or self.env.user.tz or "Europe/Rome"
        return datetime.now(pytz.timezone(tz)).replace(microsecond=0)

    def _register_payments(self):
        self.ensure_one()
        # The rights were checked (credit manager) and the amounts are those of
        # the file as generated.
        Register = self.env["account.payment.register"].sudo()
        for line in self.line_ids:
            wizard = Register.with_context(
                active_model="account.move", active_ids=line.invoice_id.ids
            ).create(
                {
                    "payment_date": line.collection_date,
                    "amount": line.amount,
                    "currency_id": self.currency_id.id,
                    "journal_id": self.journal_id.id,
                    "communication": line.end_to_end_id,
                }
            )
            line._write_controlled({"payment_id": wizard._create_payments()[:1].id})
            mandate = line.mandate_id
            vals = {"last_debit_date": line.collection_date}
            if mandate.sequence_type == "FRST":
                vals["sequence_type"] = "RCUR"
            elif mandate.sequence_type == "OOFF":
                vals["state"] = "expired"
            mandate.sudo().write(vals)
