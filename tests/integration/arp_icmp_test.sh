#!/usr/bin/env bash
# ARP resolution, IPv6 neighbor discovery and ICMP echo over IPv4 and IPv6, answered by the
# data plane's fast path, with the counters to prove it.
source "$(dirname "$0")/lib.sh"
topology_up
start_dataplane
start_controlplane

# Before anyone talks to it, the data plane resolves its configured gateways: the client sees
# an ARP request and a neighbor solicitation from tern, answers them, and learns tern's MAC.
expect_counter arp_requests_sent 1
expect_counter nd_solicitations_sent 1
expect_counter arp_replies_learned 1
expect_counter nd_advertisements_learned 1
# The client made its entries before it answered (what the counters above saw).
neigh4=$(in_cli ip neigh show "$US4")
[[ "$neigh4" == *"lladdr $US_MAC"* ]] || fail "client did not learn $US_MAC from tern's ARP request: '$neigh4'"
neigh6=$(in_cli ip -6 neigh show "$US6")
[[ "$neigh6" == *"lladdr $US_MAC"* ]] || fail "client did not learn $US_MAC from tern's solicitation: '$neigh6'"
log "gateways resolved: ARP and ND requests sent, answers learned"
# Forget tern again so the echoes below make the client resolve it from scratch.
in_cli ip neigh flush dev "${TAG}a"
in_cli ip -6 neigh flush dev "${TAG}a"

# Every echo answered exactly once (a second answer would be the kernel behind the tap's).
out=$(echoes 5 "$US4") || fail "$out"
neigh4=$(in_cli ip neigh show "$US4")
[[ "$neigh4" == *"lladdr $US_MAC"* ]] || fail "ARP did not resolve $US4 to $US_MAC: '$neigh4'"
log "IPv4: ARP resolved to $US_MAC; $out"

out=$(echoes 5 "$US6") || fail "$out"
neigh6=$(in_cli ip -6 neigh show "$US6")
[[ "$neigh6" == *"lladdr $US_MAC"* ]] || fail "ND did not resolve $US6: '$neigh6'"
log "IPv6: ND resolved to $US_MAC; $out"

# A large echo (fragmentation-free up to the MTU: DF set) comes back whole.
out=$(echoes 2 "$US4" 1400) || fail "1428-byte echo: $out"
log "$out"

expect_counter arp_requests_answered 1
expect_counter icmp4_echo_answered 7
expect_counter icmp6_echo_answered 5
expect_counter nd_solicitations_answered 1
log "counters: arp $(counter arp_requests_answered), icmp4 $(counter icmp4_echo_answered), icmp6 $(counter icmp6_echo_answered), nd $(counter nd_solicitations_answered)"
log "PASS"
