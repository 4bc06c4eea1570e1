import copy
import hashlib
import io
import json
import unittest
import zipfile
from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from ..lib import case_file
from ..lib.case_file import (
    SCHEMA,
    Address,
    CaseInvoice,
    Contact,
    Fee,
    Party,
    build_case_json,
    build_case_zip,
    safe_file_name,
    validate_case_json,
)

PDF = b"%PDF-1.7\n% summary of case LEG/2025/0007\n%%EOF\n"


def _case():
    creditor = Party(
        name="Rossi Forniture S.r.l.",
        address=Address(
            street="Via Roma 1",
            zip="20121",
            city="Milano",
            state="MI",
            country_code="it",
        ),
        vat="IT 01234567890",
        pec="amministrazione@pec.rossiforniture.it",
    )
    # A dict, as a model would pass it, with only the fields a case needs.
    debtor = {
        "name": "Bianchi Mario",
        "address": {
            "street": "Corso Francia 10",
            "city": "Torino",
            "country_code": "IT",
        },
        "fiscal_code": "BNCMRA80A01L219X",
        "email": "mario.bianchi@example.com",
    }
    invoices = [
        CaseInvoice(
            number="FV/2024/0101",
            date=date(2024, 1, 10),
            due_date=date(2024, 2, 9),
            currency="EUR",
            original_amount=Decimal("1220.00"),
            residual=Decimal("1000.00"),
            interest=Decimal("98.63"),
            compensation=Decimal("40.00"),
        ),
        CaseInvoice(
            number="FV/2024/0188",
            date=date(2024, 3, 5),
            due_date=date(2024, 4, 4),
            currency="EUR",
            original_amount=Decimal("610.00"),
            residual=Decimal("610.00"),
            interest=Decimal("51.20"),
            compensation=Decimal("40.00"),
        ),
    ]
    contacts = [
        Contact(date(2024, 5, 2), "pec", 2, "Formal notice (messa in mora)"),
        Contact(date(2024, 4, 15), "email", 1, "First reminder"),
    ]
    fees = [Fee("Costs of the formal notice by PEC", Decimal("15.00"), "EUR")]
    return build_case_json(
        "LEG/2025/0007",
        creditor,
        debtor,
        invoices,
        created_on=date(2025, 1, 31),
        amounts_as_of=date(2025, 1, 31),
        contacts=contacts,
        fees=fees,
    )


def _attachments():
    return [
        ("FV_2024_0101.pdf", b"%PDF-1.4 invoice 101", "application/pdf"),
        ("../../etc/passwd", b"root:x:0:0", "text/plain"),
        ("C:\\Users\\acc\\FV_2024_0101.PDF", b"%PDF-1.4 duplicate", "application/pdf"),
        (
            "ricevuta PEC.eml",
            b"From: pec@example.com\r\n\r\nconsegna",
            "message/rfc822",
        ),
    ]


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibCaseFile(BaseCase):
    def test_case_json_carries_amounts_totals_and_chronology(self):
        case = _case()
        first = case["invoices"][0]
        self.assertEqual(first["residual"], "1000.00")
        self.assertEqual(first["total_due"], "1138.63")  # 1000 + 98.63 + 40
        self.assertEqual(
            case["totals"],
            [
                {
                    "currency": "EUR",
                    "residual": "1610.00",
                    "interest": "149.83",
                    "compensation": "80.00",
                    "fees": "15.00",
                    "total": "1854.83",
                }
            ],
        )
        self.assertEqual(
            [c["summary"] for c in case["contacts"]],
            ["First reminder", "Formal notice (messa in mora)"],
        )
        self.assertEqual(case["creditor"]["vat"], "IT01234567890")
        self.assertEqual(case["creditor"]["address"]["country_code"], "IT")
        self.assertIsNone(validate_case_json(case))

    def test_parties_carry_only_what_the_case_needs(self):
        case = _case()
        self.assertEqual(
            set(case["debtor"]), {"name", "address", "fiscal_code", "email"}
        )
        debtor = {
            "name": "Bianchi Mario",
            "address": {"street": "Corso Francia 10", "city": "Torino"},
            "phone": "+39 333 1234567",
            "iban": "IT60X0542811101000000123456",
        }
        debtor["address"]["country_code"] = "IT"
        creditor = {k: v for k, v in debtor.items() if k in ("name", "address")}
        invoice = {
            "number": "FV/1",
            "date": date(2024, 1, 1),
            "due_date": date(2024, 1, 31),
            "currency": "EUR",
            "original_amount": Decimal("10.00"),
            "residual": Decimal("10.00"),
        }
        with self.assertRaisesRegex(
            ValueError,
            "debtor has fields that do not belong in a case file: iban, phone",
        ):
            build_case_json(
                "X",
                creditor,
                debtor,
                [invoice],
                created_on=date(2025, 1, 1),
                amounts_as_of=date(2025, 1, 1),
            )

    def test_invalid_case_json_is_refused_with_the_reason(self):
        case = _case()
        del case["debtor"]["name"]
        case["invoices"][1]["residual"] = "610,00"
        case["contacts"][0]["channel"] = "fax"
        with self.assertRaises(ValueError) as caught:
            validate_case_json(case)
        message = str(caught.exception)
        self.assertTrue(message.startswith("The case file is not valid: "), message)
        self.assertIn("case.debtor.name is missing", message)
        self.assertIn("case.invoices[1].residual has the wrong format", message)
        self.assertIn("case.contacts[0].channel must be one of: email, pec", message)

    def test_unknown_field_and_impossible_date_are_refused(self):
        case = _case()
        case["debtor"]["birth_date"] = "1980-01-01"
        case["created_on"] = "2025-02-30"
        with self.assertRaises(ValueError) as caught:
            validate_case_json(case)
        self.assertIn(
            "case.debtor.birth_date is not part of a case file", str(caught.exception)
        )
        self.assertIn("case.created_on has the wrong format", str(caught.exception))

    def test_hand_check_finds_the_same_problems_without_jsonschema(self):
        """The fallback used when jsonschema is not installed reads the same
        SCHEMA and words problems the same way."""
        case = _case()
        self.assertEqual(case_file._without_jsonschema(case), [])
        case["version"] = "2.0"
        case["debtor"]["pec"] = "not-an-address"
        del case["totals"]
        case["contacts"][1]["level"] = -1
        problems = sorted(set(case_file._without_jsonschema(case)))
        self.assertEqual(
            problems,
            [
                "case.contacts[1].level must be at least 0",
                "case.debtor.pec has the wrong format (An e-mail address)",
                "case.totals is missing",
                "case.version must be '1.0'",
            ],
        )
        if case_file.jsonschema is not None:
            self.assertEqual(sorted(set(case_file._with_jsonschema(case))), problems)

    @unittest.skipIf(case_file.jsonschema is None, "jsonschema is not installed")
    def test_schema_is_valid_draft_2020_12(self):
        case_file.jsonschema.Draft202012Validator.check_schema(SCHEMA)
        self.assertEqual(
            SCHEMA["$schema"], "https://json-schema.org/draft/2020-12/schema"
        )

    def test_schema_documents_every_field(self):
        """Each property has a description, on itself or on the $defs it uses."""
        undocumented = []

        def walk(node, where):
            for name, prop in node.get("properties", {}).items():
                target = prop
                if "$ref" in prop:
                    target = SCHEMA["$defs"][prop["$ref"].removeprefix("#/$defs/")]
                if not (prop.get("description") or target.get("description")):
                    undocumented.append(f"{where}.{name}")
            for key in ("items",):
                if key in node and "properties" in node[key]:
                    walk(node[key], where + "[]")

        walk(SCHEMA, "case")
        for name, definition in SCHEMA["$defs"].items():
            walk(definition, name)
        self.assertEqual(undocumented, [])

    def test_amounts_must_be_exact_decimals(self):
        invoice = {
            "number": "FV/1",
            "date": date(2024, 1, 1),
            "due_date": date(2024, 1, 31),
            "currency": "EUR",
            "original_amount": Decimal("100.00"),
            "residual": 99.5,
        }
        party = {
            "name": "A",
            "address": {"street": "s", "city": "c", "country_code": "IT"},
        }
        kwargs = {"created_on": date(2025, 1, 1), "amounts_as_of": date(2025, 1, 1)}
        with self.assertRaisesRegex(ValueError, "is a float; give amounts as Decimal"):
            build_case_json("R", party, party, [invoice], **kwargs)
        invoice["residual"] = Decimal("99.555")
        with self.assertRaisesRegex(
            ValueError, "more decimals than EUR allows \\(2\\): round it to 99.56"
        ):
            build_case_json("R", party, party, [invoice], **kwargs)
        invoice["residual"] = Decimal("120.00")
        with self.assertRaisesRegex(ValueError, "residual 120.00 is more than"):
            build_case_json("R", party, party, [invoice], **kwargs)
        invoice.update(currency="JPY", original_amount=Decimal(15000), residual=15000)
        case = build_case_json("R", party, party, [invoice], **kwargs)
        self.assertEqual(case["invoices"][0]["residual"], "15000")

    # ZIP

    def _open(self, data):
        archive = zipfile.ZipFile(io.BytesIO(data))
        self.assertIsNone(archive.testzip())
        return archive

    def test_zip_holds_case_summary_and_documents_with_safe_unique_names(self):
        archive = self._open(build_case_zip(_case(), PDF, _attachments()))
        self.assertEqual(
            archive.namelist(),
            [
                "case.json",
                "summary.pdf",
                "documents/FV_2024_0101.pdf",
                "documents/passwd",
                "documents/FV_2024_0101 (2).PDF",
                "documents/ricevuta PEC.eml",
            ],
        )
        self.assertEqual(archive.read("summary.pdf"), PDF)
        self.assertEqual(archive.read("documents/passwd"), b"root:x:0:0")

    def test_checksums_in_case_json_match_the_packed_bytes(self):
        archive = self._open(build_case_zip(_case(), PDF, _attachments()))
        packed = json.loads(archive.read("case.json"))
        validate_case_json(packed)
        self.assertEqual(len(packed["documents"]), 4)
        for doc in packed["documents"]:
            content = archive.read("documents/" + doc["name"])
            self.assertEqual(doc["sha256"], hashlib.sha256(content).hexdigest())
            self.assertEqual(doc["size"], len(content))
        self.assertEqual(packed["documents"][3]["mimetype"], "message/rfc822")
        self.assertEqual(
            packed["summary"],
            {
                "name": "summary.pdf",
                "mimetype": "application/pdf",
                "size": len(PDF),
                "sha256": hashlib.sha256(PDF).hexdigest(),
            },
        )

    def test_same_case_gives_the_same_bytes(self):
        first = build_case_zip(_case(), PDF, _attachments())
        second = build_case_zip(copy.deepcopy(_case()), PDF, list(_attachments()))
        self.assertEqual(first, second)
        for info in self._open(first).infolist():
            self.assertEqual(info.date_time, (1980, 1, 1, 0, 0, 0))
        changed = build_case_zip(_case(), PDF, _attachments()[:3])
        self.assertNotEqual(
            hashlib.sha256(first).digest(), hashlib.sha256(changed).digest()
        )

    def test_zip_does_not_change_the_given_case(self):
        case = _case()
        before = copy.deepcopy(case)
        build_case_zip(case, PDF, _attachments())
        self.assertEqual(case, before)

    def test_zip_refuses_a_summary_that_is_not_pdf_and_an_invalid_case(self):
        with self.assertRaisesRegex(ValueError, "The summary is not a PDF file"):
            build_case_zip(_case(), b"<html>", [])
        case = _case()
        case["invoices"] = []
        with self.assertRaisesRegex(ValueError, "case.invoices needs at least 1 item"):
            build_case_zip(case, PDF, [])

    def test_safe_file_name(self):
        self.assertEqual(safe_file_name("/etc/shadow"), "shadow")
        self.assertEqual(safe_file_name("..\\..\\boot.ini"), "boot.ini")
        self.assertEqual(safe_file_name(".."), "document")
        self.assertEqual(safe_file_name(".bashrc"), "bashrc")
        self.assertEqual(safe_file_name('a<b>:"c"|?*.pdf'), "a_b___c____.pdf")
        self.assertEqual(safe_file_name("line\nbreak\x00.txt"), "line_break_.txt")
        self.assertEqual(safe_file_name("NUL.txt"), "_NUL.txt")
        self.assertEqual(safe_file_name("a.pdf", ["A.PDF", "a (2).pdf"]), "a (3).pdf")
        long_name = safe_file_name("x" * 300 + ".pdf")
        self.assertLessEqual(len(long_name), case_file.MAX_NAME_LENGTH)
        self.assertTrue(long_name.endswith(".pdf"))
