# shellcheck shell=bash
# Sourced by the signaling benchmarks (perf/bench_signaling*.sh).
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
