#!/usr/bin/env bash
# Two builds of renkei against each other on the cover benchmark (run.sh's routes and
# wrk script), one service at a time: in each round BASE then NEW serves the same data
# and wrk asks the static route then cover of it. On a shared 2-core machine the
# other tenants move a single run's ratio by several points, and running the two
# builds side by side would make them share the cores; alternating them round by
# round is what lets a change of a point or two show. Prints every round and, per
# build, the median ratio and service CPU per request.
#
#   cp target/release/renkei /tmp/renkei-base      # before the change
#   ... change, cargo build --release ...
#   benches/http/ab.sh /tmp/renkei-base target/release/renkei
#   STORE=sqlite ROUNDS=6 DURATION=8s benches/http/ab.sh BASE NEW
#
# The data is made afresh with this tree's http-setup (PostgreSQL with 100,000
# patients unless STORE=sqlite); both builds must read its schema.
set -euo pipefail
[ $# -eq 2 ] && [ -x "$1" ] && [ -x "$2" ] || { echo "usage: benches/http/ab.sh BASE-BINARY NEW-BINARY" >&2; exit 2; }
binaries=("$(realpath "$1")" "$(realpath "$2")")
cd "$(dirname "$0")/../.."
. benches/http/lib.sh
build

STORE=${STORE:-postgres}
ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-8s}
mkdir -p "$work"
port=18090
prepare "$STORE"

: >"$work/ab.txt"
for round in $(seq 1 "$ROUNDS"); do
  for build in base new; do
    binary=${binaries[0]}; [ $build = new ] && binary=${binaries[1]}
    serve "$binary" "$url" $port
    static=$(measure_route "$STORE" static $port "$DURATION")
    cover=$(measure_route "$STORE" cover $port "$DURATION")
    stop
    echo "$round $build $static $cover" | tee -a "$work/ab.txt"
  done
done

echo
echo "round build | static: requests/s p99 non-2xx service-µs wrk-µs | cover: the same (all rounds: $work/ab.txt)"
python3 - "$work/ab.txt" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
for build in ("base", "new"):
    mine = [r for r in rows if r[1] == build]
    ratios = [float(r[7]) / float(r[2]) for r in mine]
    median = lambda i: statistics.median(float(r[i]) for r in mine)
    print(f"{build}: cover/static median {statistics.median(ratios):.1%} "
          f"(rounds: {', '.join(f'{x:.1%}' for x in ratios)}); service µs per request, median: "
          f"static {median(5):.1f}, cover {median(10):.1f}; non-2xx on cover {sum(int(r[9]) for r in mine)}")
PY
