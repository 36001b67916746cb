#!/usr/bin/env bash
# TURN over UDP with coturn's own test clients: turnutils_uclient relays through tern to
# turnutils_peer (an echo server), with TURN REST API credentials and with a static user, in
# ChannelData and in Send/Data-indication mode, several sessions at once, without loss.
source "$(dirname "$0")/lib.sh"
topology_up
PEER=198.18.0.3
in_cli ip addr add "$PEER/24" dev "${TAG}a"
start_dataplane
start_controlplane

bg_in "$CNS" "$WORK/peer.log" turnutils_peer -L "$PEER" -p 3480
wait_until 10 "turnutils_peer" bash -c "ip netns exec $CNS ss -Hlun | grep -q '$PEER:3480'"


# -c: no RTCP companion allocation (that one asks for an EVEN-PORT reservation, which tern
# refuses with 508). -m sessions, -n messages each, -l bytes, -z ms between messages.
MSGS=40
SESS=4
in_cli timeout 60 turnutils_uclient -c -W integration-secret -u rest-user -e "$PEER" -r 3480 \
  -m "$SESS" -n "$MSGS" -l 200 -z 5 "$US4" >"$WORK/rest_channel.log" 2>&1 ||
  { tail -30 "$WORK/rest_channel.log" >&2; fail "uclient (REST, channels) exited non-zero"; }
check_run "REST credentials, ChannelData" "$WORK/rest_channel.log" $((MSGS * SESS))

in_cli timeout 60 turnutils_uclient -c -s -u alice -w wonderland -e "$PEER" -r 3480 \
  -m "$SESS" -n "$MSGS" -l 200 -z 5 "$US4" >"$WORK/static_send.log" 2>&1 ||
  { tail -30 "$WORK/static_send.log" >&2; fail "uclient (static user, Send indications) exited non-zero"; }
check_run "static user, Send/Data indications" "$WORK/static_send.log" $((MSGS * SESS))

# Credentials from ternctl work as plain long-term credentials (what a browser is handed), and
# ternctl turn list shows the allocation while it is in use.
creds=$("$TERNCTL" --socket "$CP_SOCK" turn credentials --user bob --ttl 600 | head -1)
[[ "$creds" =~ ^username=([0-9]+:bob)\ password=([A-Za-z0-9+/=]+)$ ]] || fail "ternctl turn credentials printed '$creds'"
tuser="${BASH_REMATCH[1]}" tpass="${BASH_REMATCH[2]}"
bg_in "$CNS" "$WORK/ternctl_creds.log" timeout 60 turnutils_uclient -c -u "$tuser" -w "$tpass" \
  -e "$PEER" -r 3480 -n 150 -l 100 -z 20 "$US4"
uc=$BG_PID
# bob_listed: ternctl turn list shows bob's allocation with its relayed address (prints the list).
bob_listed() {
  local listing
  listing=$("$TERNCTL" --socket "$CP_SOCK" turn list) || return 1
  echo "$listing"
  echo "$listing" | grep ':bob ' | grep -q "$US4:"
}
wait_until 10 "the allocation to be listed with its relayed address $US4" bob_listed
log "ternctl turn list: $(bob_listed | grep ':bob ' | tr -s ' ')"
wait "$uc" || { tail -20 "$WORK/ternctl_creds.log" >&2; fail "uclient with ternctl credentials (exit $?)"; }
check_run "ternctl turn credentials" "$WORK/ternctl_creds.log" 150

expect_counter turn_allocations_created $((2 * SESS))
expect_counter turn_channels_bound "$SESS"
expect_counter turn_to_peer_packets $((2 * MSGS * SESS))
expect_counter turn_to_client_packets $((2 * MSGS * SESS))

# Wrong secret: refused, counted.
auth_failures=$(counter turn_auth_failures)
in_cli timeout 30 turnutils_uclient -c -W wrong-secret-value -u rest-user -e "$PEER" -n 1 "$US4" \
  >"$WORK/bad.log" 2>&1 || true
expect_counter turn_auth_failures $((auth_failures + 1)) 10 "a wrong secret was not refused"
grep -q "tot_recv_msgs=[1-9]" "$WORK/bad.log" && fail "data flowed with a wrong secret: $(grep -o 'tot_recv_msgs=[0-9]*' "$WORK/bad.log" | tail -1)"

# Denied peers (the appliance itself, loopback) are refused with 403 by the default policy.
in_cli timeout 30 turnutils_uclient -c -u alice -w wonderland -e "$US4" -n 1 "$US4" >"$WORK/denied.log" 2>&1 || true
expect_counter turn_denied_peer 1 10 "relaying to tern's own address was not refused"
in_cli timeout 30 turnutils_uclient -c -u alice -w wonderland -e 127.0.0.1 -n 1 "$US4" >"$WORK/denied2.log" 2>&1 || true
expect_counter turn_denied_peer 2 10 "relaying to loopback was not refused"
log "wrong secret refused ($(counter turn_auth_failures) failures), own address refused as peer"

log "counters: allocations $(counter turn_allocations_created), to peer $(counter turn_to_peer_packets), to client $(counter turn_to_client_packets); PASS"
