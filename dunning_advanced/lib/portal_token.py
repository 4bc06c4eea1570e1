"""Signed, expiring links to a customer's payment page.

Pure Python, no ORM: the model passes the key and the ids; the controller
passes the token it received and today's date.

A token opens the page of one customer (commercial partner) in one company,
without a login, until its expiry day. It carries those ids itself, signed
with HMAC-SHA256 (RFC 2104, FIPS 180-4), so nothing in the address can be
changed to see another customer: a changed character breaks the signature.
It is short enough to be printed under a QR code and typed by hand:

    payload = partner id (4 bytes) | reminder id (4) | company id (2)
              | expiry day, days since 2000-01-01 (2)           big-endian
    mac     = HMAC-SHA256(key, "dunning-portal-v1" | payload), first 10 bytes
    token   = base32(payload | mac), lower case, no padding: 36 characters

The reminder id (0 for none) only says which reminder the page was opened
from, for the statistics. 80 bits of MAC leave no room for guessing through
a rate-limited page. The MAC is compared in constant time
(hmac.compare_digest) before the expiry is even looked at, so a forged token
is told apart from an expired genuine one without giving timing hints.
"""

import base64
import binascii
import datetime
import hashlib
import hmac
import struct
from dataclasses import dataclass

SCOPE = b"dunning-portal-v1"
EPOCH = datetime.date(2000, 1, 1)
_PAYLOAD = struct.Struct(">IIHH")
MAC_BYTES = 10
TOKEN_BYTES = _PAYLOAD.size + MAC_BYTES
TOKEN_LENGTH = 36  # base32 of 22 bytes, without padding
MAX_DAY = EPOCH + datetime.timedelta(days=0xFFFF)


class TokenError(ValueError):
    """A token that opens nothing; ``reason`` is ``malformed``, ``tampered``
    or ``expired``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class PortalClaims:
    """What a genuine token says: whose page, from which reminder, until when."""

    partner_id: int
    company_id: int
    communication_id: int
    expires_on: datetime.date


def _key(key: bytes) -> bytes:
    if not key or len(key) < 16:
        raise ValueError(
            "The key signing the customer links must be 16 bytes at least."
        )
    return bytes(key)


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(_key(key), SCOPE + payload, hashlib.sha256).digest()[:MAC_BYTES]


def make_token(
    key: bytes,
    partner_id: int,
    company_id: int,
    expires_on: datetime.date,
    communication_id: int = 0,
) -> str:
    """The token of ``partner_id``'s page in ``company_id``, valid up to and
    including ``expires_on``."""
    if not 0 < partner_id <= 0xFFFFFFFF or not 0 < company_id <= 0xFFFF:
        raise ValueError("A customer link needs a customer and a company.")
    if not 0 <= communication_id <= 0xFFFFFFFF:
        raise ValueError("The reminder of a customer link is not a record id.")
    if not EPOCH <= expires_on <= MAX_DAY:
        raise ValueError(
            "A customer link expires between %s and %s, not on %s."
            % (EPOCH, MAX_DAY, expires_on)
        )
    day = (expires_on - EPOCH).days
    payload = _PAYLOAD.pack(partner_id, communication_id, company_id, day)
    return _encode(payload + _mac(key, payload))


def _encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def read_token(key: bytes, token: str, today: datetime.date) -> PortalClaims:
    """The claims of a genuine token still valid on ``today``; TokenError
    saying why not otherwise."""
    text = (token or "").strip()
    if len(text) != TOKEN_LENGTH:
        raise TokenError("malformed", "This link is incomplete.")
    try:
        raw = base64.b32decode(text.upper() + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise TokenError("malformed", "This link is not one of ours.") from None
    if len(raw) != TOKEN_BYTES or _encode(raw) != text.lower():
        # The last character carries 4 unused bits: only the one spelling
        # this module writes is a link (no two addresses for one token).
        raise TokenError("malformed", "This link is not one of ours.")
    payload, mac = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
    if not hmac.compare_digest(_mac(key, payload), mac):
        raise TokenError("tampered", "This link is not one of ours.")
    partner_id, communication_id, company_id, day = _PAYLOAD.unpack(payload)
    expires_on = EPOCH + datetime.timedelta(days=day)
    if today > expires_on:
        raise TokenError("expired", "This link expired on %s." % expires_on)
    return PortalClaims(
        partner_id=partner_id,
        company_id=company_id,
        communication_id=communication_id,
        expires_on=expires_on,
    )


def derive_key(secret: str | bytes, version: str = "1") -> bytes:
    """The signing key of the customer links from a server secret (Odoo's
    ``database.secret``); changing ``version`` voids every link given out."""
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not secret:
        raise ValueError("The database has no secret to sign customer links with.")
    label = b"dunning-portal-key:" + str(version).encode("utf-8")
    return hmac.new(secret, label, hashlib.sha256).digest()
