#!/usr/bin/env bash
# The SFU on the data plane, end to end over real sockets: one publisher and two subscribers,
# each a small kernel-socket client whose SRTP is libsrtp2's. State is installed through the
# control channel in test mode (ternctl sfu ...). Checks: ICE-lite answered, the publisher's
# stream reaches both subscribers with their own SSRC and payload type and continuous sequence
# numbers and header extensions as the SFU writes them (the publisher's mid gone, the SFU's
# abs-send-time on every packet), a lost packet NACKed by a subscriber is retransmitted, and a
# subscriber's PLI reaches the publisher.
#
# With TERN_TEST_WORKERS=2 (integration_sfu_lcores) the room spans two workers: the publisher's
# transport lives on worker 0 and the subscribers' on worker 1, whose relayed publication gets
# the plaintext from worker 0 over a ring (decrypted once); NACKs are answered on worker 1, the
# PLI travels back to worker 0. The port has two queue pairs that the kernel fills by flow hash,
# so frames also reach the worker that does not own their port and are handed over.
source "$(dirname "$0")/lib.sh"
topology_up
start_dataplane
start_controlplane
CLIENT="$BUILD/tests/srtp_client"

# Master keys per client and direction: AES-256-GCM (32-byte key, 12-byte salt), and for
# subscriber 2 AES_CM_128_HMAC_SHA1_80 (16-byte key, 14-byte salt), whose tags the data plane
# computes many at a time: libsrtp2 on the client checks them.
declare -A SUITE=([pub]=aes256gcm [s1]=aes256gcm [s2]=aes128cm)
key() { if [[ ${SUITE[$1]} == aes128cm ]]; then openssl rand -hex 16; else openssl rand -hex 32; fi; }
salt() { if [[ ${SUITE[$1]} == aes128cm ]]; then openssl rand -hex 14; else openssl rand -hex 12; fi; }
declare -A C2S_K C2S_S S2C_K S2C_S
for c in pub s1 s2; do C2S_K[$c]=$(key $c); C2S_S[$c]=$(salt $c); S2C_K[$c]=$(key $c); S2C_S[$c]=$(salt $c); done
sfu() { "$TERNCTL" --socket "$CP_SOCK" sfu "$@" >/dev/null || fail "ternctl sfu $*"; }
# Transport ids name their worker (id % workers).
declare -A ID PORT
if ((WORKERS == 2)); then
  ID=([pub]=2 [s1]=1 [s2]=3); PORT=([pub]=20000 [s1]=20001 [s2]=20001); commands=11
else
  ID=([pub]=1 [s1]=2 [s2]=3); PORT=([pub]=20000 [s1]=20000 [s2]=20000); commands=9
fi
for c in pub s1 s2; do
  sfu transport "${ID[$c]}" "ufrag-$c" "password-of-$c-0123456789"
  sfu keys "${ID[$c]}" "${SUITE[$c]}" "${C2S_K[$c]}" "${C2S_S[$c]}" "${S2C_K[$c]}" "${S2C_S[$c]}"
done
sfu publish "${ID[pub]}" 0x1111 7 0 vp8
if ((WORKERS == 2)); then
  sfu publish-remote 1 7 0 vp8 0  # worker 1 receives track 7 from worker 0
  sfu relay 0 7 1 on
fi
sfu subscribe "${ID[s1]}" 7 0x5001 97 0
sfu subscribe "${ID[s2]}" 7 0x5002 98 0
expect_counter commands_applied "$commands" 10 "the SFU commands were not applied"
expect_counter_is sfu_commands_refused 0  # read once all were applied

client() {  # client NAME PORT MODE ARGS...
  local c="$1" port="$2"; shift 2
  echo "$CLIENT" --bind "$CLI4:$port" --sfu "$US4:${PORT[$c]}" --ufrag "ufrag-$c" --pwd "password-of-$c-0123456789" \
    --suite "${SUITE[$c]}" --tx "${C2S_K[$c]}${C2S_S[$c]}" --rx "${S2C_K[$c]}${S2C_S[$c]}" "$@"
}
# The subscribers run until they have what they came for (40 packets; for s1 also the packet it
# NACKed); their own deadline is only a guard: the test ends them on its own, counted from the
# publisher's last packet, and reads what they saw.
# shellcheck disable=SC2046
bg_in "$CNS" "$WORK/s1.log" $(client s1 5001 subscribe --ssrc 0x5001 --count 40 --lose 1010 --timeout-ms 120000)
s1=$BG_PID
# shellcheck disable=SC2046
bg_in "$CNS" "$WORK/s2.log" $(client s2 5002 subscribe --ssrc 0x5002 --count 40 --timeout-ms 120000)
s2=$BG_PID
expect_counter sfu_stun_answered 2 10 "the subscribers' ICE checks were not answered"
# The publisher waits (at most 10 s after its last packet) for the PLI the subscribers ask for.
# shellcheck disable=SC2046
in_cli $(client pub 5000 publish --ssrc 0x1111 --count 60 --interval-ms 20 --expect-pli 1 --timeout-ms 10000) \
  >"$WORK/pub.log" 2>&1 || fail "publisher (exit $?): $(cat "$WORK/pub.log")"
for s in s1 s2; do
  rc=0
  wait_exit "${!s}" 20 || rc=$?
  [[ $STOPPED == no ]] || fail "$s had not got its packets 20 s after the publisher's last: $(cat "$WORK/$s.log")"
  ((rc == 0)) || fail "$s (exit $rc): $(cat "$WORK/$s.log")"
done
log "$(cat "$WORK/pub.log")"
log "s1 $(cat "$WORK/s1.log")"
log "s2 $(cat "$WORK/s2.log")"

field() { sed -n "s/.* $2=\([0-9-]*\).*/\1/p" "$WORK/$1.log"; }
(($(field pub pli) >= 1)) || fail "the publisher got no PLI: $(cat "$WORK/pub.log")"
for s in s1 s2; do
  summary=$(cat "$WORK/$s.log")
  (($(field "$s" bad_ssrc) == 0)) || fail "$s received another SSRC: $summary"
  (($(field "$s" continuous) == 1)) || fail "$s saw a gap in the sequence numbers: $summary"
  (($(field "$s" first) == 1000)) || fail "$s did not start at the keyframe: $summary"
  (($(field "$s" abs_send_time) == $(field "$s" received))) || fail "$s: packets without the SFU's abs-send-time: $summary"
  (($(field "$s" foreign_ext) == 0)) || fail "$s received the publisher's own header extension (mid): $summary"
done
(($(field s1 pt) == 97 && $(field s2 pt) == 98)) || fail "payload types not rewritten per subscriber: s1 pt=$(field s1 pt), s2 pt=$(field s2 pt)"
(($(field s1 recovered) == 1)) || fail "the NACKed packet was not retransmitted: $(cat "$WORK/s1.log")"
expect_counter sfu_rtp_in 60
expect_counter sfu_rtp_out 100
expect_counter sfu_nack_resent 1
expect_counter sfu_pli_sent 1
if ((WORKERS == 2)); then
  expect_counter sfu_relayed 60 10 "the plaintext did not cross to worker 1"
  # Read once sfu_relayed has all 60: whatever could be dropped on the way has been by now.
  expect_counter_is sfu_relay_dropped 0
  expect_counter_is handoff_dropped 0
  log "across workers: $(counter sfu_relayed) packets relayed, $(counter handoff_in) frames handed to their port's worker"
fi
# GET /metrics on the proxy port: the same counters in Prometheus' format for a loopback peer,
# 403 for anyone else (here a client reaching it through the exception path).
metrics=$(in_dp python3 -c "import urllib.request as u; print(u.urlopen('http://127.0.0.1:9090/metrics', timeout=5).read().decode())") ||
  fail "GET /metrics from loopback failed"
grep -qx 'tern_dataplane_up 1' <<<"$metrics" || fail "/metrics: no tern_dataplane_up 1"
rtp_out=$(awk '$1 ~ /^tern_dataplane_sfu_rtp_out_total[{]/ {n += $2} END {print n + 0}' <<<"$metrics")
((rtp_out >= 100)) || fail "/metrics: tern_dataplane_sfu_rtp_out_total sums to $rtp_out over the workers, want >= 100"
grep -q '^tern_proxy_sessions ' <<<"$metrics" || fail "/metrics: no tern_proxy_sessions"
# Prometheus' own lint of the exposition (names, units, HELP and TYPE).
command -v promtool >/dev/null || fail "promtool missing (Debian package prometheus; tools/tern setup)"
lint=$(promtool check metrics <<<"$metrics" 2>&1) || fail "promtool check metrics refused /metrics: $lint"
# Every tern_ metric the alert rules and the dashboard in docs/ops/ query is exported.
gone=$(python3 "$SUPPORT_DIR/../ops/ops_metrics.py" missing tern_ <<<"$metrics") || fail "$gone"
# ternctl top as a script runs it (one screen, no terminal): every worker listed, answering.
screen=$("$TERNCTL" --socket "$CP_SOCK" top --count 1 --interval 0.3) || fail "ternctl top failed"
answering=$(grep -cE '^[0-9]+ +[0-9.]+%.* yes ' <<<"$screen" || true)
((answering == WORKERS)) || fail "ternctl top: $answering worker line(s) answering, want $WORKERS: $screen"
grep -q '^SFU: ' <<<"$screen" || fail "ternctl top: no SFU line: $screen"
status=$(in_cli python3 -c "
import urllib.request as u, urllib.error as e
try:
    print(u.urlopen('http://$US4:9090/metrics', timeout=5).status)
except e.HTTPError as x:
    print(x.code)") || fail "GET /metrics from the client namespace failed"
[[ "$status" == 403 ]] || fail "/metrics from a non-loopback peer: HTTP $status, want 403"
log "forwarded $(counter sfu_rtp_out) packets from $(counter sfu_rtp_in); NACKs answered $(counter sfu_nack_resent), PLIs $(counter sfu_pli_sent); PASS"
