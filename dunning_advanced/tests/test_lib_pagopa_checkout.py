import json
import threading

from odoo.tests import BaseCase, tagged

from ..lib.pagopa_checkout import (
    KEY_HEADER,
    CartNotice,
    CheckoutClient,
    CheckoutError,
    build_cart,
)
from .http_server import local_session, serve

KEY = "checkout-key-77aa"
PAGE = "https://checkout.pagopa.it/c/7f3e9b"


class FakeCheckout:
    """pagoPA Checkout: a valid cart gets 302 to its payment page. ``script``:
    "ok", "503", "400"."""

    def __init__(self, script=()):
        self.script = list(script)
        self.carts = []
        self.lock = threading.Lock()

    def handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length) or b"{}")
        with self.lock:
            behaviour = self.script.pop(0) if self.script else "ok"
            self.carts.append((handler.path, dict(handler.headers), body))
        if behaviour == "503":
            return 503, {"title": "Unavailable"}, {}
        if behaviour == "400":
            return 400, {"title": "Bad Request", "detail": "Invalid notice"}, {}
        if handler.headers.get(KEY_HEADER) != KEY:
            return 401, {"title": "Unauthorized"}, {}
        return 302, {}, {"Location": PAGE}


def _notice(code="301000000000000144", cents=122000):
    return CartNotice(code, "00085240950", cents, "Acme Servizi S.r.l.", "INV/1")


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibPagopaCheckout(BaseCase):
    def _client(self, fake, **kwargs):
        root = serve(self, fake)
        self.sleeps = []
        return CheckoutClient(
            root + "/checkout/ec/v1",
            KEY,
            timeout=(1.0, 1.0),
            sleep=self.sleeps.append,
            session=local_session(self),
            **kwargs,
        )

    def test_cart_body(self):
        cart = build_cart(
            [_notice()], "https://ok", "https://cancel", "https://err", "a@b.it", "C1"
        )
        self.assertEqual(
            cart,
            {
                "paymentNotices": [
                    {
                        "noticeNumber": "301000000000000144",
                        "fiscalCode": "00085240950",
                        "amount": 122000,
                        "companyName": "Acme Servizi S.r.l.",
                        "description": "INV/1",
                    }
                ],
                "returnUrls": {
                    "returnOkUrl": "https://ok",
                    "returnCancelUrl": "https://cancel",
                    "returnErrorUrl": "https://err",
                },
                "emailNotice": "a@b.it",
                "idCart": "C1",
            },
        )

    def test_cart_takes_one_to_five_valid_notices(self):
        with self.assertRaisesRegex(ValueError, "1 to 5 notices, not 6"):
            build_cart([_notice()] * 6, "u", "u", "u")
        with self.assertRaisesRegex(ValueError, "1 to 5 notices, not 0"):
            build_cart([], "u", "u", "u")
        with self.assertRaisesRegex(ValueError, "check digits .* are wrong"):
            build_cart([_notice("301000000000000145")], "u", "u", "u")

    def test_cart_returns_the_payment_page_after_a_retry(self):
        fake = FakeCheckout(["503", "ok"])
        client = self._client(fake)
        cart = build_cart([_notice()], "https://ok", "https://c", "https://e")
        self.assertEqual(client.create_cart(cart), PAGE)
        self.assertEqual(len(fake.carts), 2)
        self.assertEqual(fake.carts[1][0], "/checkout/ec/v1/carts")
        self.assertEqual(fake.carts[1][2]["paymentNotices"][0]["amount"], 122000)
        self.assertEqual(self.sleeps, [1.0])

    def test_refusal_is_not_retried(self):
        fake = FakeCheckout(["400"])
        client = self._client(fake)
        cart = build_cart([_notice()], "https://ok", "https://c", "https://e")
        with self.assertRaisesRegex(
            CheckoutError, r"pagoPA Checkout refused the cart \(400\)"
        ):
            client.create_cart(cart)
        self.assertEqual(len(fake.carts), 1)
        self.assertNotIn(KEY, repr(client))
