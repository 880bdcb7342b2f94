# Setup shared by the bench scripts that time scans of `fwsweep simulate`.
# Sourced from the repository root. It checks for GNU time and python3,
# builds the release binary and sets BIN to it, makes the work folder WORK,
# and raises the open-file limit. The EXIT trap stops the simulator whose
# process id the caller stores in SIM_PID and removes WORK.

command -v /usr/bin/time >/dev/null || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench: needs python3" >&2; exit 2; }
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/fwsweep
WORK=$(mktemp -d)
SIM_PID=
trap 'kill "$SIM_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
ulimit -n "$(ulimit -Hn)"
