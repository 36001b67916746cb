#!/usr/bin/env bash
# The exception path: TCP (IPv4 and IPv6) and UDP to ports the fast path does not own reach
# kernel sockets on the same address through the net_tap interface, and the kernel's answers
# go back out through the data plane.
source "$(dirname "$0")/lib.sh"
topology_up
start_dataplane
start_controlplane

# The data plane put its addresses on the kernel side of the tap.
wait_until 10 "$US4 on the tap" bash -c "ip netns exec $DNS ip addr show ${TAG}x | grep -q 'inet $US4/24'"
wait_until 10 "$US6 on the tap" bash -c "ip netns exec $DNS ip addr show ${TAG}x | grep -q 'inet6 $US6/64'"

# TCP over IPv4: a 200 kB transfer each way, checked by hash.
head -c 200000 /dev/urandom >"$WORK/blob"
bg_in "$DNS" "$WORK/got_by_server" timeout 20 ncat -l "$US4" 8080 --recv-only
srv=$BG_PID
wait_until 10 "the TCP listener" listening tcp 8080
in_cli timeout 20 ncat --send-only "$US4" 8080 <"$WORK/blob" || fail "TCP connect/send to $US4:8080 (exit $?)"
wait "$srv" || fail "TCP server (exit $?; 124: nothing ended the transfer in 20 s)"
cmp -s "$WORK/blob" "$WORK/got_by_server" ||
  fail "TCP payload corrupted client->server: $(stat -c %s "$WORK/got_by_server") of 200000 bytes, $(cmp "$WORK/blob" "$WORK/got_by_server" 2>&1)"
ip netns exec "$DNS" timeout 20 ncat -l "$US4" 8081 --send-only <"$WORK/blob" >/dev/null 2>&1 &
srv=$!
BG_PIDS+=("$srv")
wait_until 10 "the second TCP listener" listening tcp 8081
in_cli timeout 20 ncat --recv-only "$US4" 8081 >"$WORK/got_by_client" || fail "TCP receive from $US4:8081 (exit $?)"
wait "$srv" || true
cmp -s "$WORK/blob" "$WORK/got_by_client" ||
  fail "TCP payload corrupted server->client: $(stat -c %s "$WORK/got_by_client") of 200000 bytes, $(cmp "$WORK/blob" "$WORK/got_by_client" 2>&1)"
log "TCP/IPv4: 200 kB each way intact"

# TCP over IPv6.
bg_in "$DNS" /dev/null timeout 20 ncat -6 -l "$US6" 8082 -c 'echo hello-v6'
srv=$BG_PID
wait_until 10 "the IPv6 listener" listening tcp 8082
got=$(in_cli timeout 10 ncat -6 --recv-only "$US6" 8082) || fail "TCP/IPv6 connect (exit $?), got '$got'"
wait "$srv" || true
[[ "$got" == "hello-v6" ]] || fail "TCP/IPv6 got '$got'"
log "TCP/IPv6: ok"

# UDP to a port the fast path does not own (think SIP on 5060) reaches a kernel socket, and
# the kernel's answer leaves through the data plane.
bg_in "$DNS" "$WORK/udp_server.log" timeout 20 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("'"$US4"'", 5060))
for _ in range(3):
    data, peer = s.recvfrom(2048)
    s.sendto(b"echo:" + data, peer)
'
srv=$BG_PID
wait_until 10 "the UDP listener" listening udp 5060
# Each echo is awaited up to 5 s (the kernel may first resolve the client's address itself).
got=$(in_cli timeout 20 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
for i in range(3):
    s.sendto(b"ping%d" % i, ("'"$US4"'", 5060))
    try:
        print(s.recvfrom(2048)[0].decode())
    except socket.timeout:
        print("no answer to ping%d in 5 s" % i)
        raise SystemExit(1)
') || fail "UDP/5060 via the kernel: got '$got'"
wait "$srv" || true
[[ "$got" == $'echo:ping0\necho:ping1\necho:ping2' ]] || fail "UDP/5060 via the kernel got '$got'"
log "UDP/5060 via the kernel: 3/3 echoes"

expect_counter punted_to_kernel 10
expect_counter from_kernel 10
log "counters: punted_to_kernel $(counter punted_to_kernel), from_kernel $(counter from_kernel); PASS"
