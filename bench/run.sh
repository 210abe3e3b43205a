#!/usr/bin/env bash
# Whole-binary benchmarks of minik6 (make bench). Usage: bench/run.sh BINARY
#   DUR=10s   duration of the throughput runs
# Prints, for each scenario: iterations/s (from --summary-export) and peak RSS (VmHWM).
set -euo pipefail
BIN=$(realpath "${1:-bin/minik6}")
DUR=${DUR:-10s}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp=$(mktemp -d)
cleanup() { [ -n "${target_pid:-}" ] && kill "$target_pid" 2>/dev/null; rm -rf "$tmp"; }
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

# run NAME SCRIPT [flags...]: runs the binary, samples its peak RSS, prints a line.
run() {
  local name=$1 script=$2; shift 2
  local export="$tmp/$name.json" log="$tmp/$name.log"
  "$BIN" run --quiet --no-summary --summary-export "$export" "$@" "$script" 2>"$log" &
  local pid=$! peak=0
  while kill -0 "$pid" 2>/dev/null; do
    local hwm
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
    sleep 0.1
  done
  wait "$pid" || true
  python3 - "$export" "$name" "$peak" "$log" <<'PY'
import json, re, sys
path, name, peak, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
m = json.load(open(path))["metrics"]
it = m.get("iterations", {})
init = ""
for line in open(log):
    g = re.search(r'took=(\S+) vus=(\d+)', line) or re.search(r'msg="initialized the VUs" took=(\S+) vus=(\d+)', line)
    if "initialized the VUs" in line and g:
        init = " init %s VUs in %s" % (g.group(2), g.group(1))
print("%-12s iterations/s %12.0f  iterations %10d  peak RSS %7.1f MB%s" % (
    name, it.get("rate", 0), it.get("count", 0), peak / 1024.0, init))
PY
  echo "$peak" > "$tmp/$name.peak"
}

echo "== minik6 whole-binary benchmarks (DUR=$DUR, $(nproc) cores)"
run empty "$tmp/empty.js"
run exec_reads "$tmp/exec_reads.js"
python3 - "$tmp/empty.json" "$tmp/exec_reads.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["metrics"]["iterations"]["rate"]
b = json.load(open(sys.argv[2]))["metrics"]["iterations"]["rate"]
print("exec_reads / empty: %.0f %% (goal >= 60 %%)" % (100.0 * b / a))
PY
run sleep_1000 "$tmp/sleep_1000.js" -v
python3 -c "import sys; print('sleep_1000   peak RSS per VU %.1f KB (goal <= 80 KB)' % (int(open(sys.argv[1]).read())/1000.0))" "$tmp/sleep_1000.peak"

go build -o "$tmp/target" "$here/target"
"$tmp/target" > "$tmp/target.url" &
target_pid=$!
for _ in $(seq 50); do [ -s "$tmp/target.url" ] && break; sleep 0.1; done
run http_get "$tmp/http_get.js" -e "BASE_URL=$(head -1 "$tmp/target.url")"
