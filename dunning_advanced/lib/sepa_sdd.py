"""SEPA Direct Debit collection files (ISO 20022 pain.008) and SEPA data elements.

Pure Python, no ORM. The models choose what to collect (and the sequence type of
each collection: this module does not know the mandate's history) and call
:func:`build_pain008`; the bytes that come back are a customer-to-bank
"Customer Direct Debit Initiation" message, checked against the official XSD.

Two message versions, as banks accept them:

- ``pain.008.001.02`` (ISO 20022 2009), the version of the EPC implementation
  guidelines until the 2023 rulebooks and still taken by most banks;
- ``pain.008.001.08`` (ISO 20022 2019), the version of the EPC SEPA Core and
  B2B Direct Debit customer-to-bank implementation guidelines (EPC130-08,
  EPC131-08) since November 2023.

The elements written are those the EPC guidelines use; the two versions differ,
for them, only in the element of a bank's BIC: ``FinInstnId/BIC`` in .02,
``FinInstnId/BICFI`` in .08. (The party identification ``OrgId/BICOrBEI`` of .02
became ``OrgId/AnyBIC`` in .08; it is not written: the creditor identifier goes
in ``PrvtId/Othr`` with scheme name ``SEPA`` in both.) When a BIC is not given,
the agent is written as ``FinInstnId/Othr/Id`` = ``NOTPROVIDED`` as the EPC
guidelines allow ("IBAN only").

Message layout (EPC customer-to-bank implementation guidelines, pain.008):

- group header: message id, creation date and time, number of transactions and
  control sum of the whole message, initiating party (the creditor's name);
- one payment information block (``PmtInf``) per requested collection date,
  sequence type and scheme (``LclInstrm`` CORE or B2B), each with its own number
  of transactions and control sum, the creditor, its account and bank, charge
  bearer ``SLEV`` and the SEPA creditor identifier (AT-02);
- per collection: end-to-end id, amount in EUR, mandate reference (AT-01) and
  date of signature (AT-25), debtor bank, name and IBAN, unstructured remittance.

Texts are written in the SEPA "Basic Latin" character set (the "character set"
section of the EPC implementation guidelines; EPC217-08): ``a-z A-Z 0-9`` and
``/ - ? : ( ) . , ' +`` and space. Names and remittance texts are converted
(:func:`to_sepa_latin`); identifiers (message id, end-to-end id, mandate
reference) are refused when they contain anything else, since changing them
would break the link with the mandate or the invoice.

The helpers for SEPA data elements (IBAN, BIC, amounts, character set) are used
by :mod:`.epc_qr` too.
"""

import importlib.resources
import re
import string
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache

import xmlschema
from lxml import etree
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.eu import at_02
from stdnum.exceptions import InvalidComponent, InvalidFormat, ValidationError

from .transliteration import to_charset

PAIN_008_001_02 = "pain.008.001.02"
PAIN_008_001_08 = "pain.008.001.08"
PAIN_008_VERSIONS = (PAIN_008_001_02, PAIN_008_001_08)
SEQUENCE_TYPES = ("FRST", "RCUR", "FNAL", "OOFF")
SCHEMES = ("CORE", "B2B")
CURRENCY = "EUR"

MAX_NAME_LENGTH = 70  # EPC guidelines: names are limited to 70 characters
MAX_REMITTANCE_LENGTH = 140  # AT-22, one occurrence of Ustrd
MAX_ID_LENGTH = 35  # Max35Text: message, payment, end-to-end and mandate ids
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")  # AT-06: 0.01 to 999999999.99 euro
CENT = Decimal("0.01")
NOT_PROVIDED = "NOTPROVIDED"

# Countries of the SEPA schemes by the IBAN they use (EPC409-09 "EPC list of
# SEPA scheme countries"): the EEA, with their territories that have IBANs of
# their own, and the SEPA countries outside the EEA. French overseas
# departments, the Åland Islands, the Channel Islands and the Isle of Man use
# the IBAN of FR, FI and GB.
EEA_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL "
    "PT RO SE SI SK GI".split()
)
SEPA_NON_EEA_COUNTRIES = frozenset("AD AL CH GB MC MD ME MK SM VA".split())
SEPA_COUNTRIES = EEA_COUNTRIES | SEPA_NON_EEA_COUNTRIES
# Code of AT-24 "reason for amendment" when the debtor moved the mandate to
# another bank ("Same Mandate with a New Debtor Agent").
SAME_MANDATE_NEW_DEBTOR_AGENT = "SMNDA"

SEPA_LATIN = frozenset(string.ascii_letters + string.digits + "/-?:().,'+ ")
SEPA_LATIN_TEXT = "letters a-z A-Z, digits and / - ? : ( ) . , ' + space"

# SEPA's own choices for signs outside its set (EPC217-08 conversion table);
# letters are transliterated by the addon's one table (lib/transliteration.py).
_SEPA_SIGNS = str.maketrans(
    {
        "&": "+",
        "`": "'",
        "“": "'",
        "”": "'",
        "„": "'",
        '"': "'",
        "«": "'",
        "»": "'",
        "_": "-",
        "[": "(",
        "]": ")",
        "{": "(",
        "}": ")",
        ";": ",",
    }
)
_IBAN_LAYOUT = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_CREDITOR_ID_LAYOUT = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}")
_SEQUENCE_ORDER = {code: index for index, code in enumerate(SEQUENCE_TYPES)}
_NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"


# ---------------------------------------------------------------- data elements


def to_sepa_latin(text: str, max_length: int | None = None) -> str:
    """``text`` written in the SEPA Basic Latin character set.

    Accents are removed (``Società`` -> ``Societa``), letters without a Latin
    decomposition and some signs are converted as in the EPC217-08 conversion
    table (``ß`` -> ``ss``, ``&`` -> ``+``), and any other character becomes a
    full stop, as that table does for characters it does not list. Runs of
    spaces, tabs and line breaks become one space. With ``max_length`` the
    result is cut to that many characters. Greek and Cyrillic letters are not
    transliterated: they become full stops.
    """
    result = to_charset(text, SEPA_LATIN, replacement=".", extra=_SEPA_SIGNS)
    if max_length is not None:
        result = result[:max_length].rstrip()
    return result


def validate_iban(value: str, label: str = "IBAN") -> str:
    """IBAN in electronic format (no spaces, capitals), checked with
    :mod:`stdnum.iban` (ISO 13616: country, check digits, national layout).

    The ValueError names ``label`` and says what is wrong, e.g. "IBAN
    IT60X0542811101000000123457 is not valid: check digits do not match; look
    for a typing error."
    """
    number = stdnum_iban.compact(value or "")
    if not number:
        raise ValueError("%s is missing." % label)
    try:
        return stdnum_iban.validate(number)
    except ValidationError:
        raise ValueError(
            "%s %s is not valid: %s." % (label, number, _iban_problem(number))
        ) from None


def validate_sepa_iban(value: str, label: str = "IBAN") -> str:
    """An IBAN (:func:`validate_iban`) of a country of the SEPA schemes: SEPA
    Direct Debit collects only from accounts in SEPA countries."""
    number = validate_iban(value, label)
    if number[:2] not in SEPA_COUNTRIES:
        raise ValueError(
            "%s %s is of %s, outside SEPA: a SEPA Direct Debit cannot collect "
            "from it. Ask the customer for an account in a SEPA country."
            % (label, number, number[:2])
        )
    return number


def outside_eea(iban: str) -> bool:
    """Whether the account is in a SEPA country outside the EEA (CH, GB, MC,
    SM ...): the rulebook then asks for the debtor's address and the BIC."""
    return iban[:2] in SEPA_NON_EEA_COUNTRIES


def same_debtor_agent(
    old_iban: str, old_bic: str | None, new_iban: str, new_bic: str | None
) -> bool:
    """Whether two accounts are at the same bank: by BIC (its first 8
    characters) when both are known, else by the country and the bank code of
    the IBAN (the ABI of an Italian IBAN, the first 4 characters of the BBAN
    elsewhere)."""
    if old_bic and new_bic:
        return old_bic[:8].upper() == new_bic[:8].upper()
    old, new = stdnum_iban.compact(old_iban), stdnum_iban.compact(new_iban)
    if old[:2] != new[:2]:
        return False
    if old[:2] in ("IT", "SM"):
        return old[5:10] == new[5:10]  # CIN, then ABI (5 digits)
    return old[4:8] == new[4:8]


def _iban_problem(number: str) -> str:
    """Why a compact IBAN that :func:`stdnum.iban.validate` refused is wrong."""
    if not _IBAN_LAYOUT.fullmatch(number):
        return (
            "an IBAN is 2 letters of country, 2 check digits and up to 30 "
            "letters and digits"
        )
    # Put the right check digits in: if the IBAN is then valid, only they were
    # wrong; otherwise the rest tells what is.
    repaired = number[:2] + stdnum_iban.calc_check_digits(number) + number[4:]
    try:
        stdnum_iban.validate(repaired)
    except InvalidComponent:
        return "%s is not the code of a country that uses IBANs" % number[:2]
    except InvalidFormat:
        return "its length or layout is not that of an IBAN of %s" % number[:2]
    except ValidationError:
        return "the national check digits of the account do not match"
    return "check digits do not match; look for a typing error"


def validate_bic(value: str, label: str = "BIC") -> str:
    """BIC (ISO 9362) in capitals without spaces, checked with
    :mod:`stdnum.bic`: 4 letters of institution, 2 letters of country, 2
    letters or digits of location, optionally 3 of branch."""
    number = stdnum_bic.compact(value or "")
    if not number:
        raise ValueError("%s is missing." % label)
    try:
        return stdnum_bic.validate(number)
    except ValidationError:
        if len(number) not in (8, 11):
            problem = "it has %d characters instead of 8 or 11" % len(number)
        else:
            problem = (
                "it must be 4 letters of institution, 2 letters of country, "
                "then letters or digits"
            )
        raise ValueError("%s %s is not valid: %s." % (label, number, problem)) from None


def validate_creditor_identifier(value: str) -> str:
    """SEPA creditor identifier (AT-02) without spaces, checked with
    :mod:`stdnum.eu.at_02`: country code, 2 check digits (ISO 7064 MOD 97-10),
    3 characters of business code (``ZZZ`` when there is none) and the national
    identifier, e.g. ``IT66ZZZ`` followed by the company's fiscal code."""
    number = "".join((value or "").split()).upper()
    if not number:
        raise ValueError("SEPA creditor identifier is missing.")
    if len(number) > MAX_ID_LENGTH or not _CREDITOR_ID_LAYOUT.fullmatch(number):
        raise ValueError(
            "SEPA creditor identifier %s is not valid: it must be 2 letters of "
            "country, 2 check digits, 3 characters of business code (ZZZ if "
            "none) and the national identifier, at most %d characters in all."
            % (number, MAX_ID_LENGTH)
        )
    try:
        return at_02.validate(number)
    except ValidationError:
        raise ValueError(
            "SEPA creditor identifier %s is not valid: check digits do not "
            "match; look for a typing error." % number
        ) from None


def sepa_amount(amount: Decimal | int, label: str = "Amount") -> Decimal:
    """A euro amount as SEPA schemes take it: a Decimal with at most 2
    decimals, from 0.01 to 999999999.99 (SCT AT-04, SDD AT-06). Returns it
    with exactly 2 decimals."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(
            "%s must be a Decimal, not %s." % (label, type(amount).__name__)
        )
    try:
        value = Decimal(amount)
        rounded = value.quantize(CENT)
    except InvalidOperation:
        raise ValueError("%s %s is not a number." % (label, amount)) from None
    if rounded != value:
        raise ValueError(
            "%s %s has more than 2 decimals; round it to the cent." % (label, value)
        )
    if not MIN_AMOUNT <= rounded <= MAX_AMOUNT:
        raise ValueError(
            "%s %s is out of range: a SEPA amount goes from %s to %s euro."
            % (label, rounded, MIN_AMOUNT, MAX_AMOUNT)
        )
    return rounded


def _identifier(value: str, label: str) -> str:
    """A SEPA reference or identifier (Max35Text), refused rather than
    converted: SEPA Basic Latin only, not starting or ending with ``/`` and
    without ``//`` (character set section of the EPC implementation
    guidelines)."""
    text = (value or "").strip()
    if not text:
        raise ValueError("%s is missing." % label)
    if len(text) > MAX_ID_LENGTH:
        raise ValueError(
            "%s %s is %d characters; SEPA allows %d."
            % (label, text, len(text), MAX_ID_LENGTH)
        )
    wrong = sorted({character for character in text if character not in SEPA_LATIN})
    if wrong:
        raise ValueError(
            "%s %s contains %s; SEPA allows only %s."
            % (label, text, " ".join(repr(c) for c in wrong), SEPA_LATIN_TEXT)
        )
    if text.startswith("/") or text.endswith("/") or "//" in text:
        raise ValueError(
            "%s %s cannot start or end with '/' or contain '//'." % (label, text)
        )
    return text


def _name(value: str, label: str) -> str:
    name = to_sepa_latin(value, MAX_NAME_LENGTH)
    if not any(character.isalnum() for character in name):
        raise ValueError(
            "%s %r cannot be written in the SEPA Latin character set (%s): "
            "enter it in Latin letters." % (label, value or "", SEPA_LATIN_TEXT)
        )
    return name


# ------------------------------------------------------------------- messages


@dataclass(frozen=True)
class SddCreditor:
    """The creditor of a collection file: name, account and AT-02 identifier."""

    name: str
    iban: str
    creditor_id: str
    bic: str | None = None


@dataclass(frozen=True)
class SddCollection:
    """One direct debit: what to collect from whom under which mandate.

    ``sequence_type`` is FRST, RCUR, FNAL or OOFF and ``scheme`` CORE or B2B
    (``LclInstrm``); the model decides them from the mandate's history.
    """

    end_to_end_id: str
    amount: Decimal
    mandate_reference: str
    mandate_signature_date: date
    sequence_type: str
    debtor_name: str
    debtor_iban: str
    collection_date: date
    scheme: str = "CORE"
    debtor_bic: str | None = None
    remittance_text: str | None = None
    # Debtor's postal address: required for an account in a SEPA country
    # outside the EEA (SEPA Core rulebook, AT-09). ISO country code, street with
    # number, postcode and town.
    debtor_country: str | None = None
    debtor_street: str | None = None
    debtor_postcode: str | None = None
    debtor_town: str | None = None
    # Amendment of the mandate (AT-24): the account it had before, and whether
    # the debtor moved it to another bank (then "SMNDA" replaces the account).
    original_debtor_iban: str | None = None
    original_debtor_agent_changed: bool = False


@dataclass(frozen=True)
class _Address:
    country: str
    street: str
    postcode: str
    town: str


@dataclass(frozen=True)
class _Party:
    name: str
    iban: str
    bic: str | None
    address: _Address | None = None


@dataclass(frozen=True)
class _Transaction:
    end_to_end_id: str
    amount: Decimal
    mandate_reference: str
    mandate_signature_date: date
    debtor: _Party
    remittance_text: str | None
    original_iban: str | None = None
    agent_changed: bool = False


def _check_version(version: str) -> str:
    if version not in PAIN_008_VERSIONS:
        raise ValueError(
            "Unknown pain.008 version %r: use %s."
            % (version, " or ".join(PAIN_008_VERSIONS))
        )
    return version


def _transaction(collection: SddCollection) -> tuple[tuple, _Transaction]:
    """Check one collection; return its PmtInf key and its clean values."""
    end_to_end_id = _identifier(collection.end_to_end_id, "End-to-end id")
    label = "Collection %s:" % end_to_end_id
    if collection.sequence_type not in SEQUENCE_TYPES:
        raise ValueError(
            "%s sequence type %r is unknown: use %s."
            % (label, collection.sequence_type, ", ".join(SEQUENCE_TYPES))
        )
    if collection.scheme not in SCHEMES:
        raise ValueError(
            "%s scheme %r is unknown: use %s."
            % (label, collection.scheme, " or ".join(SCHEMES))
        )
    for field_label, value in (
        ("collection date", collection.collection_date),
        ("mandate signature date", collection.mandate_signature_date),
    ):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValueError("%s the %s must be a date." % (label, field_label))
    if collection.mandate_signature_date > collection.collection_date:
        raise ValueError(
            "%s the mandate was signed on %s, after the collection date %s."
            % (
                label,
                collection.mandate_signature_date.isoformat(),
                collection.collection_date.isoformat(),
            )
        )
    remittance = None
    if collection.remittance_text and collection.remittance_text.strip():
        remittance = to_sepa_latin(collection.remittance_text)
        if len(remittance) > MAX_REMITTANCE_LENGTH:
            raise ValueError(
                "%s remittance text is %d characters; SEPA allows %d."
                % (label, len(remittance), MAX_REMITTANCE_LENGTH)
            )
    debtor_iban = validate_sepa_iban(collection.debtor_iban, "%s debtor IBAN" % label)
    debtor_bic = (
        validate_bic(collection.debtor_bic, "%s debtor BIC" % label)
        if collection.debtor_bic
        else None
    )
    address = _debtor_address(collection, label)
    if outside_eea(debtor_iban):
        # IBAN-only ("NOTPROVIDED") is for accounts in the EEA (Regulation
        # 260/2012 art. 5(7)); elsewhere the BIC and the address are required.
        if not debtor_bic:
            raise ValueError(
                "%s the debtor's account %s is in %s, outside the EEA: give the "
                "BIC of the debtor's bank." % (label, debtor_iban, debtor_iban[:2])
            )
        if address is None:
            raise ValueError(
                "%s the debtor's account %s is in %s, outside the EEA: SEPA "
                "requires the debtor's postal address (country, street, postcode "
                "and town)." % (label, debtor_iban, debtor_iban[:2])
            )
    debtor = _Party(
        name=_name(collection.debtor_name, "%s debtor name" % label),
        iban=debtor_iban,
        bic=debtor_bic,
        address=address,
    )
    original_iban = None
    if collection.original_debtor_iban:
        original_iban = validate_iban(
            collection.original_debtor_iban, "%s original debtor IBAN" % label
        )
    transaction = _Transaction(
        end_to_end_id=end_to_end_id,
        amount=sepa_amount(collection.amount, "%s amount" % label),
        mandate_reference=_identifier(
            collection.mandate_reference, "%s mandate reference" % label
        ),
        mandate_signature_date=collection.mandate_signature_date,
        debtor=debtor,
        remittance_text=remittance,
        original_iban=original_iban,
        agent_changed=bool(original_iban and collection.original_debtor_agent_changed),
    )
    key = (collection.collection_date, collection.sequence_type, collection.scheme)
    return key, transaction


def _debtor_address(collection: SddCollection, label: str) -> _Address | None:
    """The debtor's address in SEPA Latin, or None when none is given."""
    parts = (
        collection.debtor_country,
        collection.debtor_street,
        collection.debtor_postcode,
        collection.debtor_town,
    )
    if not any(parts):
        return None
    country = (collection.debtor_country or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ValueError(
            "%s the debtor's country must be a 2-letter ISO code, not %r."
            % (label, collection.debtor_country)
        )
    town = to_sepa_latin(collection.debtor_town or "", 35)
    if not town:
        raise ValueError("%s the debtor's town is missing." % label)
    return _Address(
        country=country,
        street=to_sepa_latin(collection.debtor_street or "", 70),
        postcode=to_sepa_latin(collection.debtor_postcode or "", 16),
        town=town,
    )


def _group_key(key: tuple) -> tuple:
    collection_date, sequence_type, scheme = key
    return collection_date, _SEQUENCE_ORDER[sequence_type], SCHEMES.index(scheme)


def _payment_information_id(message_id: str, index: int) -> str:
    suffix = "-%d" % index
    return message_id[: MAX_ID_LENGTH - len(suffix)] + suffix


class _Writer:
    """Writes the elements of one pain.008 version."""

    def __init__(self, version: str) -> None:
        self.namespace = _NAMESPACE_PREFIX + version
        self.bic_tag = "BIC" if version == PAIN_008_001_02 else "BICFI"

    def sub(
        self, parent: etree._Element, tag: str, text: str | None = None, **attributes
    ) -> etree._Element:
        element = etree.SubElement(parent, "{%s}%s" % (self.namespace, tag), attributes)
        if text is not None:
            element.text = text
        return element

    def path(
        self, parent: etree._Element, *tags: str, text: str | None = None
    ) -> etree._Element:
        """Nested elements ``tags[0]/tags[1]/...``; the last gets ``text``."""
        for tag in tags[:-1]:
            parent = self.sub(parent, tag)
        return self.sub(parent, tags[-1], text)

    def agent(self, parent: etree._Element, tag: str, bic: str | None) -> None:
        """The bank: its BIC, or ``Othr/Id`` NOTPROVIDED for an account in the
        EEA ("IBAN only"); :func:`build_pain008` refuses a missing BIC
        elsewhere."""
        institution = self.path(parent, tag, "FinInstnId")
        if bic:
            self.sub(institution, self.bic_tag, bic)
        else:
            self.path(institution, "Othr", "Id", text=NOT_PROVIDED)

    def address(self, parent: etree._Element, address: _Address) -> None:
        """``PstlAdr``: in .08 structured (street, postcode, town, country);
        .02 has no town element: country and two address lines."""
        postal = self.sub(parent, "PstlAdr")
        if self.bic_tag == "BICFI":
            if address.street:
                self.sub(postal, "StrtNm", address.street)
            if address.postcode:
                self.sub(postal, "PstCd", address.postcode)
            self.sub(postal, "TwnNm", address.town)
            self.sub(postal, "Ctry", address.country)
        else:
            self.sub(postal, "Ctry", address.country)
            if address.street:
                self.sub(postal, "AdrLine", address.street)
            town = " ".join(p for p in (address.postcode, address.town) if p)
            self.sub(postal, "AdrLine", town[:70])

    def account(self, parent: etree._Element, tag: str, iban: str) -> None:
        self.path(parent, tag, "Id", "IBAN", text=iban)


def build_pain008(
    creditor: SddCreditor,
    message_id: str,
    created_at: datetime,
    collections: list[SddCollection],
    version: str = PAIN_008_001_02,
) -> bytes:
    """SEPA Direct Debit collection file (pain.008), UTF-8 XML bytes.

    Collections are grouped in one ``PmtInf`` per (collection date, sequence
    type, scheme), by date then FRST, RCUR, FNAL, OOFF then CORE, B2B; each
    block has its ``NbOfTxs`` and ``CtrlSum`` and the group header the totals.
    ``PmtInfId`` is the message id followed by ``-1``, ``-2``, ...

    Raises ValueError naming the collection and the field to fix (invalid
    IBAN, BIC or creditor identifier, amount not above 0 or with more than 2
    decimals, identifier longer than 35 characters, unknown sequence type or
    scheme, duplicate end-to-end id), and when the result does not validate
    against the XSD of ``version`` (see :func:`validate_pain008`).
    """
    writer = _Writer(_check_version(version))
    message_id = _identifier(message_id, "Message id")
    if not isinstance(created_at, datetime) or created_at.utcoffset() is None:
        raise ValueError(
            "The creation date and time must be a datetime with its time zone: "
            "banks read a time without offset as their local time."
        )
    if not collections:
        raise ValueError("A collection file needs at least one collection.")
    creditor_party = _Party(
        name=_name(creditor.name, "Creditor name"),
        iban=validate_sepa_iban(creditor.iban, "Creditor IBAN"),
        bic=validate_bic(creditor.bic, "Creditor BIC") if creditor.bic else None,
    )
    if outside_eea(creditor_party.iban) and not creditor_party.bic:
        raise ValueError(
            "The creditor's account %s is outside the EEA: give the BIC of the "
            "creditor's bank (NOTPROVIDED is for accounts in the EEA only)."
            % creditor_party.iban
        )
    creditor_id = validate_creditor_identifier(creditor.creditor_id)

    groups = defaultdict(list)
    seen = set()
    for collection in collections:
        key, transaction = _transaction(collection)
        if transaction.end_to_end_id in seen:
            raise ValueError(
                "End-to-end id %s is used twice in the file; each collection needs "
                "its own." % transaction.end_to_end_id
            )
        seen.add(transaction.end_to_end_id)
        groups[key].append(transaction)

    root = etree.Element(
        "{%s}Document" % writer.namespace, nsmap={None: writer.namespace}
    )
    initiation = writer.sub(root, "CstmrDrctDbtInitn")
    header = writer.sub(initiation, "GrpHdr")
    writer.sub(header, "MsgId", message_id)
    writer.sub(header, "CreDtTm", created_at.replace(microsecond=0).isoformat())
    all_transactions = [t for group in groups.values() for t in group]
    writer.sub(header, "NbOfTxs", str(len(all_transactions)))
    writer.sub(header, "CtrlSum", _amount_text(all_transactions))
    writer.path(header, "InitgPty", "Nm", text=creditor_party.name)

    for index, key in enumerate(sorted(groups, key=_group_key), start=1):
        collection_date, sequence_type, scheme = key
        transactions = groups[key]
        block = writer.sub(initiation, "PmtInf")
        writer.sub(block, "PmtInfId", _payment_information_id(message_id, index))
        writer.sub(block, "PmtMtd", "DD")
        writer.sub(block, "NbOfTxs", str(len(transactions)))
        writer.sub(block, "CtrlSum", _amount_text(transactions))
        payment_type = writer.sub(block, "PmtTpInf")
        writer.path(payment_type, "SvcLvl", "Cd", text="SEPA")
        writer.path(payment_type, "LclInstrm", "Cd", text=scheme)
        writer.sub(payment_type, "SeqTp", sequence_type)
        writer.sub(block, "ReqdColltnDt", collection_date.isoformat())
        writer.path(block, "Cdtr", "Nm", text=creditor_party.name)
        writer.account(block, "CdtrAcct", creditor_party.iban)
        writer.agent(block, "CdtrAgt", creditor_party.bic)
        writer.sub(block, "ChrgBr", "SLEV")
        other = writer.path(block, "CdtrSchmeId", "Id", "PrvtId", "Othr")
        writer.sub(other, "Id", creditor_id)
        writer.path(other, "SchmeNm", "Prtry", text="SEPA")
        for transaction in transactions:
            _write_transaction(writer, block, transaction)

    xml = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    validate_pain008(xml, version)
    return xml


def _amount_text(transactions: list[_Transaction]) -> str:
    return format(sum((t.amount for t in transactions), Decimal("0.00")), "f")


def _write_transaction(
    writer: _Writer, block: etree._Element, transaction: _Transaction
) -> None:
    element = writer.sub(block, "DrctDbtTxInf")
    writer.path(element, "PmtId", "EndToEndId", text=transaction.end_to_end_id)
    writer.sub(element, "InstdAmt", format(transaction.amount, "f"), Ccy=CURRENCY)
    mandate = writer.path(element, "DrctDbtTx", "MndtRltdInf")
    writer.sub(mandate, "MndtId", transaction.mandate_reference)
    writer.sub(mandate, "DtOfSgntr", transaction.mandate_signature_date.isoformat())
    if transaction.original_iban:
        # AT-24: the mandate is the same, its account changed.
        writer.sub(mandate, "AmdmntInd", "true")
        details = writer.sub(mandate, "AmdmntInfDtls")
        if transaction.agent_changed:
            writer.path(
                details,
                "OrgnlDbtrAcct",
                "Id",
                "Othr",
                "Id",
                text=SAME_MANDATE_NEW_DEBTOR_AGENT,
            )
        else:
            writer.account(details, "OrgnlDbtrAcct", transaction.original_iban)
    writer.agent(element, "DbtrAgt", transaction.debtor.bic)
    debtor = writer.path(element, "Dbtr", "Nm", text=transaction.debtor.name)
    if transaction.debtor.address:
        writer.address(debtor.getparent(), transaction.debtor.address)
    writer.account(element, "DbtrAcct", transaction.debtor.iban)
    if transaction.remittance_text:
        writer.path(element, "RmtInf", "Ustrd", text=transaction.remittance_text)


# ----------------------------------------------------------------- validation


@cache
def _schema(version: str) -> xmlschema.XMLSchema:
    """The XSD of ``version`` as shipped by the ``sepaxml`` package."""
    resource = importlib.resources.files("sepaxml").joinpath(
        "schemas", "%s.xsd" % version
    )
    with importlib.resources.as_file(resource) as path:
        return xmlschema.XMLSchema(str(path))


def validate_pain008(xml_bytes: bytes, version: str) -> None:
    """Check a pain.008 document against the official XSD of ``version``.

    Raises ValueError with the schema's reason and the path of the element at
    fault, e.g. "The pain.008.001.02 document is not valid at
    /Document/CstmrDrctDbtInitn/PmtInf[1]: ..." (namespaces left out).
    """
    _check_version(version)
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        document = etree.fromstring(xml_bytes, parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(
            "The %s document is not well-formed XML: %s" % (version, error)
        ) from None
    namespace = etree.QName(document).namespace or ""
    if namespace != _NAMESPACE_PREFIX + version:
        found = (
            namespace.removeprefix(_NAMESPACE_PREFIX) or "a document without namespace"
        )
        raise ValueError("The document is %s, not %s." % (found, version))
    error = next(_schema(version).iter_errors(document), None)
    if error is not None:
        # "{urn:...}Tag" -> "Tag"; the patterns' own braces ({1,15}) stay.
        reason = (error.reason or error.message).replace("{%s}" % namespace, "")
        raise ValueError(
            "The %s document is not valid at %s: %s" % (version, error.path, reason)
        )
