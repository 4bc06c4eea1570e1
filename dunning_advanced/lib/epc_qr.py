"""EPC QR code: a SEPA credit transfer the payer scans with a banking app.

Pure Python, no ORM. Implements the payload of EPC069-12 "Quick Response Code:
Guidelines to Enable Data Capture for the Initiation of a SEPA Credit Transfer"
(version 2.1 and later), version ``002`` of the code, character set ``1``
(UTF-8). The payload is one data element per line, in this order (EPC069-12,
table of the data elements of the code):

====  ===========================================  =========================
line  element                                      rule
====  ===========================================  =========================
1     service tag                                  ``BCD``
2     version                                      ``002``
3     character set                                ``1`` (UTF-8)
4     identification                               ``SCT``
5     BIC of the beneficiary's bank (AT-23)        8 or 11; may be empty in
                                                   version 002 within the EEA
6     name of the beneficiary (AT-21)              1 to 70 characters
7     IBAN of the beneficiary (AT-20)              IBAN only
8     amount (AT-04)                               ``EUR`` + 0.01 to
                                                   999999999.99
9     purpose (AT-44)                              4 characters, optional
10    structured remittance (AT-05)                up to 35, ISO 11649 RF
11    unstructured remittance (AT-05)              up to 140
12    beneficiary to originator information        up to 70, optional
====  ===========================================  =========================

Lines 10 and 11 exclude each other: one of them stays empty. Elements are
separated by a line feed (the guidelines allow LF or CR LF; LF is used); empty
optional elements keep their line so that the next ones stay in place, but
nothing follows the last element that has a value: no trailing empty line, no
trailing separator. The whole payload is at most 331 bytes, the capacity of a
QR code of version 13 with error correction level M, which the guidelines
require (section 2, "2D code guidelines").

The guidelines fix no alphabet beyond the declared character set: with set 1
any UTF-8 text is valid, but an element is one line, so line breaks and other
control characters are refused. The payer's bank may convert the texts to the
SEPA Latin character set when it makes the transfer.
"""

import io
import unicodedata
from decimal import Decimal

import qrcode
from qrcode.image.pil import PilImage
from qrcode.util import MODE_8BIT_BYTE, QRData

from .rf_reference import validate_rf_reference
from .sepa_sdd import sepa_amount, validate_bic, validate_iban

SERVICE_TAG = "BCD"
VERSION = "002"
CHARACTER_SET = "1"  # UTF-8
IDENTIFICATION = "SCT"
SEPARATOR = "\n"
MAX_PAYLOAD_BYTES = 331
MAX_QR_VERSION = 13

MAX_NAME_LENGTH = 70
MAX_TEXT_LENGTH = 140
MAX_INFORMATION_LENGTH = 70

# Countries of the EEA (EU, Iceland, Liechtenstein, Norway) and the EU regions
# with IBAN codes of their own: there, version 002 needs no BIC (EPC069-12,
# data element 5). Elsewhere in SEPA (Switzerland, United Kingdom, Monaco,
# San Marino, ...) the BIC stays mandatory.
EEA_IBAN_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE "
    "SI SK IS LI NO AX GF GP MQ RE YT MF".split()
)


def _text(value: str | None, label: str, max_length: int) -> str:
    """One element: stripped, one line, at most ``max_length`` characters."""
    text = (value or "").strip()
    for character in text:
        if unicodedata.category(character) in ("Cc", "Cs", "Zl", "Zp"):
            raise ValueError(
                "%s contains a line break or control character (U+%04X); each "
                "element of the EPC QR code is one line of text."
                % (label, ord(character))
            )
    if len(text) > max_length:
        raise ValueError(
            "%s is %d characters; the EPC QR code allows %d."
            % (label, len(text), max_length)
        )
    return text


def epc_qr_payload(
    name: str,
    iban: str,
    amount: Decimal,
    bic: str | None = None,
    remittance_reference: str | None = None,
    remittance_text: str | None = None,
    purpose: str | None = None,
    information: str | None = None,
) -> str:
    """EPC069-12 payload (version 002, UTF-8) of a SEPA credit transfer.

    ``remittance_reference`` is an ISO 11649 RF creditor reference (written
    without spaces), ``remittance_text`` free text; give one or the other.
    ``purpose`` is an ISO 20022 purpose code of 4 letters such as ``GDDS``.
    Raises ValueError saying which element to fix.
    """
    beneficiary = _text(name, "Beneficiary name", MAX_NAME_LENGTH)
    if not beneficiary:
        raise ValueError("Beneficiary name is missing.")
    account = validate_iban(iban)
    bank = validate_bic(bic) if bic and bic.strip() else ""
    if not bank and account[:2] not in EEA_IBAN_COUNTRIES:
        raise ValueError(
            "A BIC is needed for IBAN %s: outside the EEA the EPC QR code "
            "requires the beneficiary bank's BIC." % account
        )
    value = sepa_amount(amount, "Amount")

    code = (purpose or "").strip().upper()
    if code and not (len(code) == 4 and code.isascii() and code.isalpha()):
        raise ValueError(
            "Purpose code %r is not valid: it is 4 letters of the ISO 20022 "
            "purpose code list, such as GDDS or SUPP." % purpose
        )

    reference = ""
    if remittance_reference and remittance_reference.strip():
        # An RF reference has at most 25 characters, within the 35 allowed.
        reference = validate_rf_reference(remittance_reference)
    text = _text(remittance_text, "Remittance text", MAX_TEXT_LENGTH)
    if reference and text:
        raise ValueError(
            "Give either a structured remittance reference or a remittance text, "
            "not both: the EPC QR code carries only one of them."
        )
    note = _text(
        information, "Beneficiary to originator information", MAX_INFORMATION_LENGTH
    )

    elements = [
        SERVICE_TAG,
        VERSION,
        CHARACTER_SET,
        IDENTIFICATION,
        bank,
        beneficiary,
        account,
        "EUR" + format(value, "f"),
        code,
        reference,
        text,
        note,
    ]
    while not elements[-1]:
        elements.pop()
    payload = SEPARATOR.join(elements)
    size = len(payload.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise ValueError(
            "The EPC QR code payload is %d bytes; the standard allows %d: shorten "
            "the remittance text, the information or the name."
            % (size, MAX_PAYLOAD_BYTES)
        )
    return payload


def epc_qr_png(payload: str, box_size: int = 10, border: int = 4) -> bytes:
    """PNG image of the QR code of an EPC payload.

    The payload is encoded as UTF-8 bytes (byte mode) with error correction
    level M and a QR code version of at most 13, as EPC069-12 section 2
    requires. ``box_size`` is the size of a module in pixels, ``border`` the
    quiet zone in modules (4 in ISO/IEC 18004).
    """
    data = (payload or "").encode("utf-8")
    if not data:
        raise ValueError("The EPC QR code payload is empty.")
    if len(data) > MAX_PAYLOAD_BYTES:
        raise ValueError(
            "The EPC QR code payload is %d bytes; the standard allows %d."
            % (len(data), MAX_PAYLOAD_BYTES)
        )
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=border,
        image_factory=PilImage,
    )
    code.add_data(QRData(data, mode=MODE_8BIT_BYTE))
    code.make(fit=True)
    if code.version > MAX_QR_VERSION:
        raise ValueError("The EPC QR code needs a QR version above 13.")
    stream = io.BytesIO()
    code.make_image().save(stream)
    return stream.getvalue()
