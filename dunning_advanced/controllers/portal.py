"""The customer's personal page, opened from the link of a reminder.

``/d/<token>``: no login; the token (lib/portal_token.py) is signed and
expires, and gives one customer in one company. Every id the browser sends
(an invoice, an item, an instalment) is looked up among that customer's own
open items only; anything else gets a 404 and is logged as a failed attempt.
Links that open nothing (malformed, tampered with, expired) get a plain page
without any data, are logged, and an address failing too often is refused
for a while. Forms are POSTs with Odoo's CSRF token; payments go through
Odoo's payment providers and account_payment's standard flow, with the
amount and the items computed again on the server.
"""

import logging

from werkzeug.exceptions import NotFound

from odoo import Command, _, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import content_disposition, request
from odoo.tools import is_html_empty

from odoo.addons.payment.controllers.portal import PaymentPortal

from ..lib.portal_token import TokenError
from ..models.dunning_portal_event import REQUEST_EVENTS

_logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
}
# What each request may concern (statuses of the page's items).
REQUEST_STATUSES = {
    "paid": ("overdue", "due", "promised", "plan", "review", "legal"),
    "promise": ("overdue", "due"),
    "plan": ("overdue", "due"),
    "dispute": ("overdue", "due", "promised", "plan", "review"),
}
LINK_ERRORS = {
    "malformed": 404,
    "tampered": 404,
    "unknown": 404,
    "item": 404,
    "expired": 410,
    "limited": 429,
}


class DunningCustomerPage(PaymentPortal):
    # ------------------------------------------------------------------
    # The link
    # ------------------------------------------------------------------

    def _dunning_open(self, token):
        """((partner, company, communication), None) for a link that opens a
        page, (None, plain error response) otherwise."""
        ip_address = request.httprequest.remote_addr
        Attempt = request.env["dunning.portal.attempt"].sudo()
        if Attempt._is_limited(ip_address):
            Attempt._log_failure(ip_address, "limited", token, request.httprequest.path)
            return None, self._dunning_link_error("limited")
        try:
            claims = request.env["dunning.portal"].sudo()._claims(token)
        except TokenError as error:
            Attempt._log_failure(
                ip_address, error.reason, token, request.httprequest.path
            )
            return None, self._dunning_link_error(error.reason)
        return claims, None

    def _dunning_link_error(self, reason):
        """A plain page saying the link does not work: no name, no amount."""
        response = request.render(
            "dunning_advanced.portal_link_error", {"reason": reason}
        )
        response.status_code = LINK_ERRORS.get(reason, 404)
        return response

    def _dunning_foreign_item(self, token):
        """An id outside the customer's own items: 404, logged."""
        request.env["dunning.portal.attempt"].sudo()._log_failure(
            request.httprequest.remote_addr, "item", token, request.httprequest.path
        )
        return self._dunning_link_error("item")

    def _dunning_env(self, partner, lang=None):
        """The portal service in the page's language (also set on the request,
        so that the templates are translated)."""
        Portal = request.env["dunning.portal"].sudo()
        page_lang = Portal._page_lang(partner, lang or request.params.get("lang"))
        request.update_context(lang=page_lang)
        return Portal.with_context(lang=page_lang), page_lang

    def _dunning_render(self, token, partner, company, communication, **extra):
        Portal, lang = self._dunning_env(partner)
        values = Portal._page_values(partner, company, communication, lang)
        values.update(token=token, page_url=f"/d/{token}", **extra)
        return request.render("dunning_advanced.portal_page", values)

    # ------------------------------------------------------------------
    # The page and its documents
    # ------------------------------------------------------------------

    @http.route(
        "/d/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def dunning_portal_page(self, token, done=None, tx=None, form=None, **kwargs):
        claims, error = self._dunning_open(token)
        if error:
            return error
        partner, company, communication = claims
        request.env["dunning.portal.event"].sudo()._record_open(
            partner, company, communication
        )
        transaction = self._dunning_transaction(partner, tx)
        return self._dunning_render(
            token,
            partner,
            company,
            communication,
            done=done if done in REQUEST_EVENTS else None,
            transaction=transaction,
            # ?form=promise opens that form (a link can lead straight to it).
            open_form=form if form in REQUEST_STATUSES else None,
        )

    def _dunning_transaction(self, partner, tx_id):
        """The page's own payment ``tx_id`` of this customer, if it is one."""
        try:
            tx = request.env["payment.transaction"].sudo().browse(int(tx_id or 0))
        except (TypeError, ValueError):
            return None
        tx = tx.exists()
        if tx and tx.dunning_portal and tx.partner_id.commercial_partner_id == partner:
            return tx
        return None

    @http.route(
        "/d/<string:token>/statement",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def dunning_portal_statement(self, token, **kwargs):
        claims, error = self._dunning_open(token)
        if error:
            return error
        partner, company, _communication = claims
        Portal, lang = self._dunning_env(partner)
        pdf = Portal._statement_pdf(partner, company, lang)
        name = _(
            "Statement %(company)s %(date)s.pdf",
            company=company.name,
            date=company._dunning_today(),
        )
        return self._dunning_pdf(pdf, name)

    @http.route(
        "/d/<string:token>/invoice/<int:move_id>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def dunning_portal_invoice(self, token, move_id, **kwargs):
        claims, error = self._dunning_open(token)
        if error:
            return error
        partner, company, _communication = claims
        Portal, lang = self._dunning_env(partner)
        move = Portal._customer_document(partner, company, move_id)
        if not move:
            return self._dunning_foreign_item(token)
        pdf = Portal._invoice_pdf(move, lang)
        return self._dunning_pdf(pdf, f"{(move.name or '').replace('/', '-')}.pdf")

    @http.route(
        "/d/<string:token>/pagopa/<int:notice_id>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def dunning_portal_pagopa(self, token, notice_id, **kwargs):
        claims, error = self._dunning_open(token)
        if error:
            return error
        partner, company, _communication = claims
        notice = request.env["dunning.pagopa.notice"].sudo().browse(notice_id).exists()
        if (
            not notice
            or notice.partner_id != partner
            or notice.company_id != company
            or notice.state != "published"
        ):
            return self._dunning_foreign_item(token)
        return self._dunning_pdf(
            notice._render_pdf(), f"Avviso pagoPA {notice.notice_code}.pdf"
        )

    def _dunning_pdf(self, pdf, name):
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition(name)),
                ("Cache-Control", "no-store"),
            ],
        )

    # ------------------------------------------------------------------
    # Paying online
    # ------------------------------------------------------------------

    @http.route(
        "/d/<string:token>/pay",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def dunning_portal_pay(self, token, instalment=None, **kwargs):
        """The payment form for the chosen items (or a plan's instalment)."""
        claims, error = self._dunning_open(token)
        if error:
            return error
        partner, company, communication = claims
        Portal, _lang = self._dunning_env(partner)
        try:
            target, lines, amount, currency, instalment_line = (
                self._dunning_payment_target(
                    Portal,
                    partner,
                    company,
                    instalment=instalment,
                    ids=request.httprequest.args.getlist("items"),
                )
            )
        except NotFound:
            return self._dunning_foreign_item(token)
        except UserError as problem:
            return self._dunning_render(
                token, partner, company, communication, error=problem.args[0]
            )
        providers = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id, partner.id, amount, currency_id=currency.id
            )
        )
        methods = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers.ids, partner.id, currency_id=currency.id
            )
        )
        values = Portal._page_values(partner, company, communication, _lang)
        values.update(
            token=token,
            page_url=f"/d/{token}",
            pay_lines=lines,
            pay_instalment=instalment_line,
            pay_amount=amount,
            pay_currency=currency,
            # Payment form (payment.form): no saved cards through a link.
            reference_prefix=None,
            amount=amount,
            currency=currency,
            partner_id=partner.id,
            providers_sudo=providers,
            payment_methods_sudo=methods,
            tokens_sudo=request.env["payment.token"].sudo().browse(),
            show_tokenize_input_mapping=dict.fromkeys(providers.ids, False),
            transaction_route=f"/d/{token}/transaction/{target}",
            landing_route=f"/d/{token}",
            access_token=token,
            availability_report={},
            is_html_empty=is_html_empty,
        )
        return request.render("dunning_advanced.portal_pay", values)

    def _dunning_payment_target(
        self, Portal, partner, company, instalment=None, ids=()
    ):
        """(target in the transaction route, receivable lines, amount,
        currency, plan instalment) of what is being paid, all computed here;
        NotFound for an id outside the customer's items, UserError for a wrong
        choice."""
        if instalment:
            line = Portal._payable_instalment(partner, company, instalment)
            if not line:
                raise NotFound()
            plan = line.plan_id
            lines = Portal._open_lines(partner, company).filtered(
                lambda aml: aml.move_id in plan.move_ids
                and aml.amount_residual_currency > 0
            )
            left = plan.currency_id.round(line.amount - line.amount_paid)
            return f"instalment-{line.id}", lines, left, plan.currency_id, line
        lines = Portal._pick(partner, company, ids)
        if lines is None:
            raise NotFound()
        Portal._check_statuses(partner, company, lines, REQUEST_STATUSES["paid"])
        currency = lines.currency_id
        if len(currency) > 1:
            raise UserError(_("Pay the invoices of one currency at a time."))
        amount = currency.round(sum(lines.mapped("amount_residual_currency")))
        if currency.compare_amounts(amount, 0) <= 0:
            raise UserError(_("Choose invoices still to pay."))
        target = "items-" + "-".join(str(i) for i in lines.ids)
        return target, lines, amount, currency, None

    @http.route(
        "/d/<string:token>/transaction/<string:target>", type="json", auth="public"
    )
    def dunning_portal_transaction(self, token, target, access_token=None, **kwargs):
        """Create the transaction of the payment form: the amount, the
        invoices and the customer come from the server, never the browser."""
        claims, error = self._dunning_open(token)
        if error:
            raise ValidationError(_("This link does not work any more."))
        partner, company, communication = claims
        Portal, _lang = self._dunning_env(partner)
        kind, _sep, ids = target.partition("-")
        if kind == "instalment":
            target_args = {"instalment": ids}
        elif kind == "items":
            target_args = {"ids": ids.split("-")}
        else:
            raise ValidationError(_("The provided parameters are invalid."))
        try:
            _target, lines, amount, currency, _line = self._dunning_payment_target(
                Portal, partner, company, **target_args
            )
        except NotFound:
            self._dunning_foreign_item(token)
            raise ValidationError(_("The provided parameters are invalid.")) from None
        except UserError as problem:
            raise ValidationError(problem.args[0]) from None
        sent = self._cast_as_float(kwargs.get("amount"))
        if sent is None or currency.compare_amounts(sent, amount) != 0:
            raise ValidationError(
                _("What is left to pay changed since the page was opened: reload it.")
            )
        if kwargs.get("flow") == "token" or kwargs.get("tokenization_requested"):
            raise ValidationError(
                _("Saved payment methods are not used through a link.")
            )
        self._validate_transaction_kwargs(kwargs)
        kwargs.update(
            amount=amount,
            currency_id=currency.id,
            partner_id=partner.id,
            landing_route=f"/d/{token}",
        )
        kwargs.pop("csrf_token", None)
        tx_sudo = self._create_transaction(
            custom_create_values={
                "invoice_ids": [Command.set(lines.move_id.ids)],
                "dunning_portal": True,
                "dunning_communication_id": communication.id or False,
            },
            **kwargs,
        )
        tx_sudo.landing_route = f"/d/{token}?tx={tx_sudo.id}"
        request.env["dunning.portal.event"].sudo()._record(
            "pay_started",
            partner,
            company,
            communication,
            amount=amount,
            currency_id=currency.id,
            transaction_id=tx_sudo.id,
        )
        return tx_sudo._get_processing_values()

    # ------------------------------------------------------------------
    # Requests: already paid, promise, plan, dispute
    # ------------------------------------------------------------------

    def _dunning_request(self, token, kind, ids, **values):
        claims, error = self._dunning_open(token)
        if error:
            return error
        partner, company, communication = claims
        Portal, _lang = self._dunning_env(partner)
        lines = Portal._pick(partner, company, ids)
        if lines is None:
            return self._dunning_foreign_item(token)
        try:
            Portal._check_statuses(partner, company, lines, REQUEST_STATUSES[kind])
            with request.env.cr.savepoint():
                portal_request = (
                    request.env["dunning.portal.request"]
                    .sudo()
                    .with_context(lang=_lang)
                    ._submit(kind, partner, company, lines, communication, **values)
                )
        except UserError as problem:
            return self._dunning_render(
                token,
                partner,
                company,
                communication,
                error=problem.args[0],
                open_form=kind,
            )
        request.env["dunning.portal.event"].sudo()._record(
            REQUEST_EVENTS[kind],
            partner,
            company,
            communication,
            amount=portal_request.amount,
            currency_id=portal_request.currency_id.id,
            request_id=portal_request.id,
        )
        return request.redirect(f"/d/{token}?done={kind}#requests")

    def _dunning_form_ids(self):
        return request.httprequest.form.getlist("items")

    @http.route(
        "/d/<string:token>/paid",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def dunning_portal_paid(
        self, token, payment_date=None, amount=None, message=None, **kwargs
    ):
        upload = request.httprequest.files.get("remittance")
        attachment = None
        if upload and upload.filename:
            content = upload.read(MAX_UPLOAD_BYTES + 1)
            mimetype = (upload.mimetype or "").lower()
            if len(content) > MAX_UPLOAD_BYTES or mimetype not in UPLOAD_TYPES:
                claims, error = self._dunning_open(token)
                if error:
                    return error
                partner, company, communication = claims
                return self._dunning_render(
                    token,
                    partner,
                    company,
                    communication,
                    error=_("Attach a PDF, PNG or JPEG file of 5 MB at most."),
                    open_form="paid",
                )
            attachment = (upload.filename[:120], content, mimetype)
        return self._dunning_request(
            token,
            "paid",
            self._dunning_form_ids(),
            payment_date=payment_date,
            amount=amount,
            message=message,
            attachment=attachment,
        )

    @http.route(
        "/d/<string:token>/promise",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def dunning_portal_promise(
        self, token, promise_date=None, amount=None, message=None, **kwargs
    ):
        return self._dunning_request(
            token,
            "promise",
            self._dunning_form_ids(),
            promise_date=promise_date,
            amount=amount,
            message=message,
        )

    @http.route(
        "/d/<string:token>/plan",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def dunning_portal_plan(
        self, token, instalment_count=None, first_date=None, message=None, **kwargs
    ):
        return self._dunning_request(
            token,
            "plan",
            self._dunning_form_ids(),
            instalment_count=instalment_count,
            first_date=first_date,
            message=message,
        )

    @http.route(
        "/d/<string:token>/dispute",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
    )
    def dunning_portal_dispute(
        self, token, item=None, reason_code=None, message=None, **kwargs
    ):
        return self._dunning_request(
            token,
            "dispute",
            [item] if item else [],
            reason_code=reason_code,
            message=message,
        )

    # ------------------------------------------------------------------
    # Portal users
    # ------------------------------------------------------------------

    @http.route("/my/dunning", type="http", auth="user", methods=["GET"])
    def dunning_portal_my(self, **kwargs):
        """A portal user's way to the same page: a fresh link of its own."""
        partner = request.env.user.partner_id.commercial_partner_id
        company = (
            request.env["dunning.portal"].sudo()._company_of(partner, request.env.user)
        )
        link = request.env["dunning.portal"].sudo()._partner_link(partner, company)
        return request.redirect(link, local=False)

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "dunning_open_count" in counters:
            partner = request.env.user.partner_id.commercial_partner_id
            values["dunning_open_count"] = (
                request.env["dunning.portal"].sudo()._open_count(partner)
            )
        return values
