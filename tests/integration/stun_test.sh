#!/usr/bin/env bash
# coturn's turnutils_stunclient gets its reflexive address from tern's STUN Binding service,
# over IPv4 and IPv6.
source "$(dirname "$0")/lib.sh"
topology_up
start_dataplane
start_controlplane

# turnutils_stunclient sends one request and blocks until the answer (no retransmission), so it
# runs once the workers poll (start_controlplane waits for that); exit 124 from timeout 10 means
# it got no answer.
out=$(in_cli timeout 10 turnutils_stunclient -p 3478 "$US4" 2>&1) || fail "stunclient (exit $?): $out"
echo "$out" | grep -Eq "UDP reflexive addr: $CLI4:[0-9]+" || fail "no reflexive address in: $out"
log "IPv4: $(echo "$out" | grep -m1 -o 'reflexive addr: .*')"

out6=$(in_cli timeout 10 turnutils_stunclient -p 3478 "$US6" 2>&1) || fail "stunclient -6 (exit $?): $out6"
echo "$out6" | grep -Eq "reflexive addr: $CLI6" || fail "no IPv6 reflexive address in: $out6"
log "IPv6: $(echo "$out6" | grep -m1 -o 'reflexive addr: .*')"

# The mapped address must be exactly the client's: a client with a known source port decodes
# XOR-MAPPED-ADDRESS itself (RFC 8489 §14.2) and compares IP and port.
got=$(in_cli timeout 10 python3 -c '
import os, socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("'"$CLI4"'", 47001))
s.settimeout(5)
txid = os.urandom(12)
s.sendto(struct.pack("!HHI", 1, 0, 0x2112A442) + txid, ("'"$US4"'", 3478))
try:
    data, _ = s.recvfrom(2048)
except socket.timeout:
    raise SystemExit("no answer in 5 s")
typ, length, cookie = struct.unpack("!HHI", data[:8])
assert typ == 0x0101 and cookie == 0x2112A442 and data[8:20] == txid, "not our success response"
pos = 20
while pos + 4 <= 20 + length:
    t, l = struct.unpack("!HH", data[pos:pos + 4])
    v = data[pos + 4:pos + 4 + l]
    if t == 0x0020:
        port = struct.unpack("!H", v[2:4])[0] ^ 0x2112
        ip = socket.inet_ntoa(bytes(a ^ b for a, b in zip(v[4:8], struct.pack("!I", 0x2112A442))))
        print(f"{ip}:{port}")
    pos += 4 + l + (-l % 4)
') || fail "python STUN client: $got"
[[ "$got" == "$CLI4:47001" ]] || fail "XOR-MAPPED-ADDRESS is '$got', expected $CLI4:47001"
log "exact mapping: $got"

expect_counter stun_binding_answered 3
log "counters: stun_binding_answered $(counter stun_binding_answered), stun_errors_sent $(counter stun_errors_sent)"
log "PASS"
