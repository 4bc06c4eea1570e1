import base64
import hashlib
import socket
import threading

from odoo.tests import BaseCase, tagged

from ..lib.agency_client import AgencyClient, AgencyError, idempotency_key
from .http_server import local_session, serve

TOKEN = "tok_live_5f2c9e0d41"
REFERENCE = "LEG/2025/0007"
CASE_ZIP = b"PK\x03\x04 a case file, as build_case_zip makes it"


class FakeAgency:
    """What a real agency does: it checks the token, opens one case per
    Idempotency-Key and answers 409 with the existing id for a repeated key.

    ``script`` lists how to treat the next requests: "ok", "slow" (open the case
    but answer too late), "500", "503", "429", "400", "401-echo", "no-id".
    """

    def __init__(self, script=()):
        self.script = list(script)
        self.cases = {}
        self.requests = []
        self.lock = threading.Lock()
        self.release = threading.Event()

    def handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        with self.lock:
            behaviour = self.script.pop(0) if self.script else "ok"
            self.requests.append(
                {"path": handler.path, "headers": dict(handler.headers), "body": body}
            )
        if behaviour == "500":
            return 500, {"message": "Internal error"}, {}
        if behaviour == "503":
            return 503, {"message": "Maintenance"}, {}
        if behaviour == "429":
            return 429, {"message": "Slow down"}, {"Retry-After": "7"}
        if behaviour == "400":
            return 400, {"message": "Debtor fiscal code is missing"}, {}
        if behaviour == "401-echo":
            auth = handler.headers.get("Authorization")
            return 401, {"message": "Token rejected: %s" % auth}, {}
        if behaviour == "no-id":
            return 201, {"status": "received"}, {}
        if handler.headers.get("Authorization") != "Bearer %s" % TOKEN:
            return 401, {"message": "Unknown token"}, {}
        key = handler.headers.get("Idempotency-Key")
        with self.lock:
            if key in self.cases:
                status, case_id = 409, self.cases[key]
            else:
                case_id = "AG-%d" % (len(self.cases) + 1)
                self.cases[key] = case_id
                status = 201
        if behaviour == "slow":
            self.release.wait(timeout=3)  # the case is open; the answer is late
        return status, {"case_id": case_id}, {}


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibAgencyClient(BaseCase):
    def _serve(self, script=()):
        agency = FakeAgency(script)
        return agency, serve(self, agency) + "/api/v1"

    def _client(self, url, **kwargs):
        session = local_session(self)
        self.sleeps = []
        options = {
            "token": TOKEN,
            "timeout": (1.0, 1.0),
            "sleep": self.sleeps.append,
            "session": session,
        }
        options.update(kwargs)
        return AgencyClient(url, **options)

    def test_success_returns_the_agency_case_id(self):
        agency, url = self._serve()
        case_id = self._client(url).send_case(REFERENCE, CASE_ZIP)
        self.assertEqual(case_id, "AG-1")
        self.assertEqual(len(agency.requests), 1)
        sent = agency.requests[0]
        self.assertEqual(sent["path"], "/api/v1/cases")
        self.assertEqual(sent["body"], CASE_ZIP)
        headers = sent["headers"]
        self.assertEqual(headers["Authorization"], "Bearer " + TOKEN)
        self.assertEqual(headers["Content-Type"], "application/zip")
        self.assertEqual(
            headers["Idempotency-Key"],
            '"%s"' % idempotency_key(REFERENCE, hashlib.sha256(CASE_ZIP).hexdigest()),
        )
        digest = base64.b64encode(hashlib.sha256(CASE_ZIP).digest()).decode()
        self.assertEqual(headers["Content-Digest"], "sha-256=:%s:" % digest)
        self.assertEqual(self.sleeps, [])

    def test_server_error_then_success_opens_exactly_one_case(self):
        agency, url = self._serve(["500", "ok"])
        self.assertEqual(self._client(url).send_case(REFERENCE, CASE_ZIP), "AG-1")
        self.assertEqual(len(agency.cases), 1)
        self.assertEqual(len(agency.requests), 2)
        keys = {r["headers"]["Idempotency-Key"] for r in agency.requests}
        self.assertEqual(len(keys), 1)
        self.assertEqual(self.sleeps, [1.0])

    def test_timeout_then_retry_opens_exactly_one_case(self):
        """The agency opened the case but answered after the client's read
        timeout; the retry carries the same key and gets the same case back."""
        agency, url = self._serve(["slow", "ok"])
        client = self._client(url, timeout=(1.0, 0.3))
        self.assertEqual(client.send_case(REFERENCE, CASE_ZIP), "AG-1")
        self.assertEqual(len(agency.requests), 2)
        self.assertEqual(
            agency.cases, {agency.requests[0]["headers"]["Idempotency-Key"]: "AG-1"}
        )
        self.assertEqual(len(self.sleeps), 1)

    def test_sending_the_same_case_again_returns_the_existing_case(self):
        agency, url = self._serve()
        client = self._client(url)
        self.assertEqual(client.send_case(REFERENCE, CASE_ZIP), "AG-1")
        self.assertEqual(client.send_case(REFERENCE, CASE_ZIP), "AG-1")
        self.assertEqual(len(agency.cases), 1)
        # A changed case file is a new case, on purpose.
        self.assertEqual(client.send_case(REFERENCE, CASE_ZIP + b"!"), "AG-2")

    def test_refusal_is_not_retried_and_gives_their_message(self):
        agency, url = self._serve(["400"])
        with self.assertRaises(AgencyError) as caught:
            self._client(url).send_case(REFERENCE, CASE_ZIP)
        self.assertEqual(
            str(caught.exception),
            "The agency refused the case (400): Debtor fiscal code is missing",
        )
        self.assertEqual(caught.exception.status, 400)
        self.assertEqual(len(agency.requests), 1)
        self.assertEqual(agency.cases, {})
        self.assertEqual(self.sleeps, [])

    def test_token_never_appears_in_errors(self):
        agency, url = self._serve(["401-echo"])
        client = self._client(url)
        with self.assertRaises(AgencyError) as caught:
            client.send_case(REFERENCE, CASE_ZIP)
        message = str(caught.exception)
        self.assertIn("The agency refused the case (401): Token rejected", message)
        self.assertIn("Check the agency's access token", message)
        self.assertNotIn(TOKEN, message)
        self.assertNotIn(TOKEN, repr(client))
        self.assertEqual(len(agency.requests), 1)

    def test_answer_without_case_id_is_an_error(self):
        agency, url = self._serve(["no-id"])
        with self.assertRaisesRegex(
            AgencyError, "The agency answered 201 but gave no case id"
        ):
            self._client(url).send_case(REFERENCE, CASE_ZIP)
        self.assertEqual(len(agency.requests), 1)

    def test_gives_up_after_the_attempts_with_back_off(self):
        agency, url = self._serve(["503"] * 4)
        with self.assertRaises(AgencyError) as caught:
            self._client(url).send_case(REFERENCE, CASE_ZIP)
        self.assertTrue(
            str(caught.exception).startswith(
                "The agency did not answer after 4 attempts (the last answer was "
                "503: Maintenance)"
            ),
            str(caught.exception),
        )
        self.assertTrue(caught.exception.retryable)
        self.assertEqual(len(agency.requests), 4)
        self.assertEqual(self.sleeps, [1.0, 2.0, 4.0])

    def test_too_many_requests_waits_as_asked(self):
        agency, url = self._serve(["429", "ok"])
        self.assertEqual(self._client(url).send_case(REFERENCE, CASE_ZIP), "AG-1")
        self.assertEqual(self.sleeps, [7.0])
        self.assertEqual(len(agency.cases), 1)

    def test_unreachable_agency_is_retried_then_reported(self):
        with socket.socket() as probe:  # a port on this machine nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        client = self._client("http://127.0.0.1:%s" % port, attempts=3)
        with self.assertRaisesRegex(
            AgencyError,
            "did not answer after 3 attempts \\(the last attempt could not connect\\)",
        ):
            client.send_case(REFERENCE, CASE_ZIP)
        self.assertEqual(self.sleeps, [1.0, 2.0])

    def test_configuration_errors_say_what_to_fix(self):
        with self.assertRaisesRegex(ValueError, "must start with https://"):
            AgencyClient("http://agency.example/api", token=TOKEN)
        with self.assertRaisesRegex(ValueError, "Set the agency's access token"):
            AgencyClient("https://agency.example/api", token="")
        with self.assertRaisesRegex(ValueError, "not a web address"):
            AgencyClient("agency.example", token=TOKEN)
