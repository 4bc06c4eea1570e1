"""One transliteration table for every restricted character set of the addon:
the SEPA Basic Latin of pain.008 (EPC217-08), the Poste Data Matrix of the
pagoPA notice, and letters printed without a Unicode font.

Pure Python, no ORM. :func:`to_ascii` turns text into ASCII where it can:
accented letters lose their accents through Unicode decomposition (NFKD:
``Società`` -> ``Societa``), letters that do not decompose are written as the
EPC217-08 conversion table writes them (``ß`` -> ``ss``, ``ø`` -> ``o``, ``æ``
-> ``ae``, ``ł`` -> ``l``), typographic quotes and dashes become their ASCII
forms. :func:`to_charset` then keeps only the characters a standard allows,
replacing the rest. Greek or Cyrillic letters have no Latin form here: they
are left to :func:`to_charset`'s replacement.
"""

import unicodedata

# Letters without a Latin decomposition (EPC217-08 "SEPA requirements for an
# extended character set", conversion table) and typographic signs.
LATIN_TRANSLITERATION = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "ł": "l",
        "Ł": "L",
        "ħ": "h",
        "Ħ": "H",
        "ı": "i",
        "ŀ": "l",
        "Ŀ": "L",
        "ŉ": "n",
        "ĸ": "k",
        "ſ": "s",
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‹": "'",
        "›": "'",
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "−": "-",
        "…": "...",
        "€": "EUR",
        "\u00a0": " ",
    }
)


def to_ascii(text: str) -> str:
    """``text`` with every letter and sign the table knows in ASCII; other
    characters (Greek, Cyrillic, symbols) are kept as they are."""
    converted = unicodedata.normalize(
        "NFKD", (text or "").translate(LATIN_TRANSLITERATION)
    )
    return "".join(
        character for character in converted if not unicodedata.combining(character)
    )


def to_charset(
    text: str,
    allowed: frozenset[str] | str,
    replacement: str = " ",
    extra: dict[int, str] | None = None,
) -> str:
    """``text`` in the character set ``allowed``: transliterated with
    :func:`to_ascii` (after the standard's own ``extra`` table, a
    :meth:`str.maketrans` mapping, e.g. ``&`` -> ``+`` for SEPA), any other
    character replaced by ``replacement``, whitespace runs made one space and
    the ends stripped."""
    converted = to_ascii((text or "").translate(extra) if extra else text)
    characters = []
    for character in converted:
        if character.isspace():
            characters.append(" ")
        elif character in allowed:
            characters.append(character)
        else:
            characters.append(replacement)
    return " ".join("".join(characters).split())
