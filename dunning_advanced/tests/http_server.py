"""A real HTTP server on 127.0.0.1 for the tests of the REST clients.

The server thread answers with whatever the test's fake service decides:
``fake.handle(handler, method)`` returns ``(status, payload, headers)``, where
a dict or list payload is sent as JSON and a str as is (its Content-Type taken
from ``headers``, text/plain otherwise). A fake may have a ``release`` event
that holds back late answers; it is set on cleanup so no thread lingers.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


class FakeServiceHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self, method):
        status, payload, headers = self.server.fake.handle(self, method)
        headers = dict(headers)
        if isinstance(payload, str):
            body = payload.encode()
            content_type = headers.pop("Content-Type", "text/plain")
        else:
            body = json.dumps(payload).encode()
            content_type = "application/json"
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            return  # the client gave up waiting (timeout test)

    def do_GET(self):
        self._answer("GET")

    def do_POST(self):
        self._answer("POST")

    def do_PUT(self):
        self._answer("PUT")

    def log_message(self, *args):  # keep the test log clean
        pass


def serve(test, fake):
    """Start a server on a free port of 127.0.0.1 answering with ``fake``;
    stopped when ``test`` ends. Returns ``http://127.0.0.1:<port>``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeServiceHandler)
    server.daemon_threads = True
    server.fake = fake
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    test.addCleanup(thread.join, 5)
    test.addCleanup(server.server_close)
    test.addCleanup(server.shutdown)
    release = getattr(fake, "release", None)
    if release is not None:
        test.addCleanup(release.set)
    return "http://127.0.0.1:%s" % server.server_address[1]


def local_session(test):
    """A requests session that ignores proxies from the environment (they
    would swallow 127.0.0.1), closed when ``test`` ends."""
    session = requests.Session()
    session.trust_env = False
    test.addCleanup(session.close)
    return session
