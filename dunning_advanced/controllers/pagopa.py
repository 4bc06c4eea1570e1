import logging

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

_logger = logging.getLogger(__name__)


class DunningPagopaController(http.Controller):
    @http.route(
        "/dunning/pagopa/pay/<int:communication_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
    )
    def dunning_pagopa_pay(self, communication_id, token, **kwargs):
        """The "Pay now with pagoPA" link of a reminder email: puts its open
        notices in a pagoPA Checkout cart and sends the debtor to the payment
        page. The token (an HMAC of the reminder id) stands for a login."""
        communication = (
            request.env["dunning.communication"].sudo().browse(communication_id)
        )
        if not communication.exists() or not communication._pagopa_check_token(token):
            raise NotFound()
        try:
            url = communication._pagopa_checkout_url()
        except UserError as error:
            _logger.info("pagoPA pay link of %s: %s", communication.name, error)
            return request.make_response(
                str(error), headers=[("Content-Type", "text/plain; charset=utf-8")]
            )
        return request.redirect(url, code=303, local=False)
