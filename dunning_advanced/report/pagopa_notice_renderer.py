"""The pagoPA payment notice ("avviso di pagamento") as a PDF.

Pure Python, no ORM: the notice model builds a :class:`NoticeData` and calls
:func:`render_notice`. Layout and fixed texts follow the mandatory model,
"Avviso di pagamento pagoPA", Allegato 2 (v3.x: "I modelli devono essere
utilizzati obbligatoriamente"), in its variant "Avviso con seconda lingua":
Italian first, English as the second language, with the official strings
("Stringhe dei testi fissi", :data:`TEXTS`). Sections, top to bottom:

* header: "AVVISO DI PAGAMENTO", the subject (``Avviso.Oggetto``, 90
  characters) and the pagoPA brand;
* "ENTE CREDITORE" (name, fiscal code, contacts) and "DESTINATARIO AVVISO"
  (name, fiscal code, address);
* "QUANTO E QUANDO PAGARE?": amount and due date, or the number of
  instalments, and the legal disclaimer;
* "DOVE PAGARE?": the IO app and online channels, the physical ones;
* "DATI PER IL PAGAMENTO": "Rata unica" or one part per instalment ("Rata n"),
  each with its QR code (SANP Tabella 31), notice code in groups of four,
  CBILL and the creditor's fiscal code;
* with a postal account, "BOLLETTINO POSTALE PA" for the single payment or for
  each instalment: account and holder, recipient, subject, notice code, type
  P1, creditor's fiscal code, the Poste Data Matrix (52 x 52 modules, about
  25 x 25 mm) and Poste's authorisation to print ("AUT. ...", grey at 70 %).

reportlab draws only a 44 x 44 C40 Data Matrix, so the symbol comes from
:mod:`..lib.datamatrix` and is drawn here with filled rectangles, one a run of
dark modules, with a quiet zone of one module.
"""

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from ..lib.datamatrix import encode as datamatrix_encode
from ..lib.pagopa import format_amount_it, format_notice_code_groups
from ..lib.transliteration import to_ascii

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT = 12 * mm
RIGHT = PAGE_WIDTH - 12 * mm
WIDTH = RIGHT - LEFT
QR_SIZE = 30 * mm
# Poste's 52 x 52 symbol, 25 mm wide (Allegato 2, <data_matrix>: 25 x 25 mm).
DATAMATRIX_MODULES = 52
DATAMATRIX_MODULE = 0.48 * mm
BRAND_BLUE = (0.0, 0.4, 0.8)  # pagoPA blue #0066CC
AUTHORISATION_GREY = 0.3  # "non è nero pieno, ma al 70% di densità"

# Fixed texts of the model, Italian and English ("Stringhe dei testi fissi").
TEXTS = {
    "title": ("AVVISO DI PAGAMENTO", "Payment Notice"),
    "creditor": ("ENTE CREDITORE", "Payee"),
    "debtor": ("DESTINATARIO AVVISO", "Recipient"),
    "how_much": ("QUANTO E QUANDO PAGARE?", "How much and when to pay?"),
    "by": ("entro il", "Due Date"),
    "instalments": (
        "Puoi pagare in %d rate",
        "You can pay in %d installments",
    ),
    "many": (
        "Importi e scadenze sono riportati nel dettaglio di ogni singola rata.",
        "You can find due dates and amounts within each installment.",
    ),
    "legal": (
        "In fase di pagamento, se previsto dall'ente, l'importo potrebbe essere "
        "aggiornato automaticamente e subire variazioni in diminuzione (per "
        "sgravi, note di credito) o in aumento (per sanzioni, interessi, ecc.).",
        "During payment, if allowed by the payee, the amount could be updated "
        "automatically and be subject to changes in decrease (for allowances, "
        "credit notes) or increase (for penalties, interest, etc.).",
    ),
    "where": ("DOVE PAGARE?", "Where to pay?"),
    "cta": ("vai su pagopa.gov.it", "Go to pagopa.gov.it"),
    "online": ("PAGA CON L'APP IO", "Pay with IO app"),
    "online_text": (
        "oppure sul sito di %s, dal tuo Home Banking, con la tua app di "
        "pagamento o con gli altri canali abilitati.",
        "or with %s's website, your Home Banking, payment app or the other "
        "authorized channels.",
    ),
    "local": ("PAGA SUL TERRITORIO", "Pay locally"),
    "local_text": (
        "presso Banche e Sportelli ATM, negli Uffici Postali e Punti Postali, "
        "nei Bar, Edicole, Ricevitorie, Supermercati, Tabaccherie e altri "
        "Operatori Abilitati.",
        "at Banks and ATMs, in Post Offices, Cafés, Newsagents, Betting and "
        "Tobacco Shops, Supermarkets and other Enabled Merchants.",
    ),
    "details": ("DATI PER IL PAGAMENTO", "Payment details"),
    "single": ("Rata unica", "Full amount"),
    "nth": ("Rata %d", "Installment #%d"),
    "qr_single": (
        "Inquadra il codice QR con la tua app di pagamento o usa i dati accanto.",
        "Scan the QR Code with your payment app or use the data printed here.",
    ),
    "qr_many": (
        "Inquadra il codice QR con la tua app di pagamento o usa i dati sopra.",
        "Scan the QR Code with your payment app or use the data printed above.",
    ),
    "payee": ("Ente Creditore", "Payee"),
    "recipient": ("Destinatario", "Recipient"),
    "subject": ("Oggetto del pagamento", "Payment Description"),
    "cbill": ("Cod. CBILL", "CBILL Code"),
    "code": ("Cod. Avviso", "Notice Code"),
    "tax_code": ("Cod. Fiscale Ente", "Payee Tax Code"),
    "fiscal": ("Cod. Fiscale", "Tax Code"),
    "postal": ("BOLLETTINO POSTALE PA", "Postal payment slip"),
    "postal_text": (
        "Bollettino Postale pagabile in tutti gli Uffici Postali e sui canali "
        "fisici o digitali abilitati di Poste Italiane e dell'Ente Creditore",
        "Payable in every Post Office and on the enabled channels of Poste "
        "Italiane and of the payee",
    ),
    "account": ("sul C/C n.", "account no."),
    "holder": ("intestato a", "account holder"),
    "type": ("Tipo", "Type"),
    "postal_tax_code": ("Cod. Fiscale Ente Creditore", "Payee Tax Code"),
}


@dataclass(frozen=True, kw_only=True)
class NoticeInstalment:
    """One instalment ("rata") of a notice: its own notice code and QR."""

    notice_code: str
    amount: Decimal
    due_date: date
    qr_payload: str
    datamatrix_text: str = ""


@dataclass(frozen=True, kw_only=True)
class NoticeData:
    """What the notice shows; amounts in euro (Decimal), exact to the cent.

    ``instalments``: the variant with instalments (2 or more); the notice's
    own code, amount and QR are then those of the whole debt and are not
    printed as a "Rata unica"."""

    creditor_name: str
    creditor_fiscal_code: str
    debtor_name: str
    debtor_fiscal_code: str
    subject: str
    amount: Decimal
    due_date: date
    notice_code: str
    qr_payload: str
    cbill: str = ""
    postal_account: str = ""
    datamatrix_text: str = ""
    creditor_info: str = ""
    debtor_address: tuple[str, ...] = ()
    postal_account_holder: str = ""
    postal_authorisation: str = ""
    instalments: tuple[NoticeInstalment, ...] = field(default_factory=tuple)


def _printable(text: str) -> str:
    """``text`` in the standard fonts' encoding (WinAnsi): letters it lacks are
    transliterated by the addon's one table (``ł`` -> ``l``)."""
    result = []
    for character in text or "":
        try:
            character.encode("cp1252")
            result.append(character)
        except UnicodeEncodeError:
            result.append(to_ascii(character).encode("cp1252", "replace").decode())
    return "".join(result)


def _qr(canv: canvas.Canvas, payload: str, x: float, y: float) -> None:
    widget = QrCodeWidget(payload, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(
        QR_SIZE,
        QR_SIZE,
        transform=[QR_SIZE / (x2 - x1), 0, 0, QR_SIZE / (y2 - y1), 0, 0],
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canv, x, y)


def datamatrix_symbol(text: str) -> list[list[int]]:
    """The modules of the Poste Data Matrix of ``text`` (rows from the top,
    1 = dark): always 52 x 52, as Poste asks; the text from
    :func:`..lib.pagopa.poste_datamatrix_payload` is fitted to it."""
    return datamatrix_encode(text, DATAMATRIX_MODULES)


def datamatrix_runs(matrix: list[list[int]]) -> list[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules."""
    runs = []
    for row, modules in enumerate(matrix):
        column = 0
        while column < len(modules):
            if modules[column]:
                end = column
                while end < len(modules) and modules[end]:
                    end += 1
                runs.append((row, column, end - column))
                column = end
            else:
                column += 1
    return runs


def _datamatrix(canv: canvas.Canvas, text: str, right: float, bottom: float) -> None:
    """The symbol with its bottom right corner of the quiet zone at
    (``right``, ``bottom``)."""
    matrix = datamatrix_symbol(text)
    side = len(matrix)
    left = right - (side + 2) * DATAMATRIX_MODULE
    top = bottom + (side + 1) * DATAMATRIX_MODULE  # the quiet zone's first module
    canv.saveState()
    canv.setFillColorRGB(0, 0, 0)
    for row, column, length in datamatrix_runs(matrix):
        canv.rect(
            left + (column + 1) * DATAMATRIX_MODULE,
            top - (row + 1) * DATAMATRIX_MODULE,
            length * DATAMATRIX_MODULE,
            DATAMATRIX_MODULE,
            stroke=0,
            fill=1,
        )
    canv.restoreState()


class _Notice:
    """Draws one notice on a canvas, top to bottom, page after page."""

    def __init__(self, canv: canvas.Canvas, notice: NoticeData):
        self.canv = canv
        self.notice = notice
        self.y = PAGE_HEIGHT - 12 * mm

    # -------------------------------------------------------------- helpers

    def text(self, x, y, value, size=8, bold=False, grey=0.0):
        canv = self.canv
        canv.setFillGray(grey)
        canv.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        canv.drawString(x, y, _printable(value))
        canv.setFillGray(0)

    def wrapped(self, x, y, value, width, size=7.5, bold=False, leading=None):
        """``value`` wrapped to ``width``; returns the y below the last line."""
        font = "Helvetica-Bold" if bold else "Helvetica"
        leading = leading or size + 2
        words = _printable(value).split()
        line = ""
        for word in words:
            candidate = (line + " " + word).strip()
            if self.canv.stringWidth(candidate, font, size) > width and line:
                self.text(x, y, line, size, bold)
                y -= leading
                line = word
            else:
                line = candidate
        if line:
            self.text(x, y, line, size, bold)
            y -= leading
        return y

    def title(self, y, key, size=10):
        italian, english = TEXTS[key]
        self.text(LEFT, y, italian, size, bold=True)
        width = self.canv.stringWidth(_printable(italian), "Helvetica-Bold", size)
        self.text(LEFT + width + 3 * mm, y, english, size - 1, grey=0.4)

    def need(self, height):
        """A new page when ``height`` does not fit above the bottom margin."""
        if self.y - height < 12 * mm:
            self.canv.showPage()
            self.y = PAGE_HEIGHT - 12 * mm

    # -------------------------------------------------------------- sections

    def header(self):
        notice, y = self.notice, self.y
        self.text(LEFT, y - 6 * mm, TEXTS["title"][0], 15, bold=True)
        self.text(LEFT, y - 11 * mm, TEXTS["title"][1], 9, grey=0.4)
        self.wrapped(LEFT, y - 17 * mm, notice.subject[:90], 130 * mm, 10)
        # The pagoPA brand, top right.
        canv = self.canv
        canv.setFillColorRGB(*BRAND_BLUE)
        canv.roundRect(RIGHT - 34 * mm, y - 11 * mm, 34 * mm, 11 * mm, 2 * mm, 0, 1)
        canv.setFillColorRGB(1, 1, 1)
        canv.setFont("Helvetica-Bold", 16)
        canv.drawCentredString(RIGHT - 17 * mm, y - 8 * mm, "pagoPA")
        canv.setFillGray(0)
        self.y = y - 26 * mm

    def parties(self):
        notice, y = self.notice, self.y
        middle = LEFT + WIDTH / 2
        self.text(LEFT, y, TEXTS["creditor"][0], 9, bold=True)
        self.text(LEFT, y - 4 * mm, TEXTS["creditor"][1], 7, grey=0.4)
        self.text(middle, y, TEXTS["debtor"][0], 9, bold=True)
        self.text(middle, y - 4 * mm, TEXTS["debtor"][1], 7, grey=0.4)
        left_y = self.wrapped(LEFT, y - 10 * mm, notice.creditor_name[:50], 85 * mm, 10)
        fiscal = "%s / %s" % TEXTS["fiscal"]
        self.text(LEFT, left_y, "%s %s" % (fiscal, notice.creditor_fiscal_code), 8)
        left_y -= 5 * mm
        if notice.creditor_info:
            left_y = self.wrapped(LEFT, left_y, notice.creditor_info, 85 * mm, 7.5)
        right_y = self.wrapped(
            middle, y - 10 * mm, notice.debtor_name[:70], 85 * mm, 10
        )
        self.text(middle, right_y, "%s %s" % (fiscal, notice.debtor_fiscal_code), 8)
        right_y -= 5 * mm
        for line in notice.debtor_address:
            self.text(middle, right_y, line[:70], 8)
            right_y -= 4 * mm
        self.y = min(left_y, right_y) - 4 * mm

    def how_much(self):
        notice = self.notice
        self.need(40 * mm)
        y = self.y
        self.canv.setLineWidth(0.5)
        self.canv.line(LEFT, y + 3 * mm, RIGHT, y + 3 * mm)
        self.title(y - 2 * mm, "how_much")
        y -= 10 * mm
        if notice.instalments:
            count = len(notice.instalments)
            self.text(LEFT, y, TEXTS["instalments"][0] % count, 11, bold=True)
            self.text(LEFT, y - 4.5 * mm, TEXTS["instalments"][1] % count, 8, grey=0.4)
            y -= 10 * mm
            y = self.wrapped(LEFT, y, TEXTS["many"][0], 88 * mm, 7.5)
            y = self.wrapped(LEFT, y, TEXTS["many"][1], 88 * mm, 7)
        else:
            amount = format_amount_it(notice.amount)
            due = notice.due_date.strftime("%d/%m/%Y")
            self.text(LEFT, y, "%s Euro" % amount, 14, bold=True)
            self.text(
                LEFT,
                y - 6 * mm,
                "%s %s / %s %s" % (TEXTS["by"][0], due, TEXTS["by"][1], due),
                9,
            )
            y -= 12 * mm
        legal_y = self.wrapped(
            LEFT + WIDTH / 2, self.y - 10 * mm, TEXTS["legal"][0], 88 * mm, 7
        )
        legal_y = self.wrapped(
            LEFT + WIDTH / 2, legal_y - 1 * mm, TEXTS["legal"][1], 88 * mm, 6.5
        )
        self.y = min(y, legal_y) - 4 * mm

    def where(self):
        notice = self.notice
        self.need(45 * mm)
        y = self.y
        self.canv.line(LEFT, y + 3 * mm, RIGHT, y + 3 * mm)
        self.title(y - 2 * mm, "where")
        self.text(RIGHT - 50 * mm, y - 2 * mm, TEXTS["cta"][0], 9, bold=True)
        self.text(RIGHT - 50 * mm, y - 6 * mm, TEXTS["cta"][1], 7, grey=0.4)
        y -= 12 * mm
        middle = LEFT + WIDTH / 2
        name = notice.creditor_name[:50]
        self.text(LEFT, y, TEXTS["online"][0], 9, bold=True)
        self.text(LEFT, y - 4 * mm, TEXTS["online"][1], 7, grey=0.4)
        left_y = self.wrapped(LEFT, y - 9 * mm, TEXTS["online_text"][0] % name, 88 * mm)
        left_y = self.wrapped(
            LEFT, left_y, TEXTS["online_text"][1] % name, 88 * mm, 6.5
        )
        self.text(middle, y, TEXTS["local"][0], 9, bold=True)
        self.text(middle, y - 4 * mm, TEXTS["local"][1], 7, grey=0.4)
        right_y = self.wrapped(middle, y - 9 * mm, TEXTS["local_text"][0], 88 * mm)
        right_y = self.wrapped(middle, right_y, TEXTS["local_text"][1], 88 * mm, 6.5)
        self.y = min(left_y, right_y) - 4 * mm

    def payment_part(self, label, amount, due_date, code, qr, single):
        """One "Rata unica" or "Rata n" part: amount, due date, QR and data."""
        notice = self.notice
        height = 56 * mm
        self.need(height + (8 * mm if single else 0))
        if single:
            self.title(self.y - 2 * mm, "details")
            self.y -= 6 * mm
        top = self.y
        canv = self.canv
        canv.setLineWidth(0.8)
        canv.rect(LEFT, top - height, WIDTH, height)
        self.text(LEFT + 4 * mm, top - 7 * mm, label[0], 10, bold=True)
        self.text(LEFT + 4 * mm, top - 11 * mm, label[1], 7, grey=0.4)
        due = due_date.strftime("%d/%m/%Y")
        self.text(
            LEFT + 45 * mm,
            top - 7 * mm,
            "%s %s / %s %s" % (TEXTS["by"][0], due, TEXTS["by"][1], due),
            9,
        )
        self.text(
            RIGHT - 58 * mm,
            top - 7 * mm,
            "Euro %s" % format_amount_it(amount),
            12,
            bold=True,
        )
        _qr(canv, qr, LEFT + 4 * mm, top - 15 * mm - QR_SIZE)
        instructions = TEXTS["qr_single" if single else "qr_many"]
        self.wrapped(LEFT + 4 * mm, top - 49 * mm, instructions[0], 80 * mm, 6.5)
        self.wrapped(LEFT + 4 * mm, top - 52.5 * mm, instructions[1], 80 * mm, 6)
        x = LEFT + QR_SIZE + 10 * mm
        y = top - 17 * mm
        for key, value in (
            ("recipient", notice.debtor_name[:70]),
            ("payee", notice.creditor_name[:50]),
            ("subject", notice.subject[:90]),
        ):
            self.text(x, y, "%s / %s" % TEXTS[key], 6.5, grey=0.4)
            self.text(x, y - 4 * mm, value[:55], 8, bold=True)
            y -= 10 * mm
        column = RIGHT - 58 * mm
        y = top - 17 * mm
        for key, value in (
            ("cbill", notice.cbill or "-"),
            ("code", format_notice_code_groups(code)),
            ("tax_code", notice.creditor_fiscal_code),
        ):
            self.text(column, y, "%s / %s" % TEXTS[key], 6.5, grey=0.4)
            self.text(column, y - 4.5 * mm, value, 10, bold=True)
            y -= 10 * mm
        self.y = top - height - 4 * mm

    def postal_part(self, label, amount, code, datamatrix_text):
        """The "Bollettino Postale PA" of one payment or instalment."""
        notice = self.notice
        height = 62 * mm
        self.need(height)
        top = self.y
        canv = self.canv
        canv.setLineWidth(0.8)
        canv.rect(LEFT, top - height, WIDTH, height)
        self.text(LEFT + 4 * mm, top - 6 * mm, TEXTS["postal"][0], 10, bold=True)
        self.text(LEFT + 4 * mm, top - 10 * mm, TEXTS["postal"][1], 7, grey=0.4)
        if label:
            self.text(LEFT + 70 * mm, top - 6 * mm, "%s / %s" % label, 9, bold=True)
        y = self.wrapped(
            LEFT + 4 * mm, top - 14 * mm, TEXTS["postal_text"][0], 140 * mm, 6.5
        )
        self.wrapped(LEFT + 4 * mm, y, TEXTS["postal_text"][1], 140 * mm, 6)
        x = LEFT + 4 * mm
        value_x = x + 50 * mm
        y = top - 26 * mm
        rows = (
            ("account", notice.postal_account, 10),
            ("holder", notice.postal_account_holder or notice.creditor_name, 8),
            ("recipient", notice.debtor_name, 8),
            ("subject", notice.subject, 8),
            ("code", format_notice_code_groups(code), 9),
            ("postal_tax_code", notice.creditor_fiscal_code, 9),
        )
        for key, value, size in rows:
            self.text(x, y, "%s / %s" % TEXTS[key], 6.5, grey=0.4)
            self.text(value_x, y, value[:50], size, bold=True)
            y -= 5 * mm
        self.text(
            RIGHT - 70 * mm,
            top - 26 * mm,
            "Euro %s" % format_amount_it(amount),
            11,
            bold=True,
        )
        self.text(
            RIGHT - 70 * mm, top - 46 * mm, "%s / %s" % TEXTS["type"], 6.5, grey=0.4
        )
        self.text(RIGHT - 70 * mm, top - 50 * mm, "P1", 10, bold=True)
        if notice.postal_authorisation:
            self.text(
                x,
                top - height + 3 * mm,
                notice.postal_authorisation,
                6.5,
                grey=AUTHORISATION_GREY,
            )
        if datamatrix_text:
            _datamatrix(canv, datamatrix_text, RIGHT - 4 * mm, top - height + 4 * mm)
        self.y = top - height - 4 * mm

    def draw(self):
        notice = self.notice
        self.header()
        self.parties()
        self.how_much()
        self.where()
        if notice.instalments:
            for number, instalment in enumerate(notice.instalments, start=1):
                label = (TEXTS["nth"][0] % number, TEXTS["nth"][1] % number)
                if number == 1:
                    self.need(66 * mm)
                    self.title(self.y - 2 * mm, "details")
                    self.y -= 6 * mm
                self.payment_part(
                    label,
                    instalment.amount,
                    instalment.due_date,
                    instalment.notice_code,
                    instalment.qr_payload,
                    single=False,
                )
            if notice.postal_account:
                for number, instalment in enumerate(notice.instalments, start=1):
                    self.postal_part(
                        (TEXTS["nth"][0] % number, TEXTS["nth"][1] % number),
                        instalment.amount,
                        instalment.notice_code,
                        instalment.datamatrix_text,
                    )
        else:
            self.payment_part(
                TEXTS["single"],
                notice.amount,
                notice.due_date,
                notice.notice_code,
                notice.qr_payload,
                single=True,
            )
            if notice.postal_account:
                self.postal_part(
                    None, notice.amount, notice.notice_code, notice.datamatrix_text
                )


def render_notice(notice: NoticeData) -> bytes:
    """The PDF of one payment notice (A4; one page for a single payment, more
    for instalments)."""
    buffer = io.BytesIO()
    canv = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
    canv.setTitle("Avviso di pagamento %s" % notice.notice_code)
    _Notice(canv, notice).draw()
    canv.showPage()
    canv.save()
    return buffer.getvalue()
