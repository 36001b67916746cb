# tools/lib/netns.sh: the network namespaces and veth pairs that tools, tests and benchmarks
# build around tern, in one place. Sourced (bash); every function fails loudly (non-zero) on
# error, and netns_delete is safe to call from an EXIT trap on anything half built.
#
# The shape is always the same: a "client" end with addresses, where kernel programs (browsers,
# turnutils, coturn, the host itself) live, and a "data plane" end without addresses, ARP or
# IPv6, which tern-dataplane opens with net_af_packet and answers for in user space.
#
#   netns_create NAME...                  new namespaces with loopback up
#   netns_veth A_NS A_IF B_NS B_IF        a veth pair; an empty namespace means the caller's
#   netns_client_end NS IF ADDR/LEN...    addresses (IPv6 without DAD), full checksums, link up
#   netns_dataplane_end NS IF             no IPv6, no ARP, link up: the port is tern's
#   netns_exists NAME                     true when the namespace exists
#   netns_delete NAME...                  removes namespaces (their veth ends go with them)
#   netns_pair CLIENT_NS DP_NS TAG CLIENT_ADDR...
#                                         both namespaces joined by veth ${TAG}a (client) and
#                                         ${TAG}b (data plane): what most tests need
#
# Names: keep interface names under 16 bytes (IFNAMSIZ); tests derive them from a random TAG so
# that runs side by side do not meet.

# Runs a command in namespace NS, or here when NS is empty.
netns_in() {
  local ns="$1"; shift
  if [[ -n "$ns" ]]; then ip netns exec "$ns" "$@"; else "$@"; fi
}

netns_create() {
  local ns
  for ns in "$@"; do
    ip netns add "$ns" || return
    ip -n "$ns" link set lo up || return
  done
}

netns_exists() { [[ -e "/run/netns/$1" ]]; }

netns_veth() {
  local a_ns="$1" a_if="$2" b_ns="$3" b_if="$4"
  local -a a_at=() b_at=()
  [[ -n "$a_ns" ]] && a_at=(netns "$a_ns")
  [[ -n "$b_ns" ]] && b_at=(netns "$b_ns")
  ip link add "$a_if" "${a_at[@]}" type veth peer name "$b_if" "${b_at[@]}"
}

netns_client_end() {
  local ns="$1" ifc="$2" addr; shift 2
  for addr in "$@"; do
    if [[ "$addr" == *:* ]]; then
      netns_in "$ns" ip addr add "$addr" dev "$ifc" nodad || return
    else
      netns_in "$ns" ip addr add "$addr" dev "$ifc" || return
    fi
  done
  # Full checksums from the kernel: tern's exception path forwards frames unchanged, and a
  # frame with a partial checksum would be wrong once it left the veth.
  netns_in "$ns" ethtool -K "$ifc" tx off >/dev/null 2>&1 || true
  netns_in "$ns" ip link set "$ifc" up
}

netns_dataplane_end() {
  local ns="$1" ifc="$2"
  netns_in "$ns" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1" || return
  netns_in "$ns" ip link set "$ifc" arp off up
}

netns_delete() {
  local ns
  for ns in "$@"; do
    [[ -n "$ns" ]] && ip netns del "$ns" 2>/dev/null
  done
  return 0
}

netns_pair() {
  local cns="$1" dns="$2" tag="$3"; shift 3
  netns_create "$cns" "$dns" || return
  netns_veth "$cns" "${tag}a" "$dns" "${tag}b" || return
  netns_client_end "$cns" "${tag}a" "$@" || return
  netns_dataplane_end "$dns" "${tag}b"
}
