import io
import os
import tempfile
import tracemalloc

from PIL import Image
from PyPDF2 import PdfReader, PdfWriter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from odoo.tests import BaseCase, tagged

from ..report.pdf_stream import PdfConcatenator


def _document(name, pages=1, image=None, url=None):
    """A PDF of ``pages`` pages saying "<name> page x of y"; with a picture
    (an image XObject) and a link on the first page if given."""
    stream = io.BytesIO()
    pdf = canvas.Canvas(stream)
    for page in range(1, pages + 1):
        pdf.drawString(72, 720, f"{name} page {page} of {pages}")
        if page == 1 and image is not None:
            pdf.drawImage(ImageReader(image), 72, 400, 100, 100)
        if page == 1 and url:
            pdf.linkURL(url, (72, 700, 300, 730))
        pdf.showPage()
    pdf.save()
    return stream.getvalue()


def _noise(seed, size=120):
    """An image that does not compress: its stream is as big as its pixels."""
    return Image.frombytes("RGB", (size, size), os.urandom(size * size * 3) + seed)


def _raw_pdf(objects):
    """A PDF from the bodies of its objects 1..n (catalog first)."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _merge(*sources):
    output = io.BytesIO()
    with PdfConcatenator(output, {"Producer": "Odoo"}) as pdf:
        for source in sources:
            pdf.append(io.BytesIO(source))
    return output.getvalue()


def _texts(pdf):
    # strict: a wrong offset in the cross-reference table fails here
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    return [" ".join(page.extract_text().split()) for page in reader.pages]


# Pure Python: no ORM import here.
@tagged("post_install", "-at_install", "dunning_lib")
class TestPdfConcatenator(BaseCase):
    def test_pages_of_every_document_in_order(self):
        merged = _merge(_document("Rossi", 2), _document("Verdi"), _document("Neri", 3))
        self.assertEqual(
            _texts(merged),
            [
                "Rossi page 1 of 2",
                "Rossi page 2 of 2",
                "Verdi page 1 of 1",
                "Neri page 1 of 3",
                "Neri page 2 of 3",
                "Neri page 3 of 3",
            ],
        )
        reader = PdfReader(io.BytesIO(merged), strict=True)
        self.assertEqual(reader.metadata.producer, "Odoo")
        root = reader.trailer["/Root"]["/Pages"]
        self.assertEqual(root["/Count"], 6)
        for page in reader.pages:
            self.assertEqual(page["/Parent"], root)
        self.assertTrue(merged.endswith(b"%%EOF\n"))

    def test_what_a_page_inherits_from_its_tree_is_kept(self):
        inherited = _raw_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 200 300]"
                b" /Rotate 90 /Resources << /Font << /F1 4 0 R >> >> >>",
                b"<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>",
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
                b"<< /Length 41 >>\nstream\nBT /F1 12 Tf 10 10 Td (Inherited) Tj ET\n"
                b"endstream",
            ]
        )
        merged = _merge(_document("Rossi"), inherited)
        reader = PdfReader(io.BytesIO(merged), strict=True)
        page = reader.pages[1]
        self.assertEqual([float(x) for x in page.mediabox], [0, 0, 200, 300])
        self.assertEqual(page.get("/Rotate"), 90)
        self.assertEqual(page.extract_text().strip(), "Inherited")
        self.assertAlmostEqual(float(reader.pages[0].mediabox[3]), 841.89, places=1)

    def test_links_and_pictures_come_along(self):
        merged = _merge(
            _document("Rossi", image=_noise(b"1"), url="https://pay.example.com/r"),
            _document("Verdi"),
        )
        page = PdfReader(io.BytesIO(merged), strict=True).pages[0]
        link = page["/Annots"][0].get_object()
        self.assertEqual(link["/A"]["/URI"], "https://pay.example.com/r")
        images = [
            xobject
            for xobject in page["/Resources"]["/XObject"].values()
            if xobject.get_object()["/Subtype"] == "/Image"
        ]
        self.assertEqual(len(images), 1)
        self.assertEqual(images[0].get_object()["/Width"], 120)

    def test_the_same_picture_in_many_letters_is_written_once(self):
        letter = _document("Rossi", image=_noise(b"1"))
        other = _document("Verdi", image=_noise(b"2"))
        merged = _merge(*[letter] * 10, other)
        self.assertEqual(len(_texts(merged)), 11)
        # Two pictures of 43 KB each, not eleven.
        self.assertLess(len(merged), 2 * (len(letter) + len(other)))
        self.assertGreater(len(merged), len(letter) + len(other) - 2048)

    def test_memory_of_one_document_at_a_time(self):
        """50 more documents (2 MB) take a few bytes each (their place in the
        file), not their size: each is let go once written."""

        def peak(documents):
            tracemalloc.start()
            try:
                with tempfile.TemporaryFile() as output, PdfConcatenator(output) as pdf:
                    while documents:
                        pdf.append(io.BytesIO(documents.pop()))
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

        documents = [_document(f"C{n}", image=_noise(b"%d" % n)) for n in range(60)]
        more = sum(len(document) for document in documents[10:])
        self.assertGreater(more, 2_000_000)
        small, large = peak(documents[:10]), peak(documents)
        self.assertLess(large - small, more / 10)

    def test_a_file_that_is_not_a_pdf_is_refused(self):
        output = io.BytesIO()
        pdf = PdfConcatenator(output)
        broken = io.BytesIO(b"%PDF-1.4\nnot really")
        broken.name = "letter.pdf"
        with self.assertRaisesRegex(ValueError, "letter.pdf is not a readable PDF"):
            pdf.append(broken)
        writer = PdfWriter()
        writer.add_blank_page(100, 100)
        writer.encrypt("secret")
        encrypted = io.BytesIO()
        writer.write(encrypted)
        encrypted.seek(0)
        with self.assertRaisesRegex(ValueError, "encrypted"):
            pdf.append(encrypted)
        pdf.append(io.BytesIO(_document("Rossi")))
        self.assertEqual(pdf.close(), 1)
        self.assertEqual(_texts(output.getvalue()), ["Rossi page 1 of 1"])
