#!/usr/bin/env bash
# Times SSH sweeps of DEVICES simulated devices, each a copy of one switch
# transcript served by `fwsweep simulate` over SSH with LATENCY ms added
# before every command's output. The scan runs once per concurrency in
# CONCURRENCY (the `--ssh-concurrency` values) and prints rows, statuses,
# wall time, peak memory and CPU of each run. All traffic stays on
# loopback, from 127.82.100.1 unless FIRST names another 127.0.0.0/8 address.
#
#   bench/ssh.sh                               # 200 devices, 20 ms, 16 and 64
#   DEVICES=50 CONCURRENCY="8 32" bench/ssh.sh
#   CARGO_TARGET_DIR=/tmp/bench-target bench/ssh.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DEVICES=${DEVICES:-200}
LATENCY=${LATENCY:-20}
CONCURRENCY=${CONCURRENCY:-16 64}
FIRST=${FIRST:-127.82.100.1}
SSH_PORT=${SSH_PORT:-12222}

# shellcheck source=bench/lib.sh
source bench/lib.sh

# A fresh random password for the simulated devices. It reaches the
# simulator and the scan only through the environment and is never printed.
BENCH_SSH_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
export BENCH_SSH_PASSWORD

# The demo's branch router: a banner, --More-- pages every 20 lines until
# `terminal length 0`, and two commands.
mkdir "$WORK/devices"
cp fixtures/demo/ssh/cisco-ios-edge.cli "$WORK/devices/"

: >"$WORK/addresses.txt"
: >"$WORK/simulate.log"
"$BIN" simulate --recordings "$WORK/devices" --address "$FIRST" --replicate "$DEVICES" \
  --latency "$LATENCY" --ssh-port "$SSH_PORT" --ssh-password-env BENCH_SSH_PASSWORD \
  --ssh-known-hosts "$WORK/known_hosts" >"$WORK/addresses.txt" 2>"$WORK/simulate.log" &
SIM_PID=$!
until [ "$(wc -l <"$WORK/addresses.txt")" -ge "$DEVICES" ] && [ -s "$WORK/known_hosts" ]; do
  kill -0 "$SIM_PID" 2>/dev/null || { cat "$WORK/simulate.log" >&2; exit 1; }
  sleep 0.2
done
LAST=$(tail -n 1 "$WORK/addresses.txt" | cut -d, -f1)

cat >"$WORK/credentials.toml" <<EOF
[[ssh]]
name = "bench-cli"
tenants = ["default"]
user = "admin"
password = "env:BENCH_SSH_PASSWORD"
EOF

echo "devices=$DEVICES latency=${LATENCY}ms targets=$FIRST-$LAST"
for concurrency in $CONCURRENCY; do
  /usr/bin/time -v -o "$WORK/time-$concurrency.txt" "$BIN" scan "$FIRST-$LAST" --protocols ssh \
    --ssh-port "$SSH_PORT" --ssh-concurrency "$concurrency" --credentials "$WORK/credentials.toml" \
    --known-hosts "$WORK/known_hosts" --format json --output "$WORK/result-$concurrency.json" \
    2>"$WORK/scan-$concurrency.log"
  python3 - "$concurrency" "$WORK/result-$concurrency.json" "$WORK/time-$concurrency.txt" \
    "$WORK/scan-$concurrency.log" <<'PY'
import collections, json, os, re, sys
concurrency, result, timing, log = sys.argv[1:]
password = os.environ["BENCH_SSH_PASSWORD"]
document = json.load(open(result))
devices = document["devices"]
text = open(timing).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.*)", text).group(1)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1)) + \
      float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
read = sum(1 for d in devices if d["protocols"] == ["ssh"])
reasons = collections.Counter(d["reason"] for d in devices if d["reason"])
scan_log = open(log).read()
print(f"[concurrency {concurrency}] rows={len(devices)} read over SSH={read} counts={document['sweep']['counts']}")
print(f"[concurrency {concurrency}] wall={wall} peak_rss={rss / 1024:.1f} MiB cpu={cpu:.2f} s")
for reason, count in reasons.most_common(3):
    print(f"[concurrency {concurrency}] reason x{count}: {reason}")
if password in json.dumps(document) or password in scan_log:
    print(f"[concurrency {concurrency}] the SSH password appears in the scan's output")
PY
done
