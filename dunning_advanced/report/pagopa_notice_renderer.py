"""The pagoPA payment notice ("avviso di pagamento") as a one-page PDF.

Pure Python, no ORM: the notice model builds a :class:`NoticeData` and calls
:func:`render_notice`. The content follows "Avviso di pagamento pagoPA",
Allegato 2 (AgID/PagoPA, v3): creditor (``ENTE``) with its fiscal code,
debtor (``DESTINATARIO``) with its fiscal code, amount in the Italian format
(``AVVISO.IMPORTO``), due date, the notice code in groups of four
(``AVVISO.CODICE``), the CBILL code, the QR code of SANP Tabella 31 and, when
the creditor collects on a postal account, the "Bollettino Postale PA" part.

The Poste Data Matrix is an ECC 200 symbol of the 256 characters, 52 x 52
modules as Poste asks. reportlab draws only a 44 x 44 C40 symbol (144 data
codewords, too few), so the symbol comes from :mod:`..lib.datamatrix` and is
drawn here with filled rectangles, one a run of dark modules, with a quiet
zone of one module; its text is printed small beside it for people.
"""

import io
from dataclasses import dataclass
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

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT = 15 * mm
RIGHT = PAGE_WIDTH - 15 * mm
QR_SIZE = 32 * mm
# Poste wants the 256 characters in a 52 x 52 symbol; 0.5 mm modules and a
# quiet zone of one module make it 27 mm wide.
DATAMATRIX_MODULES = 52
DATAMATRIX_MODULE = 0.5 * mm
DATAMATRIX_LABEL = "Data Matrix Poste, testo del codice / text of the code:"


@dataclass(frozen=True, kw_only=True)
class NoticeData:
    """What the notice shows; amounts in euro (Decimal), exact to the cent."""

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


def render_notice(notice: NoticeData) -> bytes:
    """The PDF of one payment notice (A4, one page)."""
    buffer = io.BytesIO()
    canv = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
    canv.setTitle("Avviso di pagamento %s" % notice.notice_code)
    amount = format_amount_it(notice.amount)
    code_groups = format_notice_code_groups(notice.notice_code)
    due = notice.due_date.strftime("%d/%m/%Y")
    top = PAGE_HEIGHT - 20 * mm

    canv.setFont("Helvetica-Bold", 16)
    canv.drawString(LEFT, top, "AVVISO DI PAGAMENTO")
    canv.setFont("Helvetica", 10)
    canv.drawString(LEFT, top - 7 * mm, notice.subject[:95])

    def block(y: float, title: str, lines: list[str]) -> float:
        canv.setFont("Helvetica-Bold", 9)
        canv.drawString(LEFT, y, title)
        canv.setFont("Helvetica", 10)
        for line in lines:
            y -= 5 * mm
            canv.drawString(LEFT, y, line[:100])
        return y - 8 * mm

    y = top - 20 * mm
    y = block(
        y,
        "ENTE CREDITORE / CREDITOR",
        [notice.creditor_name, "Codice fiscale %s" % notice.creditor_fiscal_code],
    )
    y = block(
        y,
        "DESTINATARIO AVVISO / DEBTOR",
        [notice.debtor_name, "Codice fiscale %s" % notice.debtor_fiscal_code],
    )
    canv.setFont("Helvetica-Bold", 12)
    canv.drawString(LEFT, y, "Importo / Amount: %s Euro" % amount)
    canv.drawString(LEFT, y - 7 * mm, "Entro il / Due by: %s" % due)
    y -= 20 * mm

    canv.rect(LEFT, y - 45 * mm, RIGHT - LEFT, 48 * mm)
    canv.setFont("Helvetica-Bold", 10)
    canv.drawString(LEFT + 4 * mm, y - 3 * mm, "BANCHE E ALTRI CANALI")
    canv.setFont("Helvetica", 9)
    canv.drawString(LEFT + 4 * mm, y - 10 * mm, "Destinatario: %s" % notice.debtor_name)
    canv.drawString(
        LEFT + 4 * mm, y - 16 * mm, "Ente Creditore: %s" % notice.creditor_name
    )
    canv.drawString(LEFT + 4 * mm, y - 22 * mm, "Euro %s" % amount)
    canv.drawString(
        LEFT + 4 * mm, y - 28 * mm, "Codice CBILL: %s" % (notice.cbill or "-")
    )
    canv.setFont("Helvetica-Bold", 11)
    canv.drawString(LEFT + 4 * mm, y - 35 * mm, "Codice Avviso: %s" % code_groups)
    canv.setFont("Helvetica", 9)
    canv.drawString(
        LEFT + 4 * mm,
        y - 41 * mm,
        "Cod. Fiscale Ente Creditore: %s" % notice.creditor_fiscal_code,
    )
    _qr(canv, notice.qr_payload, RIGHT - QR_SIZE - 5 * mm, y - 43 * mm)
    y -= 55 * mm

    if notice.postal_account:
        canv.rect(LEFT, y - 45 * mm, RIGHT - LEFT, 48 * mm)
        canv.setFont("Helvetica-Bold", 10)
        canv.drawString(LEFT + 4 * mm, y - 3 * mm, "BOLLETTINO POSTALE PA")
        canv.setFont("Helvetica", 9)
        canv.drawString(
            LEFT + 4 * mm, y - 10 * mm, "sul C/C n. %s" % notice.postal_account
        )
        canv.drawString(LEFT + 4 * mm, y - 16 * mm, "Euro %s" % amount)
        canv.drawString(LEFT + 4 * mm, y - 22 * mm, "Codice Avviso: %s" % code_groups)
        canv.setFont("Helvetica", 6.5)
        canv.drawString(LEFT + 4 * mm, y - 28 * mm, DATAMATRIX_LABEL)
        canv.setFont("Courier", 6.5)
        text = notice.datamatrix_text
        for index in range(0, len(text), 86):
            canv.drawString(
                LEFT + 4 * mm,
                y - 32 * mm - (index // 86) * 3 * mm,
                text[index : index + 86],
            )
        if text:
            _datamatrix(canv, text, RIGHT - 4 * mm, y - 43 * mm)
    canv.showPage()
    canv.save()
    return buffer.getvalue()
