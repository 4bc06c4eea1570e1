import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from lxml import etree

from odoo.tests import BaseCase, tagged

from ..lib.sepa_sdd import (
    PAIN_008_001_02,
    PAIN_008_001_08,
    SddCollection,
    SddCreditor,
    build_pain008,
    same_debtor_agent,
    to_sepa_latin,
    validate_creditor_identifier,
    validate_pain008,
)

# 10:30:15 in Rome (CET, UTC+1): written with its offset.
CREATED = datetime(2025, 3, 1, 10, 30, 15, tzinfo=timezone(timedelta(hours=1)))
MARCH_5 = date(2025, 3, 5)
MARCH_12 = date(2025, 3, 12)
CREDITOR = SddCreditor(
    name="Società Esempio S.r.l. & Figli",
    iban="IT60 X054 2811 1010 0000 0123 456",
    creditor_id="IT86 ZZZ 01234567890",
    bic="BPMOIT22XXX",
)


def _collection(end_to_end_id, amount, sequence_type, collection_date, **values):
    defaults = {
        "end_to_end_id": end_to_end_id,
        "amount": Decimal(amount),
        "mandate_reference": "MND-" + end_to_end_id,
        "mandate_signature_date": date(2024, 1, 10),
        "sequence_type": sequence_type,
        "debtor_name": "Mario Rossi",
        "debtor_iban": "DE89370400440532013000",
        "collection_date": collection_date,
        "remittance_text": "Invoice " + end_to_end_id,
    }
    defaults.update(values)
    return SddCollection(**defaults)


# Two collection dates, FRST and RCUR on the first: three PmtInf blocks.
COLLECTIONS = [
    _collection("E2E-1", "100.00", "RCUR", MARCH_12),
    _collection("E2E-2", "250.50", "FRST", MARCH_5, debtor_bic="COBADEFFXXX"),
    _collection("E2E-3", "19.99", "RCUR", MARCH_5),
    _collection("E2E-4", "1000", "FRST", MARCH_5, debtor_name="Jürgen Müßig"),
    _collection("E2E-5", "0.01", "RCUR", MARCH_12),
]


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibSepaSdd(BaseCase):
    def _parse(self, xml, version):
        root = etree.fromstring(xml)
        namespace = "urn:iso:std:iso:20022:tech:xsd:" + version
        self.assertEqual(root.tag, "{%s}Document" % namespace)
        return root, {"p": namespace}

    def _check_grouping(self, version):
        xml = build_pain008(CREDITOR, "MSG-2025-0001", CREATED, COLLECTIONS, version)
        validate_pain008(xml, version)  # does not raise
        root, ns = self._parse(xml, version)

        header = root.find("p:CstmrDrctDbtInitn/p:GrpHdr", ns)
        self.assertEqual(header.findtext("p:NbOfTxs", namespaces=ns), "5")
        self.assertEqual(header.findtext("p:CtrlSum", namespaces=ns), "1370.50")
        self.assertEqual(
            header.findtext("p:CreDtTm", namespaces=ns), "2025-03-01T10:30:15+01:00"
        )

        blocks = root.findall("p:CstmrDrctDbtInitn/p:PmtInf", ns)
        self.assertEqual(len(blocks), 3)
        summary = [
            (
                block.findtext("p:PmtInfId", namespaces=ns),
                block.findtext("p:ReqdColltnDt", namespaces=ns),
                block.findtext("p:PmtTpInf/p:SeqTp", namespaces=ns),
                block.findtext("p:PmtTpInf/p:LclInstrm/p:Cd", namespaces=ns),
                block.findtext("p:NbOfTxs", namespaces=ns),
                block.findtext("p:CtrlSum", namespaces=ns),
                [
                    e.text
                    for e in block.findall("p:DrctDbtTxInf/p:PmtId/p:EndToEndId", ns)
                ],
            )
            for block in blocks
        ]
        self.assertEqual(
            summary,
            [
                ("MSG-2025-0001-1", "2025-03-05", "FRST", "CORE", "2", "1250.50",
                 ["E2E-2", "E2E-4"]),
                ("MSG-2025-0001-2", "2025-03-05", "RCUR", "CORE", "1", "19.99",
                 ["E2E-3"]),
                ("MSG-2025-0001-3", "2025-03-12", "RCUR", "CORE", "2", "100.01",
                 ["E2E-1", "E2E-5"]),
            ],
        )  # fmt: skip
        first = blocks[0]
        self.assertEqual(
            first.findtext("p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=ns),
            "IT86ZZZ01234567890",
        )
        self.assertEqual(first.findtext("p:ChrgBr", namespaces=ns), "SLEV")
        self.assertEqual(
            first.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns),
            "IT60X0542811101000000123456",
        )
        transaction = first.find("p:DrctDbtTxInf", ns)
        self.assertEqual(transaction.find("p:InstdAmt", ns).get("Ccy"), "EUR")
        self.assertEqual(transaction.findtext("p:InstdAmt", namespaces=ns), "250.50")
        mandate = transaction.find("p:DrctDbtTx/p:MndtRltdInf", ns)
        self.assertEqual(mandate.findtext("p:MndtId", namespaces=ns), "MND-E2E-2")
        self.assertEqual(mandate.findtext("p:DtOfSgntr", namespaces=ns), "2024-01-10")
        return xml, root, ns

    def test_pain_008_001_02_groups_by_date_and_sequence_and_validates(self):
        xml, root, ns = self._check_grouping(PAIN_008_001_02)
        bics = [e.text for e in root.iter("{%s}BIC" % ns["p"])]
        self.assertEqual(bics, ["BPMOIT22XXX", "COBADEFFXXX"] + ["BPMOIT22XXX"] * 2)
        self.assertNotIn(b"BICFI", xml)

    def test_pain_008_001_08_groups_by_date_and_sequence_and_validates(self):
        """.08 names a bank's BIC BICFI where .02 says BIC."""
        xml, root, ns = self._check_grouping(PAIN_008_001_08)
        bics = [e.text for e in root.iter("{%s}BICFI" % ns["p"])]
        self.assertEqual(bics, ["BPMOIT22XXX", "COBADEFFXXX"] + ["BPMOIT22XXX"] * 2)
        self.assertNotIn(b"<BIC>", xml)

    def test_debtor_bank_without_bic_is_not_provided(self):
        xml = build_pain008(CREDITOR, "MSG-1", CREATED, COLLECTIONS[2:3])
        root, ns = self._parse(xml, PAIN_008_001_02)
        agent = root.find(".//p:DrctDbtTxInf/p:DbtrAgt/p:FinInstnId", ns)
        self.assertEqual(agent.findtext("p:Othr/p:Id", namespaces=ns), "NOTPROVIDED")
        self.assertIsNone(agent.find("p:BIC", ns))

    def test_schemes_core_and_b2b_go_in_separate_blocks(self):
        collections = [
            _collection("E2E-1", "10", "RCUR", MARCH_5),
            _collection("E2E-2", "20", "RCUR", MARCH_5, scheme="B2B"),
            _collection("E2E-3", "30", "OOFF", MARCH_5, scheme="B2B"),
        ]
        for version in (PAIN_008_001_02, PAIN_008_001_08):
            xml = build_pain008(CREDITOR, "MSG-1", CREATED, collections, version)
            root, ns = self._parse(xml, version)
            blocks = [
                (
                    b.findtext("p:PmtTpInf/p:SeqTp", namespaces=ns),
                    b.findtext("p:PmtTpInf/p:LclInstrm/p:Cd", namespaces=ns),
                    b.findtext("p:CtrlSum", namespaces=ns),
                )
                for b in root.iterfind(".//p:PmtInf", ns)
            ]
            self.assertEqual(
                blocks,
                [("RCUR", "CORE", "10.00"), ("RCUR", "B2B", "20.00"),
                 ("OOFF", "B2B", "30.00")],
            )  # fmt: skip

    def test_names_and_texts_are_written_in_sepa_latin(self):
        long_name = "Ditta Individuale " + "Rossi " * 12
        collections = [
            _collection(
                "E2E-1",
                "10",
                "RCUR",
                MARCH_5,
                debtor_name=long_name,
                remittance_text="Fattura n° 12 – «saldo» ; grazie",
            ),
            _collection("E2E-2", "10", "RCUR", MARCH_5, debtor_name="Jürgen Müßig"),
        ]
        xml = build_pain008(CREDITOR, "MSG-1", CREATED, collections)
        root, ns = self._parse(xml, PAIN_008_001_02)
        names = [e.text for e in root.iterfind(".//p:Dbtr/p:Nm", ns)]
        self.assertEqual(names[0], to_sepa_latin(long_name)[:70].rstrip())
        self.assertEqual(len(names[0]), 70)
        self.assertEqual(names[1], "Jurgen Mussig")
        self.assertEqual(
            root.findtext(".//p:RmtInf/p:Ustrd", namespaces=ns),
            "Fattura n. 12 - 'saldo' , grazie",
        )
        self.assertEqual(
            root.findtext(".//p:InitgPty/p:Nm", namespaces=ns),
            "Societa Esempio S.r.l. + Figli",
        )

    def test_sepa_latin_conversion(self):
        self.assertEqual(
            to_sepa_latin("Società Cooperativa àèìòù"), "Societa Cooperativa aeiou"
        )
        self.assertEqual(to_sepa_latin("Ørsted & Søn"), "Orsted + Son")
        self.assertEqual(to_sepa_latin("Łódź  Straße\n 5"), "Lodz Strasse 5")
        self.assertEqual(to_sepa_latin("a@b.it <x>"), "a.b.it .x.")
        self.assertEqual(to_sepa_latin("abcdef ghij", 7), "abcdef")
        with self.assertRaisesRegex(ValueError, "cannot be written in the SEPA Latin"):
            build_pain008(
                CREDITOR,
                "MSG-1",
                CREATED,
                [_collection("E2E-1", "1", "RCUR", MARCH_5, debtor_name="Αθηνά")],
            )

    def test_creditor_identifier(self):
        """ES23ZZZ47690558N is python-stdnum's example; DE98ZZZ09999999999 the
        Deutsche Bundesbank's test creditor identifier."""
        self.assertEqual(
            validate_creditor_identifier("ES 23 ZZZ 47690558N"), "ES23ZZZ47690558N"
        )
        self.assertEqual(
            validate_creditor_identifier("de98zzz09999999999"), "DE98ZZZ09999999999"
        )
        with self.assertRaisesRegex(
            ValueError,
            "SEPA creditor identifier ES24ZZZ47690558N is not valid: check digits",
        ):
            validate_creditor_identifier("ES24ZZZ47690558N")
        with self.assertRaisesRegex(ValueError, "it must be 2 letters of country"):
            validate_creditor_identifier("IT86")
        with self.assertRaisesRegex(ValueError, "IT87ZZZ01234567890 is not valid"):
            build_pain008(
                replace(CREDITOR, creditor_id="IT87ZZZ01234567890"),
                "MSG-1",
                CREATED,
                COLLECTIONS,
            )

    def _refused(self, pattern, creditor=CREDITOR, message_id="MSG-1", **values):
        collection = _collection("E2E-1", "10.00", "RCUR", MARCH_5)
        collection = replace(collection, **values)
        with self.assertRaisesRegex(ValueError, pattern):
            build_pain008(creditor, message_id, CREATED, [collection])

    def test_mandate_reference_longer_than_35_is_refused(self):
        self._refused(
            "Collection E2E-1: mandate reference M{36} is 36 characters; "
            "SEPA allows 35",
            mandate_reference="M" * 36,
        )
        self._refused("mandate reference is missing", mandate_reference=" ")

    def test_amount_not_above_zero_or_with_more_than_two_decimals_is_refused(self):
        self._refused(
            "Collection E2E-1: amount 0.00 is out of range", amount=Decimal(0)
        )
        self._refused("amount -5.00 is out of range", amount=Decimal("-5"))
        self._refused(
            "amount 10.001 has more than 2 decimals", amount=Decimal("10.001")
        )
        self._refused("amount 1000000000.00 is out of range", amount=Decimal("1e9"))

    def test_invalid_ibans_and_bics_are_refused(self):
        self._refused(
            "debtor IBAN DE89370400440532013001 is not valid: check digits",
            debtor_iban="DE89370400440532013001",
        )
        self._refused(
            "Creditor IBAN IT60X0542811101000000123457 is not valid: check digits",
            creditor=replace(CREDITOR, iban="IT60X0542811101000000123457"),
        )
        self._refused("debtor BIC COBADE is not valid", debtor_bic="COBADE")

    def test_unknown_sequence_type_or_scheme_is_refused(self):
        self._refused(
            "sequence type 'FIRST' is unknown: use FRST, RCUR, FNAL, OOFF",
            sequence_type="FIRST",
        )
        self._refused("scheme 'COR1' is unknown: use CORE or B2B", scheme="COR1")

    def test_identifiers_are_checked_not_converted(self):
        self._refused("End-to-end id E2E-è contains 'è'", end_to_end_id="E2E-è")
        self._refused(
            "cannot start or end with '/' or contain '//'", mandate_reference="A//B"
        )
        self._refused("Message id X{36} is 36 characters", message_id="X" * 36)

    def test_other_inconsistencies_are_refused(self):
        self._refused(
            "the mandate was signed on 2025-03-06, "
            "after the collection date 2025-03-05",
            mandate_signature_date=date(2025, 3, 6),
        )
        self._refused(
            "remittance text is 141 characters; SEPA allows 140",
            remittance_text="x" * 141,
        )
        twice = [COLLECTIONS[0], replace(COLLECTIONS[1], end_to_end_id="E2E-1")]
        with self.assertRaisesRegex(ValueError, "End-to-end id E2E-1 is used twice"):
            build_pain008(CREDITOR, "MSG-1", CREATED, twice)
        with self.assertRaisesRegex(ValueError, "at least one collection"):
            build_pain008(CREDITOR, "MSG-1", CREATED, [])
        with self.assertRaisesRegex(
            ValueError, "Unknown pain.008 version 'pain.008.001.09'"
        ):
            build_pain008(CREDITOR, "MSG-1", CREATED, COLLECTIONS, "pain.008.001.09")

    def test_removed_element_does_not_validate_and_the_error_says_why(self):
        for version in (PAIN_008_001_02, PAIN_008_001_08):
            xml = build_pain008(CREDITOR, "MSG-1", CREATED, COLLECTIONS, version)
            tampered = re.sub(
                rb"\s*<ReqdColltnDt>[^<]*</ReqdColltnDt>", b"", xml, count=1
            )
            self.assertNotEqual(tampered, xml)
            with self.assertRaises(ValueError) as caught:
                validate_pain008(tampered, version)
            message = str(caught.exception)
            self.assertIn(
                "The %s document is not valid at /Document/CstmrDrctDbtInitn/PmtInf[1]"
                % version,
                message,
            )
            self.assertIn("Tag 'ReqdColltnDt' expected", message)
            self.assertNotIn("{urn:", message)

    def test_over_long_field_does_not_validate_and_the_error_says_why(self):
        for version in (PAIN_008_001_02, PAIN_008_001_08):
            xml = build_pain008(CREDITOR, "MSG-1", CREATED, COLLECTIONS, version)
            tampered = xml.replace(
                b"<MndtId>MND-E2E-3</MndtId>", b"<MndtId>%s</MndtId>" % (b"M" * 36)
            )
            self.assertNotEqual(tampered, xml)
            with self.assertRaisesRegex(
                ValueError,
                r"PmtInf\[2\]/DrctDbtTxInf/DrctDbtTx/MndtRltdInf/MndtId: "
                "value length cannot be greater than 35",
            ):
                validate_pain008(tampered, version)

    def test_wrong_version_or_broken_xml_does_not_validate(self):
        xml = build_pain008(CREDITOR, "MSG-1", CREATED, COLLECTIONS, PAIN_008_001_08)
        with self.assertRaisesRegex(
            ValueError, "The document is pain.008.001.08, not pain.008.001.02"
        ):
            validate_pain008(xml, PAIN_008_001_02)
        with self.assertRaisesRegex(ValueError, "not well-formed XML"):
            validate_pain008(xml[:-30], PAIN_008_001_08)
        tampered = xml.replace(b"<NbOfTxs>5</NbOfTxs>", b"<NbOfTxs>five</NbOfTxs>")
        with self.assertRaisesRegex(
            ValueError,
            r"GrpHdr/NbOfTxs: value doesn't match any pattern of \['\[0-9\]\{1,15\}'\]",
        ):
            validate_pain008(tampered, PAIN_008_001_08)


SWISS = {
    "debtor_name": "Müller & Söhne AG",
    "debtor_iban": "CH93 0076 2011 6238 5295 7",
    "debtor_bic": "POFICHBEXXX",
    "debtor_country": "CH",
    "debtor_street": "Bahnhofstraße 12",
    "debtor_postcode": "8001",
    "debtor_town": "Zürich",
}


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibSepaSddRulebook(BaseCase):
    """The rulebook's rules for SEPA countries outside the EEA, the creation
    time with its offset and the amendment of a mandate (AT-24)."""

    def test_swiss_debtor_has_the_address_and_validates(self):
        collection = _collection("E2E-CH", "120.00", "RCUR", MARCH_5, **SWISS)
        for version, expected in (
            (
                PAIN_008_001_02,
                ["CH", "Bahnhofstrasse 12", "8001 Zurich"],
            ),
            (
                PAIN_008_001_08,
                ["Bahnhofstrasse 12", "8001", "Zurich", "CH"],
            ),
        ):
            xml = build_pain008(CREDITOR, "MSG-CH", CREATED, [collection], version)
            validate_pain008(xml, version)  # does not raise
            root = etree.fromstring(xml)
            ns = {"p": "urn:iso:std:iso:20022:tech:xsd:" + version}
            address = root.find(".//p:DrctDbtTxInf/p:Dbtr/p:PstlAdr", ns)
            self.assertEqual([element.text for element in address], expected)
            self.assertEqual(
                root.findtext(".//p:DrctDbtTxInf/p:Dbtr/p:Nm", namespaces=ns),
                "Muller + Sohne AG",
            )

    def test_debtor_outside_the_eea_needs_address_and_bic(self):
        without_address = {
            **SWISS,
            "debtor_country": None,
            "debtor_town": None,
            "debtor_street": None,
            "debtor_postcode": None,
        }
        with self.assertRaisesRegex(
            ValueError, "outside the EEA: SEPA requires the " "debtor's postal address"
        ):
            build_pain008(
                CREDITOR,
                "MSG",
                CREATED,
                [_collection("E2E-1", "1", "RCUR", MARCH_5, **without_address)],
            )
        with self.assertRaisesRegex(ValueError, "outside the EEA: give the BIC"):
            build_pain008(
                CREDITOR,
                "MSG",
                CREATED,
                [
                    _collection(
                        "E2E-1", "1", "RCUR", MARCH_5, **{**SWISS, "debtor_bic": None}
                    )
                ],
            )
        # In the EEA the BIC may be left out: NOTPROVIDED, no address needed.
        xml = build_pain008(CREDITOR, "MSG", CREATED, COLLECTIONS[2:3])
        self.assertIn(b"NOTPROVIDED", xml)
        self.assertNotIn(b"PstlAdr", xml)
        # A creditor account in Switzerland without BIC is refused too.
        swiss_creditor = replace(CREDITOR, iban="CH93 0076 2011 6238 5295 7", bic=None)
        with self.assertRaisesRegex(
            ValueError, "NOTPROVIDED is for accounts in the EEA"
        ):
            build_pain008(swiss_creditor, "MSG", CREATED, COLLECTIONS[2:3])

    def test_non_sepa_iban_is_refused(self):
        turkish = _collection(
            "E2E-TR", "10", "RCUR", MARCH_5, debtor_iban="TR330006100519786457841326"
        )
        with self.assertRaisesRegex(ValueError, "is of TR, outside SEPA"):
            build_pain008(CREDITOR, "MSG", CREATED, [turkish])

    def test_creation_time_needs_its_time_zone(self):
        with self.assertRaisesRegex(ValueError, "with its time zone"):
            build_pain008(
                CREDITOR, "MSG", datetime(2025, 3, 1, 10, 30), COLLECTIONS[:1]
            )

    def test_amended_mandate_carries_the_amendment_indicator(self):
        same_bank = _collection(
            "E2E-A",
            "10",
            "RCUR",
            MARCH_5,
            original_debtor_iban="DE62370400440532013001",
        )
        other_bank = _collection(
            "E2E-B",
            "10",
            "RCUR",
            MARCH_5,
            original_debtor_iban="IT60X0542811101000000123456",
            original_debtor_agent_changed=True,
        )
        for version in (PAIN_008_001_02, PAIN_008_001_08):
            xml = build_pain008(
                CREDITOR, "MSG", CREATED, [same_bank, other_bank], version
            )
            root = etree.fromstring(xml)
            ns = {"p": "urn:iso:std:iso:20022:tech:xsd:" + version}
            first, second = root.findall(".//p:MndtRltdInf", ns)
            self.assertEqual(first.findtext("p:AmdmntInd", namespaces=ns), "true")
            self.assertEqual(
                first.findtext(
                    "p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:IBAN", namespaces=ns
                ),
                "DE62370400440532013001",
            )
            self.assertEqual(
                second.findtext(
                    "p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:Othr/p:Id", namespaces=ns
                ),
                "SMNDA",
            )
        self.assertTrue(
            same_debtor_agent(
                "DE89370400440532013000", None, "DE62370400440532013001", None
            )
        )
        self.assertFalse(
            same_debtor_agent(
                "IT60X0542811101000000123456", None, "IT43X0306909606100000063109", None
            )
        )
        self.assertFalse(
            same_debtor_agent(
                "IT60X0542811101000000123456",
                "BPMOIT22XXX",
                "IT43X0306909606100000063109",
                "BCITITMMXXX",
            )
        )
