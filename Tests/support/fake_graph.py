"""Helpers the Python-driven checks share (Tests/browser/desk_test.py, Benchmarks/instructions.py):
a free port, waiting for an outcome, and a fake Graph API send endpoint. Stdlib only."""

import http.server
import json
import socket
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventually(what, condition, within=15.0):
    """Polls a condition until it holds: waiting for an outcome, not for time to pass."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for: " + what)


class FakeGraph(http.server.ThreadingHTTPServer):
    """The Graph API's send endpoint on a free loopback port, served from a thread of its own:
    accepts each message with a new wamid (`wamid.out.<n>`, n counting from 1) and remembers it."""

    daemon_threads = True

    def __init__(self):
        self.received = []  # the message bodies, in arrival order
        self.wamids = []  # the wamid each was given
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), FakeGraph.Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self):
        return self.server_address[1]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            with self.server.lock:
                self.server.received.append(body)
                wamid = "wamid.out.%d" % len(self.server.received)
                self.server.wamids.append(wamid)
            reply = json.dumps({"messaging_product": "whatsapp", "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                                "messages": [{"id": wamid}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    def count(self):
        with self.lock:
            return len(self.received)

    def sent_to(self, contact):
        with self.lock:
            return [m for m in self.received if m.get("to") == contact]

    def replies(self, start, count):
        """(recipient, wamid) of the messages received from index `start` on, `count` of them."""
        with self.lock:
            return [(m.get("to"), w) for m, w in zip(self.received[start:start + count], self.wamids[start:start + count])]
