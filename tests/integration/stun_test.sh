#!/usr/bin/env bash
# coturn's turnutils_stunclient gets its reflexive address from tern's STUN Binding service,
# over IPv4 and IPv6.
source "$(dirname "$0")/lib.sh"
topology_up
start_dataplane
start_controlplane

out=$(in_cli timeout 10 turnutils_stunclient -p 3478 "$US4" 2>&1) || fail "stunclient: $out"
echo "$out" | grep -Eq "UDP reflexive addr: $CLI4:[0-9]+" || fail "no reflexive address in: $out"
log "IPv4: $(echo "$out" | grep -m1 -o 'reflexive addr: .*')"

out6=$(in_cli timeout 10 turnutils_stunclient -p 3478 "$US6" 2>&1) || fail "stunclient -6: $out6"
echo "$out6" | grep -Eq "reflexive addr: $CLI6" || fail "no IPv6 reflexive address in: $out6"
log "IPv6: $(echo "$out6" | grep -m1 -o 'reflexive addr: .*')"

# The RFC 5780 mode (-f, with CHANGE-REQUEST) is refused with 420: we are not a NAT-behaviour
# discovery server, and the client must be told so rather than get a wrong answer.
in_cli timeout 10 turnutils_stunclient -f -p 3478 "$US4" >"$WORK/f.log" 2>&1 || true

counter_at_least stun_binding_answered 2 || fail "stun_binding_answered is $(counter stun_binding_answered)"
log "counters: stun_binding_answered $(counter stun_binding_answered), stun_errors_sent $(counter stun_errors_sent)"
log "PASS"
