#!/usr/bin/env python3
# ICMP(v6) echo client for the integration tests (tests/integration/lib.sh `echoes`):
#   icmp_echoes.py COUNT ADDR [SIZE]
# COUNT requests 0.2 s apart (IPv4 with DF set), then waits until every one is answered, at most
# 10 s after the last. Prints one line of figures; exits non-zero when a request went unanswered,
# was answered twice or with other data. (iputils ping, once it has any reply, waits for the rest
# only max(2 x slowest RTT, interval) after its last request and counts a later reply as lost.)
import os, select, socket, struct, sys, time
count, addr = int(sys.argv[1]), sys.argv[2]
size = int(sys.argv[3]) if len(sys.argv) > 3 else 56
v6 = ":" in addr
if v6:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)  # kernel sums
    want_src, req_type, rep_type = socket.inet_pton(socket.AF_INET6, addr), 128, 129
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = IP_PMTUDISC_DO: never fragmented
    want_src, req_type, rep_type = socket.inet_pton(socket.AF_INET, addr), 8, 0

def checksum(b):
    b += b"\0" * (len(b) % 2)
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return ~t & 0xFFFF

ident = os.getpid() & 0xFFFF
payload = bytes(i & 0xFF for i in range(size))
replies, bad, rtt = {}, 0, {}
sent_at, seq = {}, 0
interval, grace = 0.2, 10.0
next_send = time.monotonic()
end = None  # the last request's deadline, then (all answered) one more interval for duplicates
while True:
    now = time.monotonic()
    if seq < count and now >= next_send:
        seq += 1
        m = struct.pack("!BBHHH", req_type, 0, 0, ident, seq) + payload
        if not v6:
            m = m[:2] + struct.pack("!H", checksum(m)) + m[4:]
        try:
            s.sendto(m, (addr, 0))
        except OSError as e:
            sys.exit(f"echo {addr} ({size} bytes): request {seq} not sent: {e}")
        sent_at[seq] = now
        next_send = now + interval
        if seq == count:
            end = now + grace
    if seq == count and len(replies) == count and end > now + interval:
        end = now + interval
    if end is not None and now >= end:
        break
    wake = min(t for t in (next_send if seq < count else None, end) if t is not None)
    if not select.select([s], [], [], max(0.0, wake - now))[0]:
        continue
    data, src = s.recvfrom(65535)
    if not v6:
        data = data[(data[0] & 0x0F) * 4:]
    if socket.inet_pton(s.family, src[0].split("%")[0]) != want_src or len(data) < 8:
        continue
    typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[:8])
    if typ != rep_type or rid != ident or rseq not in sent_at:
        continue
    replies[rseq] = replies.get(rseq, 0) + 1
    rtt.setdefault(rseq, time.monotonic() - sent_at[rseq])
    bad += data[8:] != payload
missing = [i for i in range(1, count + 1) if i not in replies]
dups = sum(n - 1 for n in replies.values())
worst = max(rtt.values(), default=0) * 1000
print(f"echo {addr} ({size} bytes): {len(replies)}/{count} answered, slowest {worst:.1f} ms, "
      f"{dups} duplicate(s), {bad} with other data"
      + (f"; unanswered {grace:.0f} s after the last request: seq {missing}" if missing else ""))
sys.exit(1 if missing or dups or bad else 0)
