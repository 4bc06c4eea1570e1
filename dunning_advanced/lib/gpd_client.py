"""Client of pagoPA GPD (Gestione Posizioni Debitorie), the REST service that
keeps a creditor's debt positions so that its notices can be paid on pagoPA.

Pure Python, no ORM: the models build the position with
:func:`build_debt_position` from plain values and call :class:`GpdClient`.

API: "PagoPA API Debt Position" v1 (OpenAPI of pagopa/pagopa-debt-position,
``openapi/openapi_external_v1.json``; SANP, appendice "Posizioni debitorie",
"Operazioni disponibili"), and the receipts API of pagopa/pagopa-gpd-payments
(``openapi/openapi.json``)::

    POST /organizations/{fc}/debtpositions?toPublish=     create     201 / 409
    GET  /organizations/{fc}/debtpositions/{iupd}         read       200 / 404
    PUT  /organizations/{fc}/debtpositions/{iupd}?toPublish=  update 200 / 409
    POST /organizations/{fc}/debtpositions/{iupd}/publish     publish 200 / 409
    POST /organizations/{fc}/debtpositions/{iupd}/invalidate  invalidate
    GET  {receipts}/payments/{fc}/receipts/{iuv}          receipt XML 200 / 404

    Ocp-Apim-Subscription-Key: <key>       the key PagoPA gave (never shown)
    X-Request-Id: <one id per operation>   kept for support requests

Every operation is safe to repeat, so a retry after a timeout never creates a
second position: a 409 on create means GPD already has a position with this
IUPD (or one of its IUVs), which is read back and returned; a 409 on publish
or invalidate when the position is already in the state asked for is a
success. 429, 5xx, timeouts and connection errors are retried with exponential
back-off (a Retry-After in seconds is honoured up to the cap); any other 4xx
is refused at once. Errors raise :class:`GpdError` with a message a user can
act on; the subscription key never appears in a message, a repr or a log.
"""

import copy
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from .http_retry import LOCAL_HOSTS, RETRY_STATUSES, backoff_delays, retry_after
from .pagopa import (
    validate_cents,
    validate_creditor_fiscal_code,
    validate_debtor_fiscal_code,
)
from .sepa_sdd import validate_iban

_logger = logging.getLogger(__name__)

GPD_UAT_URL = "https://api.uat.platform.pagopa.it/gpd/debt-positions-service/v1"
GPD_PROD_URL = "https://api.platform.pagopa.it/gpd/debt-positions-service/v1"
RECEIPTS_UAT_URL = "https://api.uat.platform.pagopa.it/gpd/payments-receipts-service/v1"
RECEIPTS_PROD_URL = "https://api.platform.pagopa.it/gpd/payments-receipts-service/v1"
ENVIRONMENTS = {
    "uat": (GPD_UAT_URL, RECEIPTS_UAT_URL),
    "prod": (GPD_PROD_URL, RECEIPTS_PROD_URL),
}

KEY_HEADER = "Ocp-Apim-Subscription-Key"
DEBTOR_TYPES = {"F": "a person", "G": "a legal entity"}
MAX_TEXT_LENGTH = 140  # description, remittance, company and office names
MAX_DEBTOR_NAME_LENGTH = 70  # SANP debtor fullName, stText70
# Position and payment option states (GPD v1 PaymentPositionModel, status).
PAID_POSITION_STATES = frozenset({"PAID", "REPORTED"})
PAID_OPTION_STATES = frozenset({"PO_PAID", "PO_PARTIALLY_REPORTED", "PO_REPORTED"})
PUBLISHED_STATES = frozenset({"PUBLISHED", "VALID"})

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_IUV = re.compile(r"[0-9]{15}|[0-9]{17}")


class GpdError(Exception):
    """GPD refused the operation or could not be reached.

    ``status`` is the HTTP status of the last answer (None when there was
    none), ``retryable`` tells whether trying again later may help and
    ``request_id`` is the X-Request-Id sent, to quote to PagoPA's support.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        retryable: bool = False,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.request_id = request_id


# ------------------------------------------------------------ request body


def _text(value: str | None, label: str, max_length: int, required=True) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ValueError("%s is missing." % label)
    if len(text) > max_length:
        raise ValueError(
            "%s has %d characters; GPD takes at most %d."
            % (label, len(text), max_length)
        )
    return text


def validate_iupd(iupd: str) -> str:
    """The IUPD, the creditor's own identifier of a debt position: required,
    without spaces or slashes (it is part of the address of the position)."""
    value = (iupd or "").strip() if isinstance(iupd, str) else ""
    if not value:
        raise ValueError("The debt position identifier (IUPD) is missing.")
    if any(char.isspace() or char == "/" or not char.isprintable() for char in value):
        raise ValueError(
            "The debt position identifier %r cannot contain spaces or slashes." % value
        )
    return value


def build_debt_position(
    *,
    iupd: str,
    debtor_type: str,
    debtor_fiscal_code: str,
    debtor_name: str,
    iuv: str,
    amount_cents: int,
    due_date: date,
    description: str,
    creditor_fiscal_code: str,
    creditor_name: str,
    iban: str,
    taxonomy: str,
    debtor_email: str | None = None,
    office_name: str | None = None,
    remittance_information: str | None = None,
    switch_to_expired: bool = False,
) -> dict[str, Any]:
    """Body of a debt position with one payment option paid in full into one
    IBAN (GPD v1 ``PaymentPositionModel``, ``PaymentOptionModel``,
    ``TransferModel``; required there: iupd, type, fiscalCode, fullName,
    companyName, switchToExpired; iuv, amount, description, isPartialPayment,
    dueDate; idTransfer, amount, remittanceInformation, category).

    ``debtor_type`` is ``F`` for a person, ``G`` for a legal entity.
    ``debtor_fiscal_code`` is an Italian codice fiscale or ``ANONIMO``.
    ``iuv`` is the 15 or 17 digits of :func:`.pagopa.iuv_from_notice_code`.
    ``taxonomy`` is the pagoPA taxonomy code of the service (``category``),
    e.g. ``9/0101108TS/``; GPD checks it against the taxonomy, and the IBAN
    against those registered for the creditor. The due date is sent as the end
    of that day. ``remittance_information`` (causale of the transfer) defaults
    to the description.
    """
    kind = (debtor_type or "").strip().upper()
    if kind not in DEBTOR_TYPES:
        raise ValueError(
            "The debtor type %r is unknown: use F for a person or G for a legal "
            "entity." % debtor_type
        )
    if not isinstance(iuv, str) or not _IUV.fullmatch(iuv.strip()):
        raise ValueError(
            "The IUV %r is not valid: it is the 15 or 17 digits inside the notice "
            "code." % (iuv,)
        )
    if not isinstance(due_date, date):
        raise ValueError("The due date must be a date, not %r." % (due_date,))
    if not isinstance(switch_to_expired, bool):
        raise ValueError("switch_to_expired must be True or False.")
    cents = validate_cents(amount_cents)
    creditor = validate_creditor_fiscal_code(creditor_fiscal_code)
    text = _text(description, "The payment description", MAX_TEXT_LENGTH)
    remittance = _text(
        remittance_information or text, "The remittance information", MAX_TEXT_LENGTH
    )
    category = (taxonomy or "").strip()
    if not category or any(char.isspace() for char in category):
        raise ValueError(
            "The pagoPA taxonomy code is missing or has spaces (e.g. 9/0101108TS/)."
        )
    body: dict[str, Any] = {
        "iupd": validate_iupd(iupd),
        "type": kind,
        "fiscalCode": validate_debtor_fiscal_code(debtor_fiscal_code),
        "fullName": _text(debtor_name, "The debtor's name", MAX_DEBTOR_NAME_LENGTH),
        "companyName": _text(creditor_name, "The creditor's name", MAX_TEXT_LENGTH),
        "switchToExpired": switch_to_expired,
    }
    email = (debtor_email or "").strip()
    if email:
        if not _EMAIL.fullmatch(email) or len(email) > 256:
            raise ValueError("The debtor's email %r is not an email address." % email)
        body["email"] = email
    office = _text(office_name, "The office name", MAX_TEXT_LENGTH, required=False)
    if office:
        body["officeName"] = office
    body["paymentOption"] = [
        {
            "iuv": iuv.strip(),
            "amount": cents,
            "description": text,
            "isPartialPayment": False,
            "dueDate": "%sT23:59:59" % due_date.isoformat(),
            "transfer": [
                {
                    "idTransfer": "1",
                    "amount": cents,
                    "organizationFiscalCode": creditor,
                    "remittanceInformation": remittance,
                    "category": category,
                    "iban": validate_iban(iban, "The creditor's IBAN"),
                }
            ],
        }
    ]
    return body


def with_amount(position: dict[str, Any], amount_cents: int) -> dict[str, Any]:
    """A copy of a position built by :func:`build_debt_position` with a new
    amount, on its payment option and its transfer (GPD requires the option's
    amount to equal the sum of its transfers)."""
    cents = validate_cents(amount_cents)
    updated = copy.deepcopy(position)
    options = updated.get("paymentOption") or []
    if len(options) != 1 or len(options[0].get("transfer") or []) != 1:
        raise ValueError(
            "Only a debt position with one payment option and one transfer can "
            "have its amount changed this way."
        )
    options[0]["amount"] = cents
    options[0]["transfer"][0]["amount"] = cents
    return updated


# ------------------------------------------------------------ payment status


@dataclass(frozen=True)
class PaymentOptionStatus:
    """One payment option as GPD reports it (``PaymentOptionModelResponse``)."""

    iuv: str
    nav: str | None
    status: str
    paid: bool
    amount_cents: int | None
    fee_cents: int | None
    payment_date: str | None
    receipt_id: str | None
    psp_company: str | None
    payment_method: str | None


@dataclass(frozen=True)
class PositionStatus:
    """Where a debt position stands: ``status`` is GPD's (DRAFT, PUBLISHED,
    VALID, INVALID, EXPIRED, PARTIALLY_PAID, PAID, REPORTED)."""

    iupd: str
    status: str
    paid: bool
    payment_date: str | None
    options: tuple[PaymentOptionStatus, ...] = ()


def position_status(payload: dict[str, Any]) -> PositionStatus:
    """:class:`PositionStatus` of a debt position as GPD returns it."""
    options = []
    for option in payload.get("paymentOption") or []:
        status = str(option.get("status") or "")
        options.append(
            PaymentOptionStatus(
                iuv=str(option.get("iuv") or ""),
                nav=option.get("nav"),
                status=status,
                paid=status in PAID_OPTION_STATES,
                amount_cents=option.get("amount"),
                fee_cents=option.get("fee"),
                payment_date=option.get("paymentDate"),
                receipt_id=option.get("idReceipt"),
                psp_company=option.get("pspCompany"),
                payment_method=option.get("paymentMethod"),
            )
        )
    status = str(payload.get("status") or "")
    return PositionStatus(
        iupd=str(payload.get("iupd") or ""),
        status=status,
        paid=status in PAID_POSITION_STATES,
        payment_date=payload.get("paymentDate"),
        options=tuple(options),
    )


def _iuvs(position: dict[str, Any]) -> set[str]:
    return {str(o.get("iuv")) for o in position.get("paymentOption") or []}


# ------------------------------------------------------------------- client


@dataclass
class GpdClient:
    """Client of GPD for one creditor (organization).

    :param base_url: GPD debt positions service, :data:`GPD_UAT_URL` or
        :data:`GPD_PROD_URL`; https is required except on this machine.
    :param subscription_key: the APIM subscription key PagoPA gave; never shown.
    :param organization_fiscal_code: the creditor's 11-digit fiscal code.
    :param receipts_url: GPD receipts service, needed by :meth:`get_receipt`.
    :param timeout: (connect, read) seconds for each attempt.
    :param attempts: tries in all, the first included.
    :param backoff: wait before the second try, doubled after each failure and
        capped at ``max_backoff``; a Retry-After in seconds is honoured up to
        that cap.
    :param sleep: how to wait (tests pass a no-op).
    """

    base_url: str
    subscription_key: str = field(repr=False)
    organization_fiscal_code: str
    receipts_url: str | None = None
    timeout: tuple[float, float] = (5.0, 30.0)
    attempts: int = 4
    backoff: float = 1.0
    max_backoff: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session | None = field(default=None, repr=False)

    @classmethod
    def for_environment(
        cls,
        environment: str,
        subscription_key: str,
        organization_fiscal_code: str,
        **options: Any,
    ) -> "GpdClient":
        """Client of the ``uat`` (test) or ``prod`` GPD."""
        if environment not in ENVIRONMENTS:
            raise ValueError(
                "The GPD environment %r is unknown: use uat or prod." % environment
            )
        base_url, receipts_url = ENVIRONMENTS[environment]
        return cls(
            base_url,
            subscription_key,
            organization_fiscal_code,
            receipts_url=receipts_url,
            **options,
        )

    def __post_init__(self) -> None:
        _check_url("GPD", self.base_url)
        if self.receipts_url is not None:
            _check_url("GPD receipts", self.receipts_url)
        key = self.subscription_key
        if not isinstance(key, str) or not key.strip() or "\n" in key or "\r" in key:
            raise ValueError("Set the pagoPA GPD subscription key (one line of text).")
        self.organization_fiscal_code = validate_creditor_fiscal_code(
            self.organization_fiscal_code
        )
        if self.attempts < 1:
            raise ValueError("The GPD client must try at least once.")
        if min(self.timeout) <= 0:
            raise ValueError("GPD timeouts must be more than 0 seconds.")

    def __repr__(self) -> str:  # never shows the key
        return "GpdClient(base_url=%r, organization=%r, subscription_key='***')" % (
            self.base_url,
            self.organization_fiscal_code,
        )

    # --------------------------------------------------------- operations

    def create_position(
        self, position: dict[str, Any], publish: bool = False
    ) -> dict[str, Any]:
        """Create a debt position (``POST .../debtpositions``) and return it as
        GPD holds it; with ``publish`` it is payable at once (toPublish=true).

        Idempotent by IUPD: when GPD answers 409 the position is read back and
        returned, so a retry after a timeout never creates a second one. The
        returned position is the one GPD holds: compare its amount with yours.
        """
        iupd = validate_iupd(position.get("iupd"))
        request_id = _request_id()
        response = self._call(
            "POST",
            self._positions_url(),
            request_id,
            params={"toPublish": _flag(publish)},
            body=position,
        )
        if response.status_code in (200, 201):
            return self._json(response, request_id)
        if response.status_code != 409:
            raise self._refusal(response, request_id, "debt position %s" % iupd, iupd)
        existing = self._get_or_none(iupd, request_id)
        if existing is None:
            raise GpdError(
                "GPD refused debt position %s (409): one of its IUVs (%s) already "
                "belongs to another debt position. Use a new notice code."
                % (iupd, ", ".join(sorted(_iuvs(position)))),
                status=409,
                request_id=request_id,
            )
        if _iuvs(existing) != _iuvs(position):
            raise GpdError(
                "GPD already has a debt position %s with other IUVs (%s): give "
                "this one another IUPD."
                % (iupd, ", ".join(sorted(_iuvs(existing))) or "none"),
                status=409,
                request_id=request_id,
            )
        _logger.info("GPD already had debt position %s: returning it", iupd)
        return existing

    def get_position(self, iupd: str) -> dict[str, Any]:
        """The debt position ``iupd`` (``GET .../debtpositions/{iupd}``)."""
        iupd = validate_iupd(iupd)
        request_id = _request_id()
        position = self._get_or_none(iupd, request_id)
        if position is None:
            raise GpdError(
                "Debt position %s not found (404) for organization %s."
                % (iupd, self.organization_fiscal_code),
                status=404,
                request_id=request_id,
            )
        return position

    def publish_position(self, iupd: str) -> dict[str, Any]:
        """Publish a draft position so it can be paid (``POST .../publish``).

        A 409 for a position already PUBLISHED or VALID is a success (the
        first attempt went through): the position is returned.
        """
        return self._transition(iupd, "publish", PUBLISHED_STATES, "published")

    def invalidate_position(self, iupd: str) -> dict[str, Any]:
        """Withdraw a position so it can no longer be paid (``POST
        .../invalidate``); a position already INVALID is returned as is."""
        return self._transition(iupd, "invalidate", frozenset({"INVALID"}), "withdrawn")

    def update_position(
        self, position: dict[str, Any], publish: bool = False
    ) -> dict[str, Any]:
        """Replace a position that was not paid yet (``PUT
        .../debtpositions/{iupd}``); PUT is idempotent, retries are safe."""
        iupd = validate_iupd(position.get("iupd"))
        request_id = _request_id()
        response = self._call(
            "PUT",
            self._position_url(iupd),
            request_id,
            params={"toPublish": _flag(publish)},
            body=position,
        )
        if response.status_code == 200:
            return self._json(response, request_id)
        if response.status_code == 409:
            raise GpdError(
                "Debt position %s cannot be changed any more (409): it has been "
                "paid or is not in a state that allows changes. %s"
                % (iupd, self._their_message(response)),
                status=409,
                request_id=request_id,
            )
        raise self._refusal(response, request_id, "debt position %s" % iupd, iupd)

    def update_amount(
        self, position: dict[str, Any], amount_cents: int, publish: bool = False
    ) -> dict[str, Any]:
        """Send ``position`` again with a new amount (see :func:`with_amount`)."""
        return self.update_position(with_amount(position, amount_cents), publish)

    def payment_status(self, iupd: str) -> PositionStatus:
        """Whether the position and each payment option are paid, with the
        payment date, receipt id and PSP GPD reports."""
        return position_status(self.get_position(iupd))

    def get_receipt(self, iuv: str) -> str | None:
        """The pagoPA receipt (XML text) of a paid IUV, or None when there is
        none yet (404), from the GPD receipts service (``GET
        /payments/{fc}/receipts/{iuv}``)."""
        if not self.receipts_url:
            raise ValueError("Set the GPD receipts URL to read payment receipts.")
        if not isinstance(iuv, str) or not iuv.strip() or "/" in iuv:
            raise ValueError("The IUV %r is not valid." % (iuv,))
        request_id = _request_id()
        url = "%s/payments/%s/receipts/%s" % (
            self.receipts_url.rstrip("/"),
            quote(self.organization_fiscal_code, safe=""),
            quote(iuv.strip(), safe=""),
        )
        response = self._call("GET", url, request_id, accept="application/xml")
        if response.status_code == 200:
            return response.text
        if response.status_code == 404:
            return None
        raise self._refusal(response, request_id, "the receipt of IUV %s" % iuv)

    # ----------------------------------------------------------- helpers

    def _positions_url(self) -> str:
        return "%s/organizations/%s/debtpositions" % (
            self.base_url.rstrip("/"),
            quote(self.organization_fiscal_code, safe=""),
        )

    def _position_url(self, iupd: str) -> str:
        return "%s/%s" % (self._positions_url(), quote(iupd, safe=""))

    def _get_or_none(self, iupd: str, request_id: str) -> dict[str, Any] | None:
        response = self._call("GET", self._position_url(iupd), request_id)
        if response.status_code == 200:
            return self._json(response, request_id)
        if response.status_code == 404:
            return None
        raise self._refusal(response, request_id, "debt position %s" % iupd, iupd)

    def _transition(
        self, iupd: str, action: str, done_states: frozenset, done_word: str
    ) -> dict[str, Any]:
        iupd = validate_iupd(iupd)
        request_id = _request_id()
        response = self._call(
            "POST", "%s/%s" % (self._position_url(iupd), action), request_id
        )
        if response.status_code == 200:
            return self._json(response, request_id)
        if response.status_code != 409:
            raise self._refusal(response, request_id, "debt position %s" % iupd, iupd)
        position = self._get_or_none(iupd, request_id)
        state = (position or {}).get("status")
        if state in done_states:
            return position
        raise GpdError(
            "Debt position %s cannot be %s in state %s (409): %s"
            % (iupd, done_word, state or "unknown", self._their_message(response)),
            status=409,
            request_id=request_id,
        )

    def _scrub(self, text: str) -> str:
        """``text`` without the subscription key, whatever echoed it."""
        key = self.subscription_key
        return text.replace(key, "***") if key else text

    def _their_message(self, response: requests.Response) -> str:
        """GPD's explanation (ProblemJson ``detail`` or ``title``), kept short."""
        message = ""
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            for key in ("detail", "title", "message"):
                if isinstance(payload.get(key), str) and payload[key].strip():
                    message = payload[key].strip()
                    break
        if not message:
            message = (response.text or "").strip() or response.reason or "no reason"
        message = " ".join(message.split())
        if len(message) > 300:
            message = message[:297] + "..."
        return self._scrub(message)

    def _json(self, response: requests.Response, request_id: str) -> dict[str, Any]:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise GpdError(
                "GPD answered %s without the expected JSON: try again later."
                % response.status_code,
                status=response.status_code,
                retryable=True,
                request_id=request_id,
            )
        return payload

    def _refusal(
        self,
        response: requests.Response,
        request_id: str,
        what: str,
        iupd: str | None = None,
    ) -> GpdError:
        status = response.status_code
        if 300 <= status < 400:
            message = (
                "The GPD address redirects (%s) elsewhere: check the GPD URL in "
                "Settings." % status
            )
        elif status == 401:
            message = (
                "The pagoPA GPD service refused the subscription key (401): check "
                "the key in Settings."
            )
        elif status == 403:
            message = (
                "The pagoPA GPD service does not let this subscription key act for "
                "organization %s (403): ask PagoPA to enable the key for this "
                "fiscal code." % self.organization_fiscal_code
            )
        elif status == 404 and iupd:
            message = "Debt position %s not found (404) for organization %s." % (
                iupd,
                self.organization_fiscal_code,
            )
        elif status == 400:
            message = "GPD refused %s (400): %s. Correct it and send it again." % (
                what,
                self._their_message(response),
            )
        else:
            message = "GPD refused %s (%s): %s" % (
                what,
                status,
                self._their_message(response),
            )
        return GpdError(message, status=status, request_id=request_id)

    def _call(
        self,
        method: str,
        url: str,
        request_id: str,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        accept: str = "application/json",
    ) -> requests.Response:
        """Send one request, retrying on 429, 5xx, timeouts and connection
        errors; return the first other answer (2xx or 4xx)."""
        headers = {KEY_HEADER: self.subscription_key, "Accept": accept}
        headers["X-Request-Id"] = request_id
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode("utf-8")
        session = requests.Session() if self.session is None else self.session
        delays = backoff_delays(self.attempts, self.backoff, self.max_backoff)
        last_problem = ""
        try:
            for attempt in range(self.attempts):
                wait = delays[attempt] if attempt < len(delays) else 0.0
                try:
                    response = session.request(
                        method,
                        url,
                        params=params,
                        data=data,
                        headers=headers,
                        timeout=self.timeout,
                        allow_redirects=False,
                    )
                except requests.Timeout:
                    last_problem = "the last attempt timed out"
                except requests.exceptions.SSLError:
                    raise GpdError(
                        "The secure connection to GPD failed (certificate or TLS "
                        "problem): check the GPD URL in Settings.",
                        request_id=request_id,
                    ) from None
                except (
                    requests.ConnectionError,
                    requests.exceptions.ChunkedEncodingError,
                ):
                    last_problem = "the last attempt could not connect"
                else:
                    if response.status_code not in RETRY_STATUSES:
                        return response
                    last_problem = "the last answer was %s: %s" % (
                        response.status_code,
                        self._their_message(response),
                    )
                    wait = max(wait, retry_after(response, self.max_backoff) or 0)
                if attempt + 1 < self.attempts:
                    _logger.info(
                        "GPD %s %s: %s; trying again in %s s (request id %s)",
                        method,
                        urlsplit(url).path,
                        last_problem,
                        wait,
                        request_id,
                    )
                    self.sleep(wait)
        finally:
            if self.session is None:
                session.close()
        raise GpdError(
            "GPD did not answer after %s attempts (%s). Try again later: repeating "
            "the operation is safe." % (self.attempts, last_problem),
            retryable=True,
            request_id=request_id,
        )


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _request_id() -> str:
    return str(uuid.uuid4())


def _check_url(label: str, url: str | None) -> None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "The %s URL %r is not a web address: it must start with https://."
            % (label, url)
        )
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise ValueError(
            "The %s URL must start with https:// so the subscription key travels "
            "encrypted." % label
        )
    if parts.username or parts.password:
        raise ValueError("Put the GPD subscription key in Settings, not in the URL.")
