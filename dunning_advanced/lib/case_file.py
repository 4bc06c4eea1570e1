"""Machine-readable case file handed to a lawyer or a collection agency.

Pure Python, no ORM: the models gather the figures and call
:func:`build_case_json`, then :func:`build_case_zip` with the summary PDF and the
documents. The ZIP holds::

    case.json            the case, valid against SCHEMA (JSON Schema 2020-12)
    summary.pdf          the human-readable summary
    documents/<name>     invoices, reminders, delivery receipts ...

Only what the case needs leaves the company (data minimisation, GDPR art. 5(1)(c)):
for each party its name, VAT number, fiscal code, address, e-mail and PEC; no
phone numbers, bank accounts, notes or other partner data. The builders refuse
unknown fields instead of passing them on.

Amounts are decimal strings ("1220.00"), never floats, with the decimals of
their currency (ISO 4217); dates are ISO 8601 calendar dates (YYYY-MM-DD).
Interest (D.Lgs. 231/2002 art. 5) and the flat compensation for recovery costs
(art. 6) come computed from the interest module; this one only carries them.

The ZIP is deterministic: entries in a fixed order with a fixed timestamp, so
the same case always gives the same bytes and the same checksum, which the
agency client uses for its idempotency key.
"""

import copy
import dataclasses
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

try:  # jsonschema is optional: a hand check of the same SCHEMA stands in for it.
    import jsonschema
except ImportError:  # pragma: no cover - depends on the environment
    jsonschema = None

FORMAT = "dunning_advanced.case_file"
VERSION = "1.0"

CHANNELS = (
    "email",
    "pec",
    "letter",
    "registered_letter",
    "sms",
    "phone",
    "visit",
    "portal",
    "other",
)

# ISO 4217 minor units that are not 2; every other currency has 2.
CURRENCY_DECIMALS = {
    "BHD": 3,
    "CLP": 0,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "OMR": 3,
    "TND": 3,
    "VND": 0,
}

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP entry can carry
MAX_NAME_LENGTH = 120
_WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}


# --------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------

_TEXT = {"type": "string", "minLength": 1, "maxLength": 500}

SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:dunning-advanced:case-file:1.0",
    "title": "Collection case file",
    "description": "A credit handed to a lawyer or a collection agency: the "
    "parties, the unpaid invoices with interest and compensation, the fees, the "
    "chronology of the reminders and the documents packed with it.",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "format",
        "version",
        "reference",
        "created_on",
        "amounts_as_of",
        "creditor",
        "debtor",
        "invoices",
        "fees",
        "totals",
        "contacts",
        "documents",
    ],
    "properties": {
        "format": {
            "description": "Always 'dunning_advanced.case_file'.",
            "const": FORMAT,
        },
        "version": {
            "description": "Version of this schema; a reader refuses a major "
            "version it does not know.",
            "const": VERSION,
        },
        "reference": {
            "description": "The creditor's reference of the case, quoted in "
            "every exchange about it.",
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
        },
        "created_on": {
            "description": "Day the case file was made.",
            "$ref": "#/$defs/date",
        },
        "amounts_as_of": {
            "description": "Day to which residuals and interest are computed.",
            "$ref": "#/$defs/date",
        },
        "creditor": {
            "description": "The company owed the money.",
            "$ref": "#/$defs/party",
        },
        "debtor": {
            "description": "The customer who owes it.",
            "$ref": "#/$defs/party",
        },
        "invoices": {
            "description": "Unpaid invoices of the case, at least one.",
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/$defs/invoice"},
        },
        "fees": {
            "description": "Other costs charged to the debtor (e.g. protest or "
            "notification costs), with their own currency.",
            "type": "array",
            "items": {"$ref": "#/$defs/fee"},
        },
        "totals": {
            "description": "One line per currency: the sums of the invoices and "
            "fees in that currency.",
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/$defs/total"},
        },
        "contacts": {
            "description": "Chronology of the reminders and contacts, oldest " "first.",
            "type": "array",
            "items": {"$ref": "#/$defs/contact"},
        },
        "documents": {
            "description": "Files under documents/ in the ZIP, with their "
            "checksums.",
            "type": "array",
            "items": {"$ref": "#/$defs/document"},
        },
        "disputes": {
            "description": "Disputes the debtor raised on invoices of the case, "
            "resolved or not: the lawyer must know them before filing for a "
            "payment order (decreto ingiuntivo).",
            "type": "array",
            "items": {"$ref": "#/$defs/dispute"},
        },
        "judgement": {
            "description": "The final judgement on the claim, when there is one "
            "(art. 2953 c.c.: a 10-year prescription from the day it became "
            "final).",
            "type": "object",
            "additionalProperties": False,
            "required": ["final_on"],
            "properties": {
                "final_on": {
                    "description": "Day the judgement became final.",
                    "$ref": "#/$defs/date",
                },
                "reference": {
                    "description": "Court, number and date of the judgement.",
                    "type": "string",
                    "maxLength": 200,
                },
            },
        },
        "summary": {
            "description": "The summary.pdf of the ZIP, with its checksum.",
            "$ref": "#/$defs/document",
        },
    },
    "$defs": {
        "date": {
            "description": "A calendar date, ISO 8601 (YYYY-MM-DD).",
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        },
        "money": {
            "description": "An amount as a decimal string with a dot and the "
            "decimals of its currency, e.g. '1220.00'.",
            "type": "string",
            "pattern": "^(0|[1-9][0-9]*)(\\.[0-9]{1,3})?$",
        },
        "currency": {
            "description": "ISO 4217 currency code, e.g. 'EUR'.",
            "type": "string",
            "pattern": "^[A-Z]{3}$",
        },
        "email": {
            "description": "An e-mail address.",
            "type": "string",
            "format": "email",
            "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
            "maxLength": 254,
        },
        "address": {
            "description": "Postal address, where documents can be served.",
            "type": "object",
            "additionalProperties": False,
            "required": ["street", "city", "country_code"],
            "properties": {
                "street": {"description": "Street and number.", **_TEXT},
                "street2": {"description": "Second address line.", **_TEXT},
                "zip": {
                    "description": "Postal code.",
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 20,
                },
                "city": {"description": "City.", **_TEXT},
                "state": {
                    "description": "Province or state code (e.g. 'MI').",
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 10,
                },
                "country_code": {
                    "description": "ISO 3166-1 alpha-2 country code.",
                    "type": "string",
                    "pattern": "^[A-Z]{2}$",
                },
            },
        },
        "party": {
            "description": "The creditor or the debtor: only what identifies "
            "them and where to reach them.",
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "address"],
            "properties": {
                "name": {"description": "Legal name or full name.", **_TEXT},
                "vat": {
                    "description": "VAT number with its country prefix, e.g. "
                    "'IT01234567890'.",
                    "type": "string",
                    "pattern": "^[A-Z]{2}[0-9A-Za-z+*.]{2,13}$",
                },
                "fiscal_code": {
                    "description": "Tax identification number (codice fiscale).",
                    "type": "string",
                    "pattern": "^[0-9A-Za-z]{1,30}$",
                },
                "address": {"$ref": "#/$defs/address"},
                "email": {"description": "E-mail address.", "$ref": "#/$defs/email"},
                "pec": {
                    "description": "Certified e-mail address (PEC, D.Lgs. 82/2005 "
                    "art. 6), where legal notices can be served.",
                    "$ref": "#/$defs/email",
                },
            },
        },
        "invoice": {
            "description": "An unpaid invoice, amounts in its own currency.",
            "type": "object",
            "additionalProperties": False,
            "required": [
                "number",
                "date",
                "due_date",
                "currency",
                "original_amount",
                "residual",
                "interest",
                "compensation",
                "total_due",
            ],
            "properties": {
                "number": {
                    "description": "Invoice number as printed.",
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                },
                "date": {"description": "Invoice date.", "$ref": "#/$defs/date"},
                "due_date": {"description": "Due date.", "$ref": "#/$defs/date"},
                "currency": {"$ref": "#/$defs/currency"},
                "original_amount": {
                    "description": "Invoice total, taxes included.",
                    "$ref": "#/$defs/money",
                },
                "residual": {
                    "description": "Amount still unpaid.",
                    "$ref": "#/$defs/money",
                },
                "interest": {
                    "description": "Late payment interest to amounts_as_of "
                    "(D.Lgs. 231/2002 art. 5, or legal interest art. 1284 c.c.).",
                    "$ref": "#/$defs/money",
                },
                "compensation": {
                    "description": "Flat compensation for recovery costs "
                    "(D.Lgs. 231/2002 art. 6).",
                    "$ref": "#/$defs/money",
                },
                "total_due": {
                    "description": "residual + interest + compensation.",
                    "$ref": "#/$defs/money",
                },
            },
        },
        "fee": {
            "description": "A cost charged to the debtor outside the invoices.",
            "type": "object",
            "additionalProperties": False,
            "required": ["description", "amount", "currency"],
            "properties": {
                "description": {"description": "What the fee is.", **_TEXT},
                "amount": {"$ref": "#/$defs/money"},
                "currency": {"$ref": "#/$defs/currency"},
            },
        },
        "total": {
            "description": "Sums of one currency.",
            "type": "object",
            "additionalProperties": False,
            "required": [
                "currency",
                "residual",
                "interest",
                "compensation",
                "fees",
                "total",
            ],
            "properties": {
                "currency": {"$ref": "#/$defs/currency"},
                "residual": {"$ref": "#/$defs/money"},
                "interest": {"$ref": "#/$defs/money"},
                "compensation": {"$ref": "#/$defs/money"},
                "fees": {"$ref": "#/$defs/money"},
                "total": {
                    "description": "residual + interest + compensation + fees.",
                    "$ref": "#/$defs/money",
                },
            },
        },
        "dispute": {
            "description": "A dispute on an invoice.",
            "type": "object",
            "additionalProperties": False,
            "required": ["invoice", "opened_on", "reason", "state"],
            "properties": {
                "invoice": {
                    "description": "Number of the disputed invoice.",
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                },
                "opened_on": {
                    "description": "Day the dispute was recorded.",
                    "$ref": "#/$defs/date",
                },
                "reason": {
                    "description": "What the debtor contests.",
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 4000,
                },
                "state": {
                    "description": "open, resolved (in the creditor's favour or by "
                    "agreement) or rejected.",
                    "enum": ["open", "resolved", "rejected"],
                },
                "resolved_on": {
                    "description": "Day it was resolved or rejected.",
                    "$ref": "#/$defs/date",
                },
                "resolution": {
                    "description": "How it was resolved.",
                    "type": "string",
                    "maxLength": 4000,
                },
            },
        },
        "contact": {
            "description": "A reminder or a contact with the debtor.",
            "type": "object",
            "additionalProperties": False,
            "required": ["date", "channel", "level", "summary"],
            "properties": {
                "date": {"$ref": "#/$defs/date"},
                "channel": {
                    "description": "How the debtor was reached.",
                    "enum": list(CHANNELS),
                },
                "level": {
                    "description": "Dunning level of the contact (0: none, "
                    "1: first reminder ...).",
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 99,
                },
                "summary": {
                    "description": "What was sent or said.",
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 2000,
                },
            },
        },
        "document": {
            "description": "A file of the ZIP and its SHA-256 (FIPS 180-4).",
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "mimetype", "size", "sha256"],
            "properties": {
                "name": {
                    "description": "File name, without folders.",
                    "type": "string",
                    "pattern": "^(?!\\.)[^/\\\\\\u0000-\\u001f\\u007f]{1,120}$",
                },
                "mimetype": {
                    "description": "Media type (RFC 6838), e.g. 'application/pdf'.",
                    "type": "string",
                    "pattern": "^[a-z0-9][a-z0-9!#$&^_.+-]*"
                    "/[a-z0-9][a-z0-9!#$&^_.+-]*$",
                },
                "size": {
                    "description": "Size in bytes.",
                    "type": "integer",
                    "minimum": 0,
                },
                "sha256": {
                    "description": "SHA-256 of the bytes, lowercase hex.",
                    "type": "string",
                    "pattern": "^[0-9a-f]{64}$",
                },
            },
        },
    },
}


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """Postal address; ``state`` is the province code (e.g. "MI")."""

    street: str
    city: str
    country_code: str
    zip: str = ""
    state: str = ""
    street2: str = ""


@dataclass(frozen=True)
class Party:
    """Creditor or debtor: nothing more than the case needs."""

    name: str
    address: Address | Mapping
    vat: str = ""
    fiscal_code: str = ""
    email: str = ""
    pec: str = ""


@dataclass(frozen=True)
class CaseInvoice:
    """An unpaid invoice; interest (D.Lgs. 231/2002 art. 5) and compensation
    (art. 6) come computed by the interest module, rounded to the currency."""

    number: str
    date: date
    due_date: date
    currency: str
    original_amount: Decimal
    residual: Decimal
    interest: Decimal = Decimal(0)
    compensation: Decimal = Decimal(0)


@dataclass(frozen=True)
class Fee:
    """A cost charged to the debtor outside the invoices."""

    description: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Contact:
    """A reminder or contact: ``channel`` is one of CHANNELS, ``level`` the
    dunning level it belonged to."""

    date: date
    channel: str
    level: int
    summary: str


@dataclass(frozen=True)
class Dispute:
    """A dispute on an invoice of the case; ``state`` open, resolved or
    rejected."""

    invoice: str
    opened_on: date
    reason: str
    state: str
    resolved_on: date | None = None
    resolution: str = ""


def disputes_json(disputes: Iterable[Dispute | Mapping]) -> list[dict]:
    """The ``disputes`` of case.json, oldest first."""
    result = []
    for index, raw in enumerate(disputes):
        dispute = _fields(raw, Dispute, "dispute %s" % (index + 1))
        item = {
            "invoice": _text(dispute["invoice"]),
            "opened_on": _iso_date(
                dispute["opened_on"], "Dispute %s date" % (index + 1)
            ),
            "reason": _text(dispute["reason"]),
            "state": _text(dispute["state"]),
        }
        if dispute.get("resolved_on"):
            item["resolved_on"] = _iso_date(
                dispute["resolved_on"], "Dispute %s resolution date" % (index + 1)
            )
        if dispute.get("resolution"):
            item["resolution"] = _text(dispute["resolution"])
        result.append(item)
    result.sort(key=lambda item: item["opened_on"])
    return result


@dataclass(frozen=True)
class Document:
    """A packed file: name, media type, size in bytes, SHA-256 hex."""

    name: str
    mimetype: str
    size: int
    sha256: str


def _fields(value: Any, cls: type, what: str) -> dict:
    """The fields of a dataclass instance or dict, refusing unknown keys."""
    if isinstance(value, cls):
        return dataclasses.asdict(value)
    if not isinstance(value, Mapping):
        raise ValueError(
            "The %s must be a %s or a dict, not %s."
            % (what, cls.__name__, type(value).__name__)
        )
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValueError(
            "The %s has fields that do not belong in a case file: %s. Only %s "
            "are sent." % (what, ", ".join(unknown), ", ".join(sorted(known)))
        )
    required = {
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    missing = sorted(required - set(value))
    if missing:
        raise ValueError("The %s lacks %s." % (what, ", ".join(missing)))
    return dict(value)


def _text(value: Any) -> str:
    return "" if value is None or value is False else str(value).strip()


def currency_decimals(currency: str) -> int:
    """Minor units of ``currency`` (ISO 4217)."""
    return CURRENCY_DECIMALS.get(currency, 2)


def format_money(value: Any, currency: str, what: str) -> str:
    """``value`` as a decimal string with the decimals of ``currency``.

    Floats are refused (they cannot hold cents exactly), and so are amounts
    with more decimals than the currency has: round them where they are
    computed, so the case file shows what the debtor was told.
    """
    if isinstance(value, float) or isinstance(value, bool):
        raise ValueError(
            "%s is a %s; give amounts as Decimal." % (what, type(value).__name__)
        )
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError("%s is not an amount: %r." % (what, value)) from None
    if not amount.is_finite():
        raise ValueError("%s is not an amount: %r." % (what, value))
    if amount < 0:
        raise ValueError("%s cannot be negative (%s)." % (what, amount))
    places = currency_decimals(currency)
    quantum = Decimal(1).scaleb(-places)
    rounded = amount.quantize(quantum)
    if rounded != amount:
        raise ValueError(
            "%s has more decimals than %s allows (%s): round it to %s."
            % (what, currency, places, rounded)
        )
    return f"{rounded:f}"


def _iso_date(value: Any, what: str) -> str:
    if not isinstance(value, date):
        raise ValueError("%s must be a date, not %r." % (what, value))
    return value.isoformat()[:10]


def _party_json(value: Any, what: str) -> dict:
    fields = _fields(value, Party, what)
    address = _fields(fields["address"], Address, "address of the %s" % what)
    address_json = {key: _text(val) for key, val in address.items() if _text(val)}
    if "country_code" in address_json:
        address_json["country_code"] = address_json["country_code"].upper()
    result = {"name": _text(fields["name"]), "address": address_json}
    for key in ("vat", "fiscal_code", "email", "pec"):
        text = _text(fields.get(key))
        if text:
            result[key] = text.replace(" ", "").upper() if key == "vat" else text
    return result


def document_entry(name: str, content: bytes, mimetype: str) -> dict:
    """The ``document`` object of SCHEMA for ``content``: size and SHA-256."""
    return {
        "name": name,
        "mimetype": mimetype.strip().lower(),
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def build_case_json(
    reference: str,
    creditor: Party | Mapping,
    debtor: Party | Mapping,
    invoices: Iterable[CaseInvoice | Mapping],
    *,
    created_on: date,
    amounts_as_of: date,
    contacts: Iterable[Contact | Mapping] = (),
    fees: Iterable[Fee | Mapping] = (),
    documents: Iterable[Document | Mapping] = (),
) -> dict:
    """The case.json document of a collection case, valid against SCHEMA.

    Invoices keep their own currency; ``totals`` has one line per currency.
    Contacts are sorted oldest first. ``documents`` may stay empty:
    :func:`build_case_zip` fills it from the files it packs.
    """
    invoices_json = []
    numbers = set()
    sums: dict[str, dict[str, Decimal]] = {}

    def add(currency: str, key: str, amount: Decimal) -> None:
        line = sums.setdefault(
            currency,
            {k: Decimal(0) for k in ("residual", "interest", "compensation", "fees")},
        )
        line[key] += amount

    for index, raw in enumerate(invoices):
        inv = _fields(raw, CaseInvoice, "invoice %s" % (index + 1))
        number = _text(inv["number"])
        what = "Invoice %s" % (number or index + 1)
        if number in numbers:
            raise ValueError("Invoice %s is in the case twice." % number)
        numbers.add(number)
        currency = _text(inv["currency"]).upper()
        original = format_money(inv["original_amount"], currency, what + " total")
        residual = format_money(inv["residual"], currency, what + " residual")
        interest = format_money(inv.get("interest", 0), currency, what + " interest")
        compensation = format_money(
            inv.get("compensation", 0), currency, what + " compensation"
        )
        if Decimal(residual) == 0:
            raise ValueError("%s is paid: leave it out of the case." % what)
        if Decimal(residual) > Decimal(original):
            raise ValueError(
                "%s: the residual %s is more than the invoice total %s."
                % (what, residual, original)
            )
        invoice_date = _iso_date(inv["date"], what + " date")
        due_date = _iso_date(inv["due_date"], what + " due date")
        if due_date < invoice_date:
            raise ValueError("%s is due before its date: check both dates." % what)
        total_due = Decimal(residual) + Decimal(interest) + Decimal(compensation)
        invoices_json.append(
            {
                "number": number,
                "date": invoice_date,
                "due_date": due_date,
                "currency": currency,
                "original_amount": original,
                "residual": residual,
                "interest": interest,
                "compensation": compensation,
                "total_due": f"{total_due:f}",
            }
        )
        add(currency, "residual", Decimal(residual))
        add(currency, "interest", Decimal(interest))
        add(currency, "compensation", Decimal(compensation))
    if not invoices_json:
        raise ValueError("A case needs at least one unpaid invoice.")

    fees_json = []
    for index, raw in enumerate(fees):
        fee = _fields(raw, Fee, "fee %s" % (index + 1))
        currency = _text(fee["currency"]).upper()
        amount = format_money(fee["amount"], currency, "Fee %s" % (index + 1))
        fees_json.append(
            {
                "description": _text(fee["description"]),
                "amount": amount,
                "currency": currency,
            }
        )
        add(currency, "fees", Decimal(amount))

    totals = []
    for currency in sorted(sums):
        line = sums[currency]
        totals.append(
            {
                "currency": currency,
                **{key: f"{value:f}" for key, value in line.items()},
                "total": f"{sum(line.values()):f}",
            }
        )

    contacts_json = []
    for index, raw in enumerate(contacts):
        contact = _fields(raw, Contact, "contact %s" % (index + 1))
        level = contact["level"]
        if isinstance(level, bool) or not isinstance(level, int):
            raise ValueError(
                "The level of contact %s must be a whole number." % (index + 1)
            )
        contacts_json.append(
            {
                "date": _iso_date(contact["date"], "Contact %s date" % (index + 1)),
                "channel": _text(contact["channel"]),
                "level": level,
                "summary": _text(contact["summary"]),
            }
        )
    contacts_json.sort(key=lambda item: item["date"])  # stable: same-day order kept

    documents_json = []
    for index, raw in enumerate(documents):
        doc = _fields(raw, Document, "document %s" % (index + 1))
        documents_json.append(
            {
                "name": _text(doc["name"]),
                "mimetype": _text(doc["mimetype"]).lower(),
                "size": doc["size"],
                "sha256": _text(doc["sha256"]).lower(),
            }
        )

    case = {
        "format": FORMAT,
        "version": VERSION,
        "reference": _text(reference),
        "created_on": _iso_date(created_on, "The creation date"),
        "amounts_as_of": _iso_date(amounts_as_of, "The date of the amounts"),
        "creditor": _party_json(creditor, "creditor"),
        "debtor": _party_json(debtor, "debtor"),
        "invoices": invoices_json,
        "fees": fees_json,
        "totals": totals,
        "contacts": contacts_json,
        "documents": documents_json,
    }
    validate_case_json(case)
    return case


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _path_text(path: Iterable) -> str:
    text = "case"
    for part in path:
        text += "[%s]" % part if isinstance(part, int) else ".%s" % part
    return text


def _problem(path: str, keyword: str, value: Any, node: dict, instance: Any) -> str:
    """One validation problem in words; the same for jsonschema and the hand
    check, so models and tests see one message whichever is installed."""
    if keyword == "required":
        missing = [name for name in value if name not in instance]
        return "%s.%s is missing" % (path, ", ".join(missing))
    if keyword == "additionalProperties":
        extra = sorted(set(instance) - set(node.get("properties", {})))
        return "%s.%s is not part of a case file" % (path, ", ".join(extra))
    if keyword == "type":
        return "%s must be of type %s" % (path, value)
    if keyword == "enum":
        return "%s must be one of: %s" % (path, ", ".join(map(str, value)))
    if keyword == "const":
        return "%s must be %r" % (path, value)
    if keyword in ("pattern", "format"):
        hint = node.get("description", "").rstrip(".")
        return "%s has the wrong format%s" % (path, " (%s)" % hint if hint else "")
    if keyword == "minItems":
        return "%s needs at least %s item(s)" % (path, value)
    if keyword == "minLength":
        if value == 1:
            return "%s is empty" % path
        return "%s is shorter than %s characters" % (path, value)
    if keyword == "maxLength":
        return "%s is longer than %s characters" % (path, value)
    if keyword == "minimum":
        return "%s must be at least %s" % (path, value)
    if keyword == "maximum":
        return "%s must be at most %s" % (path, value)
    return "%s is not valid (%s)" % (path, keyword)


def _raise_problems(problems: list[str]) -> None:
    if problems:
        shown = sorted(set(problems))
        more = len(shown) - 5
        text = "; ".join(shown[:5]) + ("; and %s more" % more if more > 0 else "")
        raise ValueError("The case file is not valid: %s." % text)


def _with_jsonschema(data: Any) -> list[str]:
    validator_cls = jsonschema.Draft202012Validator
    validator = validator_cls(SCHEMA, format_checker=validator_cls.FORMAT_CHECKER)
    problems = []
    for error in validator.iter_errors(data):
        problems.append(
            _problem(
                _path_text(error.absolute_path),
                error.validator,
                error.validator_value,
                error.schema if isinstance(error.schema, dict) else {},
                error.instance,
            )
        )
    return problems


_ANNOTATIONS = {"$schema", "$id", "title", "description", "$comment"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
    "boolean": lambda v: isinstance(v, bool),
}


def _format_ok(fmt: str, value: str) -> bool:
    if fmt == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value))
    if fmt == "email":
        return bool(_EMAIL.match(value))
    raise NotImplementedError(fmt)


def _hand_check(node: dict, value: Any, path: list, problems: list[str]) -> None:
    """The subset of JSON Schema 2020-12 that SCHEMA uses, nothing more."""
    if "$ref" in node:
        name = node["$ref"].removeprefix("#/$defs/")
        _hand_check(SCHEMA["$defs"][name], value, path, problems)
    where = _path_text(path)

    def fail(keyword: str) -> None:
        problems.append(_problem(where, keyword, node[keyword], node, value))

    for keyword in node:
        if keyword in _ANNOTATIONS or keyword in ("$ref", "$defs"):
            continue
        if keyword == "type":
            if not _TYPES[node["type"]](value):
                fail("type")
                return
        elif keyword == "const":
            if value != node["const"]:
                fail("const")
        elif keyword == "enum":
            if value not in node["enum"]:
                fail("enum")
        elif keyword in ("properties", "required", "additionalProperties"):
            pass  # checked below, once the type is known
        elif keyword in ("items", "minItems"):
            pass
        elif keyword in ("pattern", "minLength", "maxLength", "format"):
            pass
        elif keyword in ("minimum", "maximum"):
            pass
        else:
            raise NotImplementedError("keyword %s" % keyword)
    if isinstance(value, dict):
        properties = node.get("properties", {})
        if "required" in node and any(k not in value for k in node["required"]):
            fail("required")
        if node.get("additionalProperties") is False and set(value) - set(properties):
            fail("additionalProperties")
        for key, subnode in properties.items():
            if key in value:
                _hand_check(subnode, value[key], [*path, key], problems)
    if isinstance(value, list):
        if "minItems" in node and len(value) < node["minItems"]:
            fail("minItems")
        if "items" in node:
            for index, item in enumerate(value):
                _hand_check(node["items"], item, [*path, index], problems)
    if isinstance(value, str):
        if "minLength" in node and len(value) < node["minLength"]:
            fail("minLength")
        if "maxLength" in node and len(value) > node["maxLength"]:
            fail("maxLength")
        if "pattern" in node and not re.search(node["pattern"], value):
            fail("pattern")
        if "format" in node and not _format_ok(node["format"], value):
            fail("format")
    if _TYPES["integer"](value):
        if "minimum" in node and value < node["minimum"]:
            fail("minimum")
        if "maximum" in node and value > node["maximum"]:
            fail("maximum")


def _without_jsonschema(data: Any) -> list[str]:
    problems: list[str] = []
    _hand_check(SCHEMA, data, [], problems)
    return problems


def validate_case_json(data: Any) -> None:
    """Raise ValueError naming what is wrong when ``data`` does not match SCHEMA.

    Uses the ``jsonschema`` package (Draft 2020-12 with format checks) when it
    is installed, else a hand check of the same SCHEMA; both word the problems
    the same way, e.g. "case.debtor.name is missing".
    """
    if jsonschema is not None:
        _raise_problems(_with_jsonschema(data))
    else:  # pragma: no cover - depends on the environment
        _raise_problems(_without_jsonschema(data))


def dump_case_json(data: Mapping) -> bytes:
    """case.json bytes: UTF-8, keys sorted, indented, so they are reproducible."""
    return (
        json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    ).encode("utf-8")


# --------------------------------------------------------------------------
# ZIP
# --------------------------------------------------------------------------


def safe_file_name(name: str, taken: Iterable[str] = ()) -> str:
    """A file name that is safe to unpack anywhere and not already ``taken``.

    Folders are dropped (no ``../`` path traversal, no absolute paths), control
    characters and the characters Windows forbids become ``_``, leading dots
    and trailing dots or spaces go, Windows device names (CON, NUL ...) get a
    ``_`` prefix, the name is cut to MAX_NAME_LENGTH characters keeping its
    extension, and a name already taken (ignoring case, as Windows and macOS
    do) gets " (2)", " (3)" ... before its extension.
    """
    text = unicodedata.normalize("NFC", str(name)).replace("\\", "/")
    text = text.rsplit("/", 1)[-1]
    text = "".join(
        "_" if unicodedata.category(char).startswith("C") or char in '<>:"|?*' else char
        for char in text
    )
    text = text.strip(" .") or "document"
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem:
        stem, ext = text, ""
    if len(ext) > 16:
        stem, ext = text, ""
    ext = "." + ext if ext else ""
    if stem.casefold() in _WINDOWS_RESERVED:
        stem = "_" + stem
    stem = stem[: MAX_NAME_LENGTH - len(ext) - 5].rstrip(" .") or "document"
    used = {item.casefold() for item in taken}
    candidate = stem + ext
    counter = 1
    while candidate.casefold() in used:
        counter += 1
        candidate = "%s (%s)%s" % (stem, counter, ext)
    return candidate


def _write(archive: zipfile.ZipFile, name: str, content: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever the platform that builds it
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    archive.writestr(info, content, compresslevel=9)


def build_case_zip(
    case_json: Mapping,
    summary_pdf: bytes,
    attachments: Iterable[tuple[str, bytes, str]],
) -> bytes:
    """The case file ZIP: case.json, summary.pdf and documents/<name>.

    ``attachments`` are (name, bytes, mimetype). Their names are made safe and
    unique (:func:`safe_file_name`), and the ``documents`` and ``summary`` of
    case.json are set from the bytes actually packed, so every SHA-256 in it
    matches its file. Entries are written in a fixed order with a fixed
    timestamp (1980-01-01, the ZIP epoch): the same case gives the same bytes.
    """
    if not isinstance(summary_pdf, bytes | bytearray) or not summary_pdf.startswith(
        b"%PDF-"
    ):
        raise ValueError("The summary is not a PDF file: render it again.")
    data = copy.deepcopy(dict(case_json))
    files = []
    documents = []
    for index, item in enumerate(attachments):
        try:
            name, content, mimetype = item
        except (TypeError, ValueError):
            raise ValueError(
                "Attachment %s must be (name, bytes, mimetype)." % (index + 1)
            ) from None
        if not isinstance(content, bytes | bytearray):
            raise ValueError("The content of attachment %r is not bytes." % name)
        safe = safe_file_name(name, [doc["name"] for doc in documents])
        files.append(("documents/" + safe, bytes(content)))
        documents.append(document_entry(safe, bytes(content), str(mimetype)))
    data["documents"] = documents
    data["summary"] = document_entry(
        "summary.pdf", bytes(summary_pdf), "application/pdf"
    )
    validate_case_json(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _write(archive, "case.json", dump_case_json(data))
        _write(archive, "summary.pdf", bytes(summary_pdf))
        for name, content in files:
            _write(archive, name, content)
    return buffer.getvalue()


def case_file_checksum(case_zip: bytes) -> str:
    """SHA-256 (lowercase hex) of the case file ZIP, for idempotency keys."""
    return hashlib.sha256(case_zip).hexdigest()
