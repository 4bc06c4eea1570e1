"""The agency webhook of issue 11: replays, backward stages, closing and
reopening statuses, bodies too large to read, and one answer for an unknown
agency and a wrong signature. Over real HTTP, on the server the test runs."""

import json
import socket
import time

from odoo.tests import HttpCase, tagged

from ..controllers.collection_webhook import MAX_BODY_BYTES, NOT_VALID
from ..lib import webhook_signature
from .common import d
from .test_collection_case import CollectionCommon

SECRET = "whsec_6b1f0c2a9e"
OTHER_SECRET = "whsec_other_company_77"


@tagged("post_install", "-at_install")
class TestWebhookSecurity(CollectionCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agency = cls.env["res.partner"].create(
            {
                "name": "Recupero Crediti Nord S.r.l.",
                "is_company": True,
                "collection_agency_kind": "agency",
                "collection_handoff_channel": "email",
                "email": "casi@recuperonord.example.com",
                "collection_webhook_secret": SECRET,
            }
        )
        cls.stage_order.agency_status_codes = "payment_order_requested"
        cls.stage_handed.agency_status_codes = "accepted"
        cls.stage_paid.agency_status_codes = "paid"

    def setUp(self):
        super().setUp()
        self.invoice = self._invoice(
            self.customer, 1000.0, d("2026-01-01"), d("2026-01-31")
        )
        self.case = self._open_case(self.invoice)
        self.case.write({"agency_id": self.agency.id, "agency_case_id": "AG-77"})
        self.url = "/dunning/collection/webhook/%s" % self.agency.id

    def _post(self, payload, secret=SECRET, url=None, stamp=None):
        body = json.dumps(payload).encode()
        stamp = stamp or int(time.time())
        headers = {
            "Content-Type": "application/json",
            webhook_signature.TIMESTAMP_HEADER: str(stamp),
            webhook_signature.SIGNATURE_HEADER: webhook_signature.sign(
                secret, body, stamp
            ),
        }
        return self.url_open(url or self.url, data=body, headers=headers)

    def _update(self, event_id, status, **extra):
        return self._post(
            {
                "event_id": event_id,
                "agency_case_id": "AG-77",
                "status": status,
                **extra,
            }
        )

    def _stage(self):
        self.case.invalidate_recordset()
        return self.case.stage_id

    def test_a_replayed_event_is_refused_and_changes_nothing(self):
        response = self._update("evt-1", "payment_order_requested")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._stage(), self.stage_order)
        logs = len(self.case.stage_log_ids)
        # The same signed request again, within the freshness window.
        response = self._update("evt-1", "payment_order_requested")
        self.assertEqual(response.status_code, 409)
        self.assertIn("received before", response.json()["error"])
        self.case.invalidate_recordset()
        self.assertEqual(len(self.case.stage_log_ids), logs)
        events = self.env["dunning.collection.webhook.event"].search(
            [("agency_id", "=", self.agency.id)]
        )
        self.assertEqual(events.mapped("outcome"), ["applied"])

    def test_a_backward_stage_is_refused(self):
        self._update("evt-1", "payment_order_requested")
        response = self._update("evt-2", "accepted")  # handed over: before
        self.assertEqual(response.status_code, 422)
        self.assertIn("only move forward", response.json()["error"])
        self.assertEqual(self._stage(), self.stage_order)

    def test_paid_with_money_due_is_proposed_not_applied(self):
        response = self._update("evt-1", "paid", note="Debtor paid us in cash")
        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.json()["proposed"], self.stage_paid.name)
        self.case.invalidate_recordset()
        self.assertFalse(self.case.is_closed)
        self.assertEqual(self.case.amount_residual, 1000.0)
        manager = self.company._dunning_credit_manager()
        todo = self.case.activity_ids.filtered(
            lambda a: self.stage_paid.name in (a.summary or "")
        )
        self.assertEqual(todo.user_id, manager)
        self.assertIn("register the payment", str(todo.note))

    def test_a_closed_case_is_not_reopened(self):
        self._pay(self.invoice, 1000.0, d("2026-03-09"))
        self.case.action_check_payments()
        self.assertEqual(self._stage(), self.stage_paid)
        response = self._update("evt-1", "payment_order_requested")
        self.assertEqual(response.status_code, 202)
        self.assertEqual(self._stage(), self.stage_paid)
        self.assertTrue(self.case.is_closed)

    def test_an_event_without_id_is_refused(self):
        response = self._post({"agency_case_id": "AG-77", "status": "accepted"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._stage(), self.stage_notice)

    def test_unknown_agency_and_wrong_signature_get_the_same_answer(self):
        payload = {"event_id": "evt-1", "agency_case_id": "AG-77", "status": "paid"}
        wrong = self._post(payload, secret="not-the-secret")
        unknown = self._post(
            payload, url="/dunning/collection/webhook/%s" % (self.agency.id + 10**6)
        )
        not_agency = self._post(
            payload, url="/dunning/collection/webhook/%s" % self.customer.id
        )
        for response in (wrong, unknown, not_agency):
            self.assertEqual(response.status_code, 403)
            self.assertEqual(response.json(), {"error": NOT_VALID})
        self.assertEqual(self._stage(), self.stage_notice)

    def test_secret_of_another_company_moves_only_that_companys_cases(self):
        other = self.setup_other_company(name="Altra Azienda S.r.l.")["company"]
        self.agency.with_company(other).collection_webhook_secret = OTHER_SECRET
        payload = {
            "event_id": "evt-1",
            "agency_case_id": "AG-77",
            "status": "payment_order_requested",
        }
        # Signed with the other company's secret: no case of this company.
        self.assertEqual(self._post(payload, secret=OTHER_SECRET).status_code, 404)
        self.assertEqual(self._stage(), self.stage_notice)
        self.assertEqual(self._post(payload).status_code, 200)
        self.assertEqual(self._stage(), self.stage_order)

    def _raw_post(self, headers, body=b""):
        """Send the request line and headers (and ``body``) on a socket; the
        status line of the answer, read within 5 seconds."""
        lines = ["POST %s HTTP/1.1" % self.url, "Host: 127.0.0.1"]
        lines += ["%s: %s" % item for item in headers.items()]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        with socket.create_connection(("127.0.0.1", self.http_port()), 5) as sock:
            sock.settimeout(5)
            sock.sendall(request)
            answer = b""
            while b"\r\n" not in answer:
                chunk = sock.recv(1024)
                if not chunk:
                    break
                answer += chunk
        return answer.split(b"\r\n", 1)[0].decode()

    def test_an_oversized_unsigned_body_is_refused_without_reading_it(self):
        # 127 MB announced, none sent: reading it would wait for the timeout.
        size = 127 * 1024 * 1024
        started = time.monotonic()
        status = self._raw_post(
            {"Content-Type": "application/json", "Content-Length": size}
        )
        self.assertIn(" 413 ", status)
        status = self._raw_post(
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Content-Length": size,
            }
        )
        self.assertIn(" 413 ", status)
        # Signed, but larger than the limit: refused before reading.
        stamp = int(time.time())
        status = self._raw_post(
            {
                "Content-Type": "application/json",
                "Content-Length": MAX_BODY_BYTES + 1,
                webhook_signature.TIMESTAMP_HEADER: stamp,
                webhook_signature.SIGNATURE_HEADER: webhook_signature.sign(
                    SECRET, b"{}", stamp
                ),
            }
        )
        self.assertIn(" 413 ", status)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(self._stage(), self.stage_notice)
