#!/usr/bin/env bash
# Flowgate's acknowledgement path against the stack's ceiling (../shared/bench/ceiling: Hummingbird,
# no store, no engine), in one run, same harness, same payloads: for each server, 32 connections
# as fast as it goes, 128 connections, and paced at about 1,000 webhooks/s. Flowgate runs the
# "ack every message" flow on a fresh SQLite store (synchronous=FULL) per run. Prints the harness's
# RESULT lines, then a table of the ratios.
#
#   Benchmarks/ack-path.sh [SECONDS] [ROUNDS]       # default 15 s, 1 round; the table takes medians
#   ONLY=flowgate Benchmarks/ack-path.sh …          # one server's runs (no ratios)
#   FLOWGATE_SERVER=path/to/flowgate-server …       # another build of Flowgate
#   BEFORE=path/to/flowgate-server …                # also an older build, in the same rounds
#   FLOWGATE_CONCURRENCY=256 …                      # the dispatcher's sends in flight (default 64)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=../shared/bench
set -a; . "$BENCH/config.env"; set +a
SECS=${1:-15}; ROUNDS=${2:-1}
CEILING_BUILD="$HOME/.cache/hb-ceiling"
CEILING="$CEILING_BUILD/release/HBCeiling"
FLOWGATE_SERVER=${FLOWGATE_SERVER:-.build/release/flowgate-server}
[[ -x $FLOWGATE_SERVER ]] || swift build -c release --product flowgate-server
[[ -x $CEILING ]] || (cd "$BENCH/ceiling" && swift build -c release --scratch-path "$CEILING_BUILD")
[[ -f "$PAYLOADS" ]] || "$BENCH/setup.sh"
"$BENCH/fake_graph/fake-graph.sh" start >/dev/null 2>&1 || true

work="$(mktemp -d /tmp/flowgate-ack-path.XXXXXX)"
server=""
stop() { [[ -n $server ]] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }; server=""; }
trap 'stop; rm -rf "$work"' EXIT
cp Benchmarks/ack-every-message.yaml "$work/"
cat > "$work/flowgate.yaml" <<CONF
listen: { host: 127.0.0.1, port: $BOT_PORT }
graph: { base_url: "$GRAPH_BASE", version: v$API_VERSION }
store: { sqlite: $work/flowgate.sqlite }
numbers:
  - { phone_number_id: "$PHONE_NUMBER_ID", flow: ack-every-message.yaml, rate: 20000 }
dispatcher: { concurrency: ${FLOWGATE_CONCURRENCY:-64} }
env: { app_secret: APP_SECRET, verify_token: VERIFY_TOKEN, access_token: ACCESS_TOKEN }
CONF

# run SERVER CONNECTIONS DELAY_MS LABEL
run() {
  local which=$1 conns=$2 delay=$3 label=$4
  python3 Benchmarks/fresh_payloads.py "$PAYLOADS" >/dev/null
  rm -f "$work"/flowgate.sqlite*
  if [[ $which == flowgate || $which == before ]]; then
    local binary=$FLOWGATE_SERVER
    [[ $which == before ]] && binary=$BEFORE
    "$binary" serve --config "$work/flowgate.yaml" --log-level warning > "$work/server.log" 2>&1 &
  else
    "$CEILING" > "$work/server.log" 2>&1 &
  fi
  server=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$BOT_PORT/webhook" && break; sleep 0.1; done
  SERVER_PID=$server "$BENCH/run-load.sh" "http://127.0.0.1:$BOT_PORT/webhook" "$SECS" "$conns" "$delay" "$label" | grep '^RESULT' | tee -a "$work/results.log"
  stop
}

for _ in $(seq "$ROUNDS"); do
  for which in ${ONLY:-ceiling flowgate ${BEFORE:+before}}; do
    run $which 32 0 "$which-32"
    run $which 128 0 "$which-128"
    run $which 100 100 "$which-paced"
  done
done

[[ -n ${ONLY:-} ]] && exit 0
python3 - "$work/results.log" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    fields = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
    runs.setdefault(fields["label"], []).append(fields)
def median(label, key):
    values = [float(r[key]) for r in runs.get(label, []) if r.get(key) not in (None, "", "nan")]
    return statistics.median(values) if values else float("nan")
def cpu_us(label):  # server CPU per webhook, microseconds
    return statistics.median(float(r["cpu_server_pct"]) * 1e4 / float(r["rps"]) for r in runs[label])
before = "before-32" in runs
print("| measure | ceiling |" + (" Flowgate before |" if before else "") + " Flowgate | ratio | target |")
print("|---|---|" + ("---|" if before else "") + "---|---|---|")
def row(name, c, f, b, unit, ratio, target):
    cells = [name, unit.format(c)] + ([unit.format(b)] if before else []) + [unit.format(f), ratio, target]
    print("| " + " | ".join(cells) + " |")
for conns, target in (("32", "≥ 50 %"), ("128", "≥ 70 %")):
    c, f, b = (median(f"{s}-{conns}", "ack_rps") for s in ("ceiling", "flowgate", "before"))
    row(f"replies/s, {conns} connections", c, f, b, "{:,.0f}", f"{100 * f / c:.0f} %", target)
c, f = cpu_us("ceiling-paced"), cpu_us("flowgate-paced")
b = cpu_us("before-paced") if before else 0
row("server CPU per webhook at ~1,000/s", c, f, b, "{:.0f} µs", f"{f / c:.2f}×", "≤ 1.5×")
for key, name, target in (("p99_ms", "webhook p99 at ~1,000/s", "≤ 10 ms"), ("ack_delay_p99_ms", "ack p99 at ~1,000/s", "≤ 20 ms")):
    c, f, b = (median(f"{s}-paced", key) for s in ("ceiling", "flowgate", "before"))
    row(name, c, f, b, "{:.1f} ms", f"{f / c:.2f}×", target)
PY
