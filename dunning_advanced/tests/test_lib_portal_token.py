import datetime

from odoo.tests import BaseCase, tagged

from ..lib.portal_token import (
    TOKEN_LENGTH,
    TokenError,
    derive_key,
    make_token,
    read_token,
)

KEY = b"0123456789abcdef0123456789abcdef"
EXPIRES = datetime.date(2027, 1, 31)
# Worked example computed apart from this module:
#   payload = 0000002a 00000007 0001 26a4  (partner 42, reminder 7, company 1,
#             day 9892 = 2027-01-31 - 2000-01-01)
#   printf 'dunning-portal-v1' + payload | openssl dgst -sha256 -hmac KEY
#     -> 7ef0dea36b1d22dab442... (first 10 bytes kept)
#   base32(payload + mac), lower case, no padding
EXPECTED = "aaaaakqaaaaaoaabe2sh54g6unvr2iw2wrba"


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibPortalToken(BaseCase):
    def test_token_matches_the_worked_example(self):
        token = make_token(KEY, 42, 1, EXPIRES, 7)
        self.assertEqual(token, EXPECTED)
        self.assertEqual(len(token), TOKEN_LENGTH)

    def test_genuine_token_gives_its_customer_company_and_reminder(self):
        claims = read_token(KEY, EXPECTED, datetime.date(2026, 12, 1))
        self.assertEqual(
            (claims.partner_id, claims.company_id, claims.communication_id),
            (42, 1, 7),
        )
        self.assertEqual(claims.expires_on, EXPIRES)

    def test_token_works_on_its_last_day_and_not_after(self):
        self.assertEqual(read_token(KEY, EXPECTED, EXPIRES).partner_id, 42)
        with self.assertRaises(TokenError) as caught:
            read_token(KEY, EXPECTED, EXPIRES + datetime.timedelta(days=1))
        self.assertEqual(caught.exception.reason, "expired")

    def test_every_changed_character_is_refused(self):
        """No character of the address can be changed to reach another
        customer: each change breaks the signature or the spelling."""
        alphabet = "abcdefghijklmnopqrstuvwxyz234567"
        for index, char in enumerate(EXPECTED):
            other = alphabet[(alphabet.index(char) + 1) % 32]
            tampered = EXPECTED[:index] + other + EXPECTED[index + 1 :]
            with self.subTest(index=index), self.assertRaises(TokenError) as caught:
                read_token(KEY, tampered, datetime.date(2026, 12, 1))
            self.assertIn(caught.exception.reason, ("tampered", "malformed"))

    def test_another_customer_id_with_the_old_signature_is_tampered(self):
        forged = make_token(b"another key of 32 bytes, guessed", 43, 1, EXPIRES, 7)
        with self.assertRaises(TokenError) as caught:
            read_token(KEY, forged, datetime.date(2026, 12, 1))
        self.assertEqual(caught.exception.reason, "tampered")

    def test_an_expired_forgery_is_told_as_tampered(self):
        """The signature is checked before the date: a forged link gets no
        hint that its date part was right."""
        forged = make_token(b"another key of 32 bytes, guessed", 42, 1, EXPIRES, 7)
        with self.assertRaises(TokenError) as caught:
            read_token(KEY, forged, datetime.date(2030, 1, 1))
        self.assertEqual(caught.exception.reason, "tampered")

    def test_malformed_links_are_refused(self):
        for text in ("", "abc", EXPECTED + "a", EXPECTED[:-1] + "1", "!" * 36):
            with self.subTest(text=text), self.assertRaises(TokenError) as caught:
                read_token(KEY, text, datetime.date(2026, 12, 1))
            self.assertEqual(caught.exception.reason, "malformed")

    def test_upper_case_link_typed_by_hand_works(self):
        claims = read_token(KEY, EXPECTED.upper(), datetime.date(2026, 12, 1))
        self.assertEqual(claims.partner_id, 42)

    def test_key_versions_sign_differently(self):
        first, second = derive_key("secret", "1"), derive_key("secret", "2")
        self.assertNotEqual(first, second)
        token = make_token(first, 42, 1, EXPIRES)
        with self.assertRaises(TokenError):
            read_token(second, token, datetime.date(2026, 12, 1))

    def test_bad_arguments_say_what_is_wrong(self):
        with self.assertRaisesRegex(ValueError, "customer and a company"):
            make_token(KEY, 0, 1, EXPIRES)
        with self.assertRaisesRegex(ValueError, "16 bytes"):
            make_token(b"short", 42, 1, EXPIRES)
        with self.assertRaisesRegex(ValueError, "no secret"):
            derive_key("")
