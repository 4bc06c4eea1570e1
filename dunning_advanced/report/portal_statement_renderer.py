"""PDFs of the customer's page: the statement of open items and a courtesy
copy of an invoice when Odoo cannot print its own (no wkhtmltopdf).

Pure Python, no ORM, built on the letter's primitives (letter_renderer.py):
the statement *is* a letter (letterhead, window address, the sections of open
items, the summary, the bank details), without a dunning level; the invoice
copy uses the same fonts, colours and money and date formats.
"""

import datetime
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import letter_renderer as lr


@dataclass(frozen=True, kw_only=True)
class StatementData:
    """The customer's open items on ``date``: ``overdue``, ``upcoming`` (not
    yet due), ``paused`` (disputed, promised, in a plan: listed with their
    status), ``credits`` (deducted). ``total_owed``: all but the disputed."""

    company: lr.LetterCompany
    partner: lr.LetterPartner
    lang: str
    date: datetime.date
    title: str
    opening: str = ""
    place: str = ""
    overdue: Sequence[lr.LetterInvoiceLine] = ()
    upcoming: Sequence[lr.LetterInvoiceLine] = ()
    paused: Sequence[lr.LetterInvoiceLine] = ()
    credits: Sequence[lr.LetterCredit] = ()
    currency_symbol: str = "€"
    total_owed: Decimal | None = None
    payment_instructions: Sequence[str] = ()
    contact: Sequence[str] = ()


def statement_letter(data: StatementData) -> lr.Letter:
    """The statement as a letter: what is overdue, less the credits, is the
    amount to pay."""
    overdue = sum((line.residual for line in data.overdue), Decimal(0))
    credits = sum((credit.amount for credit in data.credits), Decimal(0))
    return lr.Letter(
        company=data.company,
        partner=data.partner,
        lang=data.lang,
        date=data.date,
        place=data.place,
        reference="",
        subject=data.title,
        opening_text=data.opening,
        closing_text="",
        invoices=list(data.overdue),
        upcoming=list(data.upcoming),
        paused=list(data.paused),
        credits=list(data.credits),
        total_due=overdue - credits,
        total_owed=data.total_owed,
        currency_symbol=data.currency_symbol,
        payment_instructions=list(data.payment_instructions),
        contact=list(data.contact),
    )


def render_statement(data: StatementData) -> bytes:
    """The PDF of the statement."""
    return lr.render_letter(statement_letter(data))


@dataclass(frozen=True)
class InvoiceRow:
    description: str
    quantity: Decimal
    price: Decimal
    taxes: str
    subtotal: Decimal


@dataclass(frozen=True, kw_only=True)
class InvoiceCopy:
    """A courtesy copy of an invoice; ``labels`` in ``lang`` (keys: date,
    due_date, description, quantity, price, taxes, subtotal, untaxed, tax,
    total, residual)."""

    company_name: str
    company_lines: Sequence[str]
    partner_lines: Sequence[str]
    lang: str
    title: str
    date: datetime.date
    due_date: datetime.date | None
    currency_symbol: str
    rows: Sequence[InvoiceRow]
    untaxed: Decimal
    tax: Decimal
    total: Decimal
    residual: Decimal
    labels: Mapping[str, str] = field(default_factory=dict)
    note: str = ""


def _number(value: Decimal, lang: str) -> str:
    text = f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
    return text.replace(".", ",") if lang.startswith("it") else text


def render_invoice_copy(copy: InvoiceCopy) -> bytes:
    """The PDF of an invoice's courtesy copy (one or more A4 pages)."""
    regular, bold = lr._font_names()
    styles = lr._styles(regular, bold)
    labels = copy.labels

    def money(value: Decimal) -> str:
        return lr.format_money(value, copy.lang, copy.currency_symbol)

    def para(text: str, style) -> Paragraph:
        return Paragraph(escape(text or "").replace("\n", "<br/>"), style)

    story = [
        para(copy.company_name, styles.subject),
        para("\n".join(copy.company_lines), styles.box_line),
        Spacer(1, 6 * mm),
        para("\n".join(copy.partner_lines), styles.body),
        Spacer(1, 4 * mm),
        para(copy.title, styles.subject),
        para(
            "%s: %s"
            % (labels.get("date", "Date"), lr.format_date(copy.date, copy.lang))
            + (
                "   %s: %s"
                % (
                    labels.get("due_date", "Due date"),
                    lr.format_date(copy.due_date, copy.lang),
                )
                if copy.due_date
                else ""
            ),
            styles.box_line,
        ),
        Spacer(1, 4 * mm),
    ]
    width = lr.CONTENT_WIDTH
    columns = (width - 105 * mm, 18 * mm, 27 * mm, 30 * mm, 30 * mm)
    header = [
        labels.get(key, key)
        for key in ("description", "quantity", "price", "taxes", "subtotal")
    ]
    rows = [
        [
            para(row.description, styles.box_line),
            _number(row.quantity, copy.lang),
            money(row.price),
            para(row.taxes, styles.box_line),
            money(row.subtotal),
        ]
        for row in copy.rows
    ]
    table = Table([header, *rows], colWidths=columns, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), bold, 8),
                ("FONT", (0, 1), (-1, -1), regular, 8.5),
                ("TEXTCOLOR", (0, 0), (-1, 0), lr.ACCENT),
                ("BACKGROUND", (0, 0), (-1, 0), lr.HEADER_BG),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, lr.ACCENT),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, lr.RULE),
                ("ALIGN", (1, 0), (2, -1), "RIGHT"),
                ("ALIGN", (4, 0), (4, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(1, 4 * mm))
    totals = [
        [labels.get("untaxed", "Untaxed"), money(copy.untaxed)],
        [labels.get("tax", "Taxes"), money(copy.tax)],
        [labels.get("total", "Total"), money(copy.total)],
        [labels.get("residual", "Still to pay"), money(copy.residual)],
    ]
    summary = Table(totals, colWidths=(width - 40 * mm, 40 * mm))
    summary.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), regular, 9),
                ("FONT", (0, 2), (-1, 2), bold, 9.5),
                ("LINEABOVE", (0, 2), (-1, 2), 0.8, lr.ACCENT),
                ("FONT", (0, 3), (-1, 3), bold, 10),
                ("BACKGROUND", (0, 3), (-1, 3), lr.HEADER_BG),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ]
        )
    )
    story.append(summary)
    if copy.note:
        story += [Spacer(1, 6 * mm), para(copy.note, styles.box_note)]
    stream = io.BytesIO()
    doc = SimpleDocTemplate(
        stream,
        pagesize=A4,
        leftMargin=lr.LEFT,
        rightMargin=lr.LEFT,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=copy.title,
        author=copy.company_name,
        creator="dunning_advanced",
    )
    doc.build(story)
    return stream.getvalue()
