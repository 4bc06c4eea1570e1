"""A fake pagoPA GPD for the tests: the ORM tests and those of lib/gpd_client
drive it over real HTTP (:mod:`.http_server`)."""

import json
import re
import threading
from urllib.parse import parse_qs, urlsplit

from ..lib.gpd_client import KEY_HEADER

KEY = "gpd-subscription-key-4f1c9a2e77"
ORG = "00085240950"
IUPD = "DUN-2025-0001"
IUV = "00715700000000032"  # of notice code 300715700000000032 (aux 3)
IBAN = "IT60X0542811101000000123456"
BASE_PATH = "/gpd/debt-positions-service/v1"
RECEIPTS_PATH = "/gpd/payments-receipts-service/v1"
_POSITION = re.compile(
    r"^%s/organizations/(?P<org>[^/]+)/debtpositions(?:/(?P<iupd>[^/]+))?"
    r"(?:/(?P<action>publish|invalidate))?$" % re.escape(BASE_PATH)
)
_RECEIPT = re.compile(
    r"^%s/payments/(?P<org>[^/]+)/receipts/(?P<iuv>[^/]+)$" % re.escape(RECEIPTS_PATH)
)


class FakeGpd:
    """What GPD does: it checks the subscription key, keeps one position per
    IUPD and refuses with 409 a second one with the same IUPD or IUV, moves
    positions between DRAFT, VALID and INVALID, and serves receipts of paid
    IUVs. ``script`` lists how to treat the next requests: "ok", "slow" (do the
    work but answer after the client's read timeout), "500", "503", "429",
    "400", "403", "503-echo" and "400-echo" (which echo the key)."""

    def __init__(self, script=()):
        self.script = list(script)
        self.positions = {}
        self.receipts = {}
        self.requests = []
        self.lock = threading.Lock()
        self.release = threading.Event()

    def count(self, method, action=None):
        return sum(
            1
            for r in self.requests
            if r["method"] == method and (action is None or r["path"].endswith(action))
        )

    def handle(self, handler, method):
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        with self.lock:
            behaviour = self.script.pop(0) if self.script else "ok"
            self.requests.append(
                {
                    "method": method,
                    "path": url.path,
                    "query": parse_qs(url.query),
                    "headers": dict(handler.headers),
                    "body": json.loads(raw) if raw else None,
                }
            )
        echo = handler.headers.get(KEY_HEADER)
        canned = {
            "500": (500, {"title": "Internal Server Error", "detail": "DB down"}, {}),
            "503": (503, {"title": "Service Unavailable", "detail": "Maintenance"}, {}),
            "429": (429, {"title": "Too Many Requests"}, {"Retry-After": "7"}),
            "400": (400, {"title": "Bad Request", "detail": "dueDate is required"}, {}),
            "403": (403, {"statusCode": 403, "message": "You are not allowed"}, {}),
            "503-echo": (503, {"detail": "Invalid key %s" % echo}, {}),
            "400-echo": (400, {"detail": "Invalid key %s" % echo}, {}),
        }
        if behaviour in canned:
            return canned[behaviour]
        if handler.headers.get(KEY_HEADER) != KEY:
            return 401, {"statusCode": 401, "message": "Access denied"}, {}
        with self.lock:
            answer = self._route(method, url, raw)
        if behaviour == "slow":
            self.release.wait(timeout=3)  # done, but the answer comes too late
        return answer

    def _route(self, method, url, raw):
        receipt = _RECEIPT.match(url.path)
        if receipt and method == "GET":
            xml = self.receipts.get(receipt["iuv"])
            if xml is None:
                return 404, {"title": "Not Found", "detail": "No receipt"}, {}
            return 200, xml, {"Content-Type": "application/xml"}
        match = _POSITION.match(url.path)
        if not match or match["org"] != ORG:
            return 404, {"title": "Not Found"}, {}
        iupd, action = match["iupd"], match["action"]
        query = parse_qs(url.query)
        publish = query.get("toPublish") == ["true"]
        if method == "POST" and iupd is None:
            body = json.loads(raw)
            iuvs = {o["iuv"] for o in body["paymentOption"]}
            taken = {
                o["iuv"] for p in self.positions.values() for o in p["paymentOption"]
            }
            if body["iupd"] in self.positions or iuvs & taken:
                return 409, {"title": "Conflict", "detail": "Duplicate position"}, {}
            body["status"] = "VALID" if publish else "DRAFT"
            self.positions[body["iupd"]] = body
            return 201, body, {}
        position = self.positions.get(iupd)
        if position is None:
            return 404, {"title": "Not found the debt position"}, {}
        if method == "GET" and action is None:
            return 200, position, {}
        if method == "PUT" and action is None:
            if position["status"] in ("PAID", "INVALID"):
                return 409, {"title": "Conflict", "detail": "Not updatable"}, {}
            body = json.loads(raw)
            body["status"] = "VALID" if publish else position["status"]
            self.positions[iupd] = body
            return 200, body, {}
        if method == "POST" and action == "publish":
            if position["status"] != "DRAFT":
                return 409, {"title": "Conflict", "detail": "Not publishable"}, {}
            position["status"] = "VALID"
            return 200, position, {}
        if method == "POST" and action == "invalidate":
            if position["status"] not in ("VALID", "PUBLISHED"):
                return 409, {"title": "Conflict", "detail": "Not invalidable"}, {}
            position["status"] = "INVALID"
            return 200, position, {}
        return 405, {"title": "Method Not Allowed"}, {}

    def pay(self, iupd, paid_at="2030-06-01T10:15:00"):
        """What GPD shows once the debtor paid at a PSP."""
        with self.lock:
            position = self.positions[iupd]
            position.update(status="PAID", paymentDate=paid_at)
            for option in position["paymentOption"]:
                option.update(
                    status="PO_PAID",
                    nav="3" + option["iuv"],
                    paymentDate=paid_at,
                    idReceipt="a1b2c3d4",
                    pspCompany="Banca Esempio",
                    paymentMethod="CP",
                    fee=150,
                )
                self.receipts[option["iuv"]] = (
                    "<receipt><iuv>%s</iuv></receipt>" % (option["iuv"])
                )
