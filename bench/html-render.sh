#!/usr/bin/env bash
# Renders the demo's per-tenant HTML reports in headless Chromium and checks
# that each one produced a PNG screenshot of the requested size, and that
# Chromium reported no Content-Security-Policy violation (which would mean
# the page tried to load or run something). Run it by hand after changing
# the HTML report; CI does not install Chromium.
#
#   bench/html-render.sh                        # check every tenant's report
#   UPDATE_SCREENSHOT=1 bench/html-render.sh    # also replace docs/report-example.png
#
# Needs Debian's chromium package (apt-get install chromium) and python3.
# The demo serves its simulated network on 127.78.0.0/16, so all traffic
# stays on loopback; Chromium opens only local files and runs with its
# network features that phone home turned off.
set -euo pipefail
cd "$(dirname "$0")/.."

WIDTH=${WIDTH:-1280}
HEIGHT=${HEIGHT:-2000}
EXAMPLE_TENANT=${EXAMPLE_TENANT:-acme}

command -v chromium >/dev/null || { echo "html-render: needs chromium (apt-get install chromium)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "html-render: needs python3" >&2; exit 2; }
cargo build --quiet
BIN=${CARGO_TARGET_DIR:-target}/debug/fwsweep
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$BIN" demo --format html --split-by tenant --output "$WORK/reports" --as-of 2026-12-04

failures=0
for report in "$WORK"/reports/*.html; do
    tenant=$(basename "$report" .html)
    png="$WORK/$tenant.png"
    log="$WORK/$tenant.log"
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run \
        --user-data-dir="$(mktemp -d -p "$WORK")" --enable-logging=stderr --v=0 \
        --screenshot="$png" --window-size="$WIDTH,$HEIGHT" "file://$report" >"$log" 2>&1 || true
    if ! python3 - "$png" "$WIDTH" "$HEIGHT" <<'PY'
import struct, sys
path, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
try:
    data = open(path, "rb").read(24)
except OSError as error:
    sys.exit(f"no screenshot: {error}")
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("the screenshot is not a PNG")
size = struct.unpack(">II", data[16:24])
if size != (width, height):
    sys.exit(f"the screenshot is {size[0]}x{size[1]}, not {width}x{height}")
PY
    then
        echo "html-render: $tenant: failed; Chromium's log follows" >&2
        cat "$log" >&2
        failures=$((failures + 1))
        continue
    fi
    if grep -q "Content Security Policy" "$log"; then
        echo "html-render: $tenant: the page violated its Content-Security-Policy:" >&2
        grep "Content Security Policy" "$log" >&2
        failures=$((failures + 1))
        continue
    fi
    echo "html-render: $tenant: $(wc -c <"$report") bytes of HTML rendered to a ${WIDTH}x${HEIGHT} PNG"
done

if [ "$failures" -gt 0 ]; then
    echo "html-render: $failures report(s) failed" >&2
    exit 1
fi
if [ "${UPDATE_SCREENSHOT:-0}" = 1 ]; then
    cp "$WORK/$EXAMPLE_TENANT.png" docs/report-example.png
    echo "html-render: wrote docs/report-example.png from the $EXAMPLE_TENANT report"
fi
