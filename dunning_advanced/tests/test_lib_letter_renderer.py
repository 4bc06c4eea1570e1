import datetime
import io
import re
import subprocess
import tempfile
from decimal import Decimal
from itertools import pairwise
from unittest.mock import patch

from PIL import Image
from PyPDF2 import PdfReader

from odoo.tests import BaseCase, tagged

from ..report import letter_renderer
from ..report.letter_renderer import (
    FALLBACK_FONTS,
    Letter,
    LetterCharge,
    LetterCompany,
    LetterCredit,
    LetterInvoiceLine,
    LetterPartner,
    LetterPaymentQR,
    format_date,
    format_money,
    render_letter,
    render_letters,
)

EPC_PAYLOAD = (
    "BCD\n002\n1\nSCT\nBPMOIT22XXX\nRossi e Figli S.r.l.\n"
    "IT60X0542811101000000123456\nEUR1234.56\n\nRF18539007547034"
)
# A space between two words of a table cell, in points (8.5 pt type).
SPACE = 2.7
PAGE_LABEL = re.compile(r"(?:Pagina (\d+) di (\d+)|Page (\d+) of (\d+))")


def _png_logo() -> bytes:
    stream = io.BytesIO()
    Image.new("RGB", (300, 100), (31, 58, 95)).save(stream, "PNG")
    return stream.getvalue()


COMPANY = LetterCompany(
    name="Rossi & Figli S.r.l.",
    street="Via Giuseppe Verdi 12",
    zip="20121",
    city="Milano",
    country="Italia",
    vat="IT01234567890",
    phone="+39 02 1234567",
    email="crediti@rossiefigli.it",
    website="www.rossiefigli.it",
    logo_png=_png_logo(),
    iban="IT60X0542811101000000123456",
    bic="BPMOIT22XXX",
    pec="rossiefigli@pec.it",
    legal_notes="Capitale sociale 100.000,00 i.v. · REA MI-1234567",
)


def _letter(
    lang="it_IT",
    partner_name="Bianchi Costruzioni S.p.A.",
    invoices=None,
    reference="SOL/2026/00042",
    **values,
) -> Letter:
    """A reminder whose total due is 1,234.56: 1,000.00 + 184.56 + 10 + 40."""
    if invoices is None:
        invoices = [
            LetterInvoiceLine(
                "FV/2026/00117",
                datetime.date(2026, 6, 15),
                datetime.date(2026, 7, 15),
                132,
                Decimal("1220.00"),
                Decimal("1000.00"),
            ),
            LetterInvoiceLine(
                "FV/2026/00158",
                datetime.date(2026, 7, 31),
                datetime.date(2026, 8, 31),
                85,
                Decimal("184.56"),
                Decimal("184.56"),
            ),
        ]
    charges = [
        LetterCharge("Interessi di mora dal 16/07/2026 al 24/11/2026", Decimal("10")),
        LetterCharge("Indennizzo art. 6 D.Lgs. 231/2002", Decimal("40.00")),
    ]
    total = sum((line.residual for line in invoices), Decimal(0)) + Decimal("50.00")
    data = {
        "company": COMPANY,
        "partner": LetterPartner(
            name=partner_name,
            street="Corso Vittorio Emanuele II 45",
            zip="10121",
            city="Torino",
            state="TO",
            country="Italia",
            vat="IT09876543210",
        ),
        "lang": lang,
        "date": datetime.date(2026, 11, 24),
        "place": "Milano",
        "reference": reference,
        "subject": "Sollecito di pagamento",
        "level_name": "Primo sollecito",
        "opening_text": "Spettabile cliente,\n\nrisultano scadute le fatture seguenti.",
        "closing_text": "Distinti saluti.",
        "invoices": invoices,
        "charges": charges,
        "total_due": total,
        "payment_instructions": ["IBAN IT60 X054 2811 1010 0000 0123 456"],
        "qr_codes": [LetterPaymentQR("Bonifico SEPA", EPC_PAYLOAD, "Inquadra")],
        "signature_name": "Mario Rossi",
        "signature_title": "Ufficio Crediti",
    }
    data.update(values)
    return Letter(**data)


def _many_invoices(count: int) -> list[LetterInvoiceLine]:
    return [
        LetterInvoiceLine(
            "FV/2025/%05d" % (index + 1),
            datetime.date(2025, 1, 1) + datetime.timedelta(days=index),
            datetime.date(2025, 3, 1) + datetime.timedelta(days=index),
            300 - index,
            Decimal("12.50"),
            Decimal("10.00"),
        )
        for index in range(count)
    ]


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _words(pdf: bytes) -> list[list[tuple[float, float, str]]]:
    """The words of a PDF as poppler places them: per printed line, (left,
    right, text) from left to right."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        html = subprocess.run(
            ["pdftotext", "-bbox", file.name, "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    lines = {}
    for x_min, y_min, x_max, text in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">'
        r"([^<]*)</word>",
        html,
    ):
        key = round(float(y_min))
        lines.setdefault(key, []).append((float(x_min), float(x_max), text))
    return [sorted(words) for _y, words in sorted(lines.items())]


def _page_labels(texts: list[str]) -> list[tuple[int, int]]:
    labels = []
    for text in texts:
        found = PAGE_LABEL.findall(text)
        [match] = found  # exactly one label per page
        numbers = [int(value) for value in match if value]
        labels.append(tuple(numbers))
    return labels


@tagged("post_install", "-at_install", "dunning_lib")
class TestLetterRenderer(BaseCase):
    def test_italian_letter_prints_partner_invoices_and_total(self):
        pdf = render_letter(_letter())
        self.assertTrue(pdf.startswith(b"%PDF-"))
        [text] = _pages(pdf)
        for expected in (
            "Bianchi Costruzioni S.p.A.",
            "FV/2026/00117",
            "FV/2026/00158",
            "Fattura",
            "Scadenza",
            "Residuo",
            "Giorni di",
            "Importo da pagare",
            "1.234,56 €",
            "1.220,00 €",
            "24 novembre 2026",
            "15 luglio 2026",
            "Modalità di pagamento",
            "Bonifico SEPA",
            "Pagina 1 di 1",
            "P.IVA IT01234567890",
            "PEC rossiefigli@pec.it",
            "IBAN IT60 X054 2811 1010 0000 0123 456",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("Due date", text)
        self.assertNotIn("1,234.56", text)

    def test_english_letter_has_english_headings_and_amounts(self):
        [text] = _pages(render_letter(_letter(lang="en_US")))
        for expected in (
            "Invoice",
            "Due date",
            "Days late",
            "Outstanding",
            "Amount to pay",
            "€1,234.56",
            "24 November 2026",
            "15 July 2026",
            "Payment instructions",
            "Page 1 of 1",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("Scadenza", text)
        self.assertNotIn("1.234,56", text)

    def test_long_invoice_list_spans_pages_and_repeats_the_header(self):
        invoices = _many_invoices(60)
        texts = _pages(render_letter(_letter(invoices=invoices)))
        self.assertGreaterEqual(len(texts), 2)
        numbers = re.compile(r"FV/2025/\d{5}")
        printed = [number for text in texts for number in numbers.findall(text)]
        self.assertEqual(printed, [line.number for line in invoices])
        pages_with_rows = [text for text in texts if numbers.search(text)]
        self.assertGreaterEqual(len(pages_with_rows), 2)
        for text in pages_with_rows:
            self.assertIn("Scadenza", text)
            self.assertIn("Residuo", text)
        self.assertEqual(
            _page_labels(texts),
            [(page, len(texts)) for page in range(1, 1 + len(texts))],
        )
        self.assertIn("650,00 €", texts[-1] + texts[-2])  # 60 x 10.00 + 50.00

    def test_merged_letters_start_on_new_pages_and_number_pages_per_letter(self):
        first = _letter(partner_name="Alfa S.r.l.")
        second = _letter(
            partner_name="Beta S.p.A.", invoices=_many_invoices(60), reference="S2"
        )
        third = _letter(partner_name="Gamma Ltd", lang="en_GB", reference="S3")
        second_pages = len(_pages(render_letter(second)))
        self.assertGreaterEqual(second_pages, 2)

        texts = _pages(render_letters([first, second, third]))

        self.assertEqual(len(texts), 1 + second_pages + 1)
        expected = [(1, 1)]
        expected += [(page, second_pages) for page in range(1, second_pages + 1)]
        expected += [(1, 1)]
        self.assertEqual(_page_labels(texts), expected)
        self.assertIn("Pagina 1 di 1", texts[0])
        self.assertIn("Page 1 of 1", texts[-1])
        self.assertIn("Alfa S.r.l.", texts[0])
        self.assertNotIn("Beta S.p.A.", texts[0])
        self.assertIn("Beta S.p.A.", texts[1])
        self.assertIn("FV/2025/00001", texts[1])
        self.assertIn("Gamma Ltd", texts[-1])
        self.assertNotIn("Beta S.p.A.", texts[-1])

    def test_markup_characters_in_user_texts_are_printed_as_written(self):
        letter = _letter(
            partner_name="Bar <Centrale> & Figli",
            subject="Fatture <scadute> & interessi",
            opening_text="Prima riga\nseconda riga: 5 < 6 & 7 > 3\n\nNuovo paragrafo",
            payment_instructions=["Causale: <SOL/2026/00042> & RF18"],
        )
        [text] = _pages(render_letter(letter))
        for expected in (
            "Bar <Centrale> & Figli",
            "Fatture <scadute> & interessi",
            "Prima riga\nseconda riga: 5 < 6 & 7 > 3",
            "Nuovo paragrafo",
            "Causale: <SOL/2026/00042> & RF18",
            "Rossi & Figli S.r.l.",
        ):
            self.assertIn(expected, text)

    def test_formal_notice_is_marked_and_signed(self):
        [text] = _pages(render_letter(_letter(is_formal_notice=True)))
        self.assertIn("DIFFIDA E MESSA IN MORA", text)
        self.assertIn("Mario Rossi", text)
        self.assertIn("Ufficio Crediti", text)
        [text] = _pages(render_letter(_letter()))
        self.assertNotIn("MESSA IN MORA", text)

    def test_country_line_only_for_mail_abroad(self):
        [domestic] = _pages(render_letter(_letter()))
        self.assertNotIn("ITALIA", domestic)
        abroad = _letter(
            partner=LetterPartner(
                name="Müller GmbH",
                street="Hauptstraße 5",
                zip="80331",
                city="München",
                country="Deutschland",
            )
        )
        [text] = _pages(render_letter(abroad))
        self.assertIn("Müller GmbH\nHauptstraße 5\n80331 München\nDEUTSCHLAND", text)

    def test_same_qr_payload_is_one_pdf_object(self):
        reader = PdfReader(
            io.BytesIO(render_letters([_letter(), _letter(reference="S2")]))
        )
        forms = []
        for page in reader.pages:
            xobjects = page["/Resources"]["/XObject"]
            forms.append({name: ref.idnum for name, ref in xobjects.items()})
        qr_names = [name for name in forms[0] if "DunningQR" in name]
        self.assertEqual(len(qr_names), 1)
        self.assertEqual(forms[0][qr_names[0]], forms[1][qr_names[0]])
        logo_names = [name for name in forms[0] if "DunningLogo" in name]
        self.assertEqual(len(logo_names), 1)
        self.assertEqual(forms[0][logo_names[0]], forms[1][logo_names[0]])

    def test_two_qr_codes_side_by_side_with_captions(self):
        qr_codes = [
            LetterPaymentQR("Bonifico SEPA", EPC_PAYLOAD, "App della banca"),
            LetterPaymentQR(
                "pagoPA", "PAGOPA|002|301000000000012345|0123|123456", "PSP"
            ),
        ]
        pdf = render_letter(_letter(qr_codes=qr_codes))
        [text] = _pages(pdf)
        for expected in ("Bonifico SEPA", "pagoPA", "App della banca", "PSP"):
            self.assertIn(expected, text)
        page = PdfReader(io.BytesIO(pdf)).pages[0]
        names = [n for n in page["/Resources"]["/XObject"] if "DunningQR" in n]
        self.assertEqual(len(names), 2)

    def test_standard_font_fallback_prints_euro_and_accents(self):
        letter = _letter(partner_name="Società Caffè Nicolò Perché")
        with patch.object(letter_renderer, "_font_names", return_value=FALLBACK_FONTS):
            pdf = render_letter(letter)
        [text] = _pages(pdf)
        self.assertIn("Società Caffè Nicolò Perché", text)
        self.assertIn("1.234,56 €", text)
        self.assertIn("Modalità di pagamento", text)
        fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
        names = {str(font.get_object()["/BaseFont"]) for font in fonts.values()}
        self.assertEqual(names, {"/Helvetica", "/Helvetica-Bold"})

    def test_letters_that_cannot_be_printed_say_why(self):
        wrong_total = _letter(
            partner_name="Verdi S.r.l.", reference="S9", total_due=Decimal("1234.57")
        )
        with self.assertRaisesRegex(
            ValueError,
            r"^Letter S9 to Verdi S\.r\.l\.: The total due is 1234\.57 but the "
            r"invoices, charges and credits add up to 1234\.56",
        ):
            render_letters([_letter(), wrong_total])
        with self.assertRaisesRegex(ValueError, "at most 2"):
            qr = LetterPaymentQR("QR", "payload")
            render_letter(_letter(qr_codes=[qr, qr, qr]))
        with self.assertRaisesRegex(ValueError, "no content"):
            render_letter(_letter(qr_codes=[LetterPaymentQR("QR", "")]))
        with self.assertRaisesRegex(ValueError, "Italian or English, not in 'fr_FR'"):
            render_letter(_letter(lang="fr_FR"))
        with self.assertRaisesRegex(ValueError, "logo cannot be read"):
            company = LetterCompany(name="Rossi", logo_png=b"not an image")
            render_letter(_letter(company=company))
        with self.assertRaisesRegex(ValueError, "give amounts as Decimal"):
            render_letter(_letter(total_due=1234.56))
        with self.assertRaisesRegex(ValueError, "no letter"):
            render_letters([])


@tagged("post_install", "-at_install", "dunning_lib")
class TestLetterSaysWhatIsOwed(BaseCase):
    """One letter, every open item: overdue (claimed), falling due, credits,
    disputed (not claimed); the amount to pay and everything owed."""

    def _full_letter(self, **values):
        upcoming = [
            LetterInvoiceLine(
                "FV/2026/00201",
                datetime.date(2026, 11, 10),
                datetime.date(2026, 12, 10),
                -16,
                Decimal("500.00"),
                Decimal("500.00"),
            )
        ]
        disputed = [
            LetterInvoiceLine(
                "FV/2026/00099",
                datetime.date(2026, 5, 2),
                datetime.date(2026, 6, 1),
                176,
                Decimal("300.00"),
                Decimal("300.00"),
                status="Contestata: non richiesta",
            )
        ]
        credits = [
            LetterCredit("NC/2026/00007", datetime.date(2026, 10, 3), Decimal("84.56"))
        ]
        # 1,184.56 overdue + 50.00 charges - 84.56 credit = 1,150.00 to pay;
        # owed: 1,184.56 + 500.00 + 50.00 - 84.56 = 1,650.00 (disputed apart).
        data = {
            "upcoming": upcoming,
            "paused": disputed,
            "credits": credits,
            "total_due": Decimal("1150.00"),
            "total_owed": Decimal("1650.00"),
            "payment_note": "Il QR code è per 1.150,00 €.",
            "contact": ["Anna Bianchi", "+39 02 7654321", "anna@rossiefigli.it"],
        }
        data.update(values)
        return _letter(**data)

    def test_every_section_and_both_totals(self):
        text = "\n".join(_pages(render_letter(self._full_letter())))
        for expected in (
            "Fatture scadute",
            "Fatture in scadenza",
            "FV/2026/00201",
            "10 dicembre 2026",
            "Note di credito e pagamenti da compensare",
            "NC/2026/00007",
            "-84,56 €",
            "Partite non richieste in questa lettera",
            "Contestata: non richiesta",
            "Totale scaduto",
            "1.184,56 €",
            "Meno crediti a vostro favore",
            "Importo da pagare",
            "1.150,00 €",
            "1.650,00 €",
            "Il QR code è per 1.150,00 €.",
            "Per informazioni: Anna Bianchi · +39 02 7654321",
        ):
            self.assertIn(expected, text)

    def test_the_longest_dates_fit_their_columns(self):
        """30 September written out is the longest date of both languages:
        in every table it stays in its column, a space clear of its
        neighbours (a long invoice number too)."""
        day = datetime.date(2026, 9, 30)
        line = LetterInvoiceLine(
            "FATT/2026/00300", day, day, 57, Decimal("100.00"), Decimal("100.00")
        )
        paused = LetterInvoiceLine(
            "FATT/2026/00301",
            day,
            day,
            57,
            Decimal("300.00"),
            Decimal("300.00"),
            status="In un piano di rientro: segue il piano",
        )
        for lang, longest in (("it_IT", "settembre"), ("en_US", "September")):
            letter = self._full_letter(
                lang=lang,
                invoices=[line],
                upcoming=[line],
                paused=[paused],
                credits=[LetterCredit("NC/2026/00007", day, Decimal("50.00"))],
                charges=[],
                total_due=Decimal("50.00"),
                total_owed=Decimal("150.00"),
            )
            lines = [
                words
                for words in _words(render_letter(letter))
                if any(text == longest for _l, _r, text in words)
            ]
            # invoice and due date of the overdue and the falling-due item, due
            # date of the paused one, date of the credit
            self.assertEqual(
                sum(text == longest for words in lines for _l, _r, text in words),
                6,
                lang,
            )
            for words in lines:
                # Words less than two spaces apart read as one text: the date
                # must read alone, not run into a neighbour or touch it.
                cells = [[words[0][2]]]
                for (_l, right, _t), (left, _r, text) in pairwise(words):
                    if left - right < 2 * SPACE:
                        cells[-1].append(text)
                    else:
                        cells.append([text])
                for cell in map(" ".join, cells):
                    if longest in cell:
                        self.assertEqual(cell, f"30 {longest} 2026", lang)

    def test_credits_that_do_not_add_up_are_refused(self):
        with self.assertRaisesRegex(ValueError, "would not add up"):
            render_letter(self._full_letter(total_due=Decimal("1234.56")))

    def test_one_signature(self):
        text = "\n".join(_pages(render_letter(self._full_letter())))
        self.assertEqual(text.count("Mario Rossi"), 1)
        closing = text[text.index("Distinti saluti.") :]
        self.assertEqual(closing.count("Rossi & Figli S.r.l."), 1)

    def test_draft_and_simulation_say_so_on_every_page(self):
        draft = render_letter(
            _letter(invoices=_many_invoices(60), watermark="BOZZA - NON INVIATA")
        )
        texts = _pages(draft)
        self.assertGreaterEqual(len(texts), 2)
        for text in texts:
            self.assertIn("BOZZA - NON INVIATA", text)
        [sent] = _pages(render_letter(_letter()))
        self.assertNotIn("BOZZA", sent)


@tagged("post_install", "-at_install", "dunning_lib")
class TestLetterAddressAlwaysPrints(BaseCase):
    def test_very_long_name_and_street_still_print_in_the_window(self):
        """Odoo's name and street have no length limit: the letter shrinks or
        cuts them, it never refuses to print."""
        name = "Consorzio Nazionale Cooperative Edilizie Riunite " * 8
        letter = _letter(
            partner_name=name.strip(),
            partner=LetterPartner(
                name=name.strip(),
                street="Strada Provinciale " * 20,
                street2="Zona Industriale Lotto " * 10,
                zip="10121",
                city="Torino",
                state="TO",
            ),
        )
        [text] = _pages(render_letter(letter))
        self.assertIn("Consorzio Nazionale", text)
        self.assertIn("10121 Torino TO", text)
        self.assertIn("…", text)

    def test_long_sender_line_is_shrunk_not_cut(self):
        company = LetterCompany(
            name="Rossi & Figli Forniture Industriali S.r.l.",
            street="Via Giuseppe Verdi 12",
            zip="20121",
            city="Milano",
        )
        [text] = _pages(render_letter(_letter(company=company)))
        self.assertIn(
            "Rossi & Figli Forniture Industriali S.r.l. · Via Giuseppe Verdi 12 · "
            "20121 Milano",
            text,
        )

    def test_chinese_name_prints_with_a_font_that_has_it(self):
        letter = _letter(
            partner=LetterPartner(
                name="上海建筑材料有限公司", street="南京路 100号", city="上海"
            ),
            partner_name="上海建筑材料有限公司",
        )
        pdf = render_letter(letter)
        fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
        names = {str(font.get_object()["/BaseFont"]) for font in fonts.values()}
        self.assertTrue(any("STSong" in name for name in names), names)


@tagged("post_install", "-at_install", "dunning_lib")
class TestLetterFormats(BaseCase):
    def test_format_money(self):
        self.assertEqual(format_money(Decimal("1234.56"), "it_IT", "€"), "1.234,56 €")
        self.assertEqual(format_money(Decimal("1234.56"), "en_US", "€"), "€1,234.56")
        self.assertEqual(format_money(Decimal("1234567.8"), "it_IT"), "1.234.567,80 €")
        self.assertEqual(format_money(Decimal("1234567.8"), "en_GB"), "€1,234,567.80")
        self.assertEqual(format_money(Decimal("0"), "it_IT"), "0,00 €")
        self.assertEqual(format_money(Decimal("-40"), "it_IT"), "-40,00 €")
        self.assertEqual(format_money(Decimal("-40"), "en_US"), "-€40.00")
        self.assertEqual(format_money(Decimal("0.005"), "it_IT"), "0,01 €")  # half up
        self.assertEqual(format_money(Decimal("2.675"), "en_US"), "€2.68")
        self.assertEqual(format_money(Decimal("999.994"), "it_IT"), "999,99 €")
        self.assertEqual(format_money(40, "it_IT"), "40,00 €")
        self.assertEqual(
            format_money(Decimal("1234.5"), "en_US", "CHF"), "CHF 1,234.50"
        )
        self.assertEqual(
            format_money(Decimal("1234.5"), "it_IT", "CHF"), "1.234,50 CHF"
        )
        with self.assertRaisesRegex(ValueError, "float; give amounts as Decimal"):
            format_money(1234.56, "it_IT")
        with self.assertRaisesRegex(ValueError, "not an amount"):
            format_money(Decimal("NaN"), "it_IT")

    def test_format_date(self):
        day = datetime.date(2026, 11, 24)
        self.assertEqual(format_date(day, "it_IT"), "24 novembre 2026")
        self.assertEqual(format_date(day, "en_US"), "24 November 2026")
        self.assertEqual(
            format_date(datetime.date(2026, 3, 5), "it_IT"), "5 marzo 2026"
        )
        self.assertEqual(
            format_date(datetime.date(2026, 3, 5), "en_GB"), "5 March 2026"
        )
