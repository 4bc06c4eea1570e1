"""Customer statements (estratto conto) as PDF.

Pure Python, no ORM: the models build :class:`Statement` values and call
:func:`render_statement` (print, e-mail attachment) or :func:`render_statements`
(one PDF of several customers, each from a new page and numbered on its own).

A statement has the page of a dunning letter (letterhead, address in the
envelope window, info block, footer with the company's legal data: the layout
classes of :mod:`.letter_renderer` are reused as they are) and says, per
currency:

* every open item on the day of the statement: invoices, credit notes and
  payments not yet applied, with date, due date, days late and what is left;
* the open amount in the aging columns of :mod:`..lib.credit_kpi` (not due,
  1-30 ... over 120 days);
* the payments and credit notes of the last days (``recent_since``);
* the balance, and for a EUR balance the EPC QR code of a SEPA transfer of it.

Texts and headings are in Italian or English after the customer's language
(:data:`LABELS`); amounts and dates as :mod:`.letter_renderer` formats them.
"""

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..lib.credit_kpi import AGING_CODES, age_items
from . import letter_renderer as lr

LABELS = {
    "it": {
        "title": "Estratto conto",
        "subject": "Estratto conto al {date}",
        "intro": "Spettabile cliente, di seguito la situazione delle partite "
        "aperte a Vostro nome al {date}. Se avete già provveduto al pagamento, "
        "Vi preghiamo di non tenere conto di questo estratto e di comunicarci gli "
        "estremi del versamento.",
        "currency": "Partite in {currency}",
        "open_items": "Partite aperte",
        "document": "Documento",
        "date": "Data",
        "due_date": "Scadenza",
        "days_late": "Giorni",
        "amount": "Importo",
        "residual": "Residuo",
        "note": "Note",
        "type": "Tipo",
        "invoice": "Fattura",
        "credit_note": "Nota di credito",
        "payment": "Pagamento",
        "entry": "Registrazione",
        "aging": "Anzianità dello scaduto",
        "not_due": "Non scaduto",
        "1_30": "1-30 gg",
        "31_60": "31-60 gg",
        "61_90": "61-90 gg",
        "91_120": "91-120 gg",
        "over_120": "Oltre 120 gg",
        "total": "Totale",
        "balance": "Saldo a nostro credito",
        "balance_credit": "Saldo a Vostro credito",
        "overdue": "di cui scaduto",
        "recent": "Pagamenti e note di credito dal {date}",
        "no_recent": "Nessun pagamento né nota di credito dal {date}.",
        "no_items": "Nessuna partita aperta: il Vostro conto è in pari.",
        "pay_qr": "Bonifico SEPA",
        "pay_qr_caption": "Inquadra con l'app della tua banca",
        "closing": "Per qualsiasi chiarimento restiamo a disposizione.",
        "contact": "Vostro referente: {contact}",
        "disputed": "Contestata",
        "promised": "Pagamento promesso entro il {date}",
        "remittance": "Estratto conto {ref} del {date}",
    },
    "en": {
        "title": "Statement of account",
        "subject": "Statement of account as of {date}",
        "intro": "Dear customer, here are the items open in your name as of "
        "{date}. If you have already paid, please disregard this statement and "
        "let us know the details of your payment.",
        "currency": "Items in {currency}",
        "open_items": "Open items",
        "document": "Document",
        "date": "Date",
        "due_date": "Due date",
        "days_late": "Days late",
        "amount": "Amount",
        "residual": "Outstanding",
        "note": "Notes",
        "type": "Type",
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "payment": "Payment",
        "entry": "Entry",
        "aging": "Aging of the balance",
        "not_due": "Not due",
        "1_30": "1-30 days",
        "31_60": "31-60 days",
        "61_90": "61-90 days",
        "91_120": "91-120 days",
        "over_120": "120+ days",
        "total": "Total",
        "balance": "Balance due to us",
        "balance_credit": "Balance in your favour",
        "overdue": "of which overdue",
        "recent": "Payments and credit notes since {date}",
        "no_recent": "No payment or credit note since {date}.",
        "no_items": "No open item: your account is settled.",
        "pay_qr": "SEPA transfer",
        "pay_qr_caption": "Scan with your banking app",
        "closing": "We remain at your disposal for any question.",
        "contact": "Your contact: {contact}",
        "disputed": "Disputed",
        "promised": "Payment promised by {date}",
        "remittance": "Statement {ref} of {date}",
    },
}
KINDS = ("invoice", "credit_note", "payment", "entry")
ITEM_COLUMNS = tuple(w * mm for w in (33, 19, 19, 13, 26, 26, 34))
AGING_COLUMNS = tuple(w * mm for w in (23, 23, 23, 23, 23, 23, 32))
RECENT_COLUMNS = tuple(w * mm for w in (22, 40, 34, 30, 44))


@dataclass(frozen=True, kw_only=True)
class StatementItem:
    """An open item: ``residual`` is positive for what the customer owes,
    negative for a credit note or a payment not yet applied."""

    number: str
    kind: str
    date: datetime.date
    due_date: datetime.date | None
    original: Decimal
    residual: Decimal
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class StatementMovement:
    """A recent payment or credit note (``amount`` positive: what it paid)."""

    number: str
    kind: str
    date: datetime.date
    amount: Decimal
    reference: str = ""


@dataclass(frozen=True, kw_only=True)
class StatementSection:
    """What the statement says in one currency."""

    currency_name: str
    currency_symbol: str
    items: Sequence[StatementItem]
    recent: Sequence[StatementMovement] = ()
    qr: lr.LetterPaymentQR | None = None
    payment_instructions: Sequence[str] = ()

    @property
    def balance(self) -> Decimal:
        return sum((item.residual for item in self.items), Decimal(0))


@dataclass(frozen=True, kw_only=True)
class Statement:
    """A customer's statement as of ``date``; texts in ``lang`` already."""

    company: lr.LetterCompany
    partner: lr.LetterPartner
    lang: str
    date: datetime.date
    reference: str
    sections: Sequence[StatementSection]
    recent_since: datetime.date
    place: str = ""
    intro_text: str = ""
    closing_text: str = ""
    contact: Sequence[str] = ()


def statement_labels(lang: str) -> dict[str, str]:
    """Headings of a statement in ``lang`` (``it_IT``, ``en_US`` ...)."""
    return LABELS[lr._lang_key(lang)]


def _check(statement: Statement) -> None:
    labels = statement_labels(statement.lang)
    if not statement.sections:
        raise ValueError("The statement has no currency section.")
    for section in statement.sections:
        for item in section.items:
            if item.kind not in KINDS:
                raise ValueError(
                    "Item %s is a %r; a statement lists %s."
                    % (item.number, item.kind, ", ".join(KINDS))
                )
            lr._amount(item.original, "The amount of %s" % item.number)
            lr._amount(item.residual, "The residual of %s" % item.number)
        for movement in section.recent:
            lr._amount(movement.amount, "The amount of %s" % movement.number)
        if section.qr is not None and section.balance <= 0:
            raise ValueError(
                "%s: a payment QR code is only for a balance due."
                % labels["currency"].format(currency=section.currency_name)
            )


class _StatementLayout(lr._LetterLayout):
    """The letter's page decorations; the statement's own body."""

    def __init__(self, statement: Statement) -> None:
        _check(statement)
        labels = statement_labels(statement.lang)
        date_text = lr.format_date(statement.date, statement.lang)
        letter = lr.Letter(
            company=statement.company,
            partner=statement.partner,
            lang=statement.lang,
            date=statement.date,
            reference=statement.reference,
            subject=labels["subject"].format(date=date_text),
            opening_text="",
            closing_text="",
            invoices=(),
            total_due=Decimal(0),
            place=statement.place,
        )
        super().__init__(letter)
        self.statement = statement
        self.texts = labels
        self.st = _statement_styles(self.regular, self.bold)

    def _money(self, amount: Decimal, section: StatementSection) -> str:
        return lr.format_money(amount, self.lang, section.currency_symbol)

    def story(self) -> list[Flowable]:
        statement, texts, st = self.statement, self.texts, self.st
        date_text = self.date(statement.date)
        story: list[Flowable] = [
            Paragraph(escape(self.letter.subject), st.subject),
            Paragraph(
                lr._markup(
                    statement.intro_text or texts["intro"].format(date=date_text)
                ),
                st.body,
            ),
        ]
        for section in statement.sections:
            story += self._section(section)
        closing = statement.closing_text or texts["closing"]
        tail: list[Flowable] = [Spacer(1, 3 * mm)]
        tail += [Paragraph(block, st.body) for block in lr._blocks(closing)]
        tail += [Paragraph(lr._markup(line), st.small) for line in statement.contact]
        tail.append(Spacer(1, 1 * mm))
        tail.append(Paragraph(lr._markup(statement.company.name), st.body))
        story.append(KeepTogether(tail))
        return story

    def _section(self, section: StatementSection) -> list[Flowable]:
        texts, st = self.texts, self.st
        flowables: list[Flowable] = [Spacer(1, 2 * mm)]
        if len(self.statement.sections) > 1:
            title = texts["currency"].format(currency=section.currency_name)
            flowables.append(Paragraph(escape(title), st.heading))
        if not section.items:
            flowables.append(Paragraph(escape(texts["no_items"]), st.body))
        else:
            flowables.append(Paragraph(escape(texts["open_items"]), st.heading))
            flowables.append(self._items_table(section))
            flowables.append(Spacer(1, 2 * mm))
            flowables.append(KeepTogether(self._aging_block(section)))
        since = self.date(self.statement.recent_since)
        recent: list[Flowable] = [
            Spacer(1, 2 * mm),
            Paragraph(escape(texts["recent"].format(date=since)), st.heading),
        ]
        if section.recent:
            recent.append(self._recent_table(section))
        else:
            recent.append(
                Paragraph(escape(texts["no_recent"].format(date=since)), st.small)
            )
        flowables.append(KeepTogether(recent))
        box = self._payment_box(section)
        if box is not None:
            flowables += [Spacer(1, 3 * mm), KeepTogether([box])]
        return flowables

    def _cell(self, text: str | None, width: float, bold: bool = False) -> str:
        font = self.bold if bold else self.regular
        return "\n".join(lr._split(text, font, 8, width - 6))

    def _header(self, keys: Sequence[str], widths: Sequence[float]) -> list[str]:
        return [
            "\n".join(lr._split(self.texts[key], self.bold, 7.5, width - 6))
            for key, width in zip(keys, widths, strict=True)
        ]

    def _items_table(self, section: StatementSection) -> Table:
        texts = self.texts
        keys = ("document", "date", "due_date", "days_late", "amount", "residual")
        rows = [[*self._header(keys, ITEM_COLUMNS[:-1]), texts["note"]]]
        late_rows = []
        for index, item in enumerate(section.items, start=1):
            days = (
                (self.statement.date - item.due_date).days
                if item.due_date and item.residual > 0
                else None
            )
            if days is not None and days > 0:
                late_rows.append(index)
            number = "%s %s" % (texts[item.kind], lr._text(item.number))
            rows.append(
                [
                    self._cell(number, ITEM_COLUMNS[0]),
                    self.date(item.date),
                    self.date(item.due_date),
                    str(days) if days is not None and days > 0 else "",
                    self._money(item.original, section),
                    self._money(item.residual, section),
                    self._cell(item.note, ITEM_COLUMNS[6]),
                ]
            )
        balance = section.balance
        label = texts["balance"] if balance >= 0 else texts["balance_credit"]
        rows.append(
            [
                self._cell(label, sum(ITEM_COLUMNS[:5]), bold=True),
                "",
                "",
                "",
                "",
                self._money(abs(balance), section),
                "",
            ]
        )
        table = Table(rows, colWidths=ITEM_COLUMNS, repeatRows=1)
        last = len(rows) - 1
        style = [
            ("FONT", (0, 0), (-1, 0), self.bold, 7.5),
            ("LEADING", (0, 0), (-1, 0), 9),
            ("TEXTCOLOR", (0, 0), (-1, 0), lr.ACCENT),
            ("FONT", (0, 1), (-1, -1), self.regular, 8),
            ("LEADING", (0, 1), (-1, -1), 10),
            ("ALIGN", (1, 0), (2, -1), "CENTER"),
            ("ALIGN", (3, 0), (5, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), lr.HEADER_BG),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, lr.ACCENT),
            ("ROWBACKGROUNDS", (0, 1), (-1, last - 1), [colors.white, lr.ZEBRA]),
            ("LINEBELOW", (0, 1), (-1, last - 1), 0.25, lr.RULE),
            ("SPAN", (0, last), (4, last)),
            ("FONT", (0, last), (-1, last), self.bold, 9),
            ("LINEABOVE", (0, last), (-1, last), 1, lr.ACCENT),
            ("BACKGROUND", (0, last), (-1, last), lr.HEADER_BG),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.4),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
        style += [("TEXTCOLOR", (3, row), (3, row), lr.ALERT) for row in late_rows]
        table.setStyle(TableStyle(style))
        return table

    def _aging_block(self, section: StatementSection) -> list[Flowable]:
        texts = self.texts
        totals = age_items(
            [(item.due_date or item.date, item.residual) for item in section.items],
            self.statement.date,
        )
        header = self._header((*AGING_CODES, "total"), AGING_COLUMNS)
        values = [self._money(totals[code], section) for code in AGING_CODES]
        values.append(self._money(section.balance, section))
        table = Table([header, values], colWidths=AGING_COLUMNS)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, 0), self.bold, 7.5),
                    ("TEXTCOLOR", (0, 0), (-1, 0), lr.ACCENT),
                    ("FONT", (0, 1), (-1, 1), self.regular, 8),
                    ("FONT", (-1, 1), (-1, 1), self.bold, 8.5),
                    ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("BACKGROUND", (0, 0), (-1, 0), lr.HEADER_BG),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, lr.ACCENT),
                    ("BOX", (0, 0), (-1, -1), 0.5, lr.RULE),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.4),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return [Paragraph(escape(texts["aging"]), self.st.heading), table]

    def _recent_table(self, section: StatementSection) -> Table:
        texts = self.texts
        keys = ("date", "document", "type", "amount", "note")
        rows = [self._header(keys, RECENT_COLUMNS)]
        for movement in section.recent:
            rows.append(
                [
                    self.date(movement.date),
                    self._cell(movement.number, RECENT_COLUMNS[1]),
                    texts[movement.kind] if movement.kind in KINDS else "",
                    self._money(movement.amount, section),
                    self._cell(movement.reference, RECENT_COLUMNS[4]),
                ]
            )
        table = Table(rows, colWidths=RECENT_COLUMNS, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, 0), self.bold, 7.5),
                    ("TEXTCOLOR", (0, 0), (-1, 0), lr.ACCENT),
                    ("FONT", (0, 1), (-1, -1), self.regular, 8),
                    ("LEADING", (0, 1), (-1, -1), 10),
                    ("ALIGN", (3, 0), (3, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("BACKGROUND", (0, 0), (-1, 0), lr.HEADER_BG),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, lr.ACCENT),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.25, lr.RULE),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.4),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return table

    def _payment_box(self, section: StatementSection) -> Table | None:
        lines = [line for line in map(lr._text, section.payment_instructions) if line]
        if section.balance <= 0 or (not lines and section.qr is None):
            return None
        st = self.st
        left: list[Flowable] = [
            Paragraph(escape(self.labels["payment_instructions"]), st.box_title)
        ]
        left += [Paragraph(lr._markup(line), st.box_line) for line in lines]
        cells: list[list[Flowable]] = [left]
        widths: tuple[float, ...] = (lr.CONTENT_WIDTH,)
        if section.qr is not None:
            qr = section.qr
            cell: list[Flowable] = []
            if lr._text(qr.title):
                cell.append(Paragraph(lr._markup(qr.title), st.qr_title))
            cell.append(lr._QRCode(qr.payload_text, lr.QR_SIZE))
            if lr._text(qr.caption):
                cell.append(Paragraph(lr._markup(qr.caption), st.qr_caption))
            cells.append(cell)
            widths = (lr.CONTENT_WIDTH - lr.QR_COLUMN, lr.QR_COLUMN)
        table = Table([cells], colWidths=widths)
        table.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.8, lr.ACCENT),
                    ("BACKGROUND", (0, 0), (-1, -1), lr.BOX_BG),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("ALIGN", (1, 0), (-1, -1), "CENTER"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        return table


def _statement_styles(regular: str, bold: str):
    def style(name: str, **kwargs) -> ParagraphStyle:
        values = {"fontName": regular, "fontSize": 9, "leading": 12.5}
        values.update(kwargs)
        return ParagraphStyle("statement_" + name, **values)

    centered = {"alignment": 1, "leading": 9}
    return type(
        "StatementStyles",
        (),
        {
            "subject": style("subject", fontName=bold, fontSize=10.5, spaceAfter=5),
            "body": style("body", alignment=TA_JUSTIFY, spaceAfter=4),
            "small": style("small", fontSize=8, leading=10.5, textColor=lr.MUTED),
            "heading": style(
                "heading",
                fontName=bold,
                fontSize=9,
                textColor=lr.ACCENT,
                spaceBefore=2,
                spaceAfter=3,
            ),
            "box_title": style(
                "box_title", fontName=bold, fontSize=9.5, textColor=lr.ACCENT
            ),
            "box_line": style("box_line", fontSize=8.5, leading=11.5),
            "qr_title": style("qr_title", fontName=bold, fontSize=7.5, **centered),
            "qr_caption": style(
                "qr_caption", fontSize=6.5, textColor=lr.MUTED, **centered
            ),
        },
    )


def render_statements(statements: Sequence[Statement]) -> bytes:
    """One PDF of ``statements``, each from a new page and numbered on its own.

    Raises ValueError, naming the customer, when one cannot be printed.
    """
    if not statements:
        raise ValueError("There is no statement to print.")
    layouts = []
    story: list[Flowable] = []
    for statement in statements:
        try:
            layout = _StatementLayout(statement)
            flowables = layout.story()
        except ValueError as exc:
            raise ValueError(
                "Statement of %s: %s" % (lr._text(statement.partner.name), exc)
            ) from None
        if layouts:
            story += [lr._NextLetter(layout), NextPageTemplate("first"), PageBreak()]
        layouts.append(layout)
        story += flowables
    first = statements[0]
    single = len(statements) == 1
    stream = io.BytesIO()
    doc = lr._LettersDoc(
        stream,
        layouts[0],
        title=layouts[0].letter.subject if single else LABELS["en"]["title"],
        author=lr._text(first.company.name),
        subject=lr._text(first.partner.name) if single else "",
        creator="dunning_advanced",
    )
    doc.build(story, canvasmaker=lr._LetterCanvas)
    return stream.getvalue()


def render_statement(statement: Statement) -> bytes:
    """The PDF of one customer's statement."""
    return render_statements([statement])
