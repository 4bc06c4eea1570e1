"""Signature of the webhooks exchanged with a lawyer or a collection agency.

Pure Python, no ORM: the webhook controller passes the raw body and the two
headers; this module says whether they are genuine.

Format (HMAC, RFC 2104, with SHA-256, FIPS 180-4)::

    X-Dunning-Timestamp: 1735689600
    X-Dunning-Signature: sha256=<64 lowercase hex digits>

    signature = HMAC-SHA256(secret, f"{timestamp}.".encode() + body)

The timestamp is Unix time in seconds, and it is signed with the body, so an
old message replayed later fails the freshness check (default tolerance 300 s,
either way, for clocks a little apart). During a change of secret the sender
may send several signatures separated by commas
(``sha256=<hex>,sha256=<hex>``); one valid signature is enough.

The body must be the exact bytes received, before any JSON parsing. The
comparison is constant-time (hmac.compare_digest), so timing does not reveal
how much of a forged signature was right.
"""

import hashlib
import hmac
import re

SIGNATURE_HEADER = "X-Dunning-Signature"
TIMESTAMP_HEADER = "X-Dunning-Timestamp"
SCHEME = "sha256"
DEFAULT_TOLERANCE = 300

_SIGNATURE = re.compile(r"sha256=([0-9a-f]{64})")


def _key(secret: str | bytes) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not secret:
        raise ValueError("Set the webhook secret shared with the agency.")
    return secret


def _digest(secret: str | bytes, body: bytes, timestamp: int) -> str:
    message = ("%d." % timestamp).encode("ascii") + bytes(body)
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, timestamp: int) -> str:
    """Value of the X-Dunning-Signature header for ``body`` sent at ``timestamp``.

    Returns ``"sha256=<hex>"``, the HMAC-SHA256 of ``f"{timestamp}.".encode() +
    body`` keyed with ``secret``.
    """
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise ValueError("The timestamp must be whole seconds since 1970.")
    return "%s=%s" % (SCHEME, _digest(secret, body, timestamp))


def verify(
    secret: str | bytes,
    body: bytes,
    signature_header: str | None,
    timestamp_header: str | None,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE,
) -> None:
    """Raise ValueError unless the webhook is signed with ``secret`` and fresh.

    :param body: the raw request body, as received.
    :param signature_header: the X-Dunning-Signature value (None if absent).
    :param timestamp_header: the X-Dunning-Timestamp value (None if absent).
    :param now: the current Unix time in seconds.
    :param tolerance: how many seconds the timestamp may be off, either way.
    """
    if tolerance <= 0:
        raise ValueError("The webhook tolerance must be more than 0 seconds.")
    if not signature_header or not signature_header.strip():
        raise ValueError(
            "The webhook has no %s header: it was not signed." % SIGNATURE_HEADER
        )
    if not timestamp_header or not timestamp_header.strip():
        raise ValueError(
            "The webhook has no %s header: it cannot be checked for replay."
            % TIMESTAMP_HEADER
        )
    text = timestamp_header.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise ValueError(
            "The webhook's %s header is malformed: expected whole seconds since "
            "1970." % TIMESTAMP_HEADER
        )
    timestamp = int(text)
    candidates = []
    for part in signature_header.split(","):
        match = _SIGNATURE.fullmatch(part.strip())
        if match is None:
            raise ValueError(
                "The webhook's %s header is malformed: expected "
                "'sha256=<64 lowercase hex digits>'." % SIGNATURE_HEADER
            )
        candidates.append(match.group(1))
    expected = _digest(secret, body, timestamp)
    # Compare with every candidate, without stopping early.
    matches = [hmac.compare_digest(expected, given) for given in candidates]
    if not any(matches):
        raise ValueError(
            "The webhook's signature is wrong: it was not sent by the agency, or "
            "it was changed on the way, or the shared secret differs."
        )
    if abs(now - timestamp) > tolerance:
        raise ValueError(
            "The webhook is %d seconds old, more than the %d allowed: it may be "
            "a replay, or the clocks differ." % (now - timestamp, tolerance)
            if now >= timestamp
            else "The webhook is dated %d seconds in the future, more than the %d "
            "allowed: check the clocks." % (timestamp - now, tolerance)
        )
