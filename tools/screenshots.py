"""Screenshots of the credit controller's screens, taken from a running demo.

    python tools/screenshots.py --url http://localhost:8069 --db dunning_demo

Logs in (admin/admin by default), opens each screen in headless Chromium
through its DevTools protocol (the way Odoo's own browser tests drive it) and
writes PNG files into docs/: Today, the aged receivables report, the KPI
dashboard, and the first page of a customer statement (the PDF from the demo,
turned into an image with poppler's pdftoppm).
"""

import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket

# file, path, element that says the screen is drawn, height of the window
SCREENS = [
    (
        "today.png",
        "/odoo/action-dunning_advanced.dunning_worklist_action",
        ".o_list_view",
        560,
    ),
    (
        "aged_receivables.png",
        "/odoo/action-dunning_advanced.dunning_aged_receivable_action",
        ".o_pivot",
        900,
    ),
    (
        "kpi_dashboard.png",
        "/odoo/action-dunning_advanced.dunning_kpi_dashboard_action",
        ".o_dunning_dashboard svg",
        1700,
    ),
]
BROWSERS = ("chromium", "google-chrome", "chromium-browser", "google-chrome-stable")


def parse_args():
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="dunning_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default=str(root / "docs"))
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument(
        "--lang",
        default="en_US",
        help="the user's language while the screenshots are taken (set back after)",
    )
    parser.add_argument(
        "--statement-of",
        default="Logistica Siciliana S.r.l.",
        help="the customer whose statement is shown",
    )
    return parser.parse_args()


def login(args):
    session = requests.Session()
    response = session.post(
        f"{args.url}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "params": {"db": args.db, "login": args.login, "password": args.password},
        },
        timeout=60,
    )
    result = response.json()
    if result.get("error") or not result.get("result", {}).get("uid"):
        sys.exit(f"Cannot log in to {args.db} as {args.login}: {result.get('error')}")
    return session


def call(session, args, model, method, *params, **kwargs):
    response = session.post(
        f"{args.url}/web/dataset/call_kw/{model}/{method}",
        json={
            "jsonrpc": "2.0",
            "params": {
                "model": model,
                "method": method,
                "args": list(params),
                "kwargs": kwargs,
            },
        },
        timeout=120,
    )
    result = response.json()
    if result.get("error"):
        sys.exit(f"{model}.{method}: {result['error']['data']['message']}")
    return result["result"]


class Browser:
    """Headless Chromium driven over its DevTools websocket."""

    def __init__(self, width, height):
        binary = next(
            (shutil.which(name) for name in BROWSERS if shutil.which(name)), None
        )
        if not binary:
            sys.exit("No Chromium or Chrome found: run `make test-tools` first.")
        self.profile = tempfile.mkdtemp(prefix="dunning_shots_")
        self.ws = None
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--window-size={width},{height}",
                "--remote-debugging-port=0",  # a free port, written to the profile
                "--remote-allow-origins=*",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self._connect(width, height)
        except BaseException:
            self.close()
            raise

    def _connect(self, width, height):
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _attempt in range(100):
            try:
                port = port_file.read_text().split()[0]
                pages = requests.get(f"http://127.0.0.1:{port}/json", timeout=2).json()
                page = next(p for p in pages if p["type"] == "page")
                break
            except (
                OSError,
                IndexError,
                StopIteration,
                ValueError,
                requests.RequestException,
            ):
                time.sleep(0.2)
        else:
            raise RuntimeError("Chromium did not open its DevTools port.")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def cookie(self, url, name, value):
        self.send("Network.enable")
        self.send("Network.setCookie", name=name, value=value, url=url)

    def open(self, url, ready_selector, timeout=60):
        self.send("Page.navigate", url=url)
        deadline = time.time() + timeout
        busy = ".o_loading_indicator, .o_blockUI"
        script = (
            f"!!document.querySelector({json.dumps(ready_selector)}) && "
            f"!document.querySelector({json.dumps(busy)})"
        )
        while time.time() < deadline:
            result = self.send(
                "Runtime.evaluate", expression=script, returnByValue=True
            )
            if result.get("result", {}).get("value"):
                time.sleep(1.5)  # fonts and charts settle
                return
            time.sleep(0.5)
        raise RuntimeError(f"{url}: {ready_selector} did not appear")

    def resize(self, width, height):
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self):
        if self.ws:
            self.ws.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def statement_png(session, args, out):
    """First page of a demo customer's statement, as PNG (pdftoppm)."""
    if not shutil.which("pdftoppm"):
        print("pdftoppm (poppler-utils) not found: no statement image.")
        return
    partner_ids = call(
        session, args, "res.partner", "search", [["name", "=", args.statement_of]]
    )
    if not partner_ids:
        sys.exit(f"No customer named {args.statement_of!r} in {args.db}.")
    response = session.get(
        f"{args.url}/dunning/statements/{partner_ids[0]}", timeout=120
    )
    if response.headers.get("Content-Type") != "application/pdf":
        sys.exit(f"The statement did not come as a PDF: {response.text[:200]}")
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "statement.pdf"
        pdf.write_bytes(response.content)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "90",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(out / "statement"),
            ],
            check=True,
        )
    print(f"{out / 'statement.png'}")


def main():
    args = parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    session = login(args)
    uid = call(session, args, "res.users", "search", [["login", "=", args.login]])[0]
    lang = call(session, args, "res.users", "read", [uid], ["lang"])[0]["lang"]
    # The language must be active (a demo made with --load-language=it_IT has
    # only Italian).
    lang_ids = call(
        session,
        args,
        "res.lang",
        "search",
        [["code", "=", args.lang], ["active", "in", [True, False]]],
    )
    call(session, args, "res.lang", "write", lang_ids, {"active": True})
    call(session, args, "res.users", "write", [uid], {"lang": args.lang})
    session = login(args)  # a session knows its language from its login
    browser = Browser(args.width, 900)
    try:
        browser.cookie(args.url, "session_id", session.cookies["session_id"])
        for name, path, ready, height in SCREENS:
            browser.resize(args.width, height)
            browser.open(args.url + path, ready)
            browser.screenshot(out / name)
            print(out / name)
    finally:
        browser.close()
        call(session, args, "res.users", "write", [uid], {"lang": lang})
    statement_png(session, args, out)


if __name__ == "__main__":
    main()
