import logging
import socket
from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from ..lib.gpd_client import (
    KEY_HEADER,
    GpdClient,
    GpdError,
    build_debt_position,
    position_status,
    with_amount,
)
from .fake_gpd import (
    BASE_PATH,
    IBAN,
    IUPD,
    IUV,
    KEY,
    ORG,
    RECEIPTS_PATH,
    FakeGpd,
)
from .http_server import local_session, serve


def _position(**changes):
    values = {
        "iupd": IUPD,
        "debtor_type": "F",
        "debtor_fiscal_code": "BSCMTT83A12L719R",
        "debtor_name": "Mario Bianchi",
        "iuv": IUV,
        "amount_cents": 12050,
        "due_date": date(2030, 6, 30),
        "description": "Invoice INV/2025/0042",
        "creditor_fiscal_code": ORG,
        "creditor_name": "Acme Servizi S.r.l.",
        "iban": IBAN,
        "taxonomy": "9/0101108TS/",
    }
    values.update(changes)
    return build_debt_position(**values)


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibGpdClient(BaseCase):
    def _serve(self, script=()):
        gpd = FakeGpd(script)
        return gpd, serve(self, gpd)

    def _client(self, root, **kwargs):
        session = local_session(self)
        self.sleeps = []
        options = {
            "subscription_key": KEY,
            "organization_fiscal_code": ORG,
            "receipts_url": root + RECEIPTS_PATH,
            "timeout": (1.0, 1.0),
            "sleep": self.sleeps.append,
            "session": session,
        }
        options.update(kwargs)
        return GpdClient(root + BASE_PATH, **options)

    # ------------------------------------------------------------ create

    def test_create_sends_the_position_and_returns_it(self):
        gpd, root = self._serve()
        created = self._client(root).create_position(_position())
        self.assertEqual(created["status"], "DRAFT")
        self.assertEqual(list(gpd.positions), [IUPD])
        self.assertEqual(len(gpd.requests), 1)
        sent = gpd.requests[0]
        self.assertEqual(sent["method"], "POST")
        self.assertEqual(
            sent["path"], "%s/organizations/%s/debtpositions" % (BASE_PATH, ORG)
        )
        self.assertEqual(sent["query"], {"toPublish": ["false"]})
        self.assertEqual(sent["headers"][KEY_HEADER], KEY)
        self.assertEqual(sent["headers"]["Content-Type"], "application/json")
        self.assertTrue(sent["headers"]["X-Request-Id"])
        self.assertEqual(
            sent["body"],
            {
                "iupd": IUPD,
                "type": "F",
                "fiscalCode": "BSCMTT83A12L719R",
                "fullName": "Mario Bianchi",
                "companyName": "Acme Servizi S.r.l.",
                "switchToExpired": False,
                "paymentOption": [
                    {
                        "iuv": IUV,
                        "amount": 12050,
                        "description": "Invoice INV/2025/0042",
                        "isPartialPayment": False,
                        "dueDate": "2030-06-30T23:59:59",
                        "transfer": [
                            {
                                "idTransfer": "1",
                                "amount": 12050,
                                "organizationFiscalCode": ORG,
                                "remittanceInformation": "Invoice INV/2025/0042",
                                "category": "9/0101108TS/",
                                "iban": IBAN,
                            }
                        ],
                    }
                ],
            },
        )
        self.assertEqual(self.sleeps, [])

    def test_create_and_publish_at_once_makes_it_payable(self):
        gpd, root = self._serve()
        created = self._client(root).create_position(_position(), publish=True)
        self.assertEqual(created["status"], "VALID")
        self.assertEqual(gpd.requests[0]["query"], {"toPublish": ["true"]})

    def test_duplicate_create_returns_the_existing_position_not_a_second_one(self):
        gpd, root = self._serve()
        client = self._client(root)
        first = client.create_position(_position())
        again = client.create_position(_position())
        self.assertEqual(again, first)
        self.assertEqual(len(gpd.positions), 1)
        self.assertEqual(gpd.count("POST"), 2)  # the second answered 409
        self.assertEqual(gpd.count("GET"), 1)  # then the position was read back

    def test_server_error_then_success_creates_exactly_one_position(self):
        gpd, root = self._serve(["500", "ok"])
        created = self._client(root).create_position(_position())
        self.assertEqual(created["iupd"], IUPD)
        self.assertEqual(len(gpd.positions), 1)
        self.assertEqual(len(gpd.requests), 2)
        ids = {r["headers"]["X-Request-Id"] for r in gpd.requests}
        self.assertEqual(len(ids), 1)  # one operation, one request id
        self.assertEqual(self.sleeps, [1.0])

    def test_too_many_requests_waits_as_asked(self):
        gpd, root = self._serve(["429", "ok"])
        self._client(root).create_position(_position())
        self.assertEqual(self.sleeps, [7.0])
        self.assertEqual(len(gpd.positions), 1)

    def test_timeout_then_retry_creates_no_duplicate(self):
        """GPD created the position but answered after the client's read
        timeout; the retry gets 409 and the client reads the position back."""
        gpd, root = self._serve(["slow"])
        client = self._client(root, timeout=(1.0, 0.3))
        created = client.create_position(_position())
        self.assertEqual(created["iupd"], IUPD)
        self.assertEqual(len(gpd.positions), 1)
        self.assertEqual(
            [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in gpd.requests],
            [("POST", "debtpositions"), ("POST", "debtpositions"), ("GET", IUPD)],
        )
        self.assertEqual(self.sleeps, [1.0])

    def test_iuv_of_another_position_is_refused(self):
        gpd, root = self._serve()
        client = self._client(root)
        client.create_position(_position())
        with self.assertRaises(GpdError) as caught:
            client.create_position(_position(iupd="DUN-2025-0002"))
        self.assertEqual(
            str(caught.exception),
            "GPD refused debt position DUN-2025-0002 (409): one of its IUVs "
            "(00715700000000032) already belongs to another debt position. Use a "
            "new notice code.",
        )
        self.assertEqual(caught.exception.status, 409)
        self.assertEqual(list(gpd.positions), [IUPD])

    # ------------------------------------------------------------ refusals

    def test_wrong_key_is_not_retried_and_says_where_to_fix_it(self):
        gpd, root = self._serve()
        client = self._client(root, subscription_key="not-the-key")
        with self.assertRaises(GpdError) as caught:
            client.create_position(_position())
        self.assertEqual(
            str(caught.exception),
            "The pagoPA GPD service refused the subscription key (401): check the "
            "key in Settings.",
        )
        self.assertEqual(caught.exception.status, 401)
        self.assertEqual(len(gpd.requests), 1)
        self.assertEqual(gpd.positions, {})
        self.assertEqual(self.sleeps, [])

    def test_bad_request_is_not_retried_and_gives_their_detail(self):
        gpd, root = self._serve(["400"])
        with self.assertRaises(GpdError) as caught:
            self._client(root).create_position(_position())
        self.assertEqual(
            str(caught.exception),
            "GPD refused debt position DUN-2025-0001 (400): dueDate is required. "
            "Correct it and send it again.",
        )
        self.assertEqual(caught.exception.status, 400)
        self.assertEqual(len(gpd.requests), 1)
        self.assertEqual(self.sleeps, [])

    def test_unknown_position_is_not_retried(self):
        gpd, root = self._serve()
        with self.assertRaises(GpdError) as caught:
            self._client(root).get_position("DUN-MISSING")
        self.assertEqual(
            str(caught.exception),
            "Debt position DUN-MISSING not found (404) for organization 00085240950.",
        )
        self.assertEqual(caught.exception.status, 404)
        self.assertEqual(len(gpd.requests), 1)
        self.assertEqual(self.sleeps, [])

    def test_forbidden_organization_names_the_fiscal_code(self):
        gpd, root = self._serve(["403"])
        with self.assertRaisesRegex(
            GpdError, "act for organization 00085240950 \\(403\\): ask PagoPA"
        ):
            self._client(root).get_position(IUPD)
        self.assertEqual(len(gpd.requests), 1)

    def test_key_never_appears_in_errors_logs_or_repr(self):
        """GPD echoes the key back in its answers; the client scrubs it."""
        gpd, root = self._serve(["503-echo", "400-echo"])
        client = self._client(root, attempts=2)
        logger = "odoo.addons.dunning_advanced.lib.gpd_client"
        with (
            self.assertLogs(logger, logging.INFO) as logs,
            self.assertRaises(GpdError) as caught,
        ):
            client.get_position(IUPD)
        message = str(caught.exception)
        self.assertEqual(
            message,
            "GPD refused debt position DUN-2025-0001 (400): Invalid key ***. "
            "Correct it and send it again.",
        )
        self.assertEqual(len(logs.output), 1)
        self.assertIn("the last answer was 503: Invalid key ***", logs.output[0])
        self.assertNotIn(KEY, logs.output[0])
        self.assertNotIn(KEY, repr(client))
        self.assertEqual(len(gpd.requests), 2)

    def test_gives_up_after_the_attempts_with_back_off(self):
        gpd, root = self._serve(["503"] * 4)
        with self.assertRaises(GpdError) as caught:
            self._client(root).create_position(_position())
        self.assertEqual(
            str(caught.exception),
            "GPD did not answer after 4 attempts (the last answer was 503: "
            "Maintenance). Try again later: repeating the operation is safe.",
        )
        self.assertTrue(caught.exception.retryable)
        self.assertIsNone(caught.exception.status)
        self.assertEqual(len(gpd.requests), 4)
        self.assertEqual(self.sleeps, [1.0, 2.0, 4.0])
        self.assertEqual(gpd.positions, {})

    def test_unreachable_gpd_is_retried_then_reported(self):
        with socket.socket() as probe:  # a port on this machine nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        client = self._client("http://127.0.0.1:%s" % port, attempts=3)
        with self.assertRaisesRegex(
            GpdError,
            "did not answer after 3 attempts \\(the last attempt could not connect\\)",
        ):
            client.get_position(IUPD)
        self.assertEqual(self.sleeps, [1.0, 2.0])

    # ----------------------------------------------------- life of a position

    def test_publish_twice_is_a_success_both_times(self):
        gpd, root = self._serve()
        client = self._client(root)
        client.create_position(_position())
        self.assertEqual(client.publish_position(IUPD)["status"], "VALID")
        # As after a timeout: GPD answers 409, the position is already VALID.
        self.assertEqual(client.publish_position(IUPD)["status"], "VALID")
        self.assertEqual(gpd.count("POST", "/publish"), 2)
        self.assertEqual(gpd.positions[IUPD]["status"], "VALID")

    def test_invalidate_withdraws_and_a_paid_position_cannot_be_published(self):
        gpd, root = self._serve()
        client = self._client(root)
        client.create_position(_position(), publish=True)
        self.assertEqual(client.invalidate_position(IUPD)["status"], "INVALID")
        self.assertEqual(client.invalidate_position(IUPD)["status"], "INVALID")
        with self.assertRaisesRegex(
            GpdError,
            "Debt position DUN-2025-0001 cannot be published in state INVALID "
            "\\(409\\): Not publishable",
        ):
            client.publish_position(IUPD)

    def test_update_amount_changes_option_and_transfer(self):
        gpd, root = self._serve()
        client = self._client(root)
        position = _position()
        client.create_position(position)
        updated = client.update_amount(position, 15075)
        self.assertEqual(updated["paymentOption"][0]["amount"], 15075)
        held = gpd.positions[IUPD]["paymentOption"][0]
        self.assertEqual(held["amount"], 15075)
        self.assertEqual(held["transfer"][0]["amount"], 15075)
        self.assertEqual(gpd.requests[-1]["method"], "PUT")
        self.assertEqual(position["paymentOption"][0]["amount"], 12050)  # a copy
        gpd.pay(IUPD)
        with self.assertRaisesRegex(GpdError, "cannot be changed any more \\(409\\)"):
            client.update_amount(position, 100)

    def test_payment_status_and_receipt_after_payment(self):
        gpd, root = self._serve()
        client = self._client(root)
        client.create_position(_position(), publish=True)
        before = client.payment_status(IUPD)
        self.assertEqual(before.status, "VALID")
        self.assertFalse(before.paid)
        self.assertIsNone(client.get_receipt(IUV))
        gpd.pay(IUPD)
        after = client.payment_status(IUPD)
        self.assertTrue(after.paid)
        self.assertEqual(after.payment_date, "2030-06-01T10:15:00")
        option = after.options[0]
        self.assertTrue(option.paid)
        self.assertEqual(
            (option.iuv, option.nav, option.receipt_id, option.psp_company),
            (IUV, "3" + IUV, "a1b2c3d4", "Banca Esempio"),
        )
        self.assertEqual((option.amount_cents, option.fee_cents), (12050, 150))
        self.assertEqual(
            client.get_receipt(IUV), "<receipt><iuv>%s</iuv></receipt>" % IUV
        )
        receipt_request = gpd.requests[-1]
        self.assertEqual(
            receipt_request["path"],
            "%s/payments/%s/receipts/%s" % (RECEIPTS_PATH, ORG, IUV),
        )
        self.assertEqual(receipt_request["headers"]["Accept"], "application/xml")

    # ------------------------------------------------------------ pure parts

    def test_position_status_of_a_partly_paid_position(self):
        status = position_status(
            {
                "iupd": "X",
                "status": "PARTIALLY_PAID",
                "paymentOption": [
                    {"iuv": "1", "status": "PO_PAID", "amount": 100},
                    {"iuv": "2", "status": "PO_UNPAID", "amount": 200},
                ],
            }
        )
        self.assertFalse(status.paid)
        self.assertEqual([o.paid for o in status.options], [True, False])

    def test_body_refuses_what_gpd_would_refuse(self):
        cases = [
            ({"debtor_type": "X"}, "debtor type 'X' is unknown"),
            ({"iuv": "123"}, "IUV '123' is not valid"),
            ({"amount_cents": 0}, "out of range"),
            (
                {"amount_cents": 100_000_000_000},
                "from 1 to 99999999999 cents \\(999.999.999,99 euro\\)",
            ),
            ({"amount_cents": Decimal("120.50")}, "whole number of cents"),
            ({"description": "x" * 141}, "has 141 characters; GPD takes at most 140"),
            ({"debtor_name": ""}, "debtor's name is missing"),
            ({"iban": "IT60X0542811101000000123457"}, "IBAN .* is not valid"),
            ({"iupd": "DUN 1"}, "cannot contain spaces or slashes"),
            ({"taxonomy": ""}, "taxonomy code is missing"),
            ({"debtor_email": "mario"}, "not an email address"),
            ({"creditor_fiscal_code": "12345678901"}, "creditor's fiscal code"),
        ]
        for changes, message in cases:
            with (
                self.subTest(message=message),
                self.assertRaisesRegex(ValueError, message),
            ):
                _position(**changes)
        position = _position(debtor_type="g", debtor_email=" a@b.it ")
        self.assertEqual((position["type"], position["email"]), ("G", "a@b.it"))
        with self.assertRaisesRegex(ValueError, "out of range"):
            with_amount(position, -5)

    def test_configuration_errors_say_what_to_fix(self):
        with self.assertRaisesRegex(ValueError, "must start with https://"):
            GpdClient("http://gpd.example/v1", KEY, ORG)
        with self.assertRaisesRegex(ValueError, "Set the pagoPA GPD subscription key"):
            GpdClient("https://gpd.example/v1", "", ORG)
        with self.assertRaisesRegex(ValueError, "creditor's fiscal code"):
            GpdClient("https://gpd.example/v1", KEY, "123")
        with self.assertRaisesRegex(ValueError, "environment 'test' is unknown"):
            GpdClient.for_environment("test", KEY, ORG)
        client = GpdClient.for_environment("uat", KEY, ORG)
        self.assertEqual(
            client.base_url,
            "https://api.uat.platform.pagopa.it/gpd/debt-positions-service/v1",
        )
        self.assertEqual(
            client.receipts_url,
            "https://api.uat.platform.pagopa.it/gpd/payments-receipts-service/v1",
        )
