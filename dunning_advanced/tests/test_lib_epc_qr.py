import io
from decimal import Decimal

from PIL import Image

from odoo.tests import BaseCase, tagged

from ..lib.epc_qr import epc_qr_payload, epc_qr_png

IBAN_IT = "IT60X0542811101000000123456"


def _format_information(png: bytes) -> tuple[int, int, int]:
    """(modules per side, format bits read near the top-left finder, the same
    bits read from the other copy) of a QR code drawn with one pixel a module
    and no quiet zone. ISO/IEC 18004 section 7.9: the 15 format bits are in
    column 8 (bits 0-5 in rows 0-5, bits 6-7 in rows 7-8, bits 8-14 in the
    last 7 rows) and again in row 8."""
    image = Image.open(io.BytesIO(png)).convert("L")
    size = image.width

    def dark(row, column):
        return image.getpixel((column, row)) < 128

    vertical = horizontal = 0
    for bit in range(15):
        row = bit if bit < 6 else bit + 1 if bit < 8 else size - 15 + bit
        vertical |= dark(row, 8) << bit
        column = size - 1 - bit if bit < 8 else 7 if bit == 8 else 14 - bit
        horizontal |= dark(8, column) << bit
    return size, vertical, horizontal


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibEpcQr(BaseCase):
    def test_epc069_12_example_1_with_bic_and_rf_reference(self):
        """EPC069-12 v2.1 (9 February 2012), example 1, as quoted by the segno
        test suite (tests/test_epc.py): BIC BHBLDEHHXXX, "Franz Mustermänn",
        DE71110220330123456789, 12.3 euro, purpose GDDS, RF18539007547034; no
        remittance text and no information, so the payload ends with the
        reference. The guideline's example writes EUR12.3 (96 bytes); this
        module always writes 2 decimals, EUR12.30 (97 bytes)."""
        payload = epc_qr_payload(
            "Franz Mustermänn",
            "DE71110220330123456789",
            Decimal("12.3"),
            bic="BHBLDEHHXXX",
            purpose="GDDS",
            remittance_reference="RF18 5390 0754 7034",
        )
        self.assertEqual(
            payload,
            "BCD\n002\n1\nSCT\nBHBLDEHHXXX\nFranz Mustermänn\n"
            "DE71110220330123456789\nEUR12.30\nGDDS\nRF18539007547034",
        )
        self.assertEqual(len(payload.encode("utf-8")), 97)

    def test_epc069_12_example_2_without_bic_with_text(self):
        """EPC069-12 v2.1, example 2: no BIC (version 002), "François D'Alsace
        S.A.", FR1420041010050500013M02606, 12.3 euro, text "Client:Marie Louise
        La Lune". The empty BIC, purpose and reference keep their lines; the
        guideline's example uses character set 2 (ISO 8859-1), here it is 1."""
        payload = epc_qr_payload(
            "François D'Alsace S.A.",
            "FR14 2004 1010 0505 0001 3M02 606",
            Decimal("12.30"),
            remittance_text="Client:Marie Louise La Lune",
        )
        self.assertEqual(
            payload,
            "BCD\n002\n1\nSCT\n\nFrançois D'Alsace S.A.\n"
            "FR1420041010050500013M02606\nEUR12.30\n\n\n"
            "Client:Marie Louise La Lune",
        )
        self.assertEqual(len(payload.split("\n")), 11)

    def test_nothing_follows_the_last_element_with_a_value(self):
        """No trailing empty lines nor separator after the amount when nothing
        else is given; empty lines stay before information that is given."""
        payload = epc_qr_payload("ACME S.p.A.", IBAN_IT, Decimal("1500"))
        self.assertEqual(
            payload, "BCD\n002\n1\nSCT\n\nACME S.p.A.\n%s\nEUR1500.00" % IBAN_IT
        )
        payload = epc_qr_payload(
            "ACME S.p.A.", IBAN_IT, Decimal("0.01"), information="Grazie"
        )
        self.assertTrue(payload.endswith("\nEUR0.01\n\n\n\nGrazie"))
        self.assertEqual(len(payload.split("\n")), 12)

    def test_iban_and_bic_are_written_compact_in_capitals(self):
        payload = epc_qr_payload(
            "ACME",
            "it60 x054 2811 1010 0000 0123 456",
            Decimal("10"),
            bic="bpmoit22xxx",
        )
        lines = payload.split("\n")
        self.assertEqual(lines[4], "BPMOIT22XXX")
        self.assertEqual(lines[6], IBAN_IT)

    def test_over_long_name_is_refused(self):
        epc_qr_payload("N" * 70, IBAN_IT, Decimal("1"))
        with self.assertRaisesRegex(
            ValueError, "^Beneficiary name is 74 characters; the EPC QR code allows 70"
        ):
            epc_qr_payload("N" * 74, IBAN_IT, Decimal("1"))
        with self.assertRaisesRegex(ValueError, "Beneficiary name is missing"):
            epc_qr_payload("  ", IBAN_IT, Decimal("1"))

    def test_invalid_iban_is_refused_with_the_reason(self):
        with self.assertRaisesRegex(
            ValueError,
            "^IBAN IT60X0542811101000000123457 is not valid: check digits",
        ):
            epc_qr_payload("ACME", "IT60X0542811101000000123457", Decimal("1"))
        with self.assertRaisesRegex(
            ValueError, "length or layout is not that of an IBAN of IT"
        ):
            epc_qr_payload("ACME", "IT60X054281110100000012345", Decimal("1"))
        with self.assertRaisesRegex(ValueError, "QQ is not the code of a country"):
            epc_qr_payload("ACME", "QQ60X0542811101000000123456", Decimal("1"))

    def test_invalid_bic_is_refused(self):
        with self.assertRaisesRegex(
            ValueError, "BIC BPMOIT2 is not valid: it has 7 characters"
        ):
            epc_qr_payload("ACME", IBAN_IT, Decimal("1"), bic="BPMOIT2")

    def test_bic_is_required_outside_the_eea(self):
        """Version 002 drops the BIC only within the EEA: a Swiss IBAN needs it."""
        with self.assertRaisesRegex(
            ValueError, "A BIC is needed for IBAN CH9300762011623852957"
        ):
            epc_qr_payload("ACME", "CH9300762011623852957", Decimal("1"))
        payload = epc_qr_payload(
            "ACME", "CH9300762011623852957", Decimal("1"), bic="UBSWCHZH80A"
        )
        self.assertEqual(payload.split("\n")[4], "UBSWCHZH80A")

    def test_both_remittance_kinds_at_once_are_refused(self):
        with self.assertRaisesRegex(
            ValueError, "either a structured remittance reference"
        ):
            epc_qr_payload(
                "ACME",
                IBAN_IT,
                Decimal("1"),
                remittance_reference="RF18539007547034",
                remittance_text="Invoice 1",
            )

    def test_amount_out_of_range_or_with_fractions_of_cent_is_refused(self):
        for amount in (Decimal("0"), Decimal("0.00"), Decimal("-5")):
            with self.assertRaisesRegex(
                ValueError, "out of range: .* 0.01 to 999999999.99"
            ):
                epc_qr_payload("ACME", IBAN_IT, amount)
        with self.assertRaisesRegex(ValueError, "Amount 1000000000.00 is out of range"):
            epc_qr_payload("ACME", IBAN_IT, Decimal("1000000000"))
        with self.assertRaisesRegex(
            ValueError, "Amount 12.345 has more than 2 decimals"
        ):
            epc_qr_payload("ACME", IBAN_IT, Decimal("12.345"))
        with self.assertRaisesRegex(TypeError, "must be a Decimal, not float"):
            epc_qr_payload("ACME", IBAN_IT, 12.3)
        payload = epc_qr_payload("ACME", IBAN_IT, Decimal("999999999.99"))
        self.assertTrue(payload.endswith("\nEUR999999999.99"))

    def test_structured_reference_must_be_a_valid_rf_reference(self):
        with self.assertRaisesRegex(ValueError, "check digits do not match"):
            epc_qr_payload(
                "ACME", IBAN_IT, Decimal("1"), remittance_reference="RF17539007547034"
            )
        with self.assertRaisesRegex(ValueError, "must start with RF"):
            epc_qr_payload("ACME", IBAN_IT, Decimal("1"), remittance_reference="INV001")

    def test_text_lengths_purpose_and_line_breaks(self):
        with self.assertRaisesRegex(
            ValueError, "Remittance text is 141 characters; .* 140"
        ):
            epc_qr_payload("ACME", IBAN_IT, Decimal("1"), remittance_text="x" * 141)
        with self.assertRaisesRegex(
            ValueError, "Beneficiary to originator information is 71 characters; .* 70"
        ):
            epc_qr_payload("ACME", IBAN_IT, Decimal("1"), information="x" * 71)
        with self.assertRaisesRegex(ValueError, "Purpose code 'GOODS' is not valid"):
            epc_qr_payload("ACME", IBAN_IT, Decimal("1"), purpose="GOODS")
        with self.assertRaisesRegex(ValueError, "line break or control character"):
            epc_qr_payload("ACME\nEvil", IBAN_IT, Decimal("1"))
        payload = epc_qr_payload("ACME", IBAN_IT, Decimal("1"), purpose="supp")
        self.assertEqual(payload.split("\n")[8], "SUPP")

    def test_payload_of_331_bytes_is_the_most(self):
        """Lines: 3+3+1+3 + BIC 11 + name 70 + IBAN 22 + EUR999999999.99 15 +
        purpose 4 + empty reference + text + information 70, and 11 line
        feeds: 213 bytes plus the text."""
        arguments = {
            "name": "N" * 70,
            "iban": "DE71110220330123456789",
            "amount": Decimal("999999999.99"),
            "bic": "BHBLDEHHXXX",
            "purpose": "GDDS",
            "information": "I" * 70,
        }
        payload = epc_qr_payload(remittance_text="t" * 118, **arguments)
        self.assertEqual(len(payload.encode("utf-8")), 331)
        with self.assertRaisesRegex(
            ValueError, "payload is 332 bytes; the standard allows 331"
        ):
            epc_qr_payload(remittance_text="t" * 119, **arguments)
        # Accented letters take two bytes in UTF-8.
        with self.assertRaisesRegex(ValueError, "payload is 449 bytes"):
            epc_qr_payload(remittance_text="è" * 118, **arguments)

    def test_png_uses_error_correction_m_and_version_13_at_most(self):
        payload = epc_qr_payload(
            "Franz Mustermänn",
            "DE71110220330123456789",
            Decimal("12.3"),
            bic="BHBLDEHHXXX",
            purpose="GDDS",
            remittance_reference="RF18539007547034",
        )
        png = epc_qr_png(payload, box_size=1, border=0)
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        size, vertical, horizontal = _format_information(png)
        # 97 bytes in byte mode at level M need version 6: 17 + 4 * 6 modules.
        self.assertEqual(size, 41)
        self.assertEqual(vertical, horizontal)
        # Unmask (101010000010010), keep the 5 data bits: level (2) + mask (3).
        level = ((vertical ^ 0b101010000010010) >> 10) >> 3
        self.assertEqual(level, 0b00, "error correction level M is 00")

        longest = epc_qr_payload(
            "N" * 70,
            "DE71110220330123456789",
            Decimal("999999999.99"),
            bic="BHBLDEHHXXX",
            purpose="GDDS",
            remittance_text="t" * 118,
            information="I" * 70,
        )
        size, vertical, _horizontal = _format_information(
            epc_qr_png(longest, box_size=1, border=0)
        )
        self.assertEqual(size, 17 + 4 * 13)
        self.assertEqual(((vertical ^ 0b101010000010010) >> 10) >> 3, 0b00)

    def test_png_refuses_a_payload_over_331_bytes(self):
        with self.assertRaisesRegex(
            ValueError, "is 332 bytes; the standard allows 331"
        ):
            epc_qr_png("x" * 332)
