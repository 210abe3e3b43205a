#!/usr/bin/env bash
# Whole-binary benchmarks of minik6 (make bench). Usage: bench/run.sh BINARY
#   DUR=10s   duration of the throughput runs      RUNS=3   runs of each (the median is kept)
#   LONG=60   seconds of the memory-flatness run (0 skips it)
#   LONG_FLAGS="--out cloud"   flags of the memory-flatness run
# Prints iterations/s (from --summary-export), peak RSS (VmHWM) and the ratios the
# issues ask for; peak RSS per VU of 1,000 VUs that sleep, and of 1,000 that GET
# and sleep. Everything runs on this machine; the HTTP run targets a server on
# 127.0.0.1 that this script starts and stops.
set -euo pipefail
BIN=$(realpath "${1:-bin/minik6}")
DUR=${DUR:-10s}
RUNS=${RUNS:-3}
LONG=${LONG:-60}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp=$(mktemp -d)
target_pid=""
cleanup() { if [ -n "$target_pid" ]; then kill "$target_pid" 2>/dev/null || true; fi; rm -rf "$tmp"; }
trap cleanup EXIT

cat > "$tmp/empty.js" <<JS
export const options = { vus: 50, duration: '$DUR' };
export default function () {}
JS
cat > "$tmp/exec_reads.js" <<JS
import exec from 'k6/execution';
export const options = { vus: 50, duration: '$DUR' };
export default function () {
  const id = exec.vu.idInTest;
  const it = exec.scenario.iterationInTest;
  const n = exec.vu.iterationInScenario;
  exec.vu.metrics.tags['mytag'] = 'v';
}
JS
cat > "$tmp/sleep_1000.js" <<JS
import { sleep } from 'k6';
export const options = { vus: 1000, duration: '5s' };
export default function () { sleep(1); }
JS
cat > "$tmp/http_get.js" <<JS
import http from 'k6/http';
export const options = { vus: 50, duration: '$DUR' };
export default function () { http.get(__ENV.BASE_URL + '/'); }
JS
cat > "$tmp/http_1000.js" <<JS
import http from 'k6/http';
import { sleep } from 'k6';
export const options = { vus: 1000, duration: '10s' };
export default function () { http.get(__ENV.BASE_URL + '/'); sleep(1); }
JS
cat > "$tmp/long.js" <<JS
export const options = { vus: 50, duration: '${LONG}s' };
export default function () {}
JS

# measure NAME SCRIPT [flags...]: one run; appends "rate peakKB" to $tmp/NAME.runs
measure() {
  local name=$1 script=$2; shift 2
  local export="$tmp/$name.json"
  # the summary stays on: k6 writes --summary-export with it
  "$BIN" run --quiet --summary-export "$export" "$@" "$script" >/dev/null 2>>"$tmp/$name.log" &
  local pid=$! peak=0 hwm
  while kill -0 "$pid" 2>/dev/null; do
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    if [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ]; then peak=$hwm; fi
    sleep 0.1
  done
  wait "$pid" || true
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["metrics"]["iterations"]; print(m["rate"], sys.argv[2])' \
    "$export" "$peak" >> "$tmp/$name.runs"
}

# report NAME: the median run
report() {
  python3 - "$tmp/$1.runs" "$1" "$tmp/$1.log" <<'PY'
import re, statistics, sys
runs = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
rate = statistics.median(r[0] for r in runs)
peak = max(r[1] for r in runs)
init = ""
for line in open(sys.argv[3]):
    if "initialized the VUs" in line:
        g = re.search(r'took=(\S+).*vus=(\d+)', line)
        if g:
            init = "  init %s VUs in %s" % (g.group(2), g.group(1))
print("%-14s iterations/s %10.0f (median of %d)  peak RSS %6.1f MB%s" % (sys.argv[2], rate, len(runs), peak / 1024, init))
open(sys.argv[1] + ".median", "w").write("%f %f" % (rate, peak))
PY
}

ratio() { # ratio A B LABEL GOAL: B's median rate over A's
  python3 - "$tmp/$1.runs.median" "$tmp/$2.runs.median" "$3" "$4" <<'PY'
import sys
a = float(open(sys.argv[1]).read().split()[0]); b = float(open(sys.argv[2]).read().split()[0])
print("%s: %.0f %% (goal %s)" % (sys.argv[3], 100 * b / a, sys.argv[4]))
PY
}

echo "== minik6 whole-binary benchmarks (DUR=$DUR, RUNS=$RUNS, $(nproc) cores)"
for _ in $(seq "$RUNS"); do
  measure empty "$tmp/empty.js"
  measure exec_reads "$tmp/exec_reads.js"
  measure json_out "$tmp/empty.js" --out json=/dev/null
  # the REST API on, GET /v1/status every 100 ms
  api_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 - "$api_port" <<'PY' &
import sys, time, urllib.request
url = "http://127.0.0.1:%s/v1/status" % sys.argv[1]
end = time.time() + 120
while time.time() < end:
    try:
        urllib.request.urlopen(url, timeout=1).read()
    except Exception:
        pass
    time.sleep(0.1)
PY
  poller=$!
  measure api_polled "$tmp/empty.js" --address "127.0.0.1:$api_port"
  kill "$poller" 2>/dev/null || true
done
report empty; report exec_reads; report json_out; report api_polled
ratio empty exec_reads "k6/execution reads / empty" ">= 60 %"
ratio empty json_out "empty with --out json=/dev/null / without" ">= 50 %"
ratio empty api_polled "empty with --address, polled every 100 ms / without" ">= 95 %"

measure sleep_1000 "$tmp/sleep_1000.js" -v
report sleep_1000
python3 -c 'import sys; p=float(open(sys.argv[1]).read().split()[1]); print("sleep_1000: peak RSS per VU %.1f KB (goal <= 74 KB: half of k6, 148-160 KB)" % (p/1000))' "$tmp/sleep_1000.runs.median"

go build -o "$tmp/target" "$here/target"
"$tmp/target" > "$tmp/target.url" &
target_pid=$!
for _ in $(seq 50); do [ -s "$tmp/target.url" ] && break; sleep 0.1; done
measure http_get "$tmp/http_get.js" -e "BASE_URL=$(head -1 "$tmp/target.url")"
report http_get
# 1,000 VUs each doing one GET a second: the memory of VUs that use k6/http
measure http_1000 "$tmp/http_1000.js" -e "BASE_URL=$(head -1 "$tmp/target.url")"
report http_1000
python3 -c 'import sys; p=float(open(sys.argv[1]).read().split()[1]); print("http_1000: peak RSS per VU %.1f KB (goal <= 74 KB: half of k6, 148-160 KB for sleep-only VUs)" % (p/1000))' "$tmp/http_1000.runs.median"

# http.get against nginx on loopback (12-byte body, keep-alive), with
# `wrk -t1 -c50` as the machine's reference; nginx and wrk come from Debian's
# packages, installed here when missing.
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq nginx-light wrk) >/dev/null 2>&1 || true
fi
if command -v nginx >/dev/null && command -v wrk >/dev/null; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$tmp/nginx"
  cat > "$tmp/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path $tmp/nginx; proxy_temp_path $tmp/nginx; fastcgi_temp_path $tmp/nginx;
  uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;
  server { listen 127.0.0.1:$port; location / { default_type text/plain; return 200 "hello world\n"; } }
}
NGINX
  nginx -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" &
  nginx_pid=$!
  sleep 0.5
  measure http_nginx "$tmp/http_get.js" -e "BASE_URL=http://127.0.0.1:$port"
  report http_nginx
  wrk_rate=$(wrk -t1 -c50 -d"$DUR" "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {print $2}')
  python3 -c 'import sys; m=float(open(sys.argv[1]).read().split()[0]); w=float(sys.argv[2]); print("http.get vs wrk -t1 -c50 on nginx: %.0f vs %.0f req/s = %.0f %% (goal >= 50 %%)" % (m, w, 100*m/w))' \
    "$tmp/http_nginx.runs.median" "$wrk_rate"
  kill "$nginx_pid" 2>/dev/null || true
else
  echo "http_nginx: skipped (nginx or wrk could not be installed)"
fi

# --out cloud against the local target standing in for the cloud API.
export K6_CLOUD_HOST="$(head -1 "$tmp/target.url")" K6_CLOUD_TOKEN=bench
for _ in $(seq "$RUNS"); do measure cloud_out "$tmp/empty.js" --out cloud; done
report cloud_out
ratio empty cloud_out "empty with --out cloud / without" ">= 60 %"

if [ "$LONG" -gt 0 ]; then
  "$BIN" run --quiet --no-summary ${LONG_FLAGS:-} "$tmp/long.js" &
  pid=$!
  rss10=0
  for t in $(seq "$LONG"); do
    sleep 1
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ "$t" -eq 10 ] && rss10=$rss
    [ "$rss" != 0 ] && last=$rss
  done
  wait "$pid" || true
  python3 -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print("memory: peak RSS %.1f MB after 10 s, %.1f MB after %s s (%+.1f %%, goal within 10 %%)" % (a/1024, b/1024, sys.argv[3], 100*(b-a)/a))' "$rss10" "$last" "$LONG"
fi
