from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.sepa_sdd import SddCollection


class DunningSddBatchLine(models.Model):
    """One collection of a batch: an invoice under a mandate."""

    _name = "dunning.sdd.batch.line"
    _description = "SEPA Direct Debit Collection"
    _inherit = ["dunning.controlled.fields.mixin"]
    _order = "batch_id, collection_date, sequence_type, id"
    _check_company_auto = True
    # The amount is what the invoice owes (refreshed when the file is made),
    # the payment the one booked on collection.
    _dunning_controlled_fields = ("amount", "payment_id")

    batch_id = fields.Many2one(
        "dunning.sdd.batch", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="batch_id.company_id", store=True)
    state = fields.Selection(related="batch_id.state", store=True)
    invoice_id = fields.Many2one(
        "account.move",
        required=True,
        index=True,
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    partner_id = fields.Many2one(related="invoice_id.commercial_partner_id")
    mandate_id = fields.Many2one(
        "dunning.sdd.mandate", required=True, check_company=True
    )
    currency_id = fields.Many2one(related="batch_id.currency_id")
    amount = fields.Monetary(
        compute="_compute_from_invoice",
        store=True,
        precompute=True,
        required=True,
    )
    sequence_type = fields.Selection(
        [("FRST", "FRST"), ("RCUR", "RCUR"), ("OOFF", "OOFF")],
        compute="_compute_sequence_type",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="Sequence type of this collection under its mandate.",
    )
    collection_date = fields.Date(
        compute="_compute_collection_date",
        store=True,
        readonly=False,
        precompute=True,
        help="Requested collection date; the batch's unless changed.",
    )
    end_to_end_id = fields.Char(
        string="End-to-End Id", compute="_compute_end_to_end_id", store=True
    )
    payment_id = fields.Many2one("account.payment", readonly=True, copy=False)

    _sql_constraints = [
        (
            "invoice_batch_uniq",
            "unique(batch_id, invoice_id)",
            "An invoice can be collected once per batch.",
        )
    ]

    @api.model_create_multi
    def create(self, vals_list):
        batches = self.env["dunning.sdd.batch"].browse(
            [vals["batch_id"] for vals in vals_list if vals.get("batch_id")]
        )
        batches._check_draft_lines()
        return super().create(vals_list)

    def write(self, vals):
        self.batch_id._check_draft_lines()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_if_draft(self):
        self.batch_id._check_draft_lines()

    @api.depends("invoice_id")
    def _compute_from_invoice(self):
        for line in self:
            line.amount = line.invoice_id.amount_residual

    @api.depends("mandate_id")
    def _compute_sequence_type(self):
        for line in self:
            line.sequence_type = line.mandate_id.sequence_type

    @api.depends("batch_id.collection_date")
    def _compute_collection_date(self):
        for line in self:
            if not line.collection_date:
                line.collection_date = line.batch_id.collection_date

    @api.depends("invoice_id.name")
    def _compute_end_to_end_id(self):
        for line in self:
            name = (line.invoice_id.name or "").replace("/", "-")
            line.end_to_end_id = name[:35]

    def _check_collectable(self):
        self.ensure_one()
        invoice = self.invoice_id
        if self.mandate_id.state != "active":
            raise UserError(
                _(
                    "%(invoice)s: mandate %(mandate)s is not active.",
                    invoice=invoice.display_name,
                    mandate=self.mandate_id.name,
                )
            )
        mandate_partner = self.mandate_id.partner_id.commercial_partner_id
        if mandate_partner != invoice.commercial_partner_id:
            raise UserError(
                _(
                    "%(invoice)s: mandate %(mandate)s is not of %(customer)s.",
                    invoice=invoice.display_name,
                    mandate=self.mandate_id.name,
                    customer=invoice.commercial_partner_id.display_name,
                )
            )
        if (
            invoice.currency_id.compare_amounts(self.amount, invoice.amount_residual)
            > 0
        ):
            raise UserError(
                _(
                    "%(invoice)s: %(amount)s is more than its amount due.",
                    invoice=invoice.display_name,
                    amount=self.amount,
                )
            )

    def _prepare_collection(self):
        self.ensure_one()
        mandate = self.mandate_id
        bank = mandate.partner_bank_id
        invoice = self.invoice_id
        return SddCollection(
            end_to_end_id=self.end_to_end_id,
            amount=Decimal(str(self.amount)).quantize(Decimal("0.01")),
            mandate_reference=mandate.name,
            mandate_signature_date=mandate.signature_date,
            sequence_type=self.sequence_type,
            debtor_name=mandate.partner_id.name,
            debtor_iban=bank.acc_number,
            collection_date=self.collection_date or self.batch_id.collection_date,
            scheme=mandate.scheme,
            debtor_bic=bank.bank_bic or None,
            remittance_text=invoice.payment_reference or invoice.name,
            **self._debtor_address(),
            **mandate._amendment_values(),
        )

    def _debtor_address(self):
        """The debtor's postal address for the collection file (required for
        an account outside the EEA): the mandate's customer."""
        partner = self.mandate_id.partner_id
        if not (partner.country_id and partner.city):
            return {}
        street = " ".join(p for p in (partner.street, partner.street2) if p)
        return {
            "debtor_country": partner.country_id.code,
            "debtor_street": street or None,
            "debtor_postcode": partner.zip or None,
            "debtor_town": partner.city,
        }
