#!/usr/bin/env python3
"""Where a webhook's instructions go: a callgrind dump from Benchmarks/instructions.py --keep,
split into the parts of the acknowledgement path.

Each function's own instructions go to its part when its name says which (the engine, the SQLite
commit, the Graph API client, ...); a function that belongs to no part in itself (a retain, a
malloc, a JSON encoder, SQLite's own code) is charged to the parts of its callers, in proportion
to what each caller spent in it. So "state encoding" holds JSONEncoder's work for the state, and
the runtime's retains and allocations land where they were asked for.

usage: Benchmarks/callgrind/breakdown.py DUMP WEBHOOKS [--explain=PART]   (lists what PART holds)
"""
import collections
import re
import subprocess
import sys

# The parts, first match wins, on the demangled name (module-qualified).
PARTS = [
    ("signature (HMAC-SHA256)", r"WebhookSignature\.|Crypto\.HMAC|CCryptoBoringSSL"),
    ("webhook JSON decoding", r"WebhookNotification\.decode|WebhookEvents\.incoming"),
    ("the engine", r"FlowEngine\.Engine\.handle"),
    ("payload encoding", r"SharedPayload\.init|Encodable\.jsonData|Encodable\.jsonString|OutboundEvents"),
    ("state encoding", r"\(FlowStore\.ContactKey, FlowEngine\.ContactState\) throws -> \(contact"),
    ("SQLite: reading states and seen ids", r"SQLiteStore\.(snapshot|states|outboxReference)"),
    ("SQLite: the commit's statements", r"SQLiteStore\.(commit|contactsHeldElsewhere|writeLog)"),
    ("SQLite: recording sends, claims", r"SQLiteStore\.(record|claim)"),
    ("SQLite: transactions, WAL, GRDB's queues", r"GRDB\.(SerializedDatabase|DatabasePool|DatabaseQueue|DatabaseWriter|Database\.(inTransaction|commit|beginTransaction|inSavepoint|writeWithoutTransaction))|GRDB\..*Pool"),
    ("PostgreSQL: the store's calls", r"FlowStorePostgres\."),
    ("PostgreSQL: PostgresNIO, its pool", r"PostgresNIO\.|_ConnectionPoolModule\."),
    ("batching (the pipeline)", r"FlowServer\.EventPipeline"),
    ("the dispatcher", r"FlowServer\.Dispatcher"),
    ("Graph API client (AsyncHTTPClient)", r"AsyncHTTPClient\.|FlowServer\.GraphClient"),
    ("HTTP server (Hummingbird, routes)", r"Hummingbird|FlowServer\.WebhookRoutes|FlowServer\.SignatureCheck|FlowServer\.ConnectionGuard"),
    ("metrics and logging", r"Prometheus|CoreMetrics|Logging\.|FlowServer\.ServerMetrics|FlowServer\.JSONLogHandler"),
    ("event loops, tasks, I/O (NIO, Swift concurrency)", r"NIOPosix\.|NIOCore\.|NIOHTTP1\.|swift_job_run|swift::runJob|_dispatch_worker_thread|start_thread|clone"),
]
OTHER = "other"
EXPLAIN = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--explain=")), None)


def parse(path):
    own = collections.Counter()
    calls = collections.defaultdict(collections.Counter)  # callee -> caller -> inclusive cost
    fn = cfn = None
    in_call = False
    names = {}
    for line in open(path, errors="replace"):
        if line.startswith("fn="):
            fn = line[3:].strip()
        elif line.startswith("cfn="):
            cfn = line[4:].strip()
        elif line.startswith("calls="):
            in_call = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            parts = line.split()
            if len(parts) < 2:
                continue
            cost = int(parts[1])
            if in_call:
                in_call = False
                calls[cfn][fn] += cost
            else:
                own[fn] += cost
    for name in set(own) | set(calls):
        names[name] = name.split("'")[0]
    return own, calls, names


def demangle(names):
    unique = sorted(set(names.values()))
    out = subprocess.run(["swift", "demangle"], input="\n".join(unique), capture_output=True, text=True).stdout.split("\n")
    return dict(zip(unique, out))


def attribute(own, calls, names):
    readable = demangle(names)
    direct = {}
    for name, base in names.items():
        text = readable.get(base, base)
        direct[name] = next((part for part, pattern in PARTS if re.search(pattern, text)), None)
    # Each uncategorised function's share is its callers' shares, weighted by what each spent in
    # it: solved by iterating, which also settles cycles (a release calling a deinit calling a
    # release) by what flows into them from outside.
    shares = {name: {part: 1.0} for name, part in direct.items() if part}
    open_names = [name for name in names if not direct.get(name)]
    for _ in range(60):
        changed = 0.0
        for name in open_names:
            callers = calls.get(name)
            if not callers:
                shares[name] = {OTHER: 1.0}
                continue
            mix = collections.Counter()
            for caller, weight in callers.items():
                if caller == name:
                    continue
                for part, fraction in shares.get(caller, {}).items():
                    mix[part] += fraction * weight
            total = sum(mix.values())
            if total <= 0:
                continue
            new = {part: value / total for part, value in mix.items()}
            old = shares.get(name, {})
            changed += sum(abs(new.get(p, 0) - old.get(p, 0)) for p in set(new) | set(old))
            shares[name] = new
        if changed < 1e-6:
            break

    parts = collections.Counter()
    explained = collections.Counter()
    for name, cost in own.items():
        for part, fraction in (shares.get(name) or {OTHER: 1.0}).items():
            parts[part] += cost * fraction
            if part == EXPLAIN:
                explained[readable.get(names[name], name)[:200]] += cost * fraction
    for name, cost in explained.most_common(25):
        print(f"{cost / 1e6:8.1f}M  {name}", file=sys.stderr)
    return parts


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    path, webhooks = sys.argv[1], int(sys.argv[2])
    parts = attribute(*parse(path))
    total = sum(parts.values())
    order = [part for part, _ in PARTS] + [OTHER]
    print("| part | instructions per webhook | share |")
    print("|---|---:|---:|")
    for part in order:
        if parts.get(part):
            print(f"| {part} | {parts[part] / webhooks / 1000:,.0f} K | {100 * parts[part] / total:.1f} % |")
    print(f"| **all** | **{total / webhooks / 1000:,.0f} K** | 100 % |")


if __name__ == "__main__":
    main()
