# Shared by run.sh and ab.sh (sourced, from the repository's root): the bench data,
# starting a service, and one wrk run of a route against it.

work=target/http-bench

# Builds what the benches run, and installs wrk if it is missing.
build() {
  scripts/setup
  command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
  cargo build --release --locked -p renkei-service -p renkei-benches --bin renkei --bin http-setup
}

# Makes the store's data afresh (the demo city on SQLite, 100,000 generated patients
# on PostgreSQL), with its patient ids and an admin token in $work/STORE, and sets
# `url` to its database URL.
prepare() { # STORE
  rm -rf "${work:?}/$1"; mkdir -p "$work/$1"
  if [ "$1" = sqlite ]; then
    url="sqlite://$PWD/$work/$1/bench.sqlite"
    target/release/http-setup --database "$url" --data fixtures/okayama --out "$work/$1"
  else
    scripts/postgres
    psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS renkei_http_bench" -c "CREATE DATABASE renkei_http_bench"
    url="postgres://postgres@127.0.0.1:5432/renkei_http_bench"
    target/release/http-setup --database "$url" --patients 100000 --doctors 3000 --out "$work/$1"
  fi
}

# Starts BINARY serving URL on PORT, sets `server` to its pid, and waits until it is
# ready.
serve() { # BINARY URL PORT
  RENKEI_LOG_FORMAT=json RUST_LOG=warn "$1" serve --database "$2" --listen "127.0.0.1:$3" >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$3/readyz" >/dev/null && return 0; sleep 0.2; done
  echo "the service did not start; see $work/serve.log" >&2; kill $server; exit 1
}

# Stops the service `serve` started.
stop() {
  kill -INT "$server"; wait "$server" || true
}

service_cpu() { # CPU seconds the service has used
  awk -v tick="$(getconf CLK_TCK)" '{print ($14 + $15) / tick}' "/proc/$server/stat"
}

# One wrk run (2 threads, 64 connections, DURATION) of ROUTE (static or cover) against
# the service on PORT with STORE's patients and token. Prints: requests/s, p99,
# non-2xx responses, and the CPU µs per request of the service (from /proc) and of
# wrk (its rusage). Both routes go through the same wrk script (ROUTE=static asks
# /healthz), so wrk does the same work per request for both.
measure_route() { # STORE ROUTE PORT DURATION
  local before after out rps p99 non2xx requests wrk_cpu
  before=$(service_cpu)
  out=$(ROUTE=$2 PATIENTS="$work/$1/patients.txt" TOKEN=$(cat "$work/$1/token") \
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print("wrk-cpu", usage.ru_utime + usage.ru_stime)' \
    wrk -t2 -c64 -d"$4" --latency -s benches/http/cover.lua "http://127.0.0.1:$3")
  after=$(service_cpu)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  wrk_cpu=$(echo "$out" | awk '/^wrk-cpu/ {print $2}')
  echo "$rps $p99 ${non2xx:-0} $(python3 -c "print(f'{($after - $before) / $requests * 1e6:.1f} {$wrk_cpu / $requests * 1e6:.1f}')")"
}
