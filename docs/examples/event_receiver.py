#!/usr/bin/env python3
"""A sample receiver for Flowgate's event webhooks (`events:` in flowgate.yaml).

Checks each delivery's signature, drops an event it has already seen (a retry after a lost answer
brings the same `id`), and prints it. Answer 2xx quickly: anything else is retried with backoff.

    FLOWGATE_EVENTS_SECRET=... python3 docs/examples/event_receiver.py 9300
"""

import hashlib
import hmac
import http.server
import json
import os
import sys

SECRET = os.environ["FLOWGATE_EVENTS_SECRET"].encode()
seen = set()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, self.headers.get("X-Flowgate-Signature-256", "")):
            self.send_response(401)  # not from Flowgate: refused for good
            self.end_headers()
            return
        event = json.loads(body)
        if event["id"] not in seen:
            seen.add(event["id"])
            window = event["window"]
            print(f'{event["at"]} {event["event"]:<18} +{event["contact"]["wa_id"]} '
                  f'node={event.get("node")} window={"open until " + window["closes_at"] if window["open"] else "closed"} '
                  f'{json.dumps(event["detail"])}', flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9300
    http.server.ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()
