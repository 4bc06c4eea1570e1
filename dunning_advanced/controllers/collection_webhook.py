import json
import logging
import time

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from ..lib import webhook_signature

_logger = logging.getLogger(__name__)

# A status update is a few hundred bytes; nothing larger is read.
MAX_BODY_BYTES = 64 * 1024
MAX_EVENT_ID_LENGTH = 128
# One answer for an unknown agency and a wrong signature: a caller without
# the secret learns nothing about which agencies exist.
NOT_VALID = "The signature is missing, wrong or expired."


class CollectionWebhookController(http.Controller):
    """Status updates of lawyers and collection agencies.

    POST /dunning/collection/webhook/<agency partner id> with a JSON body of at
    most 64 KiB::

        {"event_id": "evt_0001", "case_reference": "CASE/2026/00001",
         "agency_case_id": "AG-1", "status": "payment_order_requested",
         "note": "..."}

    signed with the webhook secret the agency has with the case's company
    (lib/webhook_signature: headers X-Dunning-Timestamp and
    X-Dunning-Signature, HMAC-SHA256 over the raw body). In order:

    - no signature headers: 401, before the body is read;
    - a body over 64 KiB (or of unknown length): 413 (411), never read;
    - a wrong or stale signature, or an unknown agency: 403, same answer;
    - not JSON, no status, no event id, no case named: 400;
    - an event id received before: 409, nothing changes;
    - no such case handed to this agency: 404;
    - an unknown status, or a stage before the current one: 422;
    - a status that would close the case (paid, settled, written off) or
      touch a closed case: 202, proposed to a credit manager as a to-do;
    - otherwise: 200, the case moves forward to the stage listing the status.
    """

    def _answer(self, status, **payload):
        return request.make_json_response(payload, status=status)

    def _agency_secrets(self, agency_id):
        """[(company, secret)] of the agency, one per company that set one."""
        agency = request.env["res.partner"].sudo().browse(agency_id).exists()
        if not agency or not agency.collection_agency_kind:
            return agency, []
        companies = request.env["res.company"].sudo().search([])
        secrets = []
        for company in companies:
            secret = agency.with_company(company).collection_webhook_secret
            if secret:
                secrets.append((company, secret))
        return agency, secrets

    @http.route(
        "/dunning/collection/webhook/<int:agency_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        # werkzeug answers 413 to a longer Content-Length before reading it,
        # also when Odoo parses a form body ahead of this method.
        max_content_length=MAX_BODY_BYTES,
    )
    def collection_webhook(self, agency_id, **kwargs):
        httprequest = request.httprequest
        headers = httprequest.headers
        signature = headers.get(webhook_signature.SIGNATURE_HEADER)
        timestamp = headers.get(webhook_signature.TIMESTAMP_HEADER)
        if not signature or not timestamp:
            return self._answer(401, error="The request is not signed.")
        length = httprequest.content_length
        if length is None:
            return self._answer(411, error="Send the body with a Content-Length.")
        if length > MAX_BODY_BYTES:
            return self._answer(
                413, error="The body is larger than %d bytes." % MAX_BODY_BYTES
            )
        body = httprequest.get_data(cache=True)
        agency, secrets = self._agency_secrets(agency_id)
        company = None
        now = time.time()
        for candidate, secret in secrets:
            try:
                webhook_signature.verify(secret, body, signature, timestamp, now)
            except ValueError as error:
                _logger.info(
                    "Collection webhook of partner %s refused for %s: %s",
                    agency_id,
                    candidate.name,
                    error,
                )
                continue
            company = candidate
            break
        if company is None:
            if not secrets:
                _logger.info("Collection webhook of partner %s: no secret", agency_id)
            return self._answer(403, error=NOT_VALID)
        try:
            payload = json.loads(body)
        except ValueError:
            return self._answer(400, error="The body is not JSON.")
        if not isinstance(payload, dict) or not payload.get("status"):
            return self._answer(400, error="The body has no status.")
        event_id = str(payload.get("event_id") or "").strip()
        if not event_id or len(event_id) > MAX_EVENT_ID_LENGTH:
            return self._answer(
                400,
                error="The body has no event_id (up to %d characters): each "
                "update carries its own, so that it is applied once."
                % MAX_EVENT_ID_LENGTH,
            )
        domain = [("agency_id", "=", agency.id), ("company_id", "=", company.id)]
        if payload.get("agency_case_id"):
            domain.append(("agency_case_id", "=", str(payload["agency_case_id"])))
        elif payload.get("case_reference"):
            domain.append(("name", "=", str(payload["case_reference"])))
        else:
            return self._answer(400, error="The body names no case.")
        env = request.env(su=True)
        event = env["dunning.collection.webhook.event"]._claim(
            agency, company, event_id
        )
        if not event:
            return self._answer(
                409, error="Event %s was received before: not applied again." % event_id
            )
        status = str(payload["status"])
        event.write({"status": status[:64]})
        case = env["dunning.collection.case"].search(domain, limit=1)
        if not case:
            event.write({"outcome": "refused", "message": "No such case."})
            return self._answer(404, error="No such case handed to you.")
        event.case_id = case
        try:
            stage, outcome = case._apply_agency_status(
                status, str(payload.get("note") or "")
            )
        except UserError as error:
            event.write({"outcome": "refused", "message": str(error)})
            return self._answer(422, error=str(error))
        event.write({"outcome": outcome})
        if outcome == "proposed":
            return self._answer(
                202, case=case.name, stage=case.stage_id.name, proposed=stage.name
            )
        return self._answer(200, case=case.name, stage=stage.name)
