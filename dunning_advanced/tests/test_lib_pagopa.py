from decimal import Decimal

from odoo.tests import BaseCase, tagged

from ..lib.pagopa import (
    DATAMATRIX_LENGTH,
    amount_to_cents,
    check_digits,
    datamatrix_text,
    format_amount_it,
    format_notice_code_groups,
    iuv_from_notice_code,
    make_notice_code,
    poste_datamatrix_payload,
    qr_payload,
    validate_creditor_fiscal_code,
    validate_debtor_fiscal_code,
    validate_notice_code,
)

# Published vectors. The SACI (Specifiche attuative dei codici identificativi di
# versamento, v1.3.1, § 2.2.2) define the layouts and the mod-93 rule but print
# no numeric example, so the vectors come from pagoPA's own software:
# - AUX3_CODE: pagopa/io-app, ts/utils/__tests__/payment.test.ts
#   (decodePosteDataMatrix), inside the Data Matrix
#   "codfase=NBPA;18300715700000000032120000163020931000000000013896
#   1P100085240950BSCMTT83A12L719R..." with creditor 00085240950.
# - AUX0_CODE: pagopa/io-app, ts/utils/__tests__/payment.test.ts
#   (getRptIdFromNoticeNumber): aux 0, application code 02, IUV base
#   1600203993985, check digits 78.
AUX3_CODE = "300715700000000032"
AUX0_CODE = "002160020399398578"
CREDITOR = "00085240950"
DEBTOR = "BSCMTT83A12L719R"


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibPagopaNoticeCode(BaseCase):
    def test_aux3_code_is_rebuilt_from_segregation_code_and_base(self):
        """3 + segregation 00 + base 7157000000000 + check digits: the number
        3007157000000000 = 93 * 32335021505376 + 32, so the check digits are 32
        (the aux digit is part of the number, SACI § 2.2.2.4)."""
        self.assertEqual(check_digits("3007157000000000"), "32")
        self.assertEqual(
            make_notice_code(3, "7157000000000", segregation_code="00"), AUX3_CODE
        )
        # The base is a number: zeros are added on the left.
        self.assertEqual(
            make_notice_code(3, 7157000000000, segregation_code=0), AUX3_CODE
        )
        self.assertEqual(iuv_from_notice_code(AUX3_CODE), "00715700000000032")

    def test_aux0_code_keeps_application_code_out_of_the_iuv(self):
        """0 + application code 02 + base 1600203993985 -> check digits 78
        (0021600203993985 mod 93); the IUV is base + check digits, 15 digits
        (SACI § 2.2.2.1, schema IUV.0)."""
        self.assertEqual(
            make_notice_code(0, "1600203993985", application_code="02"), AUX0_CODE
        )
        iuv = iuv_from_notice_code(AUX0_CODE)
        self.assertEqual(iuv, "160020399398578")
        self.assertEqual(len(iuv), 15)

    def test_aux2_code_has_a_17_digit_iuv_with_check_digits_inside(self):
        """Worked by hand from SACI § 2.2.2.3 (no published vector): aux 2 and
        the 15-digit base 123456789012345 make 2123456789012345
        = 93 * 22832868699057 + 44, so the code ends in 44 and the IUV is the
        17 digits base + check digits (schema IUV.2)."""
        code = make_notice_code(2, "123456789012345")
        self.assertEqual(code, "212345678901234544")
        self.assertEqual(iuv_from_notice_code(code), "12345678901234544")
        validate_notice_code(code)

    def test_aux1_code_has_no_check_digits(self):
        # SACI § 2.2.2.2, schema NAV.1: 1 + IUV base of 17 digits, nothing else.
        self.assertEqual(make_notice_code(1, "12345678901234567"), "112345678901234567")
        self.assertEqual(
            iuv_from_notice_code("112345678901234567"), "12345678901234567"
        )

    def test_printed_code_with_spaces_is_accepted(self):
        self.assertEqual(
            iuv_from_notice_code("3007 1570 0000 0000 32"), "00715700000000032"
        )
        validate_notice_code("0021 6002 0399 3985 78")

    def test_each_wrong_part_is_named(self):
        cases = [
            ("30071570000000003", "has 17 digits; a pagoPA notice code has 18"),
            ("3007157000000000A2", "must contain digits only"),
            ("500715700000000032", "starts with aux digit 5"),
            ("300715700000000033", "check digits .* are wrong: expected 32, got 33"),
            ("002160020399398577", "check digits .* are wrong: expected 78, got 77"),
        ]
        for code, message in cases:
            with self.subTest(code=code), self.assertRaisesRegex(ValueError, message):
                validate_notice_code(code)

    def test_segregation_code_of_another_creditor_is_refused(self):
        validate_notice_code(AUX3_CODE, creditor_segregation_code="00")
        with self.assertRaisesRegex(
            ValueError, "carries segregation code 00, not the creditor's 01"
        ):
            validate_notice_code(AUX3_CODE, creditor_segregation_code=1)
        with self.assertRaisesRegex(
            ValueError, "starts with aux digit 0, but a creditor"
        ):
            validate_notice_code(AUX0_CODE, creditor_segregation_code="02")

    def test_make_notice_code_says_what_is_missing_or_too_long(self):
        with self.assertRaisesRegex(ValueError, "needs the segregation code"):
            make_notice_code(3, "1")
        with self.assertRaisesRegex(ValueError, "needs the 2-digit application code"):
            make_notice_code(0, "1")
        with self.assertRaisesRegex(ValueError, "takes neither"):
            make_notice_code(2, "1", segregation_code="01")
        with self.assertRaisesRegex(ValueError, "has 14 digits; it takes at most 13"):
            make_notice_code(3, "12345678901234", segregation_code="01")
        with self.assertRaisesRegex(ValueError, "Aux digit '4' is unknown"):
            make_notice_code("4", "1")

    def test_groups_of_four_as_printed(self):
        # Avviso di pagamento, Allegato 2, AVVISO.CODICE: 22 characters with spaces.
        printed = format_notice_code_groups(AUX3_CODE)
        self.assertEqual(printed, "3007 1570 0000 0000 32")
        self.assertEqual(len(printed), 22)


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibPagopaAmounts(BaseCase):
    def test_cents_are_exact(self):
        self.assertEqual(amount_to_cents(Decimal("0.1") + Decimal("0.2")), 30)
        self.assertEqual(amount_to_cents(Decimal("19.99")), 1999)
        self.assertEqual(amount_to_cents(Decimal("999999999.99")), 99999999999)
        self.assertEqual(amount_to_cents(Decimal("5")), 500)
        self.assertEqual(amount_to_cents(7), 700)
        self.assertEqual(amount_to_cents(Decimal("0")), 0)

    def test_cents_refuse_floats_negatives_and_fractions_of_cent(self):
        with self.assertRaisesRegex(ValueError, "not float"):
            amount_to_cents(19.99)
        with self.assertRaisesRegex(ValueError, "cannot be negative"):
            amount_to_cents(Decimal("-0.01"))
        with self.assertRaisesRegex(ValueError, "more than 2 decimals; round it"):
            amount_to_cents(Decimal("1.005"))
        with self.assertRaisesRegex(ValueError, "is not a number"):
            amount_to_cents(Decimal("NaN"))

    def test_italian_format(self):
        # Avviso di pagamento, Allegato 2, AVVISO.IMPORTO: "1.020,99".
        self.assertEqual(format_amount_it(Decimal("1020.99")), "1.020,99")
        self.assertEqual(format_amount_it(Decimal("1234.56")), "1.234,56")
        self.assertEqual(format_amount_it(Decimal("999999999.99")), "999.999.999,99")
        self.assertEqual(format_amount_it(Decimal("0.5")), "0,50")
        self.assertEqual(format_amount_it(12), "12,00")
        self.assertEqual(format_amount_it(Decimal("-1000")), "-1.000,00")
        with self.assertRaisesRegex(ValueError, "not float"):
            format_amount_it(1.5)


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibPagopaCodes(BaseCase):
    def test_qr_payload_is_the_sanp_string(self):
        # SANP 2.x Tabella 31: PAGOPA|002|notice|creditor|cents (2 to 10 digits).
        self.assertEqual(
            qr_payload(AUX3_CODE, CREDITOR, 12345),
            "PAGOPA|002|300715700000000032|00085240950|12345",
        )
        self.assertEqual(
            qr_payload("3007 1570 0000 0000 32", CREDITOR, 1),
            "PAGOPA|002|300715700000000032|00085240950|01",
        )
        self.assertEqual(
            qr_payload(AUX0_CODE, CREDITOR, 9999999999),
            "PAGOPA|002|002160020399398578|00085240950|9999999999",
        )

    def test_qr_payload_refuses_what_a_reader_would_refuse(self):
        with self.assertRaisesRegex(ValueError, "out of range: it must be from 1 to"):
            qr_payload(AUX3_CODE, CREDITOR, 10000000000)
        with self.assertRaisesRegex(ValueError, "out of range"):
            qr_payload(AUX3_CODE, CREDITOR, 0)
        with self.assertRaisesRegex(ValueError, "whole number of cents"):
            qr_payload(AUX3_CODE, CREDITOR, Decimal("12.50"))
        with self.assertRaisesRegex(ValueError, "check digits"):
            qr_payload("300715700000000031", CREDITOR, 100)
        with self.assertRaisesRegex(ValueError, "check digit does not match"):
            qr_payload(AUX3_CODE, "00085240951", 100)

    def test_fiscal_codes_say_what_is_wrong(self):
        self.assertEqual(validate_creditor_fiscal_code(" 00085240950 "), CREDITOR)
        with self.assertRaisesRegex(ValueError, "must be the 11 digits"):
            validate_creditor_fiscal_code("BSCMTT83A12L719R")
        with self.assertRaisesRegex(ValueError, "office code"):
            validate_creditor_fiscal_code("12345678901")
        self.assertEqual(validate_debtor_fiscal_code("bscmtt83a12l719r"), DEBTOR)
        self.assertEqual(validate_debtor_fiscal_code(CREDITOR), CREDITOR)
        self.assertEqual(validate_debtor_fiscal_code("anonimo"), "ANONIMO")
        with self.assertRaisesRegex(ValueError, "check character does not match"):
            validate_debtor_fiscal_code("BSCMTT83A12L719X")
        with self.assertRaisesRegex(ValueError, "16 characters .* or 11 digits"):
            validate_debtor_fiscal_code("ABC")

    def test_datamatrix_has_256_characters_in_their_places(self):
        payload = poste_datamatrix_payload(
            AUX3_CODE,
            "16302093",
            1,
            CREDITOR,
            DEBTOR,
            "Name Surname",
            "test",
        )
        self.assertEqual(len(payload), DATAMATRIX_LENGTH)
        # The first 93 characters are those of the pagoPA IO app vector.
        self.assertEqual(
            payload[:93],
            "codfase=NBPA;18300715700000000032120000163020931000000000013896"
            "1P100085240950BSCMTT83A12L719R",
        )
        # Positions counted from 1, as documented in the function.
        field = {
            "prefix": payload[0:13],
            "notice": payload[15:33],
            "account": payload[35:47],
            "amount": payload[49:59],
            "document type": payload[59:63],
            "fixed": payload[63:66],
            "creditor": payload[66:77],
            "debtor": payload[77:93],
            "name": payload[93:133],
            "subject": payload[133:243],
            "filler": payload[243:255],
            "end": payload[255],
        }
        self.assertEqual(field["prefix"], "codfase=NBPA;")
        self.assertEqual(field["notice"], AUX3_CODE)
        self.assertEqual(field["account"], "000016302093")
        self.assertEqual(field["amount"], "0000000001")
        self.assertEqual(field["document type"], "3896")
        self.assertEqual(field["fixed"], "1P1")
        self.assertEqual(field["creditor"], CREDITOR)
        self.assertEqual(field["debtor"], DEBTOR)
        self.assertEqual(field["name"], "Name Surname".ljust(40))
        self.assertEqual(field["subject"], "test".ljust(110))
        self.assertEqual(field["filler"], " " * 12)
        self.assertEqual(field["end"], "A")

    def test_datamatrix_cuts_long_texts_and_cleans_characters(self):
        payload = poste_datamatrix_payload(
            AUX0_CODE,
            "123456789012",
            123456,
            CREDITOR,
            CREDITOR,  # an entity's 11-digit code, padded to 16
            "Società Cooperativa «Àncora» / Servizi Idrici del Nord-Est S.p.A.",
            "Fattura n. 2025/0042 del 31/01/2025 – sollecito di pagamento " * 3,
        )
        self.assertEqual(len(payload), DATAMATRIX_LENGTH)
        self.assertEqual(payload[15:33], AUX0_CODE)
        self.assertEqual(payload[35:47], "123456789012")
        self.assertEqual(payload[49:59], "0000123456")
        self.assertEqual(payload[77:93], CREDITOR + " " * 5)
        self.assertEqual(payload[93:133], "Societa Cooperativa Ancora Servizi Idric")
        self.assertEqual(len(payload[133:243].rstrip()), 110)
        self.assertTrue(
            payload[133:243].startswith("Fattura n. 2025 0042 del 31 01 2025 ")
        )
        self.assertEqual(payload[243:], " " * 12 + "A")
        self.assertEqual(datamatrix_text("  a\tb  ", 5), "a b  ")

    def test_datamatrix_refuses_bad_inputs(self):
        args = [AUX3_CODE, "16302093", 100, CREDITOR, DEBTOR, "Name", "Subject"]
        cases = [
            (1, "1234567890123", "at most 12 digits"),
            (1, "", "postal account .* is missing"),
            (2, 10000000000, "out of range"),
            (4, "XX", "debtor's fiscal code XX is not valid"),
            (5, "  ", "debtor's name is missing"),
            (0, "300715700000000099", "expected 32, got 99"),
        ]
        for index, value, message in cases:
            with self.subTest(message=message):
                wrong = list(args)
                wrong[index] = value
                with self.assertRaisesRegex(ValueError, message):
                    poste_datamatrix_payload(*wrong)
