from reportlab.graphics.barcode.ecc200datamatrix import ECC200DataMatrix

from odoo.tests import BaseCase, tagged

from ..lib.datamatrix import (
    SIZES,
    add_error_correction,
    build_matrix,
    choose_size,
    decode_data,
    encode,
    encode_ascii,
    encode_data,
    pad_codewords,
    placement,
    read_codewords,
    reed_solomon,
    split_blocks,
    syndromes,
)
from ..lib.pagopa import poste_datamatrix_payload
from ..report.pagopa_notice_renderer import datamatrix_runs, datamatrix_symbol


def _poste_payload(debtor_name="Mario Rossi", subject="Fattura n. 2025/0042"):
    return poste_datamatrix_payload(
        "301000000000000144",
        "123456789012",
        123456,
        "00085240950",
        "RSSMRA80A01H501U",
        debtor_name,
        subject,
    )


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibDatamatrix(BaseCase):
    def test_iso_example_123456_in_10x10(self):
        # ISO/IEC 16022 example: "123456" is three digit pairs, 130 + 12,
        # 130 + 34, 130 + 56; a 10 x 10 symbol holds 3 data + 5 EC codewords.
        self.assertEqual(encode_data("123456"), [142, 164, 186])
        self.assertEqual(reed_solomon([142, 164, 186], 5), [114, 25, 5, 88, 102])
        matrix = encode("123456")
        self.assertEqual(len(matrix), 10)
        self.assertEqual(read_codewords(matrix), [142, 164, 186, 114, 25, 5, 88, 102])

    def test_same_modules_as_reportlab_44x44(self):
        # reportlab's ECC200DataMatrix is an independent implementation of
        # the Reed-Solomon code (its own generator table) and of the placement
        # with 2 x 2 data regions of 20 modules: fed its own 144 data
        # codewords, ours must give the same 56 EC codewords and the same
        # 44 x 44 modules, bit for bit.
        for value in ("HELLO WORLD 2026", "ROYAL MAIL 0123456789 " * 9):
            widget = ECC200DataMatrix(value)
            widget.validate()
            data = widget._encode_c40(widget.validated)
            self.assertEqual(len(data), 144)
            theirs_ec = widget._get_reed_solomon_code(list(data), 56)
            theirs = [list(row) for row in reversed(widget.encode())]  # top first
            ours = add_error_correction(data, SIZES[44])
            self.assertEqual(ours[144:], theirs_ec)
            self.assertEqual(build_matrix(ours, SIZES[44]), theirs)

    def test_c40_triples_and_unlatch(self):
        # "HELLO WORLD" in C40: H=21 E=18 L=25 L=25 O=28 space=3 W=36 O=28
        # R=31 L=25 D=17. Eleven values: the last two characters do not fill
        # a triple and go back to ASCII after the unlatch 254 (L=77, D=69).
        # 1600*21 + 40*18 + 25 + 1 = 34346 = 134*256 + 42
        # 1600*25 + 40*28 + 3 + 1 = 41124 = 160*256 + 164
        # 1600*36 + 40*28 + 31 + 1 = 58752 = 229*256 + 128
        self.assertEqual(
            encode_data("HELLO WORLD"),
            [230, 134, 42, 160, 164, 229, 128, 254, 77, 69],
        )  # 10 codewords, ASCII alone takes 11
        for text in (
            "HELLO WORLD",
            "hello world, a text in lower case",
            "Società Cooperativa «Àncora» 2025/0042: ok",
            "a&b'c-d.e:f_g,h;i=j<k>l?m@n[o]p^q`r{s}t~" * 2,
            "12345",
            "",
        ):
            self.assertEqual(decode_data(encode_data(text)), text)

    def test_padding(self):
        # 12 x 12 holds 5 data codewords: "123456" is 3, then 129, then the
        # randomised pad of position 5: (149 * 5) mod 253 = 745 - 506 = 239,
        # 129 + 239 + 1 = 369 > 254, 369 - 254 = 115.
        self.assertEqual(pad_codewords([142, 164, 186], 5), [142, 164, 186, 129, 115])
        matrix = encode("123456", 12)
        self.assertEqual(read_codewords(matrix)[:5], [142, 164, 186, 129, 115])
        # 12 x 12: mapping matrix 10 x 10 = 100 modules, 12 codewords = 96
        # bits: the 4 left over in the bottom right corner are fixed, dark on
        # the diagonal: symbol rows/columns 9 and 10 (after the finder).
        self.assertEqual([matrix[9][9], matrix[9][10]], [1, 0])
        self.assertEqual([matrix[10][9], matrix[10][10]], [0, 1])

    def test_poste_payload_in_52x52_two_blocks(self):
        payload = _poste_payload()
        self.assertEqual(len(payload), 256)
        data = encode_data(payload)
        # Stretches: "codfase=NBPA;" 13 (ASCII), 51 digits 26 (25 pairs + 1),
        # "P" 1, 12 digits 6, "RSSMRA80A01H501UMario Rossi ... Fattura n. "
        # 56 (C40), "2025" 2, " " 1, "0042" 2, then 102 spaces and "A": 102
        # C40 values = 34 triples = 68 + latch + unlatch + "A" = 71.
        # 13 + 26 + 1 + 6 + 56 + 2 + 1 + 2 + 71 = 178 <= 204: fits 52 x 52,
        # where ASCII alone (218 codewords) would not.
        self.assertEqual(len(data), 178)
        self.assertEqual(len(encode_ascii(payload)), 218)
        self.assertEqual(decode_data(data), payload)
        matrix = encode(payload, 52)
        self.assertEqual(len(matrix), 52)
        codewords = read_codewords(matrix)
        self.assertEqual(len(codewords), 204 + 84)
        blocks = split_blocks(codewords, SIZES[52])
        # Two interleaved blocks of 102 data + 42 EC; each one a codeword of
        # its Reed-Solomon code: all 42 syndromes zero.
        self.assertEqual([len(block) for block in blocks], [144, 144])
        for block in blocks:
            self.assertEqual(syndromes(block, 42), [0] * 42)
        self.assertEqual(decode_data(codewords[:204]), payload)
        # One wrong codeword shows in its block's syndromes only.
        codewords[0] ^= 1
        blocks = split_blocks(codewords, SIZES[52])
        self.assertNotEqual(syndromes(blocks[0], 42), [0] * 42)
        self.assertEqual(syndromes(blocks[1], 42), [0] * 42)

    def test_finder_patterns_and_clock_tracks_52x52(self):
        # 52 = 2 * (24 + 2): 2 x 2 regions of 24 x 24 data modules, each
        # framed: left column and bottom row dark, top row and right column
        # alternating, dark first on the left and light first on the top.
        matrix = encode(_poste_payload(), 52)
        for bottom in (25, 51):
            self.assertEqual(matrix[bottom], [1] * 52)
        for top in (0, 26):
            self.assertEqual(matrix[top], [1 - column % 2 for column in range(52)])
        for left in (0, 26):
            self.assertEqual([row[left] for row in matrix], [1] * 52)
        for right in (25, 51):
            self.assertEqual(
                [row[right] for row in matrix[:25]], [row % 2 for row in range(25)]
            )

    def test_every_size_reads_back(self):
        # All 23 sizes: the placement puts every module of the mapping matrix
        # in exactly one codeword bit (or the fixed corner when 8 does not
        # divide it), the modules read back, each block's syndromes are zero.
        for size in SIZES.values():
            positions, fixed = placement(size.mapping, size.mapping)
            cells = {cell for bits in positions for cell in bits}
            cells |= {(row, col) for row, col, _value in fixed}
            self.assertEqual(len(positions), size.data_codewords + size.ec_codewords)
            self.assertEqual(len(cells), size.mapping**2)
            self.assertEqual(len(cells), 8 * len(positions) + len(fixed))
            text = str(size.modules)  # one digit pair: one codeword
            data = pad_codewords(encode_data(text), size.data_codewords)
            codewords = add_error_correction(data, size)
            matrix = build_matrix(codewords, size)
            self.assertEqual(len(matrix), size.modules)
            self.assertEqual(read_codewords(matrix), codewords)
            ec = size.ec_codewords // size.blocks
            for block in split_blocks(codewords, size):
                self.assertEqual(syndromes(block, ec), [0] * ec)
            self.assertEqual(decode_data(data), text)

    def test_sizes_and_refusals(self):
        self.assertEqual(choose_size(204).modules, 52)
        self.assertEqual(choose_size(205).modules, 64)
        self.assertEqual(choose_size(3).modules, 10)
        with self.assertRaisesRegex(ValueError, "53 x 53 is not a square ECC 200 size"):
            encode("x", 53)
        with self.assertRaisesRegex(ValueError, "needs 6 codewords; a 10 x 10"):
            encode("abcdef", 10)
        with self.assertRaisesRegex(ValueError, "only ISO 8859-1"):
            encode("€")

    def test_poste_symbol_is_always_52x52(self):
        # Poste's size is 52 x 52 (204 data codewords). Alternating cases and
        # punctuation would need more: the free fields are fitted, field by
        # field, first in capitals, then in capitals, digits and spaces only.
        self.assertEqual(len(datamatrix_symbol(_poste_payload())), 52)
        mixed = "a&b'c-d.e:f_g,h"
        plain = _poste_payload()
        raw = plain[:93] + (mixed * 3)[:40] + (mixed * 8)[:110] + plain[243:]
        self.assertGreater(len(encode_data(raw)), 204)
        with self.assertRaisesRegex(ValueError, "a 52 x 52 Data Matrix holds 204"):
            datamatrix_symbol(raw)
        heavy = _poste_payload(mixed * 3, mixed * 8)
        self.assertEqual(len(heavy), 256)
        self.assertLessEqual(len(encode_data(heavy)), 204)
        # Capitals alone still do not fit: the signs become spaces.
        self.assertEqual(heavy[93:133], "A B C D E F G HA B C D E F G HA B C D E ")
        matrix = datamatrix_symbol(heavy)
        self.assertEqual(len(matrix), 52)
        self.assertEqual(decode_data(read_codewords(matrix)[:204]), heavy)
        # A long mixed-case name and subject with signs: fits as written.
        worst = _poste_payload(
            "Società Agricola dell'Ørsted & Figli, S.r.l. - Sede: Via Roma",
            "Fatt. n. 2024/0001, 2024/0002; rif. ord. 'A-12' & 'B-7': saldo...",
        )
        matrix = datamatrix_symbol(worst)
        self.assertEqual(len(matrix), 52)
        self.assertEqual(decode_data(read_codewords(matrix)[:204]), worst)
        self.assertEqual(
            worst[93:133].rstrip(), "Societa Agricola dell'Orsted & Figli, S."
        )

    def test_letters_without_decomposition_are_transliterated(self):
        # One table for pagoPA, SEPA and letters: no letter becomes a space.
        payload = _poste_payload("Jürgen Weiß-Ødegård", "Straße Łódź")
        self.assertEqual(payload[93:133].rstrip(), "Jurgen Weiss-Odegard")
        self.assertEqual(payload[133:243].rstrip(), "Strasse Lodz")

    def test_runs(self):
        self.assertEqual(
            datamatrix_runs([[1, 1, 0, 1], [0, 0, 0, 0], [1, 1, 1, 1]]),
            [(0, 0, 2), (0, 3, 1), (2, 0, 4)],
        )
