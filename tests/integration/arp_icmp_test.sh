#!/usr/bin/env bash
# ARP resolution, IPv6 neighbor discovery and ICMP echo over IPv4 and IPv6, answered by the
# data plane's fast path, with the counters to prove it.
source "$(dirname "$0")/lib.sh"
topology_up
start_dataplane
start_controlplane

# Before anyone talks to it, the data plane resolves its configured gateways: the client sees
# an ARP request and a neighbor solicitation from tern, answers them, and learns tern's MAC.
wait_until 10 "an ARP request for the gateway" counter_at_least arp_requests_sent 1
wait_until 10 "a neighbor solicitation for the gateway" counter_at_least nd_solicitations_sent 1
wait_until 10 "the ARP reply to be learned" counter_at_least arp_replies_learned 1
wait_until 10 "the neighbor advertisement to be learned" counter_at_least nd_advertisements_learned 1
in_cli ip neigh show "$US4" | grep -q "lladdr $US_MAC" || fail "client did not learn $US_MAC from tern's ARP request"
in_cli ip -6 neigh show "$US6" | grep -q "lladdr $US_MAC" || fail "client did not learn $US_MAC from tern's solicitation"
log "gateways resolved: ARP and ND requests sent, answers learned"
# Forget tern again so the pings below make the client resolve it from scratch.
in_cli ip neigh flush dev "${TAG}a"
in_cli ip -6 neigh flush dev "${TAG}a"

in_cli ping -c 5 -i 0.2 -W 2 "$US4" >"$WORK/ping4.log" || fail "ping $US4: $(tail -2 "$WORK/ping4.log")"
grep -q " 0% packet loss" "$WORK/ping4.log" || fail "ping loss: $(tail -2 "$WORK/ping4.log")"
grep -q "DUP" "$WORK/ping4.log" && fail "duplicate echo replies: the kernel answered too"
in_cli ip neigh show "$US4" | grep -q "lladdr $US_MAC" || fail "ARP did not resolve $US4 to $US_MAC"
log "IPv4: ARP resolved to $US_MAC, 5/5 echo replies"

in_cli ping -6 -c 5 -i 0.2 -W 2 "$US6" >"$WORK/ping6.log" || fail "ping -6 $US6: $(tail -2 "$WORK/ping6.log")"
grep -q " 0% packet loss" "$WORK/ping6.log" || fail "ping -6 loss"
in_cli ip -6 neigh show "$US6" | grep -q "lladdr $US_MAC" || fail "ND did not resolve $US6"
log "IPv6: ND resolved to $US_MAC, 5/5 echo replies"

# A large echo (fragmentation-free up to the MTU) comes back whole.
in_cli ping -c 2 -s 1400 -M do -W 2 "$US4" >/dev/null || fail "1428-byte echo"

counter_at_least arp_requests_answered 1 || fail "arp_requests_answered is $(counter arp_requests_answered)"
counter_at_least icmp4_echo_answered 7 || fail "icmp4_echo_answered is $(counter icmp4_echo_answered)"
counter_at_least icmp6_echo_answered 5 || fail "icmp6_echo_answered is $(counter icmp6_echo_answered)"
counter_at_least nd_solicitations_answered 1 || fail "nd_solicitations_answered is 0"
log "counters: arp $(counter arp_requests_answered), icmp4 $(counter icmp4_echo_answered), icmp6 $(counter icmp6_echo_answered), nd $(counter nd_solicitations_answered)"
log "PASS"
