#!/usr/bin/env python3
"""Holds 20,000 idle connections against `flowgate-server serve`, then checks a real webhook still gets
its 200 and that the memory comes back.

Two helper processes open 10,000 connections each and send nothing (the file limit of one process
is 20,000 here). Meanwhile one signed webhook is posted. The server keeps at most `max`
connections (the rest wait in the kernel's queue or are refused), cuts idle ones after
`idle_timeout`, and then answers the webhook. Prints the server's memory before, while held and
after, and how long the webhook waited beyond the idle timeout.

Usage: Benchmarks/idle-connections.py [--binary .build/release/flowgate-server] [--connections 20000] [--idle 5]
"""
import argparse
import asyncio
import hashlib
import hmac
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP_SECRET = "idle-app-secret"
NUMBER = "106540352242922"


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def hold(port, count, seconds, ready):
    """Opens `count` connections (non-blocking, 2 s each at most) and holds them `seconds`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    async def run():
        async def one():
            try:
                return await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2)
            except (OSError, asyncio.TimeoutError):
                return None
        opened = []
        for start in range(0, count, 500):
            opened += [c for c in await asyncio.gather(*(one() for _ in range(min(500, count - start)))) if c]
        ready.put(len(opened))
        await asyncio.sleep(seconds)
        for _, writer in opened:
            writer.close()
    asyncio.run(run())


def post_webhook(port, timeout):
    now = int(time.time())
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "1", "phone_number_id": NUMBER},
        "contacts": [{"profile": {"name": "Real"}, "wa_id": "31699999999"}],
        "messages": [{"from": "31699999999", "id": f"wamid.real.{now}", "timestamp": str(now), "type": "text", "text": {"body": "hi"}}]}}]}]},
        separators=(",", ":")).encode()
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", str(timeout), "-X", "POST",
               "-H", f"X-Hub-Signature-256: {signature}", "-H", "Content-Type: application/json", "--data-binary", "@-",
               f"http://127.0.0.1:{port}/webhook"]
    started = time.time()
    result = subprocess.run(command, input=body, capture_output=True)
    return result.stdout.decode(), time.time() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/flowgate-server"))
    parser.add_argument("--connections", type=int, default=20000)
    parser.add_argument("--idle", type=int, default=5, help="the server's idle timeout, seconds")
    parser.add_argument("--port", type=int, default=18481)
    arguments = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="flowgate-idle-")
    with open(os.path.join(folder, "ack.yaml"), "w") as handle:
        handle.write('flow: ack\nstart: ack\nnodes:\n  ack: { text: "ok", goto: listen }\n  listen: { wait: reply, goto: ack }\n')
    with open(os.path.join(folder, "flowgate.yaml"), "w") as handle:
        handle.write(f"""listen: {{ host: 127.0.0.1, port: {arguments.port} }}
graph: {{ base_url: "http://127.0.0.1:9", version: v23.0 }}
store: {{ sqlite: flowgate.sqlite }}
numbers:
  - {{ phone_number_id: "{NUMBER}", flow: ack.yaml }}
connections: {{ idle_timeout: {arguments.idle}s }}
""")
    environment = dict(os.environ, WHATSAPP_APP_SECRET=APP_SECRET, WHATSAPP_VERIFY_TOKEN="v", WHATSAPP_ACCESS_TOKEN="t")
    log = open(os.path.join(folder, "serve.log"), "ab")
    server = subprocess.Popen([arguments.binary, "serve", "--config", os.path.join(folder, "flowgate.yaml"), "--log-level", "error"],
                              env=environment, stdout=log, stderr=log)
    for _ in range(100):
        if subprocess.run(["curl", "-sf", f"http://127.0.0.1:{arguments.port}/healthz"], capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    code, _ = post_webhook(arguments.port, 5)
    before = rss_mb(server.pid)

    ready = multiprocessing.Queue()
    hold_for = arguments.idle * 3 + 10
    helpers = [multiprocessing.Process(target=hold, args=(arguments.port, arguments.connections // 2, hold_for, ready)) for _ in range(2)]
    started = time.time()
    for helper in helpers:
        helper.start()
    opened = sum(ready.get() for _ in helpers)
    held_at = time.time() - started
    peak = rss_mb(server.pid)
    code, waited = post_webhook(arguments.port, hold_for)
    alive = server.poll() is None
    for helper in helpers:
        helper.join()
    time.sleep(arguments.idle + 2)
    after = rss_mb(server.pid)
    still_alive = server.poll() is None
    server.terminate()
    server.wait(timeout=40)
    shutil.rmtree(folder, ignore_errors=True)
    print(f"RESULT connections_tried={arguments.connections} connected={opened} (in {held_at:.1f} s) idle_timeout={arguments.idle}s "
          f"webhook_status={code} webhook_waited={waited:.2f}s server_up={alive and still_alive} "
          f"rss_mb_before={before:.0f} rss_mb_held={peak:.0f} rss_mb_after={after:.0f}")
    sys.exit(0 if code == "200" and alive and still_alive else 1)


if __name__ == "__main__":
    main()
