"""ISO 11649 structured creditor reference (the "RF reference").

Pure Python, no ORM. An RF creditor reference is the letters ``RF``, two check
digits and the creditor's own reference of 1 to 21 letters and digits
(ISO 11649:2009, section 5). Letters are case-insensitive; this module writes
them in capitals.

The check digits are those of ISO/IEC 7064 MOD 97-10 (ISO 11649, section 6 and
Annex B): append ``RF00`` to the reference, turn letters into numbers (A = 10 ..
Z = 35), take the remainder modulo 97 and subtract it from 98. Annex B's worked
example turns the reference ``2348231`` into ``RF712348231``. A reference is
checked by moving its first four characters to the end: the MOD 97-10 remainder
must be 1 (section 6.2).

The electronic format has no spaces (what goes into a SEPA message or an EPC QR
code); the paper format prints it in groups of four from the left, the last
group possibly shorter: ``RF71 2348 231`` (Annex A).

:mod:`stdnum.iso11649` checks references and :mod:`stdnum.iso7064.mod_97_10`
computes the check digits.
"""

import re

from stdnum import iso11649
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_97_10

MAX_REFERENCE_LENGTH = 21  # ISO 11649 section 5: the creditor's part
MAX_RF_LENGTH = 4 + MAX_REFERENCE_LENGTH  # RF, check digits, reference
_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Za-z]")
_RF_LAYOUT = re.compile(r"RF[0-9]{2}[0-9A-Z]+")


def rf_reference(invoice_reference: str) -> str:
    """RF creditor reference, electronic format, of an invoice reference.

    Whatever is not an ASCII letter or digit (spaces, ``/``, ``-``, accented
    letters) is left out, letters are put in capitals, then the ISO 11649
    check digits are computed (ISO 11649 Annex B):
    ``rf_reference("INV/2024/0001")`` is ``"RF17INV20240001"``.

    Raises ValueError when no letter or digit is left, or when more than 21 are.
    """
    payload = _NOT_ALPHANUMERIC.sub("", invoice_reference or "").upper()
    if not payload:
        raise ValueError(
            "Reference %r has no letter or digit to build an RF creditor "
            "reference from." % (invoice_reference or "")
        )
    if len(payload) > MAX_REFERENCE_LENGTH:
        raise ValueError(
            "Reference %r has %d letters and digits; an RF creditor reference "
            "holds at most %d: use a shorter reference."
            % (invoice_reference, len(payload), MAX_REFERENCE_LENGTH)
        )
    check_digits = mod_97_10.calc_check_digits(payload + "RF")
    return "RF" + check_digits + payload


def validate_rf_reference(reference: str) -> str:
    """Check an RF creditor reference and return it in electronic format.

    Spaces are ignored (paper format) and letters put in capitals. Raises a
    ValueError saying what is wrong: the ``RF`` prefix, the length (5 to 25
    characters, ISO 11649 section 5), a character other than a letter or a
    digit, or check digits that do not match (section 6.2).
    """
    compact = "".join((reference or "").split()).upper()
    shown = reference or ""
    if not compact.startswith("RF"):
        raise ValueError(
            "%r is not an RF creditor reference: it must start with RF." % shown
        )
    if not 5 <= len(compact) <= MAX_RF_LENGTH:
        raise ValueError(
            "RF creditor reference %r is %d characters; it must have 5 to %d "
            "(RF, 2 check digits, 1 to %d letters or digits)."
            % (shown, len(compact), MAX_RF_LENGTH, MAX_REFERENCE_LENGTH)
        )
    if not _RF_LAYOUT.fullmatch(compact):
        raise ValueError(
            "RF creditor reference %r may contain only letters and digits after "
            "RF and two check digits." % shown
        )
    # MOD 97-10 check digits are 02 to 98; 00, 01 and 99 are never computed.
    if not 2 <= int(compact[2:4]) <= 98:
        raise ValueError(
            "RF creditor reference %r cannot have check digits %s: check it for "
            "a typing error." % (shown, compact[2:4])
        )
    try:
        return iso11649.validate(compact)
    except ValidationError:
        raise ValueError(
            "RF creditor reference %r is not valid: its check digits do not match; "
            "check it for a typing error." % shown
        ) from None


def is_rf_reference(reference: str) -> bool:
    """Whether ``reference`` is a valid RF creditor reference (see
    :func:`validate_rf_reference`)."""
    try:
        validate_rf_reference(reference)
    except ValueError:
        return False
    return True


def format_rf_reference(reference: str) -> str:
    """RF creditor reference in paper format: groups of four characters from
    the left, the last one possibly shorter (ISO 11649 Annex A), e.g.
    ``RF18 5390 0754 7034``. Raises ValueError when it is not valid."""
    return iso11649.format(validate_rf_reference(reference))
