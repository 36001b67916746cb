#!/usr/bin/env bash
# TURN over TCP and TLS (RFC 8656 §3.1) with coturn's turnutils_uclient: the control plane holds
# the connections, the data plane relays to turnutils_peer over UDP. Channels and indications,
# several sessions, REST credentials, no loss; allocations end with their connections; a
# connection that sends something other than STUN/ChannelData is closed and counted.
# (uclient: -t is TCP to the server, -S adds TLS; -S alone would be DTLS.)
source "$(dirname "$0")/lib.sh"
topology_up
PEER=198.18.0.3
in_cli ip addr add "$PEER/24" dev "${TAG}a"
start_dataplane
start_controlplane

bg_in "$CNS" "$WORK/peer.log" turnutils_peer -L "$PEER" -p 3480
wait_until 10 "turnutils_peer" bash -c "ip netns exec $CNS ss -Hlun | grep -q '$PEER:3480'"
wait_until 10 "the TURN TCP listener" listening tcp 3478
wait_until 10 "the TURN TLS listener" listening tcp 5349

# stream STAT: a field of the control plane's turn_streams block.
stream() {
  "$TERNCTL" --socket "$CP_SOCK" --json status |
    python3 -c "import json,sys; print(json.load(sys.stdin)['turn_streams']['$1'])"
}


MSGS=40
SESS=4
run_uclient() {  # run_uclient NAME EXTRA_FLAGS...
  local name="$1"; shift
  in_cli timeout 60 turnutils_uclient -c "$@" -e "$PEER" -r 3480 -m "$SESS" -n "$MSGS" -l 200 -z 5 \
    "$US4" >"$WORK/$name.log" 2>&1 || { tail -30 "$WORK/$name.log" >&2; fail "uclient ($name) exited with status $?"; }
  check_run "$name" "$WORK/$name.log" $((MSGS * SESS))
}
run_uclient tcp_channels -t -W integration-secret -u rest-user
run_uclient tcp_indications -t -s -u alice -w wonderland
run_uclient tls_channels -t -S -W integration-secret -u rest-user -p 5349
run_uclient tls_indications -t -S -s -u alice -w wonderland -p 5349

# IPv6 over TCP: the relayed address is the data plane's IPv6 address.
in_cli ip -6 addr add 2001:2::3/64 dev "${TAG}a" nodad
bg_in "$CNS" "$WORK/peer6.log" turnutils_peer -L 2001:2::3 -p 3481
wait_until 10 "turnutils_peer on IPv6" bash -c "ip netns exec $CNS ss -Hlun | grep -q ':3481'"
in_cli timeout 60 turnutils_uclient -c -t -W integration-secret -u rest-user -e 2001:2::3 -r 3481 \
  -n "$MSGS" -l 200 -z 5 "$US6" >"$WORK/tcp6.log" 2>&1 || fail "uclient over TCP/IPv6 exited with status $?"
check_run "tcp over IPv6" "$WORK/tcp6.log" "$MSGS"

expect_at_least "turn_streams.accepted" $((4 * SESS + 1)) 10 stream accepted
accepted=$SEEN
expect_counter turn_stream_in $((4 * SESS * MSGS))
expect_counter turn_stream_out $((4 * SESS * MSGS))
log "streams: $accepted accepted, $(counter turn_stream_in) messages in, $(counter turn_stream_out) out"

# Every client is gone: every allocation went with its connection (no waiting for expiry).
allocations() {
  "$TERNCTL" --socket "$CP_SOCK" --json turn list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["allocations"]))'
}
expect_equal "the number of allocations left" 0 10 allocations
expect_counter turn_stream_closed $((4 * SESS + 1))

# A connection that speaks something else (here an RTP-looking header) is closed and counted;
# the listener keeps serving.
errors_before=$(stream framing_errors)
in_cli python3 - "$US4" <<'PY' || fail "the broken connection was not closed by the server"
import socket, sys
s = socket.create_connection((sys.argv[1], 3478), timeout=10)
s.sendall(bytes.fromhex("8060000100000000") * 4)
s.settimeout(10)  # waits for the close, at most this long
got = s.recv(100)
assert got == b"", f"expected the server to close the connection, got {got!r}"
PY
expect_at_least "turn_streams.framing_errors" $((errors_before + 1)) 10 stream framing_errors
run_uclient tcp_after_error -t -W integration-secret -u rest-user
log "a broken stream was closed and counted; PASS"
