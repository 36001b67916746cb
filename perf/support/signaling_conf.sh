# shellcheck shell=bash
# Sourced by the signaling benchmarks (perf/bench_signaling*.sh): their server.conf and the
# small helpers both use.
#
# signaling_conf PORT NATS_URL HASH_KEY BLOCK_KEY INTERNAL_SECRET: writes a server.conf to stdout
# with one backend, "bench" (the mock Nextcloud at $BACKEND_URL with $BACKEND_SECRET), /stats for
# 127.0.0.1, and tern's per-address limits off for loopback: the load processes open thousands of
# sessions from each of their addresses (the reference server has no [limits] and skips it).
# The caller appends sections of its own ([tern]).
signaling_conf() {
  cat <<CONF
[http]
listen = 127.0.0.1:$1

[app]
debug = false

[sessions]
hashkey = $3
blockkey = $4

[clients]
internalsecret = $5

[backend]
backends = bench
allowall = false
timeout = 30
connectionsperhost = 8

[bench]
url = ${BACKEND_URL%/}
secret = $BACKEND_SECRET

[nats]
url = $2

[stats]
allowed_ips = 127.0.0.1

[limits]
exempt = 127.0.0.0/8
CONF
}

# free_port: a free TCP port on 127.0.0.1 (needs PYTHON).
free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# field KEY LINE: KEY's value in LINE (key=value pairs).
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
# calc FORMAT EXPRESSION: awk's printf of EXPRESSION.
calc() { awk "BEGIN {printf \"$1\", $2}"; }
# rss_kib PID: its resident memory in KiB.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# await_ready SECONDS GEN...: waits for each load process's `ready` line; every session must have
# been set up. Puts their sessions' sum in READY_SESSIONS.
await_ready() {
  local secs="$1" gen
  shift
  READY_SESSIONS=0
  for gen in "$@"; do
    await_line "$gen" '^ready ' "$secs"
    READY_SESSIONS=$((READY_SESSIONS + $(field sessions " $LINE")))
    (($(field failed " $LINE") == 0)) || bench_fail "$gen: $(field failed " $LINE") sessions failed: $(grep -m1 'first failure' "${PROC_LOG[$gen]}" || true)"
  done
}
