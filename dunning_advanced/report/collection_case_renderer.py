"""Summary PDF of a collection case, the human-readable side of its case file.

Pure Python, no ORM: it renders the case.json data of :mod:`lib.case_file`
(the same figures the agency reads by machine) with reportlab: the parties,
the statement of account with interest (D.Lgs. 231/2002 art. 5) and
compensation (art. 6) per invoice, the totals per currency, the fees, and the
chronology of the reminders. The PDF is invariant (fixed dates and ids), so
the same case gives the same bytes and the same checksum.
"""

import io
from collections.abc import Mapping

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def _escape(text) -> str:
    return (
        str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _party(party: Mapping) -> str:
    address = party.get("address", {})
    lines = [
        "<b>%s</b>" % _escape(party.get("name")),
        _escape(address.get("street")),
        _escape(address.get("street2", "")),
        _escape(
            " ".join(
                item
                for item in (
                    address.get("zip", ""),
                    address.get("city", ""),
                    address.get("state", ""),
                    address.get("country_code", ""),
                )
                if item
            )
        ),
    ]
    for key, label in (("vat", "VAT"), ("fiscal_code", "C.F."), ("pec", "PEC")):
        if party.get(key):
            lines.append("%s %s" % (label, _escape(party[key])))
    return "<br/>".join(line for line in lines if line)


def _table(rows, widths, numeric_from=None):
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if numeric_from is not None:
        style.append(("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"))
    table.setStyle(TableStyle(style))
    return table


def render_summary(case: Mapping, title: str = "") -> bytes:
    """The summary PDF of ``case`` (a case.json dict, see lib.case_file)."""
    styles = getSampleStyleSheet()
    normal = styles["Normal"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title or case["reference"],
        invariant=1,
    )
    story = [
        Paragraph(_escape(title or case["reference"]), styles["Title"]),
        Paragraph(
            "Reference %s - amounts as of %s - made on %s"
            % (
                _escape(case["reference"]),
                case["amounts_as_of"],
                case["created_on"],
            ),
            normal,
        ),
        Spacer(1, 5 * mm),
        Table(
            [
                [
                    Paragraph("<b>Creditor</b>", normal),
                    Paragraph("<b>Debtor</b>", normal),
                ],
                [
                    Paragraph(_party(case["creditor"]), normal),
                    Paragraph(_party(case["debtor"]), normal),
                ],
            ],
            colWidths=[87 * mm, 87 * mm],
        ),
        Spacer(1, 5 * mm),
        Paragraph("Statement of account", styles["Heading2"]),
    ]
    rows = [
        [
            "Invoice",
            "Date",
            "Due",
            "Cur.",
            "Amount",
            "Unpaid",
            "Interest",
            "Compens.",
            "Total due",
        ]
    ]
    for invoice in case["invoices"]:
        rows.append(
            [
                invoice["number"],
                invoice["date"],
                invoice["due_date"],
                invoice["currency"],
                invoice["original_amount"],
                invoice["residual"],
                invoice["interest"],
                invoice["compensation"],
                invoice["total_due"],
            ]
        )
    story.append(
        _table(
            rows,
            [
                28 * mm,
                18 * mm,
                18 * mm,
                10 * mm,
                20 * mm,
                20 * mm,
                18 * mm,
                18 * mm,
                22 * mm,
            ],
            numeric_from=4,
        )
    )
    if case["fees"]:
        story += [Spacer(1, 4 * mm), Paragraph("Fees", styles["Heading3"])]
        story.append(
            _table(
                [["Description", "Cur.", "Amount"]]
                + [
                    [
                        Paragraph(_escape(f["description"]), normal),
                        f["currency"],
                        f["amount"],
                    ]
                    for f in case["fees"]
                ],
                [130 * mm, 14 * mm, 28 * mm],
                numeric_from=2,
            )
        )
    story += [Spacer(1, 4 * mm), Paragraph("Totals", styles["Heading3"])]
    story.append(
        _table(
            [["Cur.", "Unpaid", "Interest", "Compensation", "Fees", "Total"]]
            + [
                [
                    t["currency"],
                    t["residual"],
                    t["interest"],
                    t["compensation"],
                    t["fees"],
                    t["total"],
                ]
                for t in case["totals"]
            ],
            [16 * mm, 30 * mm, 30 * mm, 30 * mm, 30 * mm, 34 * mm],
            numeric_from=1,
        )
    )
    story += [
        Spacer(1, 5 * mm),
        Paragraph("Chronology of contacts", styles["Heading2"]),
    ]
    if case["contacts"]:
        story.append(
            _table(
                [["Date", "Channel", "Level", "What"]]
                + [
                    [
                        c["date"],
                        c["channel"],
                        str(c["level"]),
                        Paragraph(_escape(c["summary"]), normal),
                    ]
                    for c in case["contacts"]
                ],
                [22 * mm, 22 * mm, 12 * mm, 118 * mm],
            )
        )
    else:
        story.append(Paragraph("No reminder on record.", normal))
    doc.build(story)
    return buffer.getvalue()
