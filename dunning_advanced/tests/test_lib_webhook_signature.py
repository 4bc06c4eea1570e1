from odoo.tests import BaseCase, tagged

from ..lib.webhook_signature import sign, verify

SECRET = "whsec_test"
BODY = b'{"case_id":"AG-1","status":"accepted"}'
SENT_AT = 1735689600  # 2025-01-01 00:00:00 UTC
# Worked example computed apart from this module, with
# printf '%s' '1735689600.{"case_id":"AG-1","status":"accepted"}' \
#   | openssl dgst -sha256 -hmac whsec_test
EXPECTED = "sha256=f6cb10648db231950cbf3458e1a47427413ac0189566640ec7a5b78feba61dc0"


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibWebhookSignature(BaseCase):
    def test_sign_matches_the_worked_example(self):
        self.assertEqual(sign(SECRET, BODY, SENT_AT), EXPECTED)
        self.assertEqual(sign(SECRET.encode(), BODY, SENT_AT), EXPECTED)

    def test_good_signature_within_tolerance_passes(self):
        for now in (SENT_AT, SENT_AT + 300, SENT_AT - 300):
            with self.subTest(now=now):
                self.assertIsNone(verify(SECRET, BODY, EXPECTED, str(SENT_AT), now))

    def test_signature_made_with_another_secret_fails(self):
        forged = sign("guessed-secret", BODY, SENT_AT)
        with self.assertRaisesRegex(ValueError, "signature is wrong"):
            verify(SECRET, BODY, forged, str(SENT_AT), SENT_AT + 1)

    def test_changed_body_fails(self):
        tampered = BODY.replace(b"accepted", b"closed")
        with self.assertRaisesRegex(ValueError, "signature is wrong"):
            verify(SECRET, tampered, EXPECTED, str(SENT_AT), SENT_AT + 1)

    def test_refreshed_timestamp_on_a_replay_fails(self):
        """Replaying an old message with a new timestamp header breaks the
        signature, because the timestamp is signed with the body."""
        later = SENT_AT + 3600
        with self.assertRaisesRegex(ValueError, "signature is wrong"):
            verify(SECRET, BODY, EXPECTED, str(later), later)

    def test_stale_message_is_refused_as_a_replay(self):
        with self.assertRaisesRegex(
            ValueError, "301 seconds old, more than the 300 allowed: it may be a replay"
        ):
            verify(SECRET, BODY, EXPECTED, str(SENT_AT), SENT_AT + 301)
        with self.assertRaisesRegex(ValueError, "in the future"):
            verify(SECRET, BODY, EXPECTED, str(SENT_AT), SENT_AT - 301)

    def test_missing_headers_fail(self):
        for header in (None, "", "  "):
            with self.subTest(header=header):
                with self.assertRaisesRegex(
                    ValueError, "no X-Dunning-Signature header"
                ):
                    verify(SECRET, BODY, header, str(SENT_AT), SENT_AT)
                with self.assertRaisesRegex(
                    ValueError, "no X-Dunning-Timestamp header"
                ):
                    verify(SECRET, BODY, EXPECTED, header, SENT_AT)

    def test_malformed_headers_fail(self):
        hex_digits = EXPECTED.removeprefix("sha256=")
        for header in (
            hex_digits,
            "sha1=" + hex_digits,
            "sha256=" + hex_digits[:-1],
            "sha256=" + hex_digits.upper(),
            "sha256=" + hex_digits + ",garbage",
        ):
            with self.subTest(header=header):
                with self.assertRaisesRegex(
                    ValueError, "Signature header is malformed"
                ):
                    verify(SECRET, BODY, header, str(SENT_AT), SENT_AT)
        for stamp in ("1735689600.5", "-1", "soon", "١٧٣٥٦٨٩٦٠٠"):
            with self.subTest(stamp=stamp):
                with self.assertRaisesRegex(
                    ValueError, "Timestamp header is malformed"
                ):
                    verify(SECRET, BODY, EXPECTED, stamp, SENT_AT)

    def test_one_valid_signature_among_several_passes_during_secret_rotation(self):
        old = sign("old-secret", BODY, SENT_AT)
        verify(SECRET, BODY, "%s, %s" % (old, EXPECTED), str(SENT_AT), SENT_AT)
        with self.assertRaisesRegex(ValueError, "signature is wrong"):
            verify("another", BODY, "%s,%s" % (old, EXPECTED), str(SENT_AT), SENT_AT)

    def test_empty_secret_is_refused(self):
        with self.assertRaisesRegex(ValueError, "Set the webhook secret"):
            sign("", BODY, SENT_AT)
