import datetime
import io
from decimal import Decimal

from PyPDF2 import PdfReader

from odoo.tests import BaseCase, tagged

from ..report.letter_renderer import LetterCompany, LetterPartner, LetterPaymentQR
from ..report.statement_renderer import (
    Statement,
    StatementItem,
    StatementMovement,
    StatementSection,
    render_statement,
    render_statements,
)

EPC_PAYLOAD = (
    "BCD\n002\n1\nSCT\n\nRossi Forniture Industriali S.r.l.\n"
    "IT60X0542811101000000123456\nEUR1690.00\n\n\nEstratto conto C00042"
)
COMPANY = LetterCompany(
    name="Rossi Forniture Industriali S.r.l.",
    street="Via Giuseppe Verdi 12",
    zip="20121",
    city="Milano",
    country="Italia",
    vat="IT12345670017",
    iban="IT60X0542811101000000123456",
)
PARTNER = LetterPartner(
    name="Edilizia Tirrena S.r.l.",
    street="Via Grande 8",
    zip="57123",
    city="Livorno",
    state="LI",
    country="Italia",
    vat="IT01234567897",
)
D = Decimal


def _statement(lang="it_IT", items=None, qr=True, **values):
    if items is None:
        items = [
            StatementItem(
                number="INV/2026/00017",
                kind="invoice",
                date=datetime.date(2026, 7, 1),
                due_date=datetime.date(2026, 7, 31),
                original=D("1220.00"),
                residual=D("1220.00"),
                note="Sollecito 2",
            ),
            StatementItem(
                number="INV/2026/00031",
                kind="invoice",
                date=datetime.date(2026, 10, 20),
                due_date=datetime.date(2026, 11, 19),
                original=D("610.00"),
                residual=D("610.00"),
            ),
            StatementItem(
                number="INV/2026/00040",
                kind="invoice",
                date=datetime.date(2026, 11, 20),
                due_date=datetime.date(2026, 12, 20),
                original=D("100.00"),
                residual=D("100.00"),
            ),
            StatementItem(
                number="RINV/2026/00003",
                kind="credit_note",
                date=datetime.date(2026, 11, 2),
                due_date=datetime.date(2026, 11, 2),
                original=D("-240.00"),
                residual=D("-240.00"),
            ),
        ]
    section = StatementSection(
        currency_name="EUR",
        currency_symbol="€",
        items=items,
        recent=[
            StatementMovement(
                number="BNK1/2026/00101",
                kind="payment",
                date=datetime.date(2026, 11, 10),
                amount=D("500.00"),
                reference="INV/2026/00012",
            )
        ],
        qr=LetterPaymentQR("Bonifico SEPA", EPC_PAYLOAD, "Inquadra") if qr else None,
        payment_instructions=["IBAN IT60 X054 2811 1010 0000 0123 456"],
    )
    data = {
        "company": COMPANY,
        "partner": PARTNER,
        "lang": lang,
        "date": datetime.date(2026, 12, 5),
        "reference": "C00042",
        "sections": [section],
        "recent_since": datetime.date(2026, 9, 6),
        "place": "Milano",
    }
    data.update(values)
    return Statement(**data)


def _text(pdf):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@tagged("post_install", "-at_install")
class TestLibStatementRenderer(BaseCase):
    def test_italian_statement_lists_items_aging_payments_and_balance(self):
        text = _text(render_statement(_statement()))
        self.assertIn("Estratto conto al 5 dicembre 2026", text)
        self.assertIn("Fattura\nINV/2026/00017", text)
        self.assertIn("Nota di credito\nRINV/2026/00003", text)
        # 1,220 + 610 + 100 - 240 = 1,690; due 31/07 is 127 days late on 5/12
        self.assertIn("Saldo a nostro credito", text)
        self.assertIn("1.690,00 €", text)
        self.assertIn("127", text)
        # aging: 100 not due, 610 in 1-30 (due 19/11), the credit note due
        # 2/11 in 31-60, 1,220 over 120 days
        self.assertIn(
            "Oltre 120 gg\nTotale\n100,00 €\n610,00 €\n-240,00 €\n0,00 €\n"
            "0,00 €\n1.220,00 €\n1.690,00 €",
            text,
        )
        self.assertIn("Pagamenti e note di credito dal 6 settembre 2026", text)
        self.assertIn("BNK1/2026/00101", text)
        self.assertIn("Edilizia Tirrena S.r.l.", text)
        self.assertIn("Bonifico SEPA", text)

    def test_english_statement(self):
        text = _text(render_statement(_statement(lang="en_US")))
        self.assertIn("Statement of account as of 5 December 2026", text)
        self.assertIn("Credit note\nRINV/2026/00003", text)
        self.assertIn("€1,690.00", text)
        self.assertIn("120+ days", text)

    def test_settled_account_says_so_and_has_no_qr(self):
        text = _text(render_statement(_statement(items=[], qr=False)))
        self.assertIn("Nessuna partita aperta", text)
        with self.assertRaisesRegex(ValueError, "only for a balance due"):
            render_statement(_statement(items=[]))

    def test_statements_of_several_customers_are_numbered_each(self):
        pdf = render_statements([_statement(), _statement(lang="en_US")])
        pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
        self.assertEqual(len(pages), 2)
        self.assertIn("Pagina 1 di 1", pages[0])
        self.assertIn("Page 1 of 1", pages[1])

    def test_long_statement_spans_pages(self):
        items = [
            StatementItem(
                number="INV/2025/%05d" % index,
                kind="invoice",
                date=datetime.date(2025, 1, 1) + datetime.timedelta(days=index),
                due_date=datetime.date(2025, 2, 1) + datetime.timedelta(days=index),
                original=D("10.00"),
                residual=D("10.00"),
            )
            for index in range(120)
        ]
        text = _text(render_statement(_statement(items=items)))
        self.assertIn("Pagina 3 di", text)
        self.assertIn("1.200,00 €", text)

    def test_unknown_language_and_float_amounts_are_refused(self):
        with self.assertRaisesRegex(ValueError, "Italian or English"):
            render_statement(_statement(lang="de_DE"))
        bad = StatementItem(
            number="X",
            kind="invoice",
            date=datetime.date(2026, 1, 1),
            due_date=None,
            original=1.0,
            residual=D("1"),
        )
        with self.assertRaisesRegex(ValueError, "give amounts as Decimal"):
            render_statement(_statement(items=[bad], qr=False))
