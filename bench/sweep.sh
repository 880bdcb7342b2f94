#!/usr/bin/env bash
# Times one sweep of a simulated network: ANSWERING devices served by
# `fwsweep simulate` with LATENCY ms added to every response, followed by
# SILENT addresses that never respond. Prints the rows and status counts,
# wall time, peak memory and CPU time of the scan. All traffic stays on
# loopback, from 127.77.0.1 unless FIRST names another 127.0.0.0/8 address.
# The scan stores its sweep in a history database in the work folder, so the
# figures include that write and the user's own history is left alone.
#
#   bench/sweep.sh                       # 1000 devices, 20 ms, 3000 silent
#   ANSWERING=200 SILENT=800 bench/sweep.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ANSWERING=${ANSWERING:-1000}
SILENT=${SILENT:-3000}
LATENCY=${LATENCY:-20}
TIMEOUT=${TIMEOUT:-1s}
RETRIES=${RETRIES:-1}
FIRST=${FIRST:-127.77.0.1}
PORT=${PORT:-1161}

# shellcheck source=bench/lib.sh
source bench/lib.sh

# Serve ANSWERING devices, repeating the SNMP fixtures until the count is reached.
mapfile -t FIXTURES < <(ls fixtures/snmp/*.snmprec | sort)
for ((i = 0; i < ANSWERING; i++)); do
  source=${FIXTURES[$((i % ${#FIXTURES[@]}))]}
  cp "$source" "$WORK/$(printf '%05d' "$i")-$(basename "$source")"
done
# Created before the simulator starts, so the wait loop never reads a
# file that does not exist yet.
: >"$WORK/addresses.txt"
: >"$WORK/simulate.log"
"$BIN" simulate --recordings "$WORK" --address "$FIRST" --port "$PORT" \
  --latency "$LATENCY" --silent "$SILENT" >"$WORK/addresses.txt" 2>"$WORK/simulate.log" &
SIM_PID=$!
until [ "$(wc -l <"$WORK/addresses.txt")" -ge $((ANSWERING + SILENT)) ]; do
  kill -0 "$SIM_PID" 2>/dev/null || { cat "$WORK/simulate.log" >&2; exit 1; }
  sleep 0.2
done
LAST=$(tail -n 1 "$WORK/addresses.txt" | cut -d, -f1)

/usr/bin/time -v "$BIN" scan "$FIRST-$LAST" --snmp-port "$PORT" --timeout "$TIMEOUT" \
  --retries "$RETRIES" --format json --output "$WORK/result.json" \
  --db "$WORK/history.sqlite3" 2>"$WORK/time.txt"
python3 - "$WORK/result.json" "$WORK/time.txt" "$ANSWERING" "$SILENT" "$LATENCY" <<'PY'
import json, re, sys
result, timing, answering, silent, latency = sys.argv[1:]
document = json.load(open(result))
text = open(timing).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.*)", text).group(1)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1)) + \
      float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
print(f"answering={answering} silent={silent} latency={latency}ms")
print(f"rows={len(document['devices'])} counts={document['sweep']['counts']}")
print(f"wall={wall} peak_rss={rss / 1024:.1f} MiB cpu={cpu:.2f} s")
PY
