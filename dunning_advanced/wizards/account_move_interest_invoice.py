import csv
import io
from collections import defaultdict
from decimal import Decimal

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date

from ..lib.late_interest import KIND_B2B

CENT = Decimal("0.01")


def _decimal(value):
    return Decimal(str(value)).quantize(CENT)


class AccountMoveInterestInvoice(models.TransientModel):
    """Invoice the statutory late-payment interest of customer invoices.

    B2B (the customer's debtor type is business or public administration):
    D.Lgs. 231/2002, ECB rate of the half-year + 8 points, and 40 EUR once per
    late invoice; B2C (consumer): the legal rate of art. 1284 c.c. Interest is
    in each invoice's currency; one interest invoice per customer and currency,
    each line remembers its invoice and days, so a later run starts the day
    after and never charges the compensation twice.
    """

    _name = "account.move.interest.invoice"
    _description = "Invoice Late Payment Interest"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date_to = fields.Date(
        string="Interest Up To",
        required=True,
        default=fields.Date.context_today,
        help="Interest runs to this day included, or to the payment date when the "
        "invoice was paid before.",
    )
    invoice_date = fields.Date(
        string="Invoice Date", required=True, default=fields.Date.context_today
    )
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        "('company_id', '=', company_id)]",
        help="Late customer invoices to charge interest on.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        help="Charge interest on all the late invoices of these customers.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        required=True,
        check_company=True,
        domain="[('type', '=', 'sale'), ('company_id', '=', company_id)]",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Choose a separate sales journal to number interest invoices apart.",
    )
    include_fees = fields.Boolean(
        string="Add Deferred Reminder Fees",
        default=True,
        help="Reminder fees of levels set to 'On the Next Interest Invoice' are "
        "added (in company currency) and marked as invoiced.",
    )
    post_invoices = fields.Boolean(
        string="Post the Invoices",
        help="Post at once; otherwise the invoices stay in draft for review.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model = self.env.context.get("active_model")
        ids = self.env.context.get("active_ids") or []
        if model == "account.move" and "move_ids" in fields_list:
            values["move_ids"] = [Command.set(ids)]
            companies = self.env["account.move"].browse(ids).company_id
            if len(companies) == 1 and "company_id" in fields_list:
                values["company_id"] = companies.id
        elif model == "res.partner" and "partner_ids" in fields_list:
            values["partner_ids"] = [Command.set(ids)]
        return values

    @api.depends("company_id")
    def _compute_journal_id(self):
        for wizard in self:
            if wizard.journal_id.company_id != wizard.company_id:
                wizard.journal_id = self.env["account.journal"].search(
                    [
                        *self.env["account.journal"]._check_company_domain(
                            wizard.company_id
                        ),
                        ("type", "=", "sale"),
                    ],
                    limit=1,
                )

    # ------------------------------------------------------------------
    # Action
    # ------------------------------------------------------------------

    def action_create_invoices(self):
        """Create the interest invoices and open them."""
        self.ensure_one()
        if not self.env.user.has_group("dunning_advanced.group_dunning_user"):
            raise AccessError(_("Only Dunning Users can invoice late interest."))
        if self.date_to > fields.Date.context_today(self):
            raise UserError(
                _(
                    "Interest is charged for days gone by: choose a date up to today, "
                    "not %s.",
                    format_date(self.env, self.date_to),
                )
            )
        if self.invoice_date < self.date_to:
            raise ValidationError(
                _(
                    "The interest invoice is dated %(date)s, before %(to)s, the last "
                    "day it charges interest for: date it %(to)s or later.",
                    date=format_date(self.env, self.invoice_date),
                    to=format_date(self.env, self.date_to),
                )
            )
        results = self._compute_interests(self._source_moves())
        fees = self._deferred_fees(
            self.move_ids.commercial_partner_id | self.partner_ids.commercial_partner_id
        )
        if not results and not fees:
            raise UserError(
                _(
                    "Nothing to invoice up to %s: no late invoice with interest not "
                    "invoiced yet, and no deferred reminder fee.",
                    format_date(self.env, self.date_to),
                )
            )
        invoices = self._create_invoices(results, fees)
        if self.post_invoices:
            # Rights are checked above; late charges invoices pass the credit
            # hold (account.move.dunning_late_charge_invoice).
            invoices.sudo().action_post()
        return {
            "type": "ir.actions.act_window",
            "name": _("Interest Invoices"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", invoices.ids)],
            "context": {"default_move_type": "out_invoice"},
        }

    # ------------------------------------------------------------------
    # Computation
    # ------------------------------------------------------------------

    def _source_moves(self):
        """Posted customer invoices due before ``date_to``, of this company.

        Invoices excluded from dunning are left out, and with them the fee and
        interest invoices: no interest on interest (art. 1283 c.c.).
        """
        other = self.move_ids.filtered(lambda m: m.company_id != self.company_id)
        if other:
            raise UserError(
                _(
                    "%(invoice)s belongs to %(company)s: select the invoices of one "
                    "company at a time.",
                    invoice=other[0].name,
                    company=other[0].company_id.name,
                )
            )
        not_invoice = self.move_ids.filtered(
            lambda m: m.move_type != "out_invoice" or m.state != "posted"
        )
        if not_invoice:
            raise UserError(
                _(
                    "%s is not a posted customer invoice: interest is charged on "
                    "posted customer invoices only.",
                    not_invoice[0].display_name,
                )
            )
        domain = [
            ("company_id", "=", self.company_id.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("dunning_excluded", "=", False),
            ("payment_state", "!=", "reversed"),
            # Some installment due before date_to (invoice_date_due is the last).
            (
                "line_ids",
                "any",
                [
                    ("display_type", "=", "payment_term"),
                    ("date_maturity", "<", self.date_to),
                ],
            ),
        ]
        if self.move_ids:
            domain.append(("id", "in", self.move_ids.ids))
        elif self.partner_ids:
            domain.append(
                (
                    "commercial_partner_id",
                    "in",
                    self.partner_ids.commercial_partner_id.ids,
                )
            )
        else:
            raise UserError(_("Select the invoices or the customers to charge."))
        return self.env["account.move"].search(domain, order="invoice_date_due, id")

    def _compute_interests(self, moves):
        """The charges of ``moves`` not invoiced yet; only those with some.

        One computation for reminders, cases and interest invoices:
        :meth:`account.move._dunning_statutory_interest` (B2B or legal rate
        after the debtor type, partial payments at their dates, days already
        invoiced left out, 40 EUR once per invoice for businesses)."""
        results = moves._dunning_statutory_interest(
            self.date_to, compensation_date=self.invoice_date
        )
        return [
            results[move.id]
            for move in moves
            if results[move.id].interest or results[move.id].compensation
        ]

    def _deferred_fees(self, partners):
        """Sent reminders whose fee waits for the next interest invoice."""
        if not self.include_fees or not partners:
            return self.env["dunning.communication"]
        return self.env["dunning.communication"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id", "child_of", partners.ids),
                ("state", "in", ("pending", "sent", "delivery_failed")),
                ("fee_invoiced", "=", False),
                ("fee_amount", ">", 0),
                ("level_id.fee_posting", "=", "interest_invoice"),
            ],
            order="date, id",
        )

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------

    def _create_invoices(self, results, fees):
        groups = defaultdict(lambda: {"results": [], "fees": []})
        for result in results:
            key = (result.move.commercial_partner_id, result.move.currency_id)
            groups[key]["results"].append(result)
        company_currency = self.company_id.currency_id
        for communication in fees:
            key = (communication.partner_id.commercial_partner_id, company_currency)
            groups[key]["fees"].append(communication)
        Move = self.env["account.move"].with_company(self.company_id)
        invoices = Move
        for (partner, currency), group in groups.items():
            vals = self._prepare_invoice(
                partner, currency, group["results"], group["fees"]
            )
            # An interest invoice is not reminded: that is the system's rule,
            # not a user's exclusion (a credit manager's), so it is set by the
            # system once the user's right to invoice interest was checked;
            # likewise the mark that lets it past the credit hold, now or when
            # posted later by hand.
            exclusion = {
                fname: vals.pop(fname)
                for fname in ("dunning_excluded", "dunning_exclusion_reason")
            }
            invoice = Move.create(vals)
            invoice.sudo().write({**exclusion, "dunning_late_charge_invoice": True})
            fee_communications = self.env["dunning.communication"].union(*group["fees"])
            if fee_communications:
                fee_communications.sudo().write(
                    {"fee_move_id": invoice.id, "fee_invoiced": True}
                )
            invoice.message_post(
                body=_(
                    "Late payment interest computed up to %s: the computation, "
                    "period by period, is attached.",
                    format_date(self.env, self.date_to),
                ),
                attachments=[
                    (
                        self._computation_file_name(partner, currency),
                        self._computation_csv(group["results"], group["fees"]),
                    )
                ],
            )
            invoices |= invoice
        return invoices

    def _prepare_invoice(self, partner, currency, results, fees):
        interest_product = self.env.ref("dunning_advanced.product_late_interest")
        compensation_product = self.env.ref(
            "dunning_advanced.product_late_compensation"
        )
        fee_product = self.env.ref("dunning_advanced.product_dunning_fee")
        lines = []
        for result in results:
            move = result.move
            law = (
                _("D.Lgs. 231/2002") if result.kind == KIND_B2B else _("art. 1284 c.c.")
            )
            if result.interest:
                lines.append(
                    self._prepare_line(
                        interest_product,
                        _(
                            "Late payment interest on %(invoice)s from %(start)s to "
                            "%(end)s (%(law)s)",
                            invoice=move.name,
                            start=format_date(self.env, result.date_from),
                            end=format_date(self.env, result.date_to),
                            law=law,
                        ),
                        result.interest,
                        interest_type="interest",
                        origin=move,
                        date_from=result.date_from,
                        date_to=result.date_to,
                    )
                )
            if result.compensation:
                lines.append(
                    self._prepare_line(
                        compensation_product,
                        _(
                            "Fixed compensation for recovery costs on %s "
                            "(art. 6 D.Lgs. 231/2002)",
                            move.name,
                        ),
                        result.compensation,
                        interest_type="compensation",
                        origin=move,
                    )
                )
        for communication in fees:
            lines.append(
                self._prepare_line(
                    fee_product,
                    _(
                        "Dunning fee: %(level)s (%(ref)s)",
                        level=communication.level_id.name,
                        ref=communication.name,
                    ),
                    _decimal(communication.fee_amount),
                    interest_type="fee",
                )
            )
        origins = [result.move.name for result in results] + [
            communication.name for communication in fees
        ]
        return {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "journal_id": self.journal_id.id,
            "currency_id": currency.id,
            "invoice_date": self.invoice_date,
            "invoice_origin": ", ".join(origins),
            "dunning_excluded": True,
            "dunning_exclusion_reason": _("Late payment interest invoice"),
            "invoice_line_ids": lines,
        }

    def _prepare_line(
        self,
        product,
        name,
        amount,
        interest_type,
        origin=None,
        date_from=False,
        date_to=False,
    ):
        return Command.create(
            {
                "product_id": product.id,
                "name": name,
                "quantity": 1,
                "price_unit": float(amount),
                # Outside the scope of VAT: art. 15 c. 1 DPR 633/72.
                "tax_ids": [Command.set(self._out_of_scope_tax().ids)],
                "dunning_interest_type": interest_type,
                "dunning_interest_origin_id": origin.id if origin else False,
                "dunning_interest_date_from": date_from,
                "dunning_interest_date_to": date_to,
            }
        )

    def _out_of_scope_tax(self):
        """The localization's sales tax for amounts outside the scope of VAT
        (art. 15 DPR 633/72: interest and compensation for late payment), so
        that Italian e-invoicing finds one VAT tax per line, nature N1; none
        without the Italian chart of accounts."""
        Tax = self.env["account.tax"]
        if "l10n_it_exempt_reason" not in Tax._fields:
            return Tax
        company = self.company_id
        tax = (
            self.env["account.chart.template"]
            .with_company(company)
            .ref("00art15v", raise_if_not_found=False)
        )
        if tax and tax.active and tax.type_tax_use == "sale":
            return tax
        return Tax.search(
            [
                *Tax._check_company_domain(company),
                ("type_tax_use", "=", "sale"),
                ("amount", "=", 0.0),
                ("l10n_it_exempt_reason", "=", "N1"),
            ],
            limit=1,
        )

    def _computation_file_name(self, partner, currency):
        name = partner.name.replace("/", "-")
        return f"Late interest {name} {currency.name} {self.date_to}.csv"

    def _computation_csv(self, results, fees):
        """The computation, one row per invoice and rate period, as CSV."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(
            [
                "invoice",
                "due_date",
                "basis",
                "date_from",
                "date_to",
                "days",
                "annual_rate_percent",
                "day_count_divisor",
                "amount_due",
                "interest",
                "currency",
            ]
        )
        for result in results:
            move = result.move
            basis = (
                "D.Lgs. 231/2002 art. 5"
                if result.kind == KIND_B2B
                else "art. 1284 c.c."
            )
            for due, line in result.lines:
                writer.writerow(
                    [
                        move.name,
                        due.isoformat(),
                        basis,
                        line.start.isoformat(),
                        line.end.isoformat(),
                        line.days,
                        f"{line.rate:.2f}",
                        line.divisor,
                        f"{line.principal:.2f}",
                        f"{line.interest:.2f}",
                        move.currency_id.name,
                    ]
                )
            writer.writerow(
                [
                    move.name,
                    "",
                    "total interest",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    f"{result.interest:.2f}",
                    move.currency_id.name,
                ]
            )
            if result.compensation:
                writer.writerow(
                    [
                        move.name,
                        "",
                        "compensation D.Lgs. 231/2002 art. 6",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        f"{result.compensation:.2f}",
                        move.currency_id.name,
                    ]
                )
        for communication in fees:
            writer.writerow(
                [
                    communication.name,
                    "",
                    "reminder fee",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    f"{_decimal(communication.fee_amount):.2f}",
                    communication.company_currency_id.name,
                ]
            )
        return buffer.getvalue().encode("utf-8")
