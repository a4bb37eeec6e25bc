#!/usr/bin/env bash
# The migration speed target (issue 18): converting, importing and reconciling 100 000
# departments with 10 members each (1 000 agents) in at most 10 s and 2 GiB each, on the release
# build. Each step runs under /usr/bin/time -v; the figures go into docs/performance.md,
# "Migration (issue 18)", by hand. About two minutes once the release build exists.
#   bash bench/migration.sh [DEPARTMENTS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DEPARTMENTS="${1:-100000}"
BIN="$PWD/target/release/deskbridge"
WORK="$(mktemp -d)"
trap 'kill "${SERVER:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
# DESKBRIDGE_NO_BUILD=1 measures the release binary already built.
[[ -n "${DESKBRIDGE_NO_BUILD:-}" ]] || cargo build --release --quiet

# The source: a canonical export, every department with 10 distinct members of 1 000 agents.
mkdir -p "$WORK/canonical"
python3 - "$DEPARTMENTS" "$WORK/canonical/state.json" <<'PY'
import json, sys
n, path = int(sys.argv[1]), sys.argv[2]
agents = [{"id": i, "username": "agent%d" % i, "name": "Agent %d" % i, "email": "agent%d@example.com" % i,
           "roles": ["agent"], "created_at": "2024-01-15T09:00:00Z"} for i in range(1, 1001)]
departments = [{"id": d, "name": "Department %06d" % d, "description": "desc", "settings": {"chat_enabled": True},
                "members": [((d * 7 + k * 101) % 1000) + 1 for k in range(10)], "created_at": "2024-01-15T09:10:00Z"}
               for d in range(1, n + 1)]
json.dump({"agents": agents, "departments": departments}, open(path, "w"))
PY

measure() {
    local label="$1"
    shift
    /usr/bin/time -v "$@" >"$WORK/out.txt" 2>"$WORK/time.txt" || {
        cat "$WORK/out.txt" "$WORK/time.txt" >&2
        exit 1
    }
    local wall rss user sys
    wall="$(grep 'Elapsed (wall clock)' "$WORK/time.txt" | awk '{print $NF}')"
    user="$(grep 'User time' "$WORK/time.txt" | awk '{print $NF}')"
    sys="$(grep 'System time' "$WORK/time.txt" | awk '{print $NF}')"
    rss="$(grep 'Maximum resident set size' "$WORK/time.txt" | awk '{print $NF}')"
    printf '| %s | %s | %s + %s | %d MiB |\n' "$label" "$wall" "$user" "$sys" "$((rss / 1024))"
}

echo "| step ($DEPARTMENTS departments x 10 members) | wall | CPU user + sys (s) | max RSS |"
echo "|---|---|---|---|"
for format in zopim rocketchat zendesk-xml zendesk-support; do
    measure "convert canonical -> $format" "$BIN" convert --from canonical "$WORK/canonical" --to "$format" "$WORK/$format.zip"
done
measure "convert zopim -> rocketchat" "$BIN" convert --from zopim "$WORK/zopim.zip" --to rocketchat "$WORK/rc2.zip" --report "$WORK/loss.json"
measure "reconcile zopim vs rocketchat exports" "$BIN" reconcile "$WORK/zopim.zip" "$WORK/rocketchat.zip"

# Import into a running gateway with its default limits (an import is held to --max-import-bytes,
# 256 MiB; the server's own RSS is read from /proc after the import).
"$BIN" --listen 127.0.0.1:18089 --log warn &
SERVER=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18089/_gateway/health >/dev/null && break; sleep 0.1; done
before="$(awk '/VmRSS/ {print $2}' /proc/$SERVER/status)"
measure "import zopim into a tenant (client)" "$BIN" import --format zopim "$WORK/zopim.zip" --gateway http://127.0.0.1:18089 --tenant big
measure "import rocketchat into a tenant (client)" "$BIN" import --format rocketchat "$WORK/rocketchat.zip" --gateway http://127.0.0.1:18089 --tenant big2
after="$(awk '/VmRSS/ {print $2}' /proc/$SERVER/status)"
peak="$(awk '/VmHWM/ {print $2}' /proc/$SERVER/status)"
echo "| gateway during both imports | | | VmRSS $((before / 1024)) -> $((after / 1024)) MiB, peak $((peak / 1024)) MiB |"
measure "reconcile tenant big vs tenant big2 (as Zopim vs as Rocket.Chat)" "$BIN" reconcile http://127.0.0.1:18089/t/big http://127.0.0.1:18089/t/big2 --a-format zopim --b-format rocketchat
measure "export tenant big as zendesk-support" "$BIN" export --format zendesk-support "$WORK/support-out.zip" --gateway http://127.0.0.1:18089 --tenant big
