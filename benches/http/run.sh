#!/usr/bin/env bash
# HTTP benchmark of the cover lookup (issue 5): GET /patients/{id}/cover over HTTP with
# wrk, 64 connections, against the static-JSON route /healthz of the same service in
# the same run (both driven by the same wrk script, so wrk's own cost is the same); on
# SQLite with the demo city and on PostgreSQL with 100,000 generated patients. Prints
# requests/s and p99 per route, the ratio, the median of RUNS runs, and the CPU time
# per request of the service and of wrk (the two share this machine's cores, so the
# ratio depends on both; PostgreSQL's own processes are not counted).
#
#   benches/http/run.sh            # both stores
#   STORES=sqlite RUNS=5 DURATION=20s benches/http/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -p renkei-service -p renkei-benches --bin renkei --bin http-setup

RUNS=${RUNS:-3}
DURATION=${DURATION:-15s}
STORES=${STORES:-"sqlite postgres"}
work=target/http-bench
mkdir -p "$work"
renkei=target/release/renkei

serve() { # URL PORT
  RENKEI_LOG_FORMAT=json RUST_LOG=warn "$renkei" serve --database "$1" --listen "127.0.0.1:$2" >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return 0; sleep 0.2; done
  echo "the service did not start; see $work/serve.log" >&2; kill $server; exit 1
}

service_cpu() { # CPU seconds the service has used
  awk -v tick="$(getconf CLK_TCK)" '{print ($14 + $15) / tick}' "/proc/$server/stat"
}

measure() { # PORT LABEL
  local port=$1 label=$2
  for run in $(seq 1 "$RUNS"); do
    for route in static cover; do
      # Both routes through the same wrk script (ROUTE=static asks /healthz).
      # CPU seconds of the service (from /proc) and of wrk (its rusage) over the run.
      before=$(service_cpu)
      out=$(ROUTE=$route PATIENTS="$work/$label/patients.txt" TOKEN=$(cat "$work/$label/token") \
        python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print("wrk-cpu", usage.ru_utime + usage.ru_stime)' \
        wrk -t2 -c64 -d"$DURATION" --latency -s benches/http/cover.lua "http://127.0.0.1:$port")
      after=$(service_cpu)
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
      non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
      requests=$(echo "$out" | awk '/requests in/ {print $1}')
      wrk_cpu=$(echo "$out" | awk '/^wrk-cpu/ {print $2}')
      per=$(python3 -c "print(f'{($after - $before) / $requests * 1e6:.1f} {$wrk_cpu / $requests * 1e6:.1f}')")
      echo "$label $run $route $rps $p99 ${non2xx:-0} $per" | tee -a "$work/results.txt"
    done
  done
}

: >"$work/results.txt"
for store in $STORES; do
  rm -rf "$work/$store"; mkdir -p "$work/$store"
  if [ "$store" = sqlite ]; then
    url="sqlite://$PWD/$work/$store/bench.sqlite"
    target/release/http-setup --database "$url" --data fixtures/okayama --out "$work/$store"
  else
    scripts/postgres
    psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS renkei_http_bench" -c "CREATE DATABASE renkei_http_bench"
    url="postgres://postgres@127.0.0.1:5432/renkei_http_bench"
    target/release/http-setup --database "$url" --patients 100000 --doctors 3000 --out "$work/$store"
  fi
  port=18090
  serve "$url" $port
  measure $port "$store"
  kill -INT $server; wait $server || true
done

echo
echo "store run route requests/s p99 non-2xx service-µs/request wrk-µs/request (all runs: $work/results.txt)"
python3 - "$work/results.txt" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
def ms(text):
    for unit, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    return float(text)
for store in dict.fromkeys(r[0] for r in rows):
    pick = lambda route, i: [r for r in rows if r[0] == store and r[2] == route]
    static, cover = pick("static", 0), pick("cover", 0)
    ratios = [float(c[3]) / float(s[3]) for s, c in zip(static, cover)]
    print(f"{store}: static {statistics.median(float(r[3]) for r in static):,.0f} req/s (p99 {statistics.median(ms(r[4]) for r in static):.2f} ms); "
          f"cover {statistics.median(float(r[3]) for r in cover):,.0f} req/s (p99 {statistics.median(ms(r[4]) for r in cover):.2f} ms, "
          f"non-2xx {sum(int(r[5]) for r in cover)}); cover/static median {statistics.median(ratios):.0%} over {len(ratios)} runs")
    cpu = lambda rows, i: statistics.median(float(r[i]) for r in rows)
    print(f"{store}: CPU per request (median): static {cpu(static, 6):.1f} µs service + {cpu(static, 7):.1f} µs wrk; "
          f"cover {cpu(cover, 6):.1f} µs service + {cpu(cover, 7):.1f} µs wrk")
PY
