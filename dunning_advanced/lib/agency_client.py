"""Send a collection case to a lawyer's or a collection agency's REST endpoint.

Pure Python, no ORM: the model builds the case file ZIP (:mod:`.case_file`) and
calls :meth:`AgencyClient.send_case`, which returns the agency's case id.

The request::

    POST {base_url}/cases
    Authorization: Bearer <token>                 (RFC 6750)
    Content-Type: application/zip
    Idempotency-Key: "<sha256 of reference and case file checksum>"
    Content-Digest: sha-256=:<base64 sha256 of the body>:     (RFC 9530)
    X-Case-Reference: <reference>

    201/200 {"case_id": "..."}   the case was created
    409     {"case_id": "..."}   the agency already has this case: its id
    429, 5xx, timeouts, connection errors    retried with exponential back-off
    any other 4xx                            refused, never retried

Idempotency (IETF draft-ietf-httpapi-idempotency-key-header, where the value
is a quoted Structured Field string, RFC 8941): the key depends
only on the case reference and the checksum of the case file, so a retry after
a timeout, or a second click a day later, carries the same key and never opens
a second case at the agency. A changed case file (new invoice, new document)
gets a new key, on purpose.

Errors raise :class:`AgencyError` with a message a user can act on. The token
never appears in a message or a repr.
"""

import base64
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from .http_retry import LOCAL_HOSTS, RETRY_STATUSES, backoff_delays, retry_after


class AgencyError(Exception):
    """The agency refused the case or could not be reached.

    ``status`` is the HTTP status of the last answer (None when there was
    none); ``retryable`` tells whether sending again later may help.
    """

    def __init__(self, message: str, status: int | None = None, retryable=False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


def idempotency_key(reference: str, case_file_checksum: str) -> str:
    """Idempotency-Key of a case: SHA-256 hex of its reference and checksum.

    A hash keeps the header ASCII whatever the reference holds, and the same
    case file always gives the same key.
    """
    if not reference or not case_file_checksum:
        raise ValueError("A case needs a reference and a case file to be sent.")
    seed = "dunning-case\n%s\n%s" % (reference, case_file_checksum.lower())
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


@dataclass
class AgencyClient:
    """Client of one agency's endpoint.

    :param base_url: e.g. ``https://api.agency.example/v1``; https is required
        except on this machine (tests, local bridges).
    :param token: the bearer token the agency gave; never shown.
    :param timeout: (connect, read) seconds for each attempt.
    :param attempts: tries in all, the first included.
    :param backoff: wait before the second try, doubled after each failure and
        capped at ``max_backoff``; a Retry-After in seconds is honoured up to
        that cap.
    :param sleep: how to wait (tests pass a no-op).
    """

    base_url: str
    token: str = field(repr=False)
    timeout: tuple[float, float] = (5.0, 30.0)
    attempts: int = 4
    backoff: float = 1.0
    max_backoff: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session | None = field(default=None, repr=False)
    cases_path: str = "/cases"

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "The agency URL %r is not a web address: it must start with "
                "https://." % self.base_url
            )
        if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
            raise ValueError(
                "The agency URL must start with https:// so the case and the "
                "token travel encrypted."
            )
        if parts.username or parts.password:
            raise ValueError(
                "Put the agency's credentials in the token, not in the URL."
            )
        if not self.token or any(char in self.token for char in "\r\n"):
            raise ValueError("Set the agency's access token (one line of text).")
        if self.attempts < 1:
            raise ValueError("The client must try at least once.")
        if min(self.timeout) <= 0:
            raise ValueError("Timeouts must be more than 0 seconds.")

    def __repr__(self) -> str:  # never shows the token
        return "AgencyClient(base_url=%r, token='***')" % self.base_url

    # ----------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        """``text`` without the token, whatever echoed it."""
        return text.replace(self.token, "***") if self.token else text

    def _headers(self, reference: str, body: bytes, key: str) -> dict[str, str]:
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
        return {
            "Authorization": "Bearer %s" % self.token,
            "Content-Type": "application/zip",
            "Accept": "application/json",
            "Idempotency-Key": '"%s"' % key,
            "Content-Digest": "sha-256=:%s:" % digest,
            "X-Case-Reference": reference.encode("ascii", "replace").decode(),
        }

    def _their_message(self, response: requests.Response) -> str:
        """The agency's explanation, from its JSON or its text, kept short."""
        message = ""
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            for key in ("message", "error", "detail", "title"):
                if isinstance(payload.get(key), str) and payload[key].strip():
                    message = payload[key].strip()
                    break
        if not message:
            message = (response.text or "").strip() or response.reason or "no reason"
        message = " ".join(message.split())
        if len(message) > 300:
            message = message[:297] + "..."
        return self._scrub(message)

    def _case_id(self, response: requests.Response) -> str:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        case_id = payload.get("case_id") if isinstance(payload, dict) else None
        if isinstance(case_id, int) and not isinstance(case_id, bool):
            case_id = str(case_id)
        if not isinstance(case_id, str) or not case_id.strip():
            raise AgencyError(
                "The agency answered %s but gave no case id; ask them for it "
                "before sending the case again." % response.status_code,
                status=response.status_code,
            )
        return case_id.strip()

    def send_case(self, reference: str, case_zip: bytes) -> str:
        """Send the case file ZIP and return the agency's case id.

        Retries on 429, 5xx, timeouts and connection errors only, with the same
        Idempotency-Key each time; a 409 means the agency already has the case
        and gives back its id.
        """
        if not isinstance(case_zip, bytes | bytearray) or not case_zip:
            raise ValueError("There is no case file to send: build it first.")
        body = bytes(case_zip)
        key = idempotency_key(reference, hashlib.sha256(body).hexdigest())
        url = self.base_url.rstrip("/") + "/" + self.cases_path.lstrip("/")
        headers = self._headers(reference, body, key)
        session = requests.Session() if self.session is None else self.session
        delays = backoff_delays(self.attempts, self.backoff, self.max_backoff)
        last_problem = ""
        try:
            for attempt in range(self.attempts):
                wait = delays[attempt] if attempt < len(delays) else 0.0
                try:
                    response = session.post(
                        url,
                        data=body,
                        headers=headers,
                        timeout=self.timeout,
                        allow_redirects=False,
                    )
                except requests.Timeout:
                    last_problem = "the last attempt timed out"
                except requests.exceptions.SSLError:
                    raise AgencyError(
                        "The secure connection to the agency failed (certificate "
                        "or TLS problem): check the agency URL with the agency."
                    ) from None
                except (
                    requests.ConnectionError,
                    requests.exceptions.ChunkedEncodingError,
                ):
                    last_problem = "the last attempt could not connect"
                else:
                    status = response.status_code
                    if status in (200, 201, 202, 409):
                        # 409: the agency already has the case under this key.
                        return self._case_id(response)
                    if status not in RETRY_STATUSES:
                        raise self._refusal(response)
                    last_problem = "the last answer was %s: %s" % (
                        status,
                        self._their_message(response),
                    )
                    wait = max(wait, retry_after(response, self.max_backoff) or 0)
                if attempt + 1 < self.attempts:
                    self.sleep(wait)
        finally:
            if self.session is None:
                session.close()
        raise AgencyError(
            "The agency did not answer after %s attempts (%s). Try again later: "
            "sending the same case again cannot open a second one."
            % (self.attempts, last_problem),
            retryable=True,
        )

    def _refusal(self, response: requests.Response) -> AgencyError:
        status = response.status_code
        if 300 <= status < 400:
            return AgencyError(
                "The agency's address redirects (%s) elsewhere: update the agency "
                "URL." % status,
                status=status,
            )
        message = "The agency refused the case (%s): %s" % (
            status,
            self._their_message(response),
        )
        if status in (401, 403):
            message += ". Check the agency's access token."
        return AgencyError(message, status=status)
