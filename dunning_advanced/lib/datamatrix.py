"""ECC 200 Data Matrix symbols (ISO/IEC 16022), square sizes 10x10 to 132x132.

Pure Python, no ORM, no dependency. reportlab draws only one 44 x 44 C40
symbol (144 data codewords), too small for the 256 characters of the Poste
Italiane Data Matrix of a pagoPA notice, which Poste wants in 52 x 52 modules.

The steps are those of the standard:

1. encodation (section 5.2): ASCII mode, digit pairs in one codeword; runs of
   other characters in C40 or Text mode when that is shorter (three values in
   two codewords), back to ASCII with the unlatch 254;
2. padding: 129, then the 253-state randomised pad (section 5.2.3);
3. Reed-Solomon error correction over GF(256), primitive polynomial 0x12D,
   generator with roots 2^1 .. 2^n (section 5.7), the codewords interleaved
   over the blocks of the larger sizes;
4. module placement (Annex F): the "utah" shape along diagonals and the four
   corner cases, in the mapping matrix; then the mapping matrix is cut into
   data regions, each with its L finder pattern and clock track.

:func:`encode` gives the module matrix (rows from the top, 1 = dark), without
quiet zone. :func:`read_codewords` and :func:`decode_data` undo steps 4 and 1:
the tests use them to check the symbols without an external decoder.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SymbolSize:
    """One square ECC 200 size of ISO/IEC 16022 Table 7."""

    modules: int  # modules per side, finder patterns included
    data_codewords: int
    ec_codewords: int  # in all blocks together
    region: int  # data modules per side of one data region
    blocks: int  # interleaved Reed-Solomon blocks

    @property
    def regions(self) -> int:
        """Data regions per side."""
        return self.modules // (self.region + 2)

    @property
    def mapping(self) -> int:
        """Modules per side of the mapping matrix (finders removed)."""
        return self.regions * self.region


# ISO/IEC 16022 Table 7, square symbols (144 x 144, with blocks of two
# lengths, is left out).
SIZES = {
    size.modules: size
    for size in (
        SymbolSize(10, 3, 5, 8, 1),
        SymbolSize(12, 5, 7, 10, 1),
        SymbolSize(14, 8, 10, 12, 1),
        SymbolSize(16, 12, 12, 14, 1),
        SymbolSize(18, 18, 14, 16, 1),
        SymbolSize(20, 22, 18, 18, 1),
        SymbolSize(22, 30, 20, 20, 1),
        SymbolSize(24, 36, 24, 22, 1),
        SymbolSize(26, 44, 28, 24, 1),
        SymbolSize(32, 62, 36, 14, 1),
        SymbolSize(36, 86, 42, 16, 1),
        SymbolSize(40, 114, 48, 18, 1),
        SymbolSize(44, 144, 56, 20, 1),
        SymbolSize(48, 174, 68, 22, 1),
        SymbolSize(52, 204, 84, 24, 2),
        SymbolSize(64, 280, 112, 14, 2),
        SymbolSize(72, 368, 144, 16, 4),
        SymbolSize(80, 456, 192, 18, 4),
        SymbolSize(88, 576, 224, 20, 4),
        SymbolSize(96, 696, 272, 22, 4),
        SymbolSize(104, 816, 336, 24, 6),
        SymbolSize(120, 1050, 408, 18, 6),
        SymbolSize(132, 1304, 496, 20, 8),
    )
}

PAD = 129
UNLATCH = 254
UPPER_SHIFT = 235
LATCH_C40 = 230
LATCH_TEXT = 239

# ------------------------------------------------------------ encodation

# C40 and Text share shift 1 (controls) and shift 2 (punctuation, ISO/IEC
# 16022 Table 9); their basic and shift 3 sets swap the two letter cases.
_SHIFT2 = "!\"#$%&'()*+,-./:;<=>?@[\\]^_"
_BASIC_C40 = " 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_BASIC_TEXT = " 0123456789abcdefghijklmnopqrstuvwxyz"
_SHIFT3_C40 = "`abcdefghijklmnopqrstuvwxyz{|}~\x7f"
_SHIFT3_TEXT = "`ABCDEFGHIJKLMNOPQRSTUVWXYZ{|}~\x7f"
_TRIPLE_SETS = {
    LATCH_C40: (_BASIC_C40, _SHIFT3_C40),
    LATCH_TEXT: (_BASIC_TEXT, _SHIFT3_TEXT),
}


def _check_characters(text: str) -> None:
    for char in text:
        if ord(char) > 255:
            raise ValueError(
                "The character %r cannot be put in a Data Matrix: only ISO "
                "8859-1 (Latin-1) characters can." % char
            )


def encode_ascii(text: str) -> list[int]:
    """ASCII encodation: two digits in one codeword (130 + value), other
    characters their code + 1, above 127 after the upper shift 235."""
    codewords = []
    index = 0
    while index < len(text):
        pair = text[index : index + 2]
        if len(pair) == 2 and pair.isdigit() and pair.isascii():
            codewords.append(130 + int(pair))
            index += 2
            continue
        code = ord(text[index])
        if code > 127:
            codewords += [UPPER_SHIFT, code - 127]
        else:
            codewords.append(code + 1)
        index += 1
    return codewords


def _triple_values(char: str, latch: int) -> list[int]:
    """The C40 or Text values of one character (ISO/IEC 16022 5.2.5)."""
    basic, shift3 = _TRIPLE_SETS[latch]
    code = ord(char)
    if code > 127:
        return [1, 30, *_triple_values(chr(code - 128), latch)]  # upper shift
    if char in basic:
        return [basic.index(char) + 3]
    if code < 32:
        return [0, code]
    if char in _SHIFT2:
        return [1, _SHIFT2.index(char)]
    return [2, shift3.index(char)]


def _triples(text: str, latch: int) -> list[int]:
    """C40 or Text: the latch, the characters three values in two codewords,
    the unlatch; characters that do not fill a last triple stay in ASCII."""
    values = [_triple_values(char, latch) for char in text]
    count = len(text)
    while sum(len(value) for value in values[:count]) % 3:
        count -= 1
    if not count:
        return encode_ascii(text)
    flat = [v for value in values[:count] for v in value]
    codewords = [latch]
    for index in range(0, len(flat), 3):
        first, second, third = flat[index : index + 3]
        packed = 1600 * first + 40 * second + third + 1
        codewords += [packed // 256, packed % 256]
    return [*codewords, UNLATCH, *encode_ascii(text[count:])]


def _segments(text: str) -> list[str]:
    """The text cut into runs of four or more digits and the stretches
    between them."""
    segments = []
    start = index = 0
    while index < len(text):
        end = index
        while end < len(text) and text[end].isdigit() and text[end].isascii():
            end += 1
        if end - index >= 4:
            if start < index:
                segments.append(text[start:index])
            segments.append(text[index:end])
            start = end
        index = max(end, index + 1)
    if start < len(text):
        segments.append(text[start:])
    return segments


def encode_data(text: str) -> list[int]:
    """The data codewords of ``text``, before padding: each stretch in the
    shortest of ASCII, C40 and Text; every stretch ends in ASCII mode."""
    _check_characters(text)
    codewords = []
    for segment in _segments(text):
        candidates = [encode_ascii(segment)]
        if not segment.isdigit():
            candidates += [_triples(segment, LATCH_C40), _triples(segment, LATCH_TEXT)]
        codewords += min(candidates, key=len)
    return codewords


def pad_codewords(codewords: list[int], capacity: int) -> list[int]:
    """``codewords`` filled up to ``capacity``: 129, then the 253-state
    randomised pad of the codeword's position P (from 1):
    129 + ((149 * P) mod 253) + 1, less 254 above 254."""
    padded = list(codewords)
    if len(padded) < capacity:
        padded.append(PAD)
    while len(padded) < capacity:
        value = PAD + (149 * (len(padded) + 1)) % 253 + 1
        padded.append(value if value <= 254 else value - 254)
    return padded


def decode_data(codewords: list[int]) -> str:
    """The text of data codewords in ASCII, C40 and Text modes (the inverse
    of :func:`encode_data`; stops at the first pad)."""
    text = []
    upper = 0
    index = 0
    while index < len(codewords):
        codeword = codewords[index]
        index += 1
        if codeword == PAD:
            break
        if codeword <= 128:
            text.append(chr(codeword - 1 + upper))
            upper = 0
        elif 130 <= codeword <= 229:
            text.append("%02d" % (codeword - 130))
        elif codeword == UPPER_SHIFT:
            upper = 128
        elif codeword in _TRIPLE_SETS:
            basic, shift3 = _TRIPLE_SETS[codeword]
            shift = 0
            while index < len(codewords) and codewords[index] != UNLATCH:
                packed = codewords[index] * 256 + codewords[index + 1] - 1
                index += 2
                for value in (packed // 1600, packed // 40 % 40, packed % 40):
                    if shift == 0 and value < 3:
                        shift = value + 1
                        continue
                    if shift == 2 and value == 30:
                        upper, shift = 128, 0
                        continue
                    if shift == 0:
                        char = basic[value - 3]
                    elif shift == 1:
                        char = chr(value)
                    elif shift == 2:
                        char = _SHIFT2[value]
                    else:
                        char = shift3[value]
                    text.append(chr(ord(char) + upper))
                    upper = shift = 0
            index += 1  # the unlatch
        else:
            raise ValueError("Codeword %d is not supported." % codeword)
    return "".join(text)


# ----------------------------------------------------------- Reed-Solomon

_EXP = [0] * 510
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _EXP[_power + 255] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x12D
del _value, _power


def _multiply(first: int, second: int) -> int:
    if not first or not second:
        return 0
    return _EXP[_LOG[first] + _LOG[second]]


def _generator(degree: int) -> list[int]:
    """Coefficients, highest power first, of (x - 2^1)(x - 2^2)..(x - 2^n)."""
    poly = [1]
    for power in range(1, degree + 1):
        root = _EXP[power]
        poly = [
            a ^ _multiply(b, root) for a, b in zip([*poly, 0], [0, *poly], strict=True)
        ]
    return poly


def reed_solomon(data: list[int], ec_count: int) -> list[int]:
    """The ``ec_count`` error correction codewords of one block: the
    remainder of data(x) * x^n divided by the generator polynomial."""
    generator = _generator(ec_count)
    remainder = [0] * ec_count
    for codeword in data:
        factor = codeword ^ remainder[0]
        remainder = remainder[1:] + [0]
        for index in range(ec_count):
            remainder[index] ^= _multiply(generator[index + 1], factor)
    return remainder


def syndromes(block: list[int], ec_count: int) -> list[int]:
    """block(2^i) for i = 1..n: all zero for a block without errors."""
    result = []
    for power in range(1, ec_count + 1):
        value = 0
        for codeword in block:
            value = _multiply(value, _EXP[power]) ^ codeword
        result.append(value)
    return result


def add_error_correction(data: list[int], size: SymbolSize) -> list[int]:
    """Data and error correction codewords in symbol order: codeword i of
    the data goes to block i mod B, and the error correction codewords of
    the blocks are interleaved the same way after all the data."""
    blocks = size.blocks
    ec_per_block = size.ec_codewords // blocks
    ec = [reed_solomon(data[block::blocks], ec_per_block) for block in range(blocks)]
    interleaved = [
        ec[index % blocks][index // blocks] for index in range(blocks * ec_per_block)
    ]
    return list(data) + interleaved


def split_blocks(codewords: list[int], size: SymbolSize) -> list[list[int]]:
    """Each block's data followed by its error correction codewords."""
    data = codewords[: size.data_codewords]
    ec = codewords[size.data_codewords :]
    return [
        data[block :: size.blocks] + ec[block :: size.blocks]
        for block in range(size.blocks)
    ]


# -------------------------------------------------------------- placement


def placement(nrow: int, ncol: int) -> tuple[list[list[tuple[int, int]]], list]:
    """Annex F: for each codeword, the eight (row, column) of the mapping
    matrix of its bits, most significant first; and the modules left over in
    the bottom right corner with their fixed values."""
    taken = [[False] * ncol for _ in range(nrow)]
    codewords = []

    def module(row, col, bits):
        if row < 0:
            row += nrow
            col += 4 - ((nrow + 4) % 8)
        if col < 0:
            col += ncol
            row += 4 - ((ncol + 4) % 8)
        taken[row][col] = True
        bits.append((row, col))

    def shape(cells):
        bits = []
        for row, col in cells:
            module(row, col, bits)
        codewords.append(bits)

    def utah(row, col):
        shape(
            [
                (row - 2, col - 2),
                (row - 2, col - 1),
                (row - 1, col - 2),
                (row - 1, col - 1),
                (row - 1, col),
                (row, col - 2),
                (row, col - 1),
                (row, col),
            ]
        )

    last_row, last_col = nrow - 1, ncol - 1
    corners = {
        1: [(last_row, 0), (last_row, 1), (last_row, 2), (0, ncol - 2),
            (0, last_col), (1, last_col), (2, last_col), (3, last_col)],
        2: [(nrow - 3, 0), (nrow - 2, 0), (last_row, 0), (0, ncol - 4),
            (0, ncol - 3), (0, ncol - 2), (0, last_col), (1, last_col)],
        3: [(nrow - 3, 0), (nrow - 2, 0), (last_row, 0), (0, ncol - 2),
            (0, last_col), (1, last_col), (2, last_col), (3, last_col)],
        4: [(last_row, 0), (last_row, last_col), (0, ncol - 3), (0, ncol - 2),
            (0, last_col), (1, ncol - 3), (1, ncol - 2), (1, last_col)],
    }  # fmt: skip
    row, col = 4, 0
    while True:
        if row == nrow and col == 0:
            shape(corners[1])
        if row == nrow - 2 and col == 0 and ncol % 4:
            shape(corners[2])
        if row == nrow - 2 and col == 0 and ncol % 8 == 4:
            shape(corners[3])
        if row == nrow + 4 and col == 2 and not ncol % 8:
            shape(corners[4])
        while True:  # up and to the right
            if row < nrow and col >= 0 and not taken[row][col]:
                utah(row, col)
            row, col = row - 2, col + 2
            if row < 0 or col >= ncol:
                break
        row, col = row + 1, col + 3
        while True:  # down and to the left
            if row >= 0 and col < ncol and not taken[row][col]:
                utah(row, col)
            row, col = row + 2, col - 2
            if row >= nrow or col < 0:
                break
        row, col = row + 3, col + 1
        if row >= nrow and col >= ncol:
            break
    fixed = []
    if not taken[last_row][last_col]:
        fixed = [
            (last_row, last_col, 1),
            (nrow - 2, ncol - 2, 1),
            (last_row, ncol - 2, 0),
            (nrow - 2, last_col, 0),
        ]
    return codewords, fixed


def _symbol_position(index: int, size: SymbolSize) -> int:
    """Row (or column) in the symbol of a row (or column) of the mapping
    matrix: each data region is framed by one module on every side."""
    return index // size.region * (size.region + 2) + 1 + index % size.region


def build_matrix(codewords: list[int], size: SymbolSize) -> list[list[int]]:
    """The symbol's modules (rows from the top, 1 = dark) for its complete
    codeword stream (data and error correction)."""
    total = size.data_codewords + size.ec_codewords
    if len(codewords) != total:
        raise ValueError(
            "A %dx%d symbol has %d codewords, not %d."
            % (size.modules, size.modules, total, len(codewords))
        )
    matrix = [[0] * size.modules for _ in range(size.modules)]
    side = size.region + 2
    for region_row in range(size.regions):
        for region_col in range(size.regions):
            top, left = region_row * side, region_col * side
            for offset in range(side):
                matrix[top + side - 1][left + offset] = 1  # bottom: solid
                matrix[top + offset][left] = 1  # left: solid
                matrix[top][left + offset] = 1 - offset % 2  # top: clock
                matrix[top + offset][left + side - 1] = offset % 2  # right: clock
    positions, fixed = placement(size.mapping, size.mapping)
    for codeword, bits in zip(codewords, positions, strict=True):
        for shift, (row, col) in zip(range(7, -1, -1), bits, strict=True):
            matrix[_symbol_position(row, size)][_symbol_position(col, size)] = (
                codeword >> shift & 1
            )
    for row, col, value in fixed:
        matrix[_symbol_position(row, size)][_symbol_position(col, size)] = value
    return matrix


def read_codewords(matrix: list[list[int]]) -> list[int]:
    """The codeword stream of a symbol's modules (the inverse of
    :func:`build_matrix`)."""
    size = SIZES[len(matrix)]
    positions, _fixed = placement(size.mapping, size.mapping)
    codewords = []
    for bits in positions:
        value = 0
        for row, col in bits:
            value = (
                value << 1
                | matrix[_symbol_position(row, size)][_symbol_position(col, size)]
            )
        codewords.append(value)
    return codewords


def choose_size(data_count: int, modules: int | None = None) -> SymbolSize:
    """The size asked for, or the smallest square size that holds
    ``data_count`` data codewords."""
    if modules is not None:
        if modules not in SIZES:
            raise ValueError(
                "%d x %d is not a square ECC 200 size; use one of %s."
                % (modules, modules, ", ".join(str(m) for m in SIZES))
            )
        size = SIZES[modules]
        if data_count > size.data_codewords:
            raise ValueError(
                "The text needs %d codewords; a %d x %d Data Matrix holds %d."
                % (data_count, modules, modules, size.data_codewords)
            )
        return size
    for size in SIZES.values():
        if data_count <= size.data_codewords:
            return size
    raise ValueError(
        "The text needs %d codewords; the largest Data Matrix supported holds %d."
        % (data_count, SIZES[132].data_codewords)
    )


def encode(text: str, modules: int | None = None) -> list[list[int]]:
    """The ECC 200 symbol of ``text``: rows from the top, 1 = dark, no quiet
    zone. ``modules`` forces a size (e.g. 52 for the Poste Data Matrix)."""
    data = encode_data(text)
    size = choose_size(len(data), modules)
    codewords = add_error_correction(pad_codewords(data, size.data_codewords), size)
    return build_matrix(codewords, size)
