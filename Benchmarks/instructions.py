#!/usr/bin/env python3
"""Instructions per webhook on the acknowledgement path, counted by valgrind's callgrind.

Seconds wander on a shared machine; instruction counts repeat. This starts a webhook server under
`valgrind --tool=callgrind`, with a fake Graph API of its own (so it needs nothing from
../shared), warms it up, then zeroes the counters and sends a fixed load over one keep-alive
connection, one webhook at a time:

  messages   N signed text messages from 100 known senders, each answered by one reply
             (Benchmarks/ack-every-message.yaml); counted once every reply has reached the fake
  statuses   N signed `delivered` statuses for those replies

and prints the instructions each webhook cost, the reply included. One webhook at a time makes
each its own batch and commit, the cost at low load, and keeps the count repeatable.

usage:
  Benchmarks/instructions.py [--server flowgate|ceiling] [--binary PATH] [--webhooks N]
                             [--store sqlite|postgres] [--keep DIR] [--check FILE]

--binary   the server to run (default .build/release/flowgate-server). It runs as a copy without
           debug information (Debian's valgrind 3.19 cannot read Swift 6.3's DWARF 5; the symbol
           table, which names the functions, stays), with Benchmarks/callgrind/sigsuspend.c
           preloaded (that valgrind crashes at libdispatch's sigsuspend otherwise)
--store    Flowgate's store: a fresh SQLite file (the default), or a fresh schema in the
           PostgreSQL at $FLOWGATE_TEST_DATABASE_URL (run under .ci/with-postgres), as a replica
           of several would use it
--keep     leave the callgrind dumps in DIR (for Benchmarks/breakdown.py)
--check    compare with the committed figures in FILE (Benchmarks/instructions.json, for
           --webhooks 300): exit 1 when a count per webhook grew by more than 10 %
"""
import argparse
import glob
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "Tests", "support"))
from fake_graph import FakeGraph, eventually, free_port  # noqa: E402
NUMBER = "106540352242922"
APP_SECRET = "instructions-app-secret"
ACCESS_TOKEN = "instructions-access-token"
SENDERS = 100
TOLERANCE = 0.10


def sender(index):
    return "4915%09d" % (index % SENDERS)


def envelope(value):
    return {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": dict(
        {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881", "phone_number_id": NUMBER}}, **value)}]}]}


def message(index, now):
    contact = sender(index)
    return envelope({"contacts": [{"profile": {"name": "Ana Silva"}, "wa_id": contact}],
                     "messages": [{"from": contact, "id": "wamid.in.%08d" % index, "timestamp": str(now), "type": "text",
                                   "text": {"body": "Where is my order #%06d? It was supposed to arrive yesterday." % index}}]})


def status(contact, wamid, now):
    return envelope({"statuses": [{"id": wamid, "status": "delivered", "timestamp": str(now), "recipient_id": contact,
                                   "pricing": {"billable": False, "pricing_model": "PMP", "category": "service", "type": "free_customer_service"}}]})


class Client:
    """One keep-alive connection posting signed webhooks, one at a time."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def post(self, payload):
        body = json.dumps(payload, separators=(",", ":")).encode()
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        self.connection.request("POST", "/webhook", body=body,
                                headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})
        response = self.connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit("instructions.py: webhook answered %d" % response.status)


def store_line(args, folder, env):
    """The config's store, and for PostgreSQL a fresh schema in the test database."""
    if args.store == "sqlite":
        return "{ sqlite: %s/flowgate.sqlite }" % folder
    url = os.environ.get("FLOWGATE_TEST_DATABASE_URL")
    if not url:
        raise SystemExit("instructions.py: --store postgres needs FLOWGATE_TEST_DATABASE_URL (run under .ci/with-postgres)")
    schema = "instructions_%d" % os.getpid()
    subprocess.run(["psql", url, "-Atq", "-c", "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s" % (schema, schema)], check=True)
    env["FLOWGATE_DATABASE_URL"] = "%s?search_path=%s" % (url, schema)
    return "{ postgres: { url_env: FLOWGATE_DATABASE_URL } }"


def start(args, folder, graph, port):
    env = dict(os.environ, APP_SECRET=APP_SECRET, VERIFY_TOKEN="verify", ACCESS_TOKEN=ACCESS_TOKEN)
    if args.server == "flowgate":
        config = os.path.join(folder, "flowgate.yaml")
        with open(config, "w") as f:
            f.write(f"""
listen: {{ host: 127.0.0.1, port: {port} }}
graph: {{ base_url: "http://127.0.0.1:{graph.port}", version: v23.0 }}
store: {store_line(args, folder, env)}
numbers:
  - {{ phone_number_id: "{NUMBER}", flow: {ROOT}/Benchmarks/ack-every-message.yaml, rate: 20000 }}
env: {{ app_secret: APP_SECRET, verify_token: VERIFY_TOKEN, access_token: ACCESS_TOKEN }}
""")
        command = [args.binary, "serve", "--config", config, "--log-level", "warning"]
    else:
        env.update(GRAPH_BASE="http://127.0.0.1:%d" % graph.port, API_VERSION="23.0", PHONE_NUMBER_ID=NUMBER,
                   BOT_PORT=str(port), ACK_TEXT="Thanks, we got your message and will get back to you shortly.")
        command = [args.binary]
    stripped = os.path.join(folder, os.path.basename(command[0]))
    subprocess.run(["objcopy", "--strip-debug", command[0], stripped], check=True)
    command[0] = stripped
    shim = os.path.join(folder, "sigsuspend.so")
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", shim, os.path.join(ROOT, "Benchmarks", "callgrind", "sigsuspend.c")], check=True)
    env["LD_PRELOAD"] = shim
    log = open(os.path.join(folder, "server.log"), "w")
    process = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + os.path.join(folder, "callgrind.out"),
                                "--dump-instr=no", "--compress-strings=no"] + command,
                               env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)

    def ready():
        if process.poll() is not None:
            raise SystemExit("instructions.py: the server exited:\n" + open(log.name).read())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False
    eventually("the server to listen", ready, within=300)
    return process


def control(process, *flags):
    subprocess.run(["callgrind_control", *flags, str(process.pid)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def dumped(folder, before):
    files = set(glob.glob(os.path.join(folder, "callgrind.out.*"))) - before
    if len(files) != 1:
        raise SystemExit("instructions.py: expected one new callgrind dump, found %d" % len(files))
    path = files.pop()
    for line in open(path):
        if line.startswith("totals:") or line.startswith("summary:"):
            return path, int(line.split()[1])
    raise SystemExit("instructions.py: no totals in " + path)


def measure(args):
    folder = tempfile.mkdtemp(prefix="flowgate-instructions-")
    graph = FakeGraph()
    port = free_port()
    process = start(args, folder, graph, port)
    try:
        client = Client(port)
        now = int(time.time())
        warmup = max(SENDERS, args.webhooks // 4)
        for index in range(warmup):
            client.post(message(index, now))
        eventually("the warm-up replies", lambda: graph.count() >= warmup, within=300)
        results = {}
        control(process, "-z")
        for phase in ("messages", "statuses"):
            before = set(glob.glob(os.path.join(folder, "callgrind.out.*")))
            if phase == "messages":
                first = graph.count()
                for index in range(warmup, warmup + args.webhooks):
                    client.post(message(index, now))
                eventually("every reply", lambda: graph.count() >= first + args.webhooks, within=600)
                replies = graph.replies(first, args.webhooks)
            else:
                for contact, wamid in replies:
                    client.post(status(contact, wamid, now))
            # What is still under way (recording the last reply or two as sent) falls into the next
            # phase: a few webhooks' worth out of N, well inside the guard's tolerance.
            control(process, "-d", phase)
            path, total = dumped(folder, before)
            results[phase] = total / args.webhooks
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                shutil.copy(path, os.path.join(args.keep, "%s.%s.callgrind" % (args.server, phase)))
        return results
    finally:
        process.terminate()
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
        graph.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=["flowgate", "ceiling"], default="flowgate")
    parser.add_argument("--binary")
    parser.add_argument("--webhooks", type=int, default=1000)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--keep")
    parser.add_argument("--check")
    args = parser.parse_args()
    args.binary = args.binary or os.path.join(ROOT, ".build", "release", "flowgate-server")
    results = measure(args)
    for phase, count in results.items():
        print("INSTRUCTIONS server=%s store=%s phase=%s webhooks=%d per_webhook=%d" % (args.server, args.store, phase, args.webhooks, round(count)))
    if args.check:
        committed = json.load(open(args.check))
        if committed["webhooks"] != args.webhooks:
            raise SystemExit("instructions.py: %s holds figures for --webhooks %d" % (args.check, committed["webhooks"]))
        failed = False
        for phase, count in results.items():
            limit = committed[phase] * (1 + TOLERANCE)
            verdict = "ok" if count <= limit else "GREW"
            failed |= count > limit
            print("CHECK %s: %d per webhook, committed %d, limit %d: %s" % (phase, round(count), committed[phase], round(limit), verdict))
        sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
