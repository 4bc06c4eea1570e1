from decimal import Decimal

from odoo import _, api, models

from ..report import letter_renderer as lr
from ..report import portal_statement_renderer as sr


def _decimal(value):
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


class DunningPortalDocument(models.AbstractModel):
    """The PDFs of the customer's page: the statement of open items (a
    letter without a dunning level) and the invoices (the PDF Odoo made when
    the invoice was sent, else its standard report, else a courtesy copy)."""

    _inherit = "dunning.portal"

    @api.model
    def _statement_pdf(self, partner, company, lang):
        """The statement of open items as a PDF letter, in ``lang`` (the
        caller's context language)."""
        items = self._items(partner, company)
        today = company._dunning_today()
        currency = (
            company.currency_id
            if any(item.currency == company.currency_id for item in items)
            else (items[0].currency if items else company.currency_id)
        )

        def invoice_line(item):
            return lr.LetterInvoiceLine(
                number=item.number,
                invoice_date=item.date,
                due_date=item.due_date,
                days_late=item.days_late,
                original=_decimal(item.amount),
                residual=_decimal(item.residual),
                status=item.status_label,
            )

        mine = [item for item in items if item.currency == currency]
        bank = company._dunning_bank()
        contact = (
            self.env["dunning.communication"]
            .new({"partner_id": partner.id, "company_id": company.id})
            ._letter_contact()
        )
        return sr.render_statement(
            sr.StatementData(
                company=lr.LetterCompany(
                    name=company.name,
                    street=company.street or "",
                    zip=company.zip or "",
                    city=company.city or "",
                    country=company.country_id.name or "",
                    vat=company.vat or "",
                    phone=company.phone or "",
                    email=company.email or "",
                    website=company.website or "",
                    logo_png=self.env["dunning.communication"]
                    .new({"company_id": company.id})
                    ._company_logo_png(),
                    iban=bank.acc_number or "",
                    bic=bank.bank_bic or "",
                    pec=company.dunning_pec_email_from or "",
                ),
                partner=lr.LetterPartner(
                    name=partner.name,
                    street=partner.street or "",
                    street2=partner.street2 or "",
                    zip=partner.zip or "",
                    city=partner.city or "",
                    state=partner.state_id.code or "",
                    country=partner.country_id.name
                    if partner.country_id != company.country_id
                    else "",
                    vat=partner.vat or "",
                ),
                lang=lang,
                date=today,
                place=company.city or "",
                overdue=[invoice_line(i) for i in mine if i.status == "overdue"],
                upcoming=[invoice_line(i) for i in mine if i.status == "due"],
                paused=[
                    invoice_line(i)
                    for i in mine
                    if i.status not in ("overdue", "due", "credit")
                ],
                credits=[
                    lr.LetterCredit(
                        number=i.number, date=i.date, amount=-_decimal(i.residual)
                    )
                    for i in mine
                    if i.status == "credit"
                ],
                currency_symbol=currency.symbol,
                total_owed=_decimal(
                    sum(i.residual for i in mine if i.status != "disputed")
                ),
                contact=[value for value in contact if value],
                title=_("Statement of account"),
                opening=_(
                    "Here is what you owe us on %(date)s: the overdue invoices, those "
                    "falling due and the credits in your favour.",
                    date=lr.format_date(today, lang),
                ),
                payment_instructions=[
                    line
                    for line in (
                        bank and _("IBAN: %s", bank.acc_number),
                        bank.bank_bic and _("BIC: %s", bank.bank_bic),
                    )
                    if line
                ],
            )
        )

    @api.model
    def _invoice_pdf(self, move, lang):
        """The invoice as a PDF: the one Odoo made when it was sent, else its
        standard report, else a copy drawn here (no wkhtmltopdf)."""
        move = move.sudo()
        stored = move.invoice_pdf_report_id
        if stored:
            return stored.raw
        report = self.env["ir.actions.report"].sudo()
        if report.get_wkhtmltopdf_state() == "ok":
            pdf, _kind = report.with_context(lang=lang)._render_qweb_pdf(
                "account.account_invoices", move.ids
            )
            return pdf
        return self._invoice_copy_pdf(move, lang)

    @api.model
    def _invoice_copy_pdf(self, move, lang):
        move = move.with_context(lang=lang)
        company = move.company_id
        currency = move.currency_id
        lines = move.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        return sr.render_invoice_copy(
            sr.InvoiceCopy(
                company_name=company.name,
                company_lines=[
                    value
                    for value in (
                        company.street,
                        " ".join(filter(None, [company.zip, company.city])),
                        company.vat and _("VAT %s", company.vat),
                    )
                    if value
                ],
                partner_lines=[
                    value
                    for value in (
                        move.partner_id.commercial_partner_id.name,
                        move.partner_id.street,
                        " ".join(
                            filter(None, [move.partner_id.zip, move.partner_id.city])
                        ),
                        move.partner_id.vat and _("VAT %s", move.partner_id.vat),
                    )
                    if value
                ],
                lang=lang,
                title=(
                    _("Credit note %s", move.name)
                    if move.move_type == "out_refund"
                    else _("Invoice %s", move.name)
                ),
                note=_(
                    "Courtesy copy: the invoice with legal value is the one you "
                    "received."
                ),
                date=move.invoice_date or move.date,
                due_date=move.invoice_date_due,
                currency_symbol=currency.symbol,
                rows=[
                    sr.InvoiceRow(
                        description=line.name or line.product_id.display_name or "",
                        quantity=_decimal(line.quantity),
                        price=_decimal(line.price_unit),
                        taxes=", ".join(line.tax_ids.mapped("name")),
                        subtotal=_decimal(line.price_subtotal),
                    )
                    for line in lines
                ],
                untaxed=_decimal(move.amount_untaxed),
                tax=_decimal(move.amount_tax),
                total=_decimal(move.amount_total),
                residual=_decimal(move.amount_residual),
                labels={
                    "date": _("Date"),
                    "due_date": _("Due date"),
                    "description": _("Description"),
                    "quantity": _("Quantity"),
                    "price": _("Unit price"),
                    "taxes": _("Taxes"),
                    "subtotal": _("Amount"),
                    "untaxed": _("Untaxed amount"),
                    "tax": _("Taxes"),
                    "total": _("Total"),
                    "residual": _("Still to pay"),
                },
            )
        )
