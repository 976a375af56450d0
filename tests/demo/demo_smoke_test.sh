#!/usr/bin/env bash
# The README's first command, as a user runs it: scripts/demo comes up, its printed curl line
# goes through the proxy as user demo, the account password gets the TOTP hint, and Ctrl-C
# (SIGINT) stops everything it started.
set -euo pipefail
repo=$1
# A free port below the ephemeral range, so no outgoing connection takes it before the demo binds.
port=$(/usr/bin/python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(1000):
    port = random.randrange(10000, low)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    break
PY
)
[[ -n $port ]] || { echo "FAIL: no free port below the ephemeral range" >&2; exit 1; }
out=$(mktemp /tmp/latchkey-demo-test.XXXXXX)
fail() { echo "FAIL: $*" >&2; echo "--- demo output ---" >&2; cat "$out" >&2; exit 1; }

LATCHKEY_DEMO_PORT=$port setsid "$repo/scripts/demo" >"$out" 2>&1 &
demo=$!
trap 'kill -INT -- -$demo 2>/dev/null || true; rm -f "$out"' EXIT

for _ in $(seq 600); do  # the first run may build: up to 5 minutes
  grep -q "Press Ctrl-C" "$out" && break
  kill -0 $demo 2>/dev/null || fail "scripts/demo exited early"
  sleep 0.5
done
grep -q "Press Ctrl-C" "$out" || fail "scripts/demo did not come up"

app_line=$(grep -m1 -o "curl -u demo:[a-z0-9-]* http://127.0.0.1:$port/hello" "$out") ||
  fail "no curl line with an application password for port $port"
answer=$(eval "$app_line -sS")
grep -q '"X-Forwarded-User", "demo"' <<<"$answer" || fail "upstream did not see user demo: $answer"
grep -q '"Authorization"' <<<"$answer" && fail "Authorization reached the upstream"

account_line=$(grep -m1 "curl -u 'demo:" "$out" | sed 's/^ *//') || fail "no account-password line"
hint=$(eval "$account_line -sS")
grep -q "application password" <<<"$hint" || fail "no TOTP hint for the account password: $hint"

run_dir=$(grep -m1 -o "/tmp/latchkey-demo\.[A-Za-z0-9]*" "$out")
kill -INT -- -$demo
for _ in $(seq 100); do kill -0 $demo 2>/dev/null || break; sleep 0.2; done
kill -0 $demo 2>/dev/null && fail "scripts/demo did not stop on SIGINT"
grep -q "demo: stopped" "$out" || fail "scripts/demo did not clean up"
[[ ! -e $run_dir ]] || fail "$run_dir left behind"
curl -s -o /dev/null "http://127.0.0.1:$port/" && fail "latchkey still answers after Ctrl-C"
echo "demo smoke test: ok"
