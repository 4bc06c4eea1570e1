"""pagoPA Checkout carts: a "pay now" link for up to five notices.

Pure Python, no ORM. The creditor posts a cart of notices to the Checkout
"EC" API and gets back the address of the checkout page, where the debtor pays
them in one go (OpenAPI of pagopa/pagopa-checkout-be, ``api-ec``, "Checkout
carts"; SANP, "Pagamento di un carrello di avvisi")::

    POST {base}/carts
    Ocp-Apim-Subscription-Key: <checkout key>
    {"paymentNotices": [{"noticeNumber", "fiscalCode", "amount",
                         "companyName", "description"}, ... at most 5],
     "returnUrls": {"returnOkUrl", "returnCancelUrl", "returnErrorUrl"},
     "emailNotice": "...", "idCart": "..."}

    302 Found, Location: https://checkout.pagopa.it/c/...    the payment page
    400 bad cart; 429 and 5xx retried (see :mod:`.http_retry`)

Creating a cart twice is harmless: each cart only leads to the payment page of
the same notices, and a notice can be paid once.
"""

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from .http_retry import LOCAL_HOSTS, RETRY_STATUSES, backoff_delays, retry_after
from .pagopa import validate_cents, validate_creditor_fiscal_code, validate_notice_code

CHECKOUT_UAT_URL = "https://api.uat.platform.pagopa.it/checkout/ec/v1"
CHECKOUT_PROD_URL = "https://api.platform.pagopa.it/checkout/ec/v1"
CHECKOUT_ENVIRONMENTS = {"uat": CHECKOUT_UAT_URL, "prod": CHECKOUT_PROD_URL}
MAX_CART_NOTICES = 5
KEY_HEADER = "Ocp-Apim-Subscription-Key"


class CheckoutError(Exception):
    """Checkout refused the cart or could not be reached."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CartNotice:
    notice_code: str
    creditor_fiscal_code: str
    amount_cents: int
    company_name: str
    description: str


def build_cart(
    notices: Sequence[CartNotice],
    return_ok_url: str,
    return_cancel_url: str,
    return_error_url: str,
    email: str | None = None,
    cart_id: str | None = None,
) -> dict:
    """Body of a cart: 1 to 5 notices, each with its 18-digit code, the
    creditor's fiscal code, the amount in cents (1 to 999999999.99 euro),
    the creditor's name and a description (each cut to 140 characters)."""
    if not 1 <= len(notices) <= MAX_CART_NOTICES:
        raise ValueError(
            "A pagoPA cart holds 1 to %d notices, not %d."
            % (MAX_CART_NOTICES, len(notices))
        )
    items = []
    for notice in notices:
        validate_notice_code(notice.notice_code)
        items.append(
            {
                "noticeNumber": "".join(notice.notice_code.split()),
                "fiscalCode": validate_creditor_fiscal_code(
                    notice.creditor_fiscal_code
                ),
                "amount": validate_cents(notice.amount_cents),
                "companyName": (notice.company_name or "")[:140],
                "description": (notice.description or "")[:140],
            }
        )
    body = {
        "paymentNotices": items,
        "returnUrls": {
            "returnOkUrl": return_ok_url,
            "returnCancelUrl": return_cancel_url,
            "returnErrorUrl": return_error_url,
        },
    }
    if email:
        body["emailNotice"] = email
    if cart_id:
        body["idCart"] = cart_id
    return body


@dataclass
class CheckoutClient:
    """Client of the Checkout EC API (:data:`CHECKOUT_UAT_URL` or
    :data:`CHECKOUT_PROD_URL`); https is required except on this machine."""

    base_url: str
    subscription_key: str = field(repr=False)
    timeout: tuple[float, float] = (5.0, 30.0)
    attempts: int = 3
    backoff: float = 1.0
    max_backoff: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "The pagoPA Checkout URL %r is not a web address." % self.base_url
            )
        if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
            raise ValueError("The pagoPA Checkout URL must start with https://.")
        if not (self.subscription_key or "").strip():
            raise ValueError("Set the pagoPA Checkout subscription key.")

    def __repr__(self) -> str:  # never shows the key
        return "CheckoutClient(base_url=%r, subscription_key='***')" % self.base_url

    def create_cart(self, cart: dict) -> str:
        """Post the cart; returns the address of the payment page."""
        url = self.base_url.rstrip("/") + "/carts"
        headers = {
            KEY_HEADER: self.subscription_key,
            "Content-Type": "application/json",
        }
        data = json.dumps(cart).encode("utf-8")
        session = requests.Session() if self.session is None else self.session
        delays = backoff_delays(self.attempts, self.backoff, self.max_backoff)
        problem = ""
        try:
            for attempt in range(self.attempts):
                wait = delays[attempt] if attempt < len(delays) else 0.0
                try:
                    response = session.post(
                        url,
                        data=data,
                        headers=headers,
                        timeout=self.timeout,
                        allow_redirects=False,
                    )
                except (requests.Timeout, requests.ConnectionError):
                    problem = "no answer"
                else:
                    location = response.headers.get("Location", "")
                    if response.status_code in (301, 302, 303) and location:
                        return location
                    if response.status_code not in RETRY_STATUSES:
                        text = " ".join((response.text or "").split())[:300]
                        raise CheckoutError(
                            "pagoPA Checkout refused the cart (%s): %s"
                            % (
                                response.status_code,
                                text.replace(self.subscription_key, "***")
                                or response.reason,
                            ),
                            status=response.status_code,
                        )
                    problem = "answer %s" % response.status_code
                    wait = max(wait, retry_after(response, self.max_backoff) or 0)
                if attempt + 1 < self.attempts:
                    self.sleep(wait)
        finally:
            if self.session is None:
                session.close()
        raise CheckoutError(
            "pagoPA Checkout did not answer after %s attempts (%s): try again "
            "later." % (self.attempts, problem)
        )
