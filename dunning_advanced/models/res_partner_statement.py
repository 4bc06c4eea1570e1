import base64
import logging
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.epc_qr import epc_qr_payload
from ..report import letter_renderer as lr
from ..report import statement_renderer as sr

_logger = logging.getLogger(__name__)

STATEMENT_REPORT = "dunning_advanced.report_customer_statement"
STATEMENT_TEMPLATE = "dunning_advanced.mail_template_customer_statement"
# How far back "recent payments and credit notes" go.
RECENT_DAYS = 60


def _decimal(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


class ResPartnerStatement(models.Model):
    """Customer statements (estratto conto): open items with their aging,
    recent payments and credit notes, the balance and its EPC QR code, in the
    customer's language (see report/statement_renderer.py)."""

    _inherit = "res.partner"

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_dunning_print_statement(self):
        """Download the statements of these customers (one PDF)."""
        self._check_statement_rights()
        ids = ",".join(str(i) for i in self.commercial_partner_id.ids)
        return {
            "type": "ir.actions.act_url",
            "url": f"/dunning/statements/{ids}?company_id={self.env.company.id}",
            "target": "self",
        }

    def action_dunning_send_statement(self):
        """Email each customer its statement (the composer, one or many)."""
        self._check_statement_rights()
        partners = self.commercial_partner_id
        if not partners:
            raise UserError(_("Select the customers to send a statement to."))
        template = self.env.ref(STATEMENT_TEMPLATE)
        composition = "comment" if len(partners) == 1 else "mass_mail"
        return {
            "type": "ir.actions.act_window",
            "name": _("Send Statement"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": "res.partner",
                "default_res_ids": partners.ids,
                "default_template_id": template.id,
                "default_composition_mode": composition,
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "dunning_statement_company_id": self.env.company.id,
            },
        }

    def _check_statement_rights(self):
        """Statements list a customer's receivables: Dunning Users and up."""
        self.env["res.partner"]._check_dunning_user(_("print or send statements"))

    # ------------------------------------------------------------------
    # Building the statement
    # ------------------------------------------------------------------

    @api.model
    def _dunning_statement_pdf(self, partners, company=None, as_of=None):
        """One PDF of the statements of ``partners`` in ``company`` (the
        current one) on ``as_of`` (today). Reads only; no rights checked."""
        company = company or self.env.company
        as_of = as_of or fields.Date.context_today(self)
        statements = [
            partner._dunning_statement(company, as_of)
            for partner in partners.commercial_partner_id
        ]
        try:
            return sr.render_statements(statements)
        except ValueError as exc:
            raise UserError(str(exc)) from None

    def _dunning_statement_file_name(self):
        """``Estratto conto <customer> <date>`` in the customer's language."""
        self.ensure_one()
        partner = self.commercial_partner_id
        title = sr.statement_labels(partner._dunning_statement_lang())["title"]
        today = fields.Date.to_string(fields.Date.context_today(self))
        return f"{title} {partner.name} {today}"

    def _dunning_statement_lang(self):
        self.ensure_one()
        lang = self.lang or self.env.lang or "en_US"
        return lang if lang.split("_")[0] in sr.LABELS else "en_US"

    def _dunning_statement(self, company, as_of):
        """The :class:`Statement` of this customer (commercial partner)."""
        self.ensure_one()
        partner = self.commercial_partner_id
        lang = partner._dunning_statement_lang()
        env = self.with_context(lang=lang).env
        since = as_of - timedelta(days=RECENT_DAYS)
        company_ids = self.env["dunning.credit.profile"]._credit_company_ids(company)
        companies = self.env["res.company"].browse(company_ids)
        Aged = self.env["dunning.aged.receivable"].sudo()
        rows = Aged._open_items(as_of, companies, partner)
        Line = self.env["account.move.line"].sudo()
        lines = Line.browse([row["line_id"] for row in rows])
        residuals = {row["line_id"]: row["residual_currency"] for row in rows}
        labels = sr.statement_labels(lang)
        notes = partner._dunning_statement_notes(lines, labels, lang)
        items = defaultdict(list)
        for line in lines.sorted(lambda li: (li.date_maturity or li.date, li.id)):
            items[line.currency_id].append(
                sr.StatementItem(
                    number=line.move_id.name or line.name or "",
                    kind=_statement_kind(line),
                    date=line.move_id.invoice_date or line.date,
                    due_date=line.date_maturity or line.date,
                    original=_decimal(line.amount_currency),
                    residual=_decimal(residuals[line.id]),
                    note=notes.get(line.id, ""),
                )
            )
        recent = defaultdict(list)
        for line in partner._dunning_statement_recent(companies, since, as_of):
            paid = line.matched_debit_ids.debit_move_id.move_id
            recent[line.currency_id].append(
                sr.StatementMovement(
                    number=line.move_id.name or "",
                    kind=_statement_kind(line),
                    date=line.date,
                    amount=_decimal(-line.amount_currency),
                    reference=", ".join(paid.mapped("name")),
                )
            )
        currencies = list(items) or [company.currency_id]
        currencies += [c for c in recent if c not in currencies]
        bank = company._dunning_bank()
        sections = []
        for currency in currencies:
            section_items = items.get(currency, [])
            balance = sum((i.residual for i in section_items), Decimal(0))
            sections.append(
                sr.StatementSection(
                    currency_name=currency.name,
                    currency_symbol=currency.symbol or currency.name,
                    items=section_items,
                    recent=recent.get(currency, []),
                    qr=partner._dunning_statement_qr(
                        company, bank, currency, balance, as_of, lang
                    ),
                    payment_instructions=_payment_lines(bank, env)
                    if balance > 0
                    else (),
                )
            )
        return sr.Statement(
            company=_letter_company(company, bank),
            partner=_letter_partner(partner, company),
            lang=lang,
            date=as_of,
            reference=partner.ref or str(partner.id),
            place=company.city or "",
            sections=sections,
            recent_since=since,
            contact=_contact_lines(company, partner, labels),
        )

    def _dunning_statement_recent(self, companies, since, as_of):
        """Payments and credit notes of the customer between ``since`` and
        ``as_of`` (credit lines of its receivable accounts)."""
        self.ensure_one()
        return (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("company_id", "in", companies.ids),
                    ("partner_id", "child_of", self.id),
                    ("account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("balance", "<", 0),
                    ("date", ">", since),
                    ("date", "<=", as_of),
                ],
                order="date desc, id desc",
            )
        )

    def _dunning_statement_notes(self, lines, labels, lang):
        """What the customer should know of an item: disputed, promised."""
        self.ensure_one()
        notes = {}
        moves = lines.move_id
        disputes = (
            self.env["dunning.dispute"]
            .sudo()
            .search([("move_id", "in", moves.ids), ("state", "=", "open")])
        )
        promises = (
            self.env["dunning.promise"]
            .sudo()
            .search([("move_ids", "in", moves.ids), ("state", "=", "open")])
        )
        for line in lines:
            texts = []
            if disputes.filtered(
                lambda d, li=line: d.move_id == li.move_id
                and (not d.move_line_id or d.move_line_id == li)
            ):
                texts.append(labels["disputed"])
            promise = promises.filtered(lambda p, li=line: li.move_id in p.move_ids)
            if promise:
                day = lr.format_date(promise[:1].date, lang)
                texts.append(labels["promised"].format(date=day))
            if texts:
                notes[line.id] = "; ".join(texts)
        return notes

    def _dunning_statement_qr(self, company, bank, currency, balance, as_of, lang):
        """The EPC QR code of a EUR balance due, or None (logged why)."""
        if currency.name != "EUR" or balance <= 0 or not bank:
            return None
        labels = sr.statement_labels(lang)
        text = labels["remittance"].format(
            ref=self.ref or self.id, date=lr.format_date(as_of, lang)
        )
        try:
            payload = epc_qr_payload(
                company.name,
                bank.acc_number,
                balance,
                bic=bank.bank_bic or None,
                remittance_text=text[:140],
            )
        except ValueError as exc:
            _logger.info("Statement of %s without EPC QR code: %s", self.id, exc)
            return None
        return lr.LetterPaymentQR(labels["pay_qr"], payload, labels["pay_qr_caption"])


def _statement_kind(line):
    move = line.move_id
    if move.move_type == "out_invoice":
        return "invoice"
    if move.move_type == "out_refund":
        return "credit_note"
    if line.payment_id or move.origin_payment_id or move.statement_line_id:
        return "payment"
    return "entry"


def _letter_company(company, bank):
    return lr.LetterCompany(
        name=company.name,
        street=company.street or "",
        zip=company.zip or "",
        city=company.city or "",
        country=company.country_id.name or "",
        vat=company.vat or "",
        phone=company.phone or "",
        email=company.email or "",
        website=company.website or "",
        logo_png=base64.b64decode(company.logo) if company.logo else None,
        iban=bank.acc_number or "",
        bic=bank.bank_bic or "",
    )


def _letter_partner(partner, company):
    fiscal_code = ""
    if "l10n_it_codice_fiscale" in partner._fields:
        fiscal_code = partner.l10n_it_codice_fiscale or ""
    return lr.LetterPartner(
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
        fiscal_code=fiscal_code,
    )


def _payment_lines(bank, env):
    if not bank:
        return ()
    lines = [env._("IBAN: %s", bank.acc_number)]
    if bank.bank_bic:
        lines.append(env._("BIC: %s", bank.bank_bic))
    return tuple(lines)


def _contact_lines(company, partner, labels):
    collector = partner._dunning_responsible(company)
    if not collector or collector.share:
        return ()
    details = ", ".join(
        v for v in (collector.name, collector.email, collector.phone) if v
    )
    return (labels["contact"].format(contact=details),)
