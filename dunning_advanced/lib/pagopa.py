"""pagoPA payment notices: notice codes, IUV, QR code and Poste Data Matrix.

Pure Python, no ORM. The models choose the numbers (IUV base, segregation or
application code) and call these functions; what comes back is printed on the
"avviso di pagamento" or sent to GPD (:mod:`.gpd_client`).

Notice code (numero avviso / codice avviso), "Specifiche attuative dei codici
identificativi di versamento, riversamento e rendicontazione" (SACI, Allegato
A alle Linee guida pagoPA), § 2.2 schema (A), § 2.2.1 schema (B) and § 2.2.2
Tabella 2 (v1.3.1; the same text is on docs.pagopa.it/saci, "Generazione
dell'Identificativo Univoco di Versamento")::

    <aux digit (1n)>[<application code (2n)>]<codice IUV (15|17n)>

    aux  notice code (18 digits)                          IUV
    0    0 <application code 2> <IUV base 13> <check 2>   base + check (15)
    1    1 <IUV base 17>                                   base (17), no check
    2    2 <IUV base 15> <check 2>                         base + check (17)
    3    3 <segregation code 2> <IUV base 13> <check 2>    segr. + base + check

The check digits (§§ 2.2.2.1, 2.2.2.3, 2.2.2.4) are "il resto della divisione
per 93 del numero ottenuto concatenando" the components before them, the aux
digit included: aux + application code + base (aux 0), aux + base (aux 2), aux
+ segregation code + base (aux 3); that is, always the first 16 digits of the
notice code. The remainder (0 to 92) is written on two digits. (The latest
SACI editions on docs.pagopa.it describe aux digit 3 only, the layout new
creditors are given; codes with aux digit 0, 1 or 2 are still read and checked
here so that codes issued under them are understood.)

Amounts are handled as exact integers of euro cents; floats are refused.
"""

import re
from decimal import Decimal, InvalidOperation

from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidLength,
    ValidationError,
)
from stdnum.it import codicefiscale, iva

from .datamatrix import encode_data
from .transliteration import to_charset

NOTICE_CODE_LENGTH = 18
CHECK_MODULUS = 93
AUX_DIGITS = ("0", "1", "2", "3")
# Length of the IUV base for each aux digit (SACI § 2.2.2, Tabella 2).
IUV_BASE_LENGTH = {"0": 13, "1": 17, "2": 15, "3": 13}

QR_IDENTIFIER = "PAGOPA"
QR_VERSION = "002"
QR_SEPARATOR = "|"
# SANP 2.x Tabella 31: the amount in cents takes 2 to 10 digits.
QR_MIN_AMOUNT_DIGITS = 2
MAX_QR_AMOUNT_CENTS = 9_999_999_999
# SANP stAmount: a payment is at most 999999999.99 euro.
MAX_NOTICE_AMOUNT_CENTS = 99_999_999_999

DATAMATRIX_LENGTH = 256
DATAMATRIX_PREFIX = "codfase=NBPA;"
DATAMATRIX_DOCUMENT_TYPE = "896"
DATAMATRIX_ACCOUNT_LENGTH = 12
DATAMATRIX_AMOUNT_LENGTH = 10
DATAMATRIX_DEBTOR_CODE_LENGTH = 16
DATAMATRIX_NAME_LENGTH = 40
DATAMATRIX_SUBJECT_LENGTH = 110
DATAMATRIX_FILLER_LENGTH = 12
# Data codewords of the 52 x 52 symbol Poste asks for (ISO/IEC 16022 Table 7).
DATAMATRIX_MODULES = 52
DATAMATRIX_CAPACITY = 204
# Characters kept in the free-text fields; any other becomes a space.
DATAMATRIX_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 &'-.:_,"
)

# pagoPA's placeholder for a debtor without a fiscal code (SANP, debtor's
# entityUniqueIdentifierValue).
ANONYMOUS_DEBTOR = "ANONIMO"

CENT = Decimal("0.01")
_DIGITS = re.compile(r"[0-9]+")


# ------------------------------------------------------------------ helpers


def _compact(code: str, label: str) -> str:
    """``code`` without the spaces it is printed with."""
    if not isinstance(code, str):
        raise ValueError("%s must be text, not %r." % (label, code))
    return "".join(code.split())


def _digits(value: int | str, length: int, label: str) -> str:
    """``value`` as exactly ``length`` digits, zeros added on the left."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("%s must be a number, not %r." % (label, value))
    text = str(value).strip() if isinstance(value, str) else str(value)
    if isinstance(value, int) and value < 0:
        raise ValueError("%s cannot be negative (%s)." % (label, value))
    if not _DIGITS.fullmatch(text):
        raise ValueError("%s %r must contain digits only." % (label, value))
    if len(text) > length:
        raise ValueError(
            "%s %s has %d digits; it takes at most %d."
            % (label, text, len(text), length)
        )
    return text.zfill(length)


def _aux(aux_digit: int | str) -> str:
    aux = str(aux_digit).strip()
    if aux not in AUX_DIGITS:
        raise ValueError(
            "Aux digit %r is unknown: pagoPA notice codes start with 0, 1, 2 or 3."
            % (aux_digit,)
        )
    return aux


# ------------------------------------------------------------ notice codes


def check_digits(prefix: str) -> str:
    """Check digits of a notice code (SACI § 2.2.2.1, § 2.2.2.3, § 2.2.2.4).

    ``prefix`` is the 16 digits that come before them: aux digit, then
    application code or segregation code when the aux digit has one, then the
    IUV base. The check digits are that number modulo 93, on two digits.
    """
    digits = _compact(prefix, "The digits before the check digits")
    if len(digits) != NOTICE_CODE_LENGTH - 2 or not _DIGITS.fullmatch(digits):
        raise ValueError(
            "Check digits are computed on the 16 digits before them; got %r." % prefix
        )
    return "%02d" % (int(digits) % CHECK_MODULUS)


def make_notice_code(
    aux_digit: int | str,
    base: int | str,
    segregation_code: int | str | None = None,
    application_code: int | str | None = None,
) -> str:
    """The 18-digit notice code (SACI § 2.2.2, schemas NAV.0 to NAV.3).

    ``base`` is the IUV base (13 digits for aux 0 and 3, 15 for aux 2, 17 for
    aux 1), left-padded with zeros when shorter. Aux digit 3 needs the
    ``segregation_code`` pagoPA assigned to the creditor's IUV generation point,
    aux digit 0 the ``application_code`` of its archive of pending payments; the
    other aux digits take neither.
    """
    aux = _aux(aux_digit)
    if aux == "3":
        if segregation_code is None:
            raise ValueError(
                "Aux digit 3 needs the segregation code pagoPA assigned to you."
            )
        if application_code is not None:
            raise ValueError(
                "Aux digit 3 has a segregation code, not an application code."
            )
        middle = _digits(segregation_code, 2, "The segregation code")
    elif aux == "0":
        if application_code is None:
            raise ValueError("Aux digit 0 needs the 2-digit application code.")
        if segregation_code is not None:
            raise ValueError(
                "Aux digit 0 has an application code, not a segregation code."
            )
        middle = _digits(application_code, 2, "The application code")
    else:
        if segregation_code is not None or application_code is not None:
            raise ValueError(
                "Aux digit %s takes neither a segregation code nor an application "
                "code." % aux
            )
        middle = ""
    body = aux + middle + _digits(base, IUV_BASE_LENGTH[aux], "The IUV base")
    if aux == "1":  # SACI § 2.2.2.2: no check digits
        return body
    return body + check_digits(body)


def validate_notice_code(
    code: str, creditor_segregation_code: int | str | None = None
) -> None:
    """Raise ValueError saying which part of a notice code is wrong.

    Spaces (as printed, in groups of four) are ignored. Checks the length (18),
    that it holds digits only, the aux digit (0 to 3), the check digits (SACI
    § 2.2.2) and, when the creditor's ``creditor_segregation_code`` is given,
    that the code is an aux-3 code carrying that segregation code (SACI
    § 2.1.3: a creditor with segregation codes issues aux digit 3 codes).
    """
    compact = _compact(code, "The notice code")
    if len(compact) != NOTICE_CODE_LENGTH:
        raise ValueError(
            "The notice code %s has %d digits; a pagoPA notice code has 18."
            % (compact, len(compact))
        )
    if not _DIGITS.fullmatch(compact):
        raise ValueError(
            "The notice code %s must contain digits only (spaces are allowed "
            "between groups)." % compact
        )
    aux = compact[0]
    if aux not in AUX_DIGITS:
        raise ValueError(
            "The notice code %s starts with aux digit %s; pagoPA notice codes "
            "start with 0, 1, 2 or 3." % (compact, aux)
        )
    if creditor_segregation_code is not None:
        expected = _digits(creditor_segregation_code, 2, "The segregation code")
        if aux != "3":
            raise ValueError(
                "The notice code %s starts with aux digit %s, but a creditor with "
                "segregation code %s issues codes starting with 3."
                % (compact, aux, expected)
            )
        if compact[1:3] != expected:
            raise ValueError(
                "The notice code %s carries segregation code %s, not the "
                "creditor's %s." % (compact, compact[1:3], expected)
            )
    if aux == "1":
        return
    expected_check = check_digits(compact[:16])
    if compact[16:] != expected_check:
        raise ValueError(
            "The check digits of notice code %s are wrong: expected %s, got %s. "
            "Look for a typing error." % (compact, expected_check, compact[16:])
        )


def iuv_from_notice_code(code: str) -> str:
    """The IUV inside a notice code (SACI § 2.2.2, schemas IUV.0 to IUV.3).

    Aux 0: the 15 digits after the application code; aux 1, 2 and 3: the 17
    digits after the aux digit. The code is validated first.
    """
    validate_notice_code(code)
    compact = _compact(code, "The notice code")
    return compact[3:] if compact[0] == "0" else compact[1:]


def format_notice_code_groups(code: str) -> str:
    """The notice code as printed: groups of four digits separated by a space,
    22 characters in all (Avviso di pagamento, Allegato 2, ``AVVISO.CODICE``).
    """
    validate_notice_code(code)
    compact = _compact(code, "The notice code")
    return " ".join(compact[index : index + 4] for index in range(0, 18, 4))


# ------------------------------------------------------------------ amounts


def _exact(amount: Decimal | int, label: str) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise ValueError(
            "%s must be a Decimal or an integer, not %s (floats cannot hold cents "
            "exactly)." % (label, type(amount).__name__)
        )
    value = Decimal(amount)
    if not value.is_finite():
        raise ValueError("%s %s is not a number." % (label, amount))
    try:
        rounded = value.quantize(CENT)
    except InvalidOperation:
        raise ValueError("%s %s is too large." % (label, amount)) from None
    if rounded != value:
        raise ValueError(
            "%s %s has more than 2 decimals; round it to the cent." % (label, value)
        )
    return rounded


def amount_to_cents(amount: Decimal | int, label: str = "The amount") -> int:
    """Euro ``amount`` as an exact number of cents: ``Decimal("19.99")`` is
    1999. Refuses floats, negative amounts and more than 2 decimals."""
    value = _exact(amount, label)
    if value < 0:
        raise ValueError("%s cannot be negative (%s)." % (label, value))
    return int(value * 100)


def format_amount_it(amount: Decimal | int) -> str:
    """Euro ``amount`` written the Italian way: thousands separated by a full
    stop, decimals by a comma, always 2 decimals (``1.234,56``), as the
    "avviso di pagamento" asks (Allegato 2, ``AVVISO.IMPORTO``)."""
    value = _exact(amount, "The amount")
    sign = "-" if value < 0 else ""
    units, cents = divmod(abs(int(value * 100)), 100)
    return "%s%s,%02d" % (sign, f"{units:,}".replace(",", "."), cents)


def validate_cents(
    amount_cents: int,
    maximum: int = MAX_NOTICE_AMOUNT_CENTS,
    label: str = "The amount",
) -> int:
    """A payable amount in euro cents: a whole number from 1 to ``maximum``.
    The default maximum is that of a pagoPA payment, 999999999.99 euro (SANP,
    ``stAmount``); the QR code and the Data Matrix take 10 digits at most."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise ValueError(
            "%s must be a whole number of cents, not %r." % (label, amount_cents)
        )
    if not 1 <= amount_cents <= maximum:
        raise ValueError(
            "%s of %d cents is out of range: it must be from 1 to %d cents (%s euro)."
            % (label, amount_cents, maximum, format_amount_it(Decimal(maximum) / 100))
        )
    return amount_cents


# ----------------------------------------------------------- fiscal codes


def validate_creditor_fiscal_code(value: str) -> str:
    """The creditor's fiscal code: 11 digits, the codice fiscale numerico of an
    entity (the same number as its partita IVA), checked with
    :mod:`stdnum.it.iva` (length, office code and Luhn check digit)."""
    number = _compact(value or "", "The creditor's fiscal code")
    if not number:
        raise ValueError("The creditor's fiscal code is missing.")
    if len(number) != 11 or not _DIGITS.fullmatch(number):
        raise ValueError(
            "The creditor's fiscal code %s is not valid: it must be the 11 digits "
            "of the entity's codice fiscale." % number
        )
    try:
        return iva.validate(number)
    except InvalidChecksum:
        problem = "its check digit does not match; look for a typing error"
    except InvalidComponent:
        problem = "its office code (digits 8 to 10) does not exist"
    except ValidationError:
        problem = "it is not an entity's numeric codice fiscale"
    raise ValueError(
        "The creditor's fiscal code %s is not valid: %s." % (number, problem)
    )


def validate_debtor_fiscal_code(value: str) -> str:
    """The debtor's fiscal code in capitals: the 16 characters of a person's
    codice fiscale or the 11 digits of an entity's, checked with
    :mod:`stdnum.it.codicefiscale`; ``ANONIMO`` when the debtor has none, as
    pagoPA allows."""
    number = _compact(value or "", "The debtor's fiscal code").upper()
    if not number:
        raise ValueError("The debtor's fiscal code is missing.")
    if number == ANONYMOUS_DEBTOR:
        return number
    try:
        return codicefiscale.validate(number)
    except InvalidLength:
        problem = "it must be 16 characters (a person) or 11 digits (an entity)"
    except InvalidChecksum:
        problem = "its check character does not match; look for a typing error"
    except ValidationError:
        problem = "its layout is not that of an Italian codice fiscale"
    raise ValueError(
        "The debtor's fiscal code %s is not valid: %s." % (number, problem)
    )


# ------------------------------------------------------------------- codes


def qr_payload(notice_code: str, creditor_fiscal_code: str, amount_cents: int) -> str:
    """Text of the QR code printed on the notice (SANP 2.x "Utilizzo del QR code
    sull'avviso di pagamento", Tabella 31; Avviso di pagamento, Allegato 2,
    "Codice QR")::

        PAGOPA|002|<notice code, 18>|<creditor fiscal code, 11>|<cents, 2..10>

    The amount is in euro cents, zero-padded to at least 2 digits as the table
    asks (1 cent is ``01``), at most 10 digits.
    """
    validate_notice_code(notice_code)
    code = _compact(notice_code, "The notice code")
    creditor = validate_creditor_fiscal_code(creditor_fiscal_code)
    cents = validate_cents(amount_cents, MAX_QR_AMOUNT_CENTS)
    return QR_SEPARATOR.join(
        (
            QR_IDENTIFIER,
            QR_VERSION,
            code,
            creditor,
            str(cents).zfill(QR_MIN_AMOUNT_DIGITS),
        )
    )


def datamatrix_text(text: str, length: int) -> str:
    """Free text for a Data Matrix field: transliterated by the addon's one
    table (``ß`` -> ``ss``, ``ø`` -> ``o``, accents removed; see
    :mod:`.transliteration`), any character outside letters, digits, space and
    ``& ' - . : _ ,`` turned into a space, runs of spaces made one, cut to
    ``length`` and padded with spaces to it."""
    return to_charset(text, DATAMATRIX_CHARACTERS)[:length].ljust(length)


def poste_datamatrix_payload(
    notice_code: str,
    postal_account: str,
    amount_cents: int,
    creditor_fiscal_code: str,
    debtor_fiscal_code: str,
    debtor_name: str,
    subject: str,
) -> str:
    """The 256 characters of the Poste Italiane Data Matrix printed on the
    "Bollettino Postale PA" part of a notice, when the creditor collects on a
    postal account (Avviso di pagamento, Allegato 2, "Bollettino Postale PA",
    ``<data_matrix>``, which refers to Poste's "Manuale della stampa in proprio",
    section "Bollettino PA integrato nell'avviso standard AgID").

    Positions, counted from 1::

        1-13     "codfase=NBPA;"     acceptance phase, fixed
        14-15    "18"                length of the next field
        16-33    notice code         18 digits
        34-35    "12"
        36-47    postal account      12 digits, zeros on the left
        48-49    "10"
        50-59    amount in cents     10 digits, zeros on the left
        60       "3"
        61-63    "896"               document type: bollettino PA
        64-66    "1P1"               fixed
        67-77    creditor fiscal code   11 digits
        78-93    debtor fiscal code     16, spaces on the right
        94-133   debtor name            40, cut or spaces on the right
        134-243  subject (causale)      110, cut or spaces on the right
        244-255  filler                 12 spaces
        256      "A"                    end of the string

    Positions 14-63 are the codeline of the postal bulletin: each field is
    preceded by its length. Free texts keep letters, digits, space and
    ``& ' - . : _ ,``; accents are removed and other characters become spaces.
    """
    validate_notice_code(notice_code)
    code = _compact(notice_code, "The notice code")
    account = _compact(postal_account or "", "The postal account")
    if not account:
        raise ValueError("The postal account (conto corrente postale) is missing.")
    if not _DIGITS.fullmatch(account) or len(account) > DATAMATRIX_ACCOUNT_LENGTH:
        raise ValueError(
            "The postal account %s is not valid: it is a number of at most 12 "
            "digits." % account
        )
    cents = validate_cents(amount_cents, MAX_QR_AMOUNT_CENTS)
    creditor = validate_creditor_fiscal_code(creditor_fiscal_code)
    debtor = validate_debtor_fiscal_code(debtor_fiscal_code)
    if not (debtor_name or "").strip():
        raise ValueError("The debtor's name is missing.")
    codeline = "".join(
        (
            "18",
            code,
            "12",
            account.zfill(DATAMATRIX_ACCOUNT_LENGTH),
            "10",
            str(cents).zfill(DATAMATRIX_AMOUNT_LENGTH),
            "3",
            DATAMATRIX_DOCUMENT_TYPE,
        )
    )
    name = datamatrix_text(debtor_name, DATAMATRIX_NAME_LENGTH)
    text = datamatrix_text(subject, DATAMATRIX_SUBJECT_LENGTH)
    # Poste reads a 52 x 52 symbol (204 data codewords). Letters of one case,
    # digits and spaces take 2 codewords for 3 characters; mixed cases and
    # punctuation take more. The free fields are fitted step by step, each
    # field alone: as written; in capitals; capitals, digits and spaces only.
    for fit in (str, str.upper, _datamatrix_basic):
        payload = "".join(
            (
                DATAMATRIX_PREFIX,
                codeline,
                "1P1",
                creditor,
                debtor.ljust(DATAMATRIX_DEBTOR_CODE_LENGTH),
                fit(name),
                fit(text),
                " " * DATAMATRIX_FILLER_LENGTH,
                "A",
            )
        )
        if len(payload) != DATAMATRIX_LENGTH:  # every field has a fixed width
            raise AssertionError(
                "Data Matrix text has %d characters instead of %d."
                % (len(payload), DATAMATRIX_LENGTH)
            )
        if len(encode_data(payload)) <= DATAMATRIX_CAPACITY:
            return payload
    raise AssertionError("The Data Matrix text does not fit 52 x 52: %r" % payload)


def _datamatrix_basic(text: str) -> str:
    """``text`` in capitals, digits and spaces (the C40 basic set), same length."""
    return "".join(
        character if character.isalnum() and character.isascii() else " "
        for character in text.upper()
    )
