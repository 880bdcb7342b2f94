#!/usr/bin/env bash
# Times Redfish sweeps of BMCS simulated BMCs, each a mockup with ITEMS
# firmware inventory items served by `fwsweep simulate` over HTTPS with
# LATENCY ms added to every response. The scan runs twice, first with
# $expand (which the mockups offer) and then with `--no-expand`. Prints
# rows, statuses, components per BMC, wall time, peak memory and CPU of
# each scan, and the sessions each BMC still has open afterwards. All
# traffic stays on loopback, from 127.79.0.1 unless FIRST names another
# 127.0.0.0/8 address.
#
#   bench/redfish.sh                      # 100 BMCs, 30 items, 50 ms
#   BMCS=20 ITEMS=10 LATENCY=20 bench/redfish.sh
#   CARGO_TARGET_DIR=/tmp/bench-target bench/redfish.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BMCS=${BMCS:-100}
ITEMS=${ITEMS:-30}
LATENCY=${LATENCY:-50}
FIRST=${FIRST:-127.79.0.1}
HTTPS_PORT=${HTTPS_PORT:-8443}
USER_NAME=bench

# shellcheck source=bench/lib.sh
source bench/lib.sh

# A fresh random password for the simulated BMCs. It reaches the simulator
# and the scan only through the environment and is never printed.
BENCH_BMC_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
export BENCH_BMC_PASSWORD

# One BMC mockup in the layout of DMTF's Mockup Creator, copied BMCS times.
python3 - "$WORK/template" "$ITEMS" <<'PY'
import json, os, sys
root_dir, items = sys.argv[1], int(sys.argv[2])

def write(path, body):
    folder = os.path.join(root_dir, path)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "index.json"), "w") as f:
        json.dump(body, f, indent=1)

def collection(uri, members):
    return {"@odata.id": uri, "Members": [{"@odata.id": m} for m in members],
            "Members@odata.count": len(members)}

base = "/redfish/v1"
inventory = f"{base}/UpdateService/FirmwareInventory"
write("", {
    "@odata.id": base, "Id": "RootService", "RedfishVersion": "1.15.0", "Vendor": "Bench",
    "Systems": {"@odata.id": f"{base}/Systems"}, "Managers": {"@odata.id": f"{base}/Managers"},
    "Chassis": {"@odata.id": f"{base}/Chassis"}, "UpdateService": {"@odata.id": f"{base}/UpdateService"},
    "SessionService": {"@odata.id": f"{base}/SessionService"},
    "Links": {"Sessions": {"@odata.id": f"{base}/SessionService/Sessions"}},
    "ProtocolFeaturesSupported": {"ExpandQuery": {"ExpandAll": True, "Levels": True, "MaxLevels": 1}},
})
write("Systems", collection(f"{base}/Systems", [f"{base}/Systems/1"]))
write("Systems/1", {"@odata.id": f"{base}/Systems/1", "Id": "1", "Name": "System",
                    "Manufacturer": "Bench", "Model": "BX-200", "SerialNumber": "BENCH0001",
                    "BiosVersion": "3.2.1", "HostName": "bench-host"})
write("Managers", collection(f"{base}/Managers", [f"{base}/Managers/1"]))
write("Managers/1", {"@odata.id": f"{base}/Managers/1", "Id": "1", "Name": "Manager",
                     "ManagerType": "BMC", "FirmwareVersion": "5.10.00"})
write("Chassis", collection(f"{base}/Chassis", [f"{base}/Chassis/1"]))
write("Chassis/1", {"@odata.id": f"{base}/Chassis/1", "Id": "1", "Name": "Chassis",
                    "ChassisType": "RackMount", "Model": "BX-200", "SerialNumber": "BENCH0001"})
write("UpdateService", {"@odata.id": f"{base}/UpdateService", "Id": "UpdateService",
                        "FirmwareInventory": {"@odata.id": inventory}})
ids = [f"Item-{n:03d}" for n in range(items)]
write("UpdateService/FirmwareInventory", collection(inventory, [f"{inventory}/{i}" for i in ids]))
for n, item in enumerate(ids):
    name = {0: "BMC Firmware", 1: "BIOS"}.get(n, f"Firmware component {n:03d}")
    version = {0: "5.10.00", 1: "3.2.1"}.get(n, f"1.{n}.0")
    write(f"UpdateService/FirmwareInventory/{item}", {
        "@odata.id": f"{inventory}/{item}", "Id": item, "Name": name,
        "Version": version, "Updateable": True})
PY
mkdir "$WORK/mockups"
for ((i = 0; i < BMCS; i++)); do
  cp -r "$WORK/template" "$WORK/mockups/$(printf 'bmc-%03d' "$i")"
done

# Created before the simulator starts, so the wait loop never reads a missing file.
: >"$WORK/addresses.txt"
: >"$WORK/simulate.log"
"$BIN" simulate --recordings "$WORK/mockups" --address "$FIRST" --latency "$LATENCY" \
  --https-port "$HTTPS_PORT" --redfish-user "$USER_NAME" --redfish-password-env BENCH_BMC_PASSWORD \
  >"$WORK/addresses.txt" 2>"$WORK/simulate.log" &
SIM_PID=$!
until [ "$(wc -l <"$WORK/addresses.txt")" -ge "$BMCS" ] && grep -q fingerprint "$WORK/simulate.log"; do
  kill -0 "$SIM_PID" 2>/dev/null || { cat "$WORK/simulate.log" >&2; exit 1; }
  sleep 0.2
done
LAST=$(tail -n 1 "$WORK/addresses.txt" | cut -d, -f1)
FINGERPRINT=$(sed -n 's/.*fingerprint \([0-9A-F:]*\).*/\1/p' "$WORK/simulate.log" | head -n 1)

cat >"$WORK/credentials.toml" <<EOF
[[redfish]]
name = "bench-bmc"
tenants = ["default"]
user = "$USER_NAME"
password = "env:BENCH_BMC_PASSWORD"
tls_fingerprint = "$FINGERPRINT"
EOF

echo "bmcs=$BMCS items=$ITEMS latency=${LATENCY}ms targets=$FIRST-$LAST"
for mode in expand no-expand; do
  extra=()
  [ "$mode" = no-expand ] && extra=(--no-expand)
  /usr/bin/time -v -o "$WORK/time-$mode.txt" "$BIN" scan "$FIRST-$LAST" --protocols redfish \
    --https-port "$HTTPS_PORT" --credentials "$WORK/credentials.toml" --format json \
    --output "$WORK/result-$mode.json" --db "$WORK/history.sqlite3" "${extra[@]}" 2>"$WORK/scan-$mode.log"
  python3 - "$mode" "$WORK/result-$mode.json" "$WORK/time-$mode.txt" "$WORK/scan-$mode.log" \
    "$WORK/addresses.txt" "$ITEMS" "$HTTPS_PORT" "$USER_NAME" <<'PY'
import base64, collections, concurrent.futures, http.client, json, os, re, ssl, sys
mode, result, timing, log, addresses, items, port, user = sys.argv[1:]
password = os.environ["BENCH_BMC_PASSWORD"]
document = json.load(open(result))
devices = document["devices"]
text = open(timing).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.*)", text).group(1)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1)) + \
      float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
components = collections.Counter(len(d["components"]) for d in devices)
inventory = collections.Counter(
    sum("/FirmwareInventory/" in (c.get("source") or "") for c in d["components"]) for d in devices)
reasons = collections.Counter(d["reason"] for d in devices if d["reason"])
scan_log = open(log).read()
problems = [line for line in scan_log.splitlines() if " WARN " in line or " ERROR " in line]

# Sessions the scan left open, read from each BMC's sessions collection with
# Basic auth, which opens none. The simulator's certificate is self-signed
# and only loopback addresses are contacted, so it is not verified here.
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
token = base64.b64encode(f"{user}:{password}".encode()).decode()
def open_sessions(address):
    connection = http.client.HTTPSConnection(address, int(port), context=context, timeout=10)
    connection.request("GET", "/redfish/v1/SessionService/Sessions", headers={"Authorization": f"Basic {token}"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"bench: reading the sessions of {address} failed with HTTP {response.status}")
    return len(json.loads(body)["Members"])
bmcs = [line.split(",")[0] for line in open(addresses) if line.strip()]
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    still_open = sum(pool.map(open_sessions, bmcs))

print(f"[{mode}] rows={len(devices)} counts={document['sweep']['counts']}")
print(f"[{mode}] components per BMC={dict(components)} inventory items per BMC={dict(inventory)} (expected {items})")
print(f"[{mode}] wall={wall} peak_rss={rss / 1024:.1f} MiB cpu={cpu:.2f} s")
print(f"[{mode}] sessions still open (cumulative over runs)={still_open} scan warnings and errors={len(problems)}")
for line in problems[:3]:
    print(f"[{mode}] scan log: {line}")
for reason, count in reasons.most_common(5):
    print(f"[{mode}] reason x{count}: {reason}")
if password in json.dumps(document) or password in scan_log:
    print(f"[{mode}] the BMC password appears in the scan's output")
PY
done
