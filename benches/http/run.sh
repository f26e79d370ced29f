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
#
# To compare two builds, one service at a time: benches/http/ab.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/http/lib.sh
build

RUNS=${RUNS:-3}
DURATION=${DURATION:-15s}
STORES=${STORES:-"sqlite postgres"}
mkdir -p "$work"
port=18090

: >"$work/results.txt"
for store in $STORES; do
  prepare "$store"
  serve target/release/renkei "$url" $port
  for run in $(seq 1 "$RUNS"); do
    for route in static cover; do
      echo "$store $run $route $(measure_route "$store" $route $port "$DURATION")" | tee -a "$work/results.txt"
    done
  done
  stop
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
