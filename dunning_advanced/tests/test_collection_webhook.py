import json
import time

from odoo.tests import HttpCase, tagged

from ..lib import webhook_signature
from .common import d
from .test_collection_case import CollectionCommon

SECRET = "whsec_6b1f0c2a9e"


@tagged("post_install", "-at_install")
class TestCollectionWebhook(CollectionCommon, HttpCase):
    def setUp(self):
        super().setUp()
        self.agency = self.env["res.partner"].create(
            {
                "name": "Recupero Crediti Nord S.r.l.",
                "is_company": True,
                "collection_agency_kind": "agency",
                "collection_handoff_channel": "email",
                "email": "casi@recuperonord.example.com",
                "collection_webhook_secret": SECRET,
            }
        )
        invoice = self._invoice(self.customer, 1000.0, d("2026-01-01"), d("2026-01-31"))
        self.case = self._open_case(invoice)
        self.case.write({"agency_id": self.agency.id, "agency_case_id": "AG-77"})
        self.url = "/dunning/collection/webhook/%s" % self.agency.id

    def _post(self, payload, secret=SECRET, signed=True, timestamp=None):
        self._events = getattr(self, "_events", 0) + 1
        payload = {"event_id": "evt-%d" % self._events, **payload}
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signed:
            stamp = timestamp or int(time.time())
            headers[webhook_signature.TIMESTAMP_HEADER] = str(stamp)
            headers[webhook_signature.SIGNATURE_HEADER] = webhook_signature.sign(
                secret, body, stamp
            )
        return self.url_open(self.url, data=body, headers=headers)

    def _state(self):
        self.case.invalidate_recordset()
        return self.case.stage_id, len(self.case.stage_log_ids)

    def test_signed_status_moves_the_case_and_logs_it(self):
        response = self._post(
            {
                "agency_case_id": "AG-77",
                "status": "payment_order_requested",
                "note": "Filed at Tribunale di Torino",
            }
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {"case": self.case.name, "stage": "Payment order requested"},
        )
        stage, count = self._state()
        self.assertEqual(stage, self.stage_order)
        self.assertEqual(count, 2)  # opening + this move
        log = self.case.stage_log_ids.sorted("id")[-1]
        self.assertEqual(log.source, "agency")
        self.assertEqual(log.stage_from_id, self.stage_notice)
        self.assertIn("payment_order_requested", log.note)
        self.assertIn("Filed at Tribunale di Torino", log.note)

    def test_missing_or_wrong_signature_is_refused_and_changes_nothing(self):
        before = self._state()
        payload = {"agency_case_id": "AG-77", "status": "enforcement"}
        self.assertEqual(self._post(payload, signed=False).status_code, 401)
        self.assertEqual(self._post(payload, secret="not-the-secret").status_code, 403)
        stale = int(time.time()) - 3600  # an hour-old message replayed
        self.assertEqual(self._post(payload, timestamp=stale).status_code, 403)
        self.assertEqual(self._state(), before)
        self.assertEqual(before[0], self.stage_notice)

    def test_status_that_books_a_loss_is_not_applied(self):
        self.stage_written_off.agency_status_codes = "uncollectible"
        response = self._post({"agency_case_id": "AG-77", "status": "uncollectible"})
        # Proposed to a credit manager, not applied.
        self.assertEqual(response.status_code, 202)
        self.assertEqual(self._state()[0], self.stage_notice)
        self.assertFalse(self.case.writeoff_move_id)
        self.assertTrue(
            any(
                self.stage_written_off.name in (activity.summary or "")
                for activity in self.case.activity_ids
            )
        )
