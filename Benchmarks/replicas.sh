#!/usr/bin/env bash
# SQLite with one replica, PostgreSQL with one, PostgreSQL with three, in one run, each behind the
# same nginx round-robin balancer, with ../shared/bench (fake Graph API, signed payloads, wrk).
# Prints the harness's RESULT line per setup, and for PostgreSQL the database round trips
# (statements, BEGIN and COMMIT included, from pg_stat_statements) and rows written per webhook.
#
#   .ci/with-postgres Benchmarks/replicas.sh [SECONDS] [CONNECTIONS] [DELAY_MS]
#   ONLY=postgres-3 .ci/with-postgres Benchmarks/replicas.sh …    # one setup
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=../shared/bench
set -a; . "$BENCH/config.env"; set +a
SECS=${1:-15}; CONNS=${2:-32}; DELAY=${3:-0}
: "${FLOWGATE_TEST_DATABASE_URL:?run under .ci/with-postgres}"
[[ -x .build/release/flowgate-server ]] || swift build -c release --product flowgate-server
[[ -f "$PAYLOADS" ]] || "$BENCH/setup.sh"
"$BENCH/fake_graph/fake-graph.sh" start >/dev/null 2>&1 || true

work="$(mktemp -d /tmp/flowgate-replicas.XXXXXX)"
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
  [[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -f "$work/nginx.pid"
}
trap 'stop_all; rm -rf "$work"' EXIT
sql() { psql "$FLOWGATE_TEST_DATABASE_URL" -Atq -c "$1"; }
sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"

# The balancer: every setup goes through it, so the three compare like for like.
balance() {
  local servers=""
  for port in "$@"; do servers+="server 127.0.0.1:$port; "; done
  cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream flowgate { $servers keepalive 128; }
  server {
    listen 127.0.0.1:18180;
    location / { proxy_pass http://flowgate; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
  nginx -c "$work/nginx.conf" -p "$work"
}

# setup LABEL STORE_LINE REPLICAS
run() {
  local label=$1 store=$2 count=$3
  python3 Benchmarks/fresh_payloads.py "$PAYLOADS" >/dev/null
  cp Benchmarks/ack-every-message.yaml "$work/"
  cat > "$work/$label.yaml" <<CONF
graph: { base_url: "http://127.0.0.1:$GRAPH_PORT", version: v23.0 }
store: $store
numbers:
  - { phone_number_id: "$PHONE_NUMBER_ID", flow: ack-every-message.yaml, rate: 20000 }
dispatcher: { concurrency: 64 }
env: { app_secret: APP_SECRET, verify_token: VERIFY_TOKEN, access_token: ACCESS_TOKEN }
CONF
  local ports=()
  for i in $(seq "$count"); do
    local port=$((18180 + i))
    ports+=("$port")
    .build/release/flowgate-server serve --config "$work/$label.yaml" --port "$port" --log-level warning \
      > "$work/$label-$i.log" 2>&1 &
    pids+=($!)
  done
  for port in "${ports[@]}"; do
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  done
  balance "${ports[@]}"
  local before=""
  [[ $store == *postgres* ]] && before=$(sql "SELECT (SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements), tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = current_database()")
  SERVER_PID="${pids[*]}" "$BENCH/run-load.sh" http://127.0.0.1:18180/webhook "$SECS" "$CONNS" "$DELAY" "$label" | grep '^RESULT'
  if [[ $store == *postgres* ]]; then
    local after webhooks
    after=$(sql "SELECT (SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements), tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = current_database()")
    webhooks=$(sql "SELECT COUNT(*) FROM $FLOWGATE_SCHEMA.seen")
    python3 - "$before" "$after" "$webhooks" "$label" <<'PY'
import sys
b = [int(x) for x in sys.argv[1].split("|")]; a = [int(x) for x in sys.argv[2].split("|")]; n = max(int(sys.argv[3]), 1)
print(f"DB label={sys.argv[4]} webhooks={n} statements_per_webhook={(a[0]-b[0])/n:.2f} rows_written_per_webhook={(a[1]-b[1])/n:.2f}")
PY
  fi
  # Anything not answered 200 is explained here: the replicas' errors and the balancer's.
  cat "$work/$label"-*.log "$work/nginx-error.log" 2>/dev/null | grep -E "error|critical|warning|upstream" \
    | sed -E 's/^[0-9T:+-]+ //; s/[0-9]+#[0-9]+: \*[0-9]+ //' | cut -c1-200 | sort | uniq -c | sort -rn | head -5 | sed "s/^/ERRORS label=$label /" || true
  stop_all
}

[[ -z "${ONLY:-}" || $ONLY == sqlite-1 ]] && run sqlite-1 "{ sqlite: $work/flowgate.sqlite }" 1
for setup in "postgres-1 1" "postgres-3 3"; do
  read -r label count <<<"$setup"
  [[ -z "${ONLY:-}" || $ONLY == "$label" ]] || continue
  export FLOWGATE_SCHEMA="bench_${label/-/_}"
  sql "DROP SCHEMA IF EXISTS $FLOWGATE_SCHEMA CASCADE; CREATE SCHEMA $FLOWGATE_SCHEMA"
  export FLOWGATE_DATABASE_URL="$FLOWGATE_TEST_DATABASE_URL?search_path=$FLOWGATE_SCHEMA"
  run "$label" "{ postgres: { url_env: FLOWGATE_DATABASE_URL, pool_size: 16 } }" "$count"
done
