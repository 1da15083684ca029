#!/usr/bin/env bash
# One load run of `flowgate-server serve` with ../shared/bench: a fresh store, fresh payload timestamps,
# the release build, the fake Graph API. Prints the harness's RESULT line.
#   Benchmarks/run-server-load.sh SECONDS CONNECTIONS [DELAY_MS] [LABEL]
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=../shared/bench
set -a; . "$BENCH/config.env"; set +a
[[ -x .build/release/flowgate-server ]] || swift build -c release --product flowgate-server
[[ -f "$PAYLOADS" ]] || "$BENCH/setup.sh"
python3 Benchmarks/fresh_payloads.py "$PAYLOADS" >/dev/null
"$BENCH/fake_graph/fake-graph.sh" start >/dev/null 2>&1 || true
mkdir -p /tmp/flowgate-bench && rm -f /tmp/flowgate-bench/flowgate.sqlite*
.build/release/flowgate-server serve --config ${FLOWGATE_BENCH_CONFIG:-Benchmarks/bench-server.yaml} --log-level warning > /tmp/flowgate-bench/serve.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:8080/healthz >/dev/null && break; sleep 0.1; done
kill -0 $SERVER 2>/dev/null || { echo "flowgate-server did not start:" >&2; cat /tmp/flowgate-bench/serve.log >&2; exit 1; }
SERVER_PID=$SERVER "$BENCH/run-load.sh" http://127.0.0.1:8080/webhook "${1:-15}" "${2:-32}" "${3:-0}" "${4:-run}" | grep '^RESULT'
echo "RSS_KB $(ps -o rss= -p $SERVER)"
