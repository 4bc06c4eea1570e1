import json
import logging
import time

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from ..lib import webhook_signature

_logger = logging.getLogger(__name__)


class CollectionWebhookController(http.Controller):
    """Status updates of lawyers and collection agencies.

    POST /dunning/collection/webhook/<agency partner id> with a JSON body::

        {"case_reference": "CASE/2026/00001", "agency_case_id": "AG-1",
         "status": "payment_order_requested", "note": "..."}

    signed with the agency's webhook secret (lib/webhook_signature: headers
    X-Dunning-Timestamp and X-Dunning-Signature, HMAC-SHA256 over the raw body).
    A missing signature gets 401, a wrong or stale one 403, and nothing changes.
    The status moves the case to the stage that lists it.
    """

    def _answer(self, status, **payload):
        return request.make_json_response(payload, status=status)

    @http.route(
        "/dunning/collection/webhook/<int:agency_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def collection_webhook(self, agency_id, **kwargs):
        body = request.httprequest.get_data(cache=True)
        headers = request.httprequest.headers
        signature = headers.get(webhook_signature.SIGNATURE_HEADER)
        timestamp = headers.get(webhook_signature.TIMESTAMP_HEADER)
        agency = request.env["res.partner"].sudo().browse(agency_id).exists()
        secret = agency.collection_webhook_secret if agency else False
        if not signature or not timestamp:
            return self._answer(401, error="The request is not signed.")
        if not agency or not agency.collection_agency_kind or not secret:
            return self._answer(403, error="Unknown sender.")
        try:
            webhook_signature.verify(secret, body, signature, timestamp, time.time())
        except ValueError as error:
            _logger.info(
                "Collection webhook of partner %s refused: %s", agency_id, error
            )
            return self._answer(403, error=str(error))
        try:
            payload = json.loads(body)
        except ValueError:
            return self._answer(400, error="The body is not JSON.")
        if not isinstance(payload, dict) or not payload.get("status"):
            return self._answer(400, error="The body has no status.")
        Case = request.env["dunning.collection.case"].sudo()
        domain = [("agency_id", "=", agency.id)]
        if payload.get("agency_case_id"):
            domain.append(("agency_case_id", "=", str(payload["agency_case_id"])))
        elif payload.get("case_reference"):
            domain.append(("name", "=", str(payload["case_reference"])))
        else:
            return self._answer(400, error="The body names no case.")
        case = Case.search(domain, limit=1)
        if not case:
            return self._answer(404, error="No such case handed to you.")
        try:
            stage = case._apply_agency_status(
                str(payload["status"]), str(payload.get("note") or "")
            )
        except UserError as error:
            return self._answer(422, error=str(error))
        return self._answer(200, case=case.name, stage=stage.name)
