#!/usr/bin/env python3
"""Kills `flowgate-server serve` under load, again and again, and counts lost and repeated replies.

Plays the platform: distinct signed text messages over keep-alive connections, and every webhook
that got no 200 (refused, reset, 5xx, no answer) is sent again, as Meta redelivers. A fake Graph
API in this process records each reply (the flow answers "ack <the message's text>"), so every
reply can be matched to its message. Between kills the server runs for `--interval` seconds; after
the last restart the load finishes and the outbox drains.

Prints one line per kill and a RESULT line:
  acknowledged  webhooks answered 200 (each message once at least)
  lost          acknowledged messages that never got a reply (must be 0)
  duplicated    replies beyond the first per message (a crash may repeat sends in flight:
                at most the dispatcher's concurrency per SIGKILL, 0 for SIGTERM)
  unanswered    requests written on an open connection that got no response (SIGTERM: must be 0
                apart from a connection the server closed in the same instant a request went out)

Usage: Benchmarks/chaos.py [--signal kill|term] [--kills 5] [--messages 8000] [--connections 32]
"""
import argparse
import asyncio
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP_SECRET = "chaos-app-secret"
NUMBER = "106540352242922"
FLOW = """flow: chaos
start: ack
nodes:
  ack: { text: "ack {{reply.text}}", goto: listen }
  listen: { wait: reply, goto: ack }
"""


class Graph:
    """A fake Graph API: records the text of every reply, answers 200 after `delay` seconds."""

    def __init__(self, delay):
        self.delay = delay
        self.replies = {}
        self.count = 0

    async def handle(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                body = await reader.readexactly(length)
                text = json.loads(body).get("text", {}).get("body", "")
                self.replies[text] = self.replies.get(text, 0) + 1
                self.count += 1
                await asyncio.sleep(self.delay)
                answer = json.dumps({"messaging_product": "whatsapp", "messages": [{"id": f"wamid.out.{self.count}"}]}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


def webhook(index):
    now = int(time.time())
    sender = f"3162{index:07d}"
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881", "phone_number_id": NUMBER},
        "contacts": [{"profile": {"name": "Chaos"}, "wa_id": sender}],
        "messages": [{"from": sender, "id": f"wamid.chaos.{index}", "timestamp": str(now), "type": "text", "text": {"body": f"m{index}"}}]}}]}]},
        separators=(",", ":")).encode()
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return (b"POST /webhook HTTP/1.1\r\nHost: flowgate\r\nContent-Type: application/json\r\nX-Hub-Signature-256: %s\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (signature.encode(), len(body), body))


class Load:
    def __init__(self, port, messages, connections):
        self.port = port
        self.pending = asyncio.Queue()
        for index in range(messages):
            self.pending.put_nowait(index)
        self.acked = set()
        self.unanswered = 0
        self.connections = connections
        self.total = messages

    async def worker(self):
        reader = writer = None
        while len(self.acked) < self.total:
            try:
                index = self.pending.get_nowait()
            except asyncio.QueueEmpty:
                await asyncio.sleep(0.01)
                continue
            if index in self.acked:
                continue
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                writer = None
                self.pending.put_nowait(index)
                await asyncio.sleep(0.05)
                continue
            try:
                writer.write(webhook(index))
                await writer.drain()
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                if head.startswith(b"HTTP/1.1 200"):
                    self.acked.add(index)
                else:
                    self.pending.put_nowait(index)
                if b"connection: close" in head.lower():
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                # Written, and no response: the platform would send it again.
                self.unanswered += 1
                self.pending.put_nowait(index)
                writer = None
                await asyncio.sleep(0.02)


async def wait_ready(port, process, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"flowgate-server exited with {process.returncode}")
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            writer.close()
            if head.startswith(b"HTTP/1.1 200"):
                return
        except OSError:
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError("flowgate-server did not become ready")


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/flowgate-server"))
    parser.add_argument("--signal", choices=["kill", "term"], default="kill")
    parser.add_argument("--kills", type=int, default=5, help="0: a plain run at full speed (for the log's size)")
    parser.add_argument("--interval", type=float, default=1.5, help="seconds of load between kills")
    parser.add_argument("--messages", type=int, default=8000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=64, help="the dispatcher's sends in flight")
    parser.add_argument("--graph-delay", type=float, default=0.005, help="seconds the fake Graph API takes per send")
    parser.add_argument("--port", type=int, default=18480)
    arguments = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="flowgate-chaos-")
    graph = Graph(arguments.graph_delay)
    graph_server = await asyncio.start_server(graph.handle, "127.0.0.1", 0)
    graph_port = graph_server.sockets[0].getsockname()[1]
    with open(os.path.join(folder, "chaos.yaml"), "w") as handle:
        handle.write(FLOW)
    with open(os.path.join(folder, "flowgate.yaml"), "w") as handle:
        handle.write(f"""listen: {{ host: 127.0.0.1, port: {arguments.port} }}
graph: {{ base_url: "http://127.0.0.1:{graph_port}", version: v23.0 }}
store: {{ sqlite: flowgate.sqlite }}
numbers:
  - {{ phone_number_id: "{NUMBER}", flow: chaos.yaml, rate: 100000 }}
dispatcher: {{ concurrency: {arguments.concurrency} }}
""")
    environment = dict(os.environ, WHATSAPP_APP_SECRET=APP_SECRET, WHATSAPP_VERIFY_TOKEN="v", WHATSAPP_ACCESS_TOKEN="t")
    log = open(os.path.join(folder, "serve.log"), "ab")

    def start():
        return subprocess.Popen([arguments.binary, "serve", "--config", os.path.join(folder, "flowgate.yaml"), "--log-level", "warning"],
                                env=environment, stdout=log, stderr=log)

    process = start()
    await wait_ready(arguments.port, process)
    load = Load(arguments.port, arguments.messages, arguments.connections)
    workers = [asyncio.create_task(load.worker()) for _ in range(arguments.connections)]
    wal = os.path.join(folder, "flowgate.sqlite-wal")
    peak_wal = [0]

    async def watch_wal():
        while True:
            peak_wal[0] = max(peak_wal[0], os.path.getsize(wal) if os.path.exists(wal) else 0)
            await asyncio.sleep(0.1)
    watcher = asyncio.create_task(watch_wal())
    load_started = time.time()
    kind = signal.SIGKILL if arguments.signal == "kill" else signal.SIGTERM
    for kill in range(1, arguments.kills + 1):
        await asyncio.sleep(arguments.interval)
        replies_before = graph.count
        process.send_signal(kind)
        started = time.time()
        while process.poll() is None:
            await asyncio.sleep(0.01)
        print(f"kill {kill}: SIG{arguments.signal.upper()} after {len(load.acked)} acknowledged; exited {process.returncode} "
              f"in {time.time() - started:.2f} s", flush=True)
        process = start()
        await wait_ready(arguments.port, process)
    await asyncio.gather(*workers)
    load_seconds = time.time() - load_started
    # Let the outbox drain: until every acknowledged message has its reply, or 30 s pass.
    deadline = time.time() + 30
    while time.time() < deadline and any(f"ack m{index}" not in graph.replies for index in load.acked):
        await asyncio.sleep(0.2)
    await asyncio.sleep(1)
    watcher.cancel()
    wal_after = os.path.getsize(wal) if os.path.exists(wal) else 0
    database = os.path.getsize(os.path.join(folder, "flowgate.sqlite"))
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=40)
    graph_server.close()

    lost = sum(1 for index in load.acked if f"ack m{index}" not in graph.replies)
    duplicated = sum(count - 1 for count in graph.replies.values() if count > 1)
    bound = arguments.concurrency * arguments.kills if arguments.signal == "kill" else 0
    print(f"RESULT signal={arguments.signal} kills={arguments.kills} messages={arguments.messages} acknowledged={len(load.acked)} "
          f"lost={lost} duplicated={duplicated} bound={bound} unanswered={load.unanswered} load_s={load_seconds:.1f} "
          f"wal_peak_mb={peak_wal[0] / 2**20:.1f} wal_idle_mb={wal_after / 2**20:.1f} db_mb={database / 2**20:.1f}")
    shutil.rmtree(folder, ignore_errors=True)
    failed = lost > 0 or duplicated > bound or len(load.acked) != arguments.messages
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    asyncio.run(main())
