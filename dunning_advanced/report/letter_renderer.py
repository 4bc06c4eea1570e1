"""Dunning letters as PDF: reminders and formal notices (messa in mora).

Pure Python, no ORM: the models build :class:`Letter` values and call
:func:`render_letter` (print button, e-mail attachment) or
:func:`render_letters` (one merged PDF of all the letters of a day, for
printing). The texts come in the partner's language; this module provides only
the table headings and fixed labels, in Italian and English (:data:`LABELS`).

Layout (A4, portrait, measures from the top-left corner of the sheet):

* letterhead: company logo (at most 50 x 18 mm) and name, address and contacts
  at the top left from 12 mm, a rule at 44 mm;
* window envelope: right-hand window of the Italian "busta a finestra destra"
  (DL 110 x 220 mm, the sheet folded in three), ``x`` 110 to 200 mm, ``y`` 50
  to 95 mm, 90 x 45 mm (DIN 5008 has a field of the same height, at the left).
  A one-line sender address in 6.5 pt sits at the top of the window (baseline
  at 54 mm); the recipient's address starts at 58 mm, indented 5 mm, 80 mm
  wide, and stays above 88 mm (its font shrinks from 10 to 8 pt to fit, else
  ValueError), so it remains visible when the folded sheet moves in the
  envelope. The country line is printed only for mail abroad. Fold marks at 99
  and 198 mm;
* info block at the left of the window (20 to 104 mm): place and date,
  reference, dunning level, the customer's VAT number and tax code;
* body from 97 mm on the first page (28 mm on the next ones, under a short
  header naming company, reference and customer) down to 22 mm from the bottom;
* footer on every page: company's legal data (address, VAT number, PEC, IBAN,
  BIC and the notes art. 2250 of the Italian civil code asks for) and
  "Pagina x di y", numbered per letter also in a merged PDF.

Fonts: DejaVu Sans, embedded as a subset, when its TrueType files are found
(Debian's ``fonts-dejavu-core`` and most distributions): it covers the euro sign,
accented letters and the other Latin alphabets of EU names (ł, ř, ő ...).
Without it the letter falls back on the standard Helvetica in WinAnsi encoding,
which covers € and à è é ì ò ù but not every Central European letter: a machine
without extra fonts still prints letters.

Images are cached: the logo and each QR code are PDF form objects drawn once per
document and reused on every page; the decoded logo and the QR modules are kept
per content across calls. QR codes are drawn as vectors (sharp at any printer
resolution), in byte mode with error correction M.
"""

import datetime
import functools
import hashlib
import io
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from xml.sax.saxutils import escape

import qrcode
from babel.dates import format_date as babel_format_date
from qrcode.exceptions import DataOverflowError
from qrcode.util import MODE_8BIT_BYTE, QRData
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.fonts import addMapping
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    ActionFlowable,
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

LABELS = {
    "it": {
        "invoice": "Fattura",
        "date": "Data",
        "due_date": "Scadenza",
        "days_late": "Giorni di ritardo",
        "amount": "Importo",
        "residual": "Residuo",
        "invoices_total": "Totale fatture scadute",
        "total_due": "Totale dovuto",
        "payment_instructions": "Modalità di pagamento",
        "page": "Pagina {page} di {pages}",
        "place_date": "Luogo e data",
        "reference": "Riferimento",
        "reference_short": "Rif.",
        "level": "Livello di sollecito",
        "vat": "Partita IVA",
        "vat_short": "P.IVA",
        "fiscal_code": "Codice fiscale",
        "phone": "Tel.",
        "formal_notice": "Diffida e messa in mora",
        "interest": "Interessi",
        "overdue_title": "Fatture scadute",
        "not_due_title": "Fatture in scadenza",
        "credits_title": "Note di credito e pagamenti da compensare",
        "paused_title": "Partite non richieste in questa lettera",
        "status": "Stato",
        "total_overdue": "Totale scaduto",
        "less_credits": "Meno crediti a vostro favore",
        "to_pay": "Importo da pagare",
        "total_owed": "Totale del vostro debito, comprese le fatture non ancora "
        "scadute",
        "contact": "Per informazioni",
        "draft": "BOZZA - NON INVIATA",
        "simulation": "SIMULAZIONE - NON INVIATA",
        "signature_office": "Ufficio Crediti",
        "portal_title": "La vostra pagina personale",
    },
    "en": {
        "invoice": "Invoice",
        "date": "Date",
        "due_date": "Due date",
        "days_late": "Days late",
        "amount": "Amount",
        "residual": "Outstanding",
        "invoices_total": "Overdue invoices total",
        "total_due": "Total due",
        "payment_instructions": "Payment instructions",
        "page": "Page {page} of {pages}",
        "place_date": "Place and date",
        "reference": "Reference",
        "reference_short": "Ref.",
        "level": "Dunning level",
        "vat": "VAT number",
        "vat_short": "VAT",
        "fiscal_code": "Tax code",
        "phone": "Tel.",
        "formal_notice": "Formal notice of default",
        "interest": "Interest",
        "overdue_title": "Overdue invoices",
        "not_due_title": "Invoices falling due",
        "credits_title": "Credit notes and payments to deduct",
        "paused_title": "Items not claimed in this letter",
        "status": "Status",
        "total_overdue": "Total overdue",
        "less_credits": "Less credits in your favour",
        "to_pay": "Amount to pay",
        "total_owed": "Total you owe, invoices not yet due included",
        "contact": "For questions",
        "draft": "DRAFT - NOT SENT",
        "simulation": "SIMULATION - NOT SENT",
        "signature_office": "Credit Department",
        "portal_title": "Your personal page",
    },
}
MAX_QR_CODES = 2
# Scripts DejaVu Sans lacks, drawn with the CID fonts every PDF reader has
# (reportlab ships their metrics): Korean, Japanese, then Chinese.
CID_FONTS = (
    ("HYSMyeongJo-Medium", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("HeiseiKakuGo-W5", re.compile(r"[\u3040-\u30ff]")),
    ("STSong-Light", re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")),
)

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
)
FALLBACK_FONTS = ("Helvetica", "Helvetica-Bold")

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT = 20 * mm
RIGHT = PAGE_WIDTH - 20 * mm
CONTENT_WIDTH = RIGHT - LEFT
WINDOW_X, WINDOW_TOP, WINDOW_WIDTH, WINDOW_HEIGHT = 110 * mm, 50 * mm, 90 * mm, 45 * mm
ADDRESS_INDENT = 5 * mm
SENDER_BASELINE = WINDOW_TOP + 4 * mm
ADDRESS_TOP = WINDOW_TOP + 8 * mm
ADDRESS_BOTTOM = WINDOW_TOP + WINDOW_HEIGHT - 7 * mm  # room to slide
FOLD_MARKS = (99 * mm, 198 * mm)
FIRST_BODY_TOP = 97 * mm
NEXT_BODY_TOP = 28 * mm
BODY_BOTTOM = 22 * mm  # from the bottom edge
LOGO_MAX = (50 * mm, 18 * mm)
QR_SIZE = 28 * mm
QR_COLUMN = 36 * mm
PORTAL_QR_SIZE = 22 * mm
INVOICE_COLUMNS = tuple(w * mm for w in (30, 33, 33, 18, 28, 28))
UPCOMING_COLUMNS = tuple(w * mm for w in (38, 44, 54, 34))
CREDIT_COLUMNS = tuple(w * mm for w in (60, 76, 34))
PAUSED_COLUMNS = tuple(w * mm for w in (30, 34, 72, 34))

ACCENT = colors.HexColor("#1F3A5F")
MUTED = colors.HexColor("#5F6B7A")
RULE = colors.HexColor("#C9D1DB")
HEADER_BG = colors.HexColor("#E8EDF3")
ZEBRA = colors.HexColor("#F6F8FA")
BOX_BG = colors.HexColor("#F3F6F9")
ALERT = colors.HexColor("#9B1C1C")


@dataclass(frozen=True, kw_only=True)
class LetterCompany:
    """The creditor: letterhead, footer and signature.

    ``legal_notes`` is a free footer line for what art. 2250 c.c. asks on
    company letters (share capital, REA number, sole shareholder ...).
    """

    name: str
    street: str = ""
    zip: str = ""
    city: str = ""
    country: str = ""
    vat: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    logo_png: bytes | None = None
    iban: str = ""
    bic: str = ""
    pec: str = ""
    legal_notes: str = ""


@dataclass(frozen=True, kw_only=True)
class LetterPartner:
    """The debtor, as printed in the envelope window (``state``: province code)."""

    name: str
    street: str = ""
    street2: str = ""
    zip: str = ""
    city: str = ""
    state: str = ""
    country: str = ""
    vat: str = ""
    fiscal_code: str = ""


@dataclass(frozen=True)
class LetterInvoiceLine:
    """One open invoice; amounts in the letter's currency.

    ``interest`` is the statutory interest claimed on it (formal notice);
    ``status`` says why an item is listed but not claimed (disputed, promised,
    in an instalment plan).
    """

    number: str
    invoice_date: datetime.date
    due_date: datetime.date
    days_late: int
    original: Decimal
    residual: Decimal
    interest: Decimal = Decimal(0)
    status: str = ""


@dataclass(frozen=True)
class LetterCredit:
    """A credit note or a payment on account not yet applied: ``amount`` is
    what it deducts (positive)."""

    number: str
    date: datetime.date
    amount: Decimal


@dataclass(frozen=True)
class LetterCharge:
    """Interest (period and rate in the label), the 40 EUR compensation, fees."""

    label: str
    amount: Decimal


@dataclass(frozen=True)
class LetterPaymentQR:
    """A QR code of the payment box: title above, caption under it."""

    title: str
    payload_text: str
    caption: str = ""


@dataclass(frozen=True, kw_only=True)
class Letter:
    """A dunning letter; the texts are in ``lang`` already.

    It says everything the customer owes: ``invoices`` (overdue, claimed),
    ``upcoming`` (not yet due), ``credits`` (deducted), ``paused`` (listed with
    their ``status``, not claimed), then the charges. ``total_due`` is what it
    asks for now and must equal the overdue residuals (plus the upcoming ones
    when ``upcoming_claimed``, a courtesy reminder) plus the charges less the
    credits. ``total_owed``, when given, is everything owed.

    ``opening_text`` and ``closing_text`` are plain text: a blank line starts a
    new paragraph, a single line break is kept. ``watermark`` ("DRAFT") marks a
    letter that is not the one sent; ``payment_note`` says what the payment
    codes cover; ``contact`` names who answers questions. ``portal_url``, the
    customer's personal page, is printed as a QR code and as a short address
    under ``portal_caption``.
    """

    company: LetterCompany
    partner: LetterPartner
    lang: str
    date: datetime.date
    reference: str
    subject: str
    opening_text: str
    closing_text: str
    invoices: Sequence[LetterInvoiceLine]
    total_due: Decimal
    place: str = ""
    level_name: str = ""
    charges: Sequence[LetterCharge] = ()
    currency_symbol: str = "€"
    payment_instructions: Sequence[str] = ()
    qr_codes: Sequence[LetterPaymentQR] = ()
    signature_name: str = ""
    signature_title: str = ""
    is_formal_notice: bool = False
    upcoming: Sequence[LetterInvoiceLine] = ()
    upcoming_claimed: bool = False
    credits: Sequence[LetterCredit] = ()
    paused: Sequence[LetterInvoiceLine] = ()
    total_owed: Decimal | None = None
    payment_note: str = ""
    contact: Sequence[str] = ()
    watermark: str = ""
    portal_url: str = ""
    portal_caption: str = ""


def _lang_key(lang: str) -> str:
    key = (lang or "").split("_")[0].lower()
    if key not in LABELS:
        raise ValueError(
            "Dunning letters are printed in Italian or English, not in %r: set "
            "the customer's language to one of them." % lang
        )
    return key


def letter_labels(lang: str) -> dict[str, str]:
    """Fixed labels of a letter in ``lang`` (``it_IT``, ``en_US``, ``en_GB`` ...)."""
    return LABELS[_lang_key(lang)]


def _amount(value: Decimal, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(
            "%s is a %s; give amounts as Decimal." % (what, type(value).__name__)
        )
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError("%s is not an amount: %s." % (what, value))
    return amount


def format_money(amount: Decimal, lang: str, symbol: str = "€") -> str:
    """Amount rounded to cents (half up) as the reader of ``lang`` writes it.

    Italian ``1.234,56 €``, English ``€1,234.56``; a symbol made of letters is
    spaced (``CHF 1,234.56``). Floats are refused: they cannot hold cents.
    """
    value = _amount(amount, "The amount").quantize(Decimal("0.01"), ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    number = f"{abs(value):,.2f}"
    if _lang_key(lang) == "it":
        number = number.translate(str.maketrans(",.", ".,"))
        return f"{sign}{number} {symbol}".strip()
    gap = " " if symbol[-1:].isalpha() else ""
    return f"{sign}{symbol}{gap}{number}"


def format_date(day: datetime.date, lang: str) -> str:
    """One date style per language, spelled out as a letter writes it:
    ``15 dicembre 2026``, ``15 December 2026`` (CLDR month names)."""
    return babel_format_date(day, "d MMMM y", locale=_lang_key(lang))


def _text(value: str | None) -> str:
    """Strip a text; Odoo gives ``False`` for an empty field."""
    return str(value).strip() if value else ""


def _markup(value: str | None) -> str:
    """User text as Paragraph markup: & < > escaped, line breaks kept."""
    return escape(_text(value).replace("\r\n", "\n")).replace("\n", "<br/>")


def _blocks(value: str | None) -> list[str]:
    """Paragraphs of a plain text (separated by blank lines) as markup."""
    text = _text(value).replace("\r\n", "\n")
    return [_markup(block) for block in re.split(r"\n\s*\n", text) if block.strip()]


def _join(*parts: str | None, sep: str = " · ") -> str:
    return sep.join(p for p in map(_text, parts) if p)


def _iban(value: str | None) -> str:
    compact = _text(value).replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


# Fonts, images and QR codes --------------------------------------------------


@functools.cache
def _font_names() -> tuple[str, str]:
    """Regular and bold font: embedded DejaVu Sans, else standard Helvetica."""
    for folder in FONT_DIRS:
        regular = os.path.join(folder, "DejaVuSans.ttf")
        bold = os.path.join(folder, "DejaVuSans-Bold.ttf")
        if not (os.path.isfile(regular) and os.path.isfile(bold)):
            continue
        try:
            pdfmetrics.registerFont(TTFont("DunningSans", regular))
            pdfmetrics.registerFont(TTFont("DunningSans-Bold", bold))
        except (OSError, TTFError):
            continue
        for italic in (0, 1):
            addMapping("DunningSans", 0, italic, "DunningSans")
            addMapping("DunningSans", 1, italic, "DunningSans-Bold")
        return "DunningSans", "DunningSans-Bold"
    return FALLBACK_FONTS


@functools.cache
def _cid_font(name: str) -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def _font_for(text: str | None, regular: str) -> str:
    """``regular``, or a CID font when ``text`` is in a script DejaVu lacks
    (a Chinese, Japanese or Korean name must print, not turn into boxes)."""
    value = _text(text)
    for name, pattern in CID_FONTS:
        if pattern.search(value):
            return _cid_font(name)
    return regular


@functools.lru_cache(maxsize=8)
def _logo(image: bytes) -> tuple[str, ImageReader, float, float]:
    """Form name, reader and size in points of a logo fitted in its box."""
    try:
        reader = ImageReader(io.BytesIO(image))
        width, height = reader.getSize()
    except (OSError, ValueError) as exc:
        raise ValueError(
            "The company logo cannot be read as an image (%s): upload it again "
            "as PNG or JPEG." % exc
        ) from None
    scale = min(LOGO_MAX[0] / width, LOGO_MAX[1] / height)
    name = "DunningLogo" + hashlib.sha1(image).hexdigest()[:20]
    return name, reader, width * scale, height * scale


def _qr_runs(payload: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """Size in modules and dark runs (row, column, length) of a QR code.

    The payload is one byte-mode segment of UTF-8 (the mode EPC069-12 asks
    for), error correction level M, the smallest version that fits, and the
    mask of lowest penalty (ISO/IEC 18004), chosen by ``qrcode``.
    """
    data = payload.encode("utf-8")
    if not data:
        raise ValueError("A payment QR code has no content.")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(QRData(data, mode=MODE_8BIT_BYTE))
    try:
        code.make(fit=True)
    except DataOverflowError:
        raise ValueError(
            "The payment QR code content is too long (%d bytes)." % len(data)
        ) from None
    runs = []
    for row, modules in enumerate(code.get_matrix()):
        start = None
        for col, dark in enumerate([*modules, False]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.append((row, start, col - start))
                start = None
    return code.modules_count, tuple(runs)


def _draw_form(
    canv: Canvas,
    name: str,
    x: float,
    y: float,
    draw: Callable[[Canvas], None],
    scale: float = 1.0,
) -> None:
    """Draw form ``name`` at (x, y), creating it with ``draw`` the first time."""
    if not canv.hasForm(name):
        canv.beginForm(name)
        draw(canv)
        canv.endForm()
    canv.saveState()
    canv.translate(x, y)
    canv.scale(scale, scale)
    canv.doForm(name)
    canv.restoreState()


class _QRCode(Flowable):
    """A QR code with its quiet zone of 4 modules, drawn as vectors."""

    def __init__(self, payload: str, size: float) -> None:
        super().__init__()
        self.size = size
        self.hAlign = "CENTER"
        self.modules, self.operators = _qr_operators(payload)  # fails early
        digest = hashlib.sha1(payload.encode("utf-8")).hexdigest()[:24]
        self.form_name = "DunningQR" + digest

    def wrap(
        self, available_width: float, available_height: float
    ) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        def draw(form: Canvas) -> None:  # in modules, quiet zone included
            form.setFillColor(colors.white)
            form.rect(0, 0, self.modules, self.modules, stroke=0, fill=1)
            form.setFillColor(colors.black)
            form.addLiteral(self.operators)

        scale = self.size / self.modules
        _draw_form(self.canv, self.form_name, 0, 0, draw, scale)


@functools.lru_cache(maxsize=1024)
def _qr_operators(payload: str) -> tuple[int, str]:
    """Side in modules (quiet zone included) and PDF fill operators of a QR code."""
    size, runs = _qr_runs(payload)
    total = size + 8
    rects = "\n".join(
        "%d %d %d 1 re" % (4 + col, total - 5 - row, length)
        for row, col, length in runs
    )
    return total, rects + "\nf"


# Text ------------------------------------------------------------------------


@functools.cache
def _styles(regular: str, bold: str) -> SimpleNamespace:
    def style(name: str, **kwargs) -> ParagraphStyle:
        values = {"fontName": regular, "fontSize": 9.5, "leading": 13.2}
        values.update(kwargs)
        return ParagraphStyle(name, **values)

    centered = {"alignment": TA_CENTER, "leading": 9}
    return SimpleNamespace(
        regular=regular,
        bold=bold,
        body=style("body", alignment=TA_JUSTIFY, spaceAfter=5),
        subject=style("subject", fontName=bold, fontSize=10.5, spaceAfter=6),
        notice=style(
            "notice", fontName=bold, fontSize=9, textColor=ALERT, spaceAfter=3
        ),
        box_title=style(
            "box_title", fontName=bold, fontSize=9.5, textColor=ACCENT, spaceAfter=4
        ),
        box_line=style("box_line", fontSize=8.5, leading=11.5),
        box_note=style("box_note", fontSize=7.5, leading=9.5, textColor=MUTED),
        section=style(
            "section",
            fontName=bold,
            fontSize=9,
            textColor=ACCENT,
            spaceBefore=1,
            spaceAfter=2,
        ),
        qr_title=style(
            "qr_title", fontName=bold, fontSize=7.5, spaceAfter=1, **centered
        ),
        qr_caption=style(
            "qr_caption", fontSize=6.5, textColor=MUTED, spaceBefore=2, **centered
        ),
        link=style("link", fontName=bold, fontSize=9.5, textColor=ACCENT),
        signature=style("signature", leftIndent=100 * mm),
        signature_name=style("signature_name", fontName=bold, leftIndent=100 * mm),
    )


def _split(text: str | None, font: str, size: float, width: float) -> list[str]:
    """Lines of a plain text wrapped at ``width`` points."""
    return [
        line
        for part in _text(text).replace("\r\n", "\n").split("\n")
        for line in simpleSplit(part.strip(), font, size, width)
    ]


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` points."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    text = text[: int(width / (size * 0.25))]  # no glyph is narrower than this
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _draw_lines(
    canv: Canvas,
    lines: Sequence[str],
    x: float,
    top: float,
    size: float,
    leading: float,
    right: bool = False,
) -> float:
    """Draw lines from ``top`` (first baseline one font size below); return bottom."""
    y = top - size
    for line in lines:
        if right:
            canv.drawRightString(x, y, line)
        else:
            canv.drawString(x, y, line)
        y -= leading
    return y + leading - size * 0.25


# One letter ------------------------------------------------------------------


def _check(letter: Letter) -> None:
    """Raise ValueError when the letter cannot be printed as given."""
    _lang_key(letter.lang)
    if not _text(letter.partner.name):
        raise ValueError("The letter has no addressee name.")
    if len(letter.qr_codes) > MAX_QR_CODES:
        raise ValueError(
            "The letter has %d QR codes; the payment box holds at most %d."
            % (len(letter.qr_codes), MAX_QR_CODES)
        )
    total = _amount(letter.total_due, "The total due")
    parts = Decimal(0)
    for line in letter.invoices:
        _amount(line.original, "The amount of invoice %s" % line.number)
        parts += _amount(line.residual, "The residual of invoice %s" % line.number)
    for line in letter.upcoming:
        residual = _amount(line.residual, "The residual of invoice %s" % line.number)
        if letter.upcoming_claimed:
            parts += residual
    for line in letter.paused:
        _amount(line.residual, "The residual of invoice %s" % line.number)
    for charge in letter.charges:
        parts += _amount(charge.amount, "The charge %r" % charge.label)
    for credit in letter.credits:
        parts -= _amount(credit.amount, "The credit %s" % credit.number)
    if parts != total:
        raise ValueError(
            "The total due is %s but the invoices, charges and credits add up to "
            "%s: the letter would not add up." % (total, parts)
        )
    if letter.total_owed is not None:
        _amount(letter.total_owed, "The total owed")


class _LetterLayout:
    """What the pages of one letter draw, and its flowables.

    Page decorations are drawn with plain canvas strings (no Paragraph parsing)
    since they repeat on every page of a batch.
    """

    def __init__(self, letter: Letter) -> None:
        _check(letter)
        self.letter = letter
        self.lang = letter.lang
        self.labels = letter_labels(letter.lang)
        self.styles = _styles(*_font_names())
        self.regular, self.bold = self.styles.regular, self.styles.bold
        self.logo = _logo(letter.company.logo_png) if letter.company.logo_png else None
        self.address = self._address()
        self.footer = self._footer()

    def money(self, amount: Decimal) -> str:
        return format_money(amount, self.lang, self.letter.currency_symbol)

    def date(self, day: datetime.date | None) -> str:
        return format_date(day, self.lang) if day else ""

    def _address(self) -> tuple[float, float, list[str]]:
        """Font size, leading and lines of the address that fit the window."""
        company, partner = self.letter.company, self.letter.partner
        country = _text(partner.country)
        if country.lower() == _text(company.country).lower():
            country = ""  # domestic mail: no country line
        parts = [
            partner.name,
            partner.street,
            partner.street2,
            _join(partner.zip, partner.city, partner.state, sep=" "),
            country.upper(),
        ]
        width = WINDOW_WIDTH - 2 * ADDRESS_INDENT
        room = ADDRESS_BOTTOM - ADDRESS_TOP
        for size, leading in ((10, 12.5), (9, 11), (8, 9.6), (7, 8.4)):
            lines = [
                line
                for part in parts
                for line in _split(part, _font_for(part, self.regular), size, width)
            ]
            if len(lines) * leading <= room:
                return size, leading, lines
        # Still too long (Odoo's fields have no length limit): each part on one
        # line, cut with an ellipsis; the name keeps two lines. Whatever the
        # data, the letter is printed and the address stays in the window.
        size, leading = 7, 8.4
        name = _split(parts[0], _font_for(parts[0], self.regular), size, width)
        lines = name[:2] + [
            _fit(_text(part), _font_for(part, self.regular), size, width)
            for part in parts[1:]
            if _text(part)
        ]
        lines = lines[: int(room // leading)]
        if len(name) > 2:
            lines[1] = _fit(lines[1] + "…", self.regular, size, width)
        return size, leading, lines

    def _footer(self) -> list[str]:
        company, labels = self.letter.company, self.labels
        texts = [
            _join(
                company.name,
                company.street,
                _join(company.zip, company.city, sep=" "),
                company.country,
            ),
            _join(
                company.vat and "%s %s" % (labels["vat_short"], company.vat),
                company.pec and "PEC %s" % _text(company.pec),
                company.iban and "IBAN %s" % _iban(company.iban),
                company.bic and "BIC %s" % _text(company.bic),
            ),
            company.legal_notes,
        ]
        width = CONTENT_WIDTH - 32 * mm  # the page number is at the right
        return [
            line for text in texts for line in _split(text, self.regular, 6.8, width)
        ]

    # Page decorations

    def _draw_watermark(self, canv: Canvas) -> None:
        """A draft or a simulation says so across every page."""
        mark = _text(self.letter.watermark)
        if not mark:
            return
        canv.saveState()
        canv.setFillColor(colors.Color(0.75, 0.1, 0.1, alpha=0.18))
        canv.setFont(self.bold, 40)
        canv.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canv.rotate(45)
        canv.drawCentredString(0, 0, _fit(mark, self.bold, 40, PAGE_HEIGHT * 0.9))
        canv.restoreState()

    def draw_first_page(self, canv: Canvas) -> None:
        self._draw_letterhead(canv)
        self._draw_window(canv)
        self._draw_info(canv)
        self._draw_footer(canv)
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.4)
        for top in FOLD_MARKS:
            canv.line(5 * mm, PAGE_HEIGHT - top, 9 * mm, PAGE_HEIGHT - top)

    def draw_next_page(self, canv: Canvas) -> None:
        letter = self.letter
        y = PAGE_HEIGHT - 16 * mm
        company = _fit(_text(letter.company.name), self.bold, 8.5, 70 * mm)
        canv.setFont(self.bold, 8.5)
        canv.setFillColor(ACCENT)
        canv.drawString(LEFT, y, company)
        room = CONTENT_WIDTH - pdfmetrics.stringWidth(company, self.bold, 8.5) - 8 * mm
        right = _join(
            "%s %s" % (self.labels["reference_short"], _text(letter.reference)),
            letter.partner.name,
            self.date(letter.date),
        )
        canv.setFont(self.regular, 8)
        canv.setFillColor(MUTED)
        canv.drawRightString(RIGHT, y, _fit(right, self.regular, 8, room))
        canv.setStrokeColor(ACCENT)
        canv.setLineWidth(0.6)
        canv.line(LEFT, y - 3 * mm, RIGHT, y - 3 * mm)
        self._draw_footer(canv)

    def draw_page_label(self, canv: Canvas, page: int, pages: int) -> None:
        self._draw_watermark(canv)  # last, over the content
        canv.setFont(self.regular, 7)
        canv.setFillColor(MUTED)
        label = self.labels["page"].format(page=page, pages=pages)
        canv.drawRightString(RIGHT, 14.2 * mm, label)

    def _draw_letterhead(self, canv: Canvas) -> None:
        company = self.letter.company
        top = PAGE_HEIGHT - 12 * mm
        x = LEFT
        if self.logo:
            name, reader, width, height = self.logo

            def draw(form: Canvas) -> None:
                form.drawImage(reader, 0, 0, width, height, mask="auto")

            _draw_form(canv, name, LEFT, top - height, draw)
            x += width + 6 * mm
        width = RIGHT - x
        canv.setFillColor(colors.black)
        canv.setFont(self.bold, 11.5)
        name = _split(company.name, self.bold, 11.5, width)
        bottom = _draw_lines(canv, name, x, top, 11.5, 14)
        contact = [
            _join(company.street),
            _join(_join(company.zip, company.city, sep=" "), company.country),
            _join(
                company.phone and "%s %s" % (self.labels["phone"], company.phone),
                company.email,
            ),
            _join(company.website),
        ]
        canv.setFillColor(MUTED)
        canv.setFont(self.regular, 7.5)
        lines = [
            line for text in contact for line in _split(text, self.regular, 7.5, width)
        ]
        _draw_lines(canv, lines, x, bottom - 2 * mm, 7.5, 9.6)
        canv.setStrokeColor(ACCENT)
        canv.setLineWidth(0.8)
        canv.line(LEFT, PAGE_HEIGHT - 44 * mm, RIGHT, PAGE_HEIGHT - 44 * mm)

    def _draw_window(self, canv: Canvas) -> None:
        company = self.letter.company
        x = WINDOW_X + ADDRESS_INDENT
        width = WINDOW_WIDTH - 2 * ADDRESS_INDENT
        sender = _join(
            company.name, company.street, _join(company.zip, company.city, sep=" ")
        )
        canv.setFillColor(MUTED)
        # The sender line is read through the window: shrink it to fit, down
        # to 5 pt, before cutting anything.
        size = 6.5
        while size > 5 and pdfmetrics.stringWidth(sender, self.regular, size) > width:
            size -= 0.25
        canv.setFont(self.regular, size)
        canv.drawString(
            x, PAGE_HEIGHT - SENDER_BASELINE, _fit(sender, self.regular, size, width)
        )
        size, leading, lines = self.address
        canv.setFillColor(colors.black)
        y = PAGE_HEIGHT - ADDRESS_TOP - size
        for line in lines:
            canv.setFont(_font_for(line, self.regular), size)
            canv.drawString(x, y, line)
            y -= leading

    def _draw_info(self, canv: Canvas) -> None:
        letter, labels = self.letter, self.labels
        partner = letter.partner
        fiscal_code = _text(partner.fiscal_code)
        if fiscal_code and fiscal_code.upper() in _text(partner.vat).upper():
            fiscal_code = ""  # an Italian company's tax code is its VAT number
        rows = [
            ("place_date", _join(letter.place, self.date(letter.date), sep=", ")),
            ("reference", letter.reference),
            ("level", letter.level_name),
            ("vat", partner.vat),
            ("fiscal_code", fiscal_code),
        ]
        top = PAGE_HEIGHT - 56 * mm
        for key, value in rows:
            lines = _split(value, self.regular, 8.5, 54 * mm)
            if not lines:
                continue
            canv.setFillColor(MUTED)
            canv.setFont(self.regular, 7.5)
            canv.drawString(
                LEFT, top - 8.5, _fit(labels[key], self.regular, 7.5, 29 * mm)
            )
            canv.setFillColor(colors.black)
            canv.setFont(self.regular, 8.5)
            top = _draw_lines(canv, lines, LEFT + 30 * mm, top, 8.5, 10.5) - 2.5

    def _draw_footer(self, canv: Canvas) -> None:
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(LEFT, 18 * mm, RIGHT, 18 * mm)
        canv.setFillColor(MUTED)
        canv.setFont(self.regular, 6.8)
        _draw_lines(canv, self.footer, LEFT, 16.5 * mm, 6.8, 8.6)

    # Body

    def story(self) -> list[Flowable]:
        letter, st, labels = self.letter, self.styles, self.labels
        story: list[Flowable] = []
        if letter.is_formal_notice:
            notice = escape(labels["formal_notice"].upper())
            story.append(Paragraph(notice, st.notice))
        story.append(Paragraph(_markup(letter.subject), st.subject))
        story += [Paragraph(block, st.body) for block in _blocks(letter.opening_text)]
        if letter.invoices:
            story += self._section(labels["overdue_title"], self._invoice_table())
        if letter.upcoming:
            story += self._section(labels["not_due_title"], self._upcoming_table())
        if letter.credits:
            story += self._section(labels["credits_title"], self._credit_table())
        if letter.paused:
            story += self._section(labels["paused_title"], self._paused_table())
        story += [Spacer(1, 2 * mm), KeepTogether(self._summary_table())]
        box = self._payment_box()
        if box is not None:
            story += [Spacer(1, 3 * mm), box]
        portal = self._portal_box()
        if portal is not None:
            story += [Spacer(1, 3 * mm), portal]
        closing: list[Flowable] = [Spacer(1, 3 * mm)]
        closing += [Paragraph(block, st.body) for block in _blocks(letter.closing_text)]
        contact = [line for line in map(_text, letter.contact) if line]
        if contact:
            text = "%s: %s" % (labels["contact"], " · ".join(contact))
            closing.append(Paragraph(_markup(text), st.box_line))
        closing.append(Spacer(1, 3 * mm))
        # One signature: the company, then who signs for it.
        closing.append(Paragraph(_markup(letter.company.name), st.signature_name))
        title = _text(letter.signature_title) or labels["signature_office"]
        closing.append(Paragraph(_markup(title), st.signature))
        if _text(letter.signature_name):
            closing.append(Paragraph(_markup(letter.signature_name), st.signature))
        story.append(KeepTogether(closing))
        return story

    def _section(self, title: str, table: Table) -> list[Flowable]:
        return [
            Spacer(1, 2 * mm),
            Paragraph(escape(title), self.styles.section),
            table,
        ]

    def _cell(self, text: str | None, width: float, bold: bool = False) -> str:
        """A table cell text wrapped on lines (``\\n``) to fit ``width``."""
        font = self.bold if bold else self.regular
        return "\n".join(_split(text, font, 8.5, width - 8))

    def _table(
        self, keys: Sequence[str], widths: Sequence[float], rows: list[list[str]]
    ) -> Table:
        labels = self.labels
        header = [
            "\n".join(_split(labels[key], self.bold, 8, width - 8))
            for key, width in zip(keys, widths, strict=True)
        ]
        table = Table([header, *rows], colWidths=widths, repeatRows=1)
        numbers = len(keys) - sum(1 for key in keys if key in self._TEXT_KEYS)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, 0), self.bold, 8),
                    ("LEADING", (0, 0), (-1, 0), 9.6),
                    ("TEXTCOLOR", (0, 0), (-1, 0), ACCENT),
                    ("FONT", (0, 1), (-1, -1), self.regular, 8.5),
                    ("LEADING", (0, 1), (-1, -1), 10.5),
                    ("ALIGN", (len(keys) - numbers, 0), (-1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
                    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
                    ("LEFTPADDING", (0, 0), (-1, -1), 4),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        return table

    # Columns whose text is left-aligned; the others are numbers.
    _TEXT_KEYS = frozenset({"invoice", "date", "due_date", "status"})

    def _invoice_table(self) -> Table:
        with_interest = any(line.interest for line in self.letter.invoices)
        widths = INVOICE_COLUMNS
        if with_interest:
            keys = ("invoice", "date", "due_date", "days_late", "residual", "interest")
        else:
            keys = ("invoice", "date", "due_date", "days_late", "amount", "residual")
        rows = []
        for line in self.letter.invoices:
            row = [
                self._cell(line.number, widths[0]),
                self._cell(self.date(line.invoice_date), widths[1]),
                self._cell(self.date(line.due_date), widths[2]),
                str(line.days_late),
            ]
            if with_interest:
                row += [self.money(line.residual), self.money(line.interest)]
            else:
                row += [self.money(line.original), self.money(line.residual)]
            rows.append(row)
        return self._table(keys, widths, rows)

    def _upcoming_table(self) -> Table:
        keys = ("invoice", "date", "due_date", "residual")
        widths = UPCOMING_COLUMNS
        rows = [
            [
                self._cell(line.number, widths[0]),
                self.date(line.invoice_date),
                self.date(line.due_date),
                self.money(line.residual),
            ]
            for line in self.letter.upcoming
        ]
        return self._table(keys, widths, rows)

    def _credit_table(self) -> Table:
        keys = ("invoice", "date", "amount")
        widths = CREDIT_COLUMNS
        rows = [
            [
                self._cell(credit.number, widths[0]),
                self.date(credit.date),
                self.money(-credit.amount),
            ]
            for credit in self.letter.credits
        ]
        return self._table(keys, widths, rows)

    def _paused_table(self) -> Table:
        keys = ("invoice", "due_date", "status", "residual")
        widths = PAUSED_COLUMNS
        rows = [
            [
                self._cell(line.number, widths[0]),
                self.date(line.due_date),
                self._cell(line.status, widths[2]),
                self.money(line.residual),
            ]
            for line in self.letter.paused
        ]
        return self._table(keys, widths, rows)

    def _summary_table(self) -> Table:
        letter, labels = self.letter, self.labels
        label_width = sum(INVOICE_COLUMNS[:-1])
        rows = []
        overdue = sum((line.residual for line in letter.invoices), Decimal(0))
        if letter.invoices and (letter.charges or letter.credits):
            rows.append(
                [self._cell(labels["total_overdue"], label_width), self.money(overdue)]
            )
        if letter.upcoming_claimed and letter.upcoming and letter.credits:
            upcoming = sum((line.residual for line in letter.upcoming), Decimal(0))
            rows.append(
                [self._cell(labels["not_due_title"], label_width), self.money(upcoming)]
            )
        rows += [
            [self._cell(charge.label, label_width), self.money(charge.amount)]
            for charge in letter.charges
        ]
        if letter.credits:
            credits = sum((credit.amount for credit in letter.credits), Decimal(0))
            rows.append(
                [self._cell(labels["less_credits"], label_width), self.money(-credits)]
            )
        total_label = "\n".join(_split(labels["to_pay"], self.bold, 10, label_width))
        rows.append([total_label, self.money(letter.total_due)])
        last = len(rows) - 1
        owed = letter.total_owed
        if owed is not None and owed != letter.total_due:
            rows.append(
                [self._cell(labels["total_owed"], label_width), self.money(owed)]
            )
        table = Table(rows, colWidths=(label_width, INVOICE_COLUMNS[-1]))
        style = [
            ("FONT", (0, 0), (-1, -1), self.regular, 8.5),
            ("LEADING", (0, 0), (-1, -1), 10.5),
            ("FONT", (0, last), (-1, last), self.bold, 10),
            ("LEADING", (0, last), (-1, last), 12.5),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LINEABOVE", (0, last), (-1, last), 1, ACCENT),
            ("BACKGROUND", (0, last), (-1, last), HEADER_BG),
            ("TOPPADDING", (0, 0), (-1, -1), 2.2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
            ("TOPPADDING", (0, last), (-1, last), 4),
            ("BOTTOMPADDING", (0, last), (-1, last), 4),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ]
        if last > 1:  # the total has its own rule above
            style.append(("LINEBELOW", (0, 0), (-1, last - 2), 0.25, RULE))
        if len(rows) > last + 1:
            style.append(("TEXTCOLOR", (0, last + 1), (-1, last + 1), MUTED))
        table.setStyle(TableStyle(style))
        return table

    def _payment_box(self) -> Table | None:
        letter, st = self.letter, self.styles
        lines = [line for line in map(_text, letter.payment_instructions) if line]
        if not lines and not letter.qr_codes:
            return None
        instructions: list[Flowable] = [
            Paragraph(escape(self.labels["payment_instructions"]), st.box_title)
        ]
        instructions += [Paragraph(_markup(line), st.box_line) for line in lines]
        if _text(letter.payment_note):
            instructions.append(Spacer(1, 1.5 * mm))
            instructions.append(Paragraph(_markup(letter.payment_note), st.box_note))
        cells: list[list[Flowable]] = [instructions]
        for qr in letter.qr_codes:
            cell: list[Flowable] = []
            if _text(qr.title):
                cell.append(Paragraph(_markup(qr.title), st.qr_title))
            cell.append(_QRCode(qr.payload_text, QR_SIZE))
            if _text(qr.caption):
                cell.append(Paragraph(_markup(qr.caption), st.qr_caption))
            cells.append(cell)
        count = len(letter.qr_codes)
        widths = (CONTENT_WIDTH - count * QR_COLUMN,) + (QR_COLUMN,) * count
        table = Table([cells], colWidths=widths)
        table.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.8, ACCENT),
                    ("BACKGROUND", (0, 0), (-1, -1), BOX_BG),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("ALIGN", (1, 0), (-1, -1), "CENTER"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                    ("LEFTPADDING", (1, 0), (-1, -1), 4),
                    ("RIGHTPADDING", (1, 0), (-1, -1), 4),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        return table

    def _portal_box(self) -> Flowable | None:
        """The customer's personal page: a QR code and its short address."""
        letter, st = self.letter, self.styles
        url = _text(letter.portal_url)
        if not url:
            return None
        text: list[Flowable] = [
            Paragraph(escape(self.labels["portal_title"]), st.box_title)
        ]
        if _text(letter.portal_caption):
            text.append(Paragraph(_markup(letter.portal_caption), st.box_line))
        text += [Spacer(1, 1.5 * mm), Paragraph(_markup(url), st.link)]
        table = Table(
            [[text, _QRCode(url, PORTAL_QR_SIZE)]],
            colWidths=(CONTENT_WIDTH - QR_COLUMN, QR_COLUMN),
        )
        table.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("ALIGN", (1, 0), (1, 0), "CENTER"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        return KeepTogether([table])


# Document --------------------------------------------------------------------


class _NextLetter(ActionFlowable):
    """Marks the letter the next first page belongs to."""

    def __init__(self, layout: _LetterLayout) -> None:
        super().__init__()
        self.layout = layout

    def apply(self, doc: "_LettersDoc") -> None:
        doc.next_layout = self.layout


class _LettersDoc(BaseDocTemplate):
    """Letters one after the other, each from a new first page."""

    def __init__(self, stream: io.BytesIO, first: _LetterLayout, **kwargs) -> None:
        super().__init__(stream, pagesize=A4, **kwargs)
        self.next_layout = first
        self.layout = first
        width = CONTENT_WIDTH
        first_frame = Frame(
            LEFT,
            BODY_BOTTOM,
            width,
            PAGE_HEIGHT - FIRST_BODY_TOP - BODY_BOTTOM,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="first",
        )
        next_frame = Frame(
            LEFT,
            BODY_BOTTOM,
            width,
            PAGE_HEIGHT - NEXT_BODY_TOP - BODY_BOTTOM,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="next",
        )
        self.addPageTemplates(
            [
                PageTemplate(
                    "first",
                    [first_frame],
                    onPage=self._first_page,
                    autoNextPageTemplate="next",
                ),
                PageTemplate("next", [next_frame], onPage=self._next_page),
            ]
        )

    def _first_page(self, canv: "_LetterCanvas", doc: BaseDocTemplate) -> None:
        self.layout = self.next_layout
        canv.layout = self.layout
        canv.saveState()
        self.layout.draw_first_page(canv)
        canv.restoreState()

    def _next_page(self, canv: "_LetterCanvas", doc: BaseDocTemplate) -> None:
        canv.layout = self.layout
        canv.saveState()
        self.layout.draw_next_page(canv)
        canv.restoreState()


class _LetterCanvas(Canvas):
    """Holds the pages back until the end to write "Page x of y" per letter."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.layout: _LetterLayout | None = None
        self._held: list[tuple[dict, _LetterLayout | None]] = []

    def showPage(self) -> None:
        self._held.append((dict(self.__dict__), self.layout))
        self._startPage()

    # pylint: disable=super-method-mismatch,missing-return
    # reportlab's numbered-canvas pattern: the held pages are shown at save time.
    def save(self) -> None:
        pages: dict[int, int] = {}
        for _state, layout in self._held:
            pages[id(layout)] = pages.get(id(layout), 0) + 1
        seen: dict[int, int] = {}
        for state, layout in self._held:
            self.__dict__.update(state)
            if layout is not None:
                seen[id(layout)] = seen.get(id(layout), 0) + 1
                layout.draw_page_label(self, seen[id(layout)], pages[id(layout)])
            super().showPage()
        super().save()


def render_letters(letters: Sequence[Letter]) -> bytes:
    """One PDF of all ``letters``, each from a new page and numbered on its own.

    Raises ValueError, naming the letter, when one cannot be printed.
    """
    if not letters:
        raise ValueError("There is no letter to print.")
    layouts = []
    story: list[Flowable] = []
    for letter in letters:
        try:
            layout = _LetterLayout(letter)
            flowables = layout.story()
        except ValueError as exc:
            raise ValueError(
                "Letter %s to %s: %s"
                % (_text(letter.reference), _text(letter.partner.name), exc)
            ) from None
        if layouts:
            story += [_NextLetter(layout), NextPageTemplate("first"), PageBreak()]
        layouts.append(layout)
        story += flowables
    first = letters[0]
    single = len(letters) == 1
    stream = io.BytesIO()
    doc = _LettersDoc(
        stream,
        layouts[0],
        title=_text(first.subject) if single else "Dunning letters",
        author=_text(first.company.name),
        subject=_text(first.reference) if single else "",
        creator="dunning_advanced",
    )
    doc.build(story, canvasmaker=_LetterCanvas)
    return stream.getvalue()


def render_letter(letter: Letter) -> bytes:
    """The PDF of one letter."""
    return render_letters([letter])
