#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ from well-formed examples.

Run from anywhere: python3 tests/fuzz/make_seeds.py. The seeds are committed; crash inputs that
libFuzzer finds are added by hand next to them (with a unit test reproducing the bug).
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
US_MAC = bytes.fromhex("020000000102")
HOST_MAC = bytes.fromhex("020000000001")
US4 = bytes([198, 18, 0, 2])
HOST4 = bytes([198, 18, 0, 1])
US6 = bytes.fromhex("20010002000000000000000000000002")
HOST6 = bytes.fromhex("20010002000000000000000000000001")


def csum(data, initial=0):
    if len(data) % 2:
        data += b"\0"
    s = initial + sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def ipv4(src, dst, proto, payload, frag=0x4000):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, frag, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def pseudo6(src, dst, nh, length):
    return sum(struct.unpack("!16H", src + dst)) + length + nh


def ipv6(src, dst, nh, payload, hop=64):
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, hop) + src + dst + payload


def udp4(src, dst, sport, dport, payload):
    u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ph = sum(struct.unpack("!4H", src + dst)) + 17 + len(u)
    return u[:6] + struct.pack("!H", csum(u, ph) or 0xFFFF) + u[8:]


def udp6(src, dst, sport, dport, payload):
    u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return u[:6] + struct.pack("!H", csum(u, pseudo6(src, dst, 17, len(u))) or 0xFFFF) + u[8:]


def icmp6(src, dst, body):
    m = body[:2] + b"\0\0" + body[4:]
    return m[:2] + struct.pack("!H", csum(m, pseudo6(src, dst, 58, len(m)))) + m[4:]


# RFC 5769 vectors (the same bytes as common/wire/stun/stun_test.cpp).
STUN = {
    "rfc5769_request": "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74"
    "002400046e0001ff80290008932ff9b151263b36000600096576746a3a6836765920202000080014"
    "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf",
    "rfc5769_response_v4": "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220"
    "002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96",
    "rfc5769_response_v6": "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220"
    "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c"
    "8292c275bfe3ed4180280004c8fb0b4c",
    "rfc5769_long_term": "000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae38383"
    "e382afe382b900000015001c662f2f3439396b393534643"
    "64f4c33346f4c394653547679363473410014000b6578616d706c652e6f726700000800"
    "14f670246"
    "56dd64a3e02b8e0712e85c9a28ca89666",
    "binding_plain": "000100002112a442000102030405060708090a0b",
    "classic_3489": "000100000102030405060708090a0b0c0d0e0f10",
}


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    stun = {k: bytes.fromhex(v) for k, v in STUN.items()}
    for k, v in stun.items():
        write("stun", k, v)

    arp_req = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, HOST_MAC, HOST4, b"\0" * 6, US4)
    echo = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + bytes(range(32))
    echo = echo[:2] + struct.pack("!H", csum(echo)) + echo[4:]
    ns_body = struct.pack("!BBHI", 135, 0, 0, 0) + US6 + bytes([1, 1]) + HOST_MAC
    group = bytes.fromhex("ff0200000000000000000001ff000002")
    ns = icmp6(HOST6, group, ns_body)
    echo6 = icmp6(HOST6, US6, struct.pack("!BBHHH", 128, 0, 0, 1, 1) + b"ping")

    frames = {
        "arp_request": eth(b"\xff" * 6, HOST_MAC, 0x0806, arp_req),
        "icmp4_echo": eth(US_MAC, HOST_MAC, 0x0800, ipv4(HOST4, US4, 1, echo)),
        "stun_v4": eth(US_MAC, HOST_MAC, 0x0800, ipv4(HOST4, US4, 17, udp4(HOST4, US4, 40000, 3478, stun["rfc5769_request"]))),
        "stun_classic_v4": eth(US_MAC, HOST_MAC, 0x0800, ipv4(HOST4, US4, 17, udp4(HOST4, US4, 40001, 3478, stun["classic_3489"]))),
        "stun_v6": eth(US_MAC, HOST_MAC, 0x86DD, ipv6(HOST6, US6, 17, udp6(HOST6, US6, 40000, 3478, stun["binding_plain"]))),
        "udp_other_v4": eth(US_MAC, HOST_MAC, 0x0800, ipv4(HOST4, US4, 17, udp4(HOST4, US4, 5060, 5060, b"OPTIONS sip:x SIP/2.0\r\n"))),
        "nd_solicitation": eth(bytes.fromhex("3333ff000002"), HOST_MAC, 0x86DD, ipv6(HOST6, group, 58, ns, hop=255)),
        "icmp6_echo": eth(US_MAC, HOST_MAC, 0x86DD, ipv6(HOST6, US6, 58, echo6)),
        "vlan_icmp4": US_MAC + HOST_MAC + struct.pack("!HH", 0x8100, 100) + struct.pack("!H", 0x0800) + ipv4(HOST4, US4, 1, echo),
        "ipv6_ext_headers": eth(US_MAC, HOST_MAC, 0x86DD, ipv6(HOST6, US6, 0,
            bytes([60, 0, 1, 4, 0, 0, 0, 0]) + bytes([17, 0, 1, 4, 0, 0, 0, 0]) + udp6(HOST6, US6, 1, 3478, stun["binding_plain"]))),
        "turn_allocate_unsigned": eth(US_MAC, HOST_MAC, 0x0800, ipv4(HOST4, US4, 17, udp4(HOST4, US4, 40000, 3478,
            bytes.fromhex("000300082112a442" + "00" * 12 + "0019000411000000")))),
        "turn_channel_data": eth(US_MAC, HOST_MAC, 0x0800, ipv4(HOST4, US4, 17, udp4(HOST4, US4, 40000, 3478,
            bytes.fromhex("4001000568656c6c6f000000")))),
        "turn_peer_to_relay": eth(US_MAC, HOST_MAC, 0x0800, ipv4(bytes([198, 18, 0, 50]), US4, 17, udp4(bytes([198, 18, 0, 50]), US4, 5000, 49152, b"peer data"))),
        "ipv4_fragment": eth(US_MAC, HOST_MAC, 0x0800, ipv4(HOST4, US4, 17, udp4(HOST4, US4, 1, 3478, b"x"), frag=0x2000)),
    }
    for k, v in frames.items():
        write("stack", k, v)
        if k in ("arp_request", "vlan_icmp4", "icmp4_echo", "nd_solicitation"):
            write("link", k, v)
        if v[12:14] in (b"\x08\x00", b"\x86\xdd"):
            write("ip", k, v[14:])
    write("channel_data", "padded", bytes.fromhex("400100056865 6c6c6f000000".replace(" ", "")))
    write("channel_data", "stream_two", bytes.fromhex("4001000268690000" + "4fff0000"))
    # turn_stream: first byte = chunk size, then a TCP stream of STUN and padded ChannelData.
    allocate = bytes.fromhex("000300082112a442" + "00" * 12 + "0019000411000000")
    write("turn_stream", "allocate_then_data", b"\x05" + allocate + bytes.fromhex("4001000568656c6c6f000000"))
    write("turn_stream", "one_byte_chunks", b"\x00" + stun["binding_plain"] + bytes.fromhex("4fff0004deadbeef"))
    write("turn_stream", "tls_hello", b"\x10" + bytes.fromhex("16030100a5010000a10303"))
    # srtp: first byte picks the suite; RTP with and without extensions, an RTCP sender report.
    rtp = bytes.fromhex("8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120")
    write("srtp", "rtp_plain_gcm", b"\x01" + rtp + bytes(16))
    write("srtp", "rtp_ext_cm", b"\x00" + bytes.fromhex("900f1235decafbadcafebabebede000151000200abababab") + bytes(10))
    write("srtp", "rtcp_sr", b"\x02" + bytes.fromhex("81c8000c4d617273") + bytes(44) + bytes(16) + bytes.fromhex("80000001"))
    write("rtcp", "sr_sdes", bytes.fromhex("81c8000c11223344e5c4a1b2000000000001e2400000006400003e80"
                                           "aabbccdd050000030000ffff000000201234567800001000"
                                           "81ca00031122334401046162636400 00".replace(" ", "")))
    write("rtcp", "nack_pli_fir", bytes.fromhex("81cd0003000000010000abcd00640011" "81ce0002000000010000abcd"
                                                "84ce0004000000010000000000 00beef07000000".replace(" ", "")))
    write("rtcp", "twcc_vector", bytes.fromhex("8fcd00061111111122222222010000050000020 7d1a004fffffc012c".replace(" ", "")))
    write("rtcp", "twcc_run_padded", bytes.fromhex("afcd00080000000100000002fff000ebffffff0900dd9f1c01010101010101010000000 4".replace(" ", "")))
    write("rtcp", "remb", bytes.fromhex("8fce000500000001000000005245 4d4202 0c6e30 0000000a0000000b".replace(" ", "")))
    # twcc: the body of one transport-cc packet after the sender SSRC (the parser on its own).
    write("twcc", "two_bit_vector", bytes.fromhex("2222222201000005000002 07d1a004fffffc012c".replace(" ", "")))
    write("twcc", "run_and_one_bit", bytes.fromhex("00000002fff000ebffffff0900dd9f1c0101010101010101"))
    write("twcc", "extreme_deltas_wrap", bytes.fromhex("00000002fffe000300001005e6008000ff7fff"))
    write("twcc", "run_received", bytes.fromhex("000000020001000200000000200201 01".replace(" ", "")))
    # rtp: two bytes pick the id mapping, then the packet (RFC 8285 one-byte and two-byte forms).
    write("rtp", "one_byte_level_mid", b"\x41\x00" + bytes.fromhex("900f1235decafbadcafebabebede000210ff00224131000000abab"))
    write("rtp", "two_byte", b"\x05\xc8" + bytes.fromhex("900f1236decafbadcafebabe1000000205020002c8000000ab"))
    write("rtp", "no_extension_csrc", b"\x00\x00" + bytes.fromhex("810f1237decafbadcafebabe11111111ab"))
    write("icmp", "echo4", b"\x40" + echo)
    write("icmp", "ns", b"\x01" + ns)
    write("icmp", "echo6", b"\x40" + echo6)
    # signaling_request: /spreed client frames of every request type.
    for name, frame in [
        ("hello_v1", '{"id":"1","type":"hello","hello":{"version":"1.0","features":["chat-relay"],'
                     '"auth":{"url":"https://nc.example/","params":{"userid":"alice","ticket":"t"}}}}'),
        ("hello_v2", '{"type":"hello","hello":{"version":"2.0","auth":{"url":"https://nc/","params":{"token":"a.b.c"}}}}'),
        ("hello_internal", '{"type":"hello","hello":{"version":"1.0","auth":{"type":"internal","params":'
                           '{"random":"0123456789abcdef0123456789abcdef","token":"ff","backend":"https://nc/"}}}}'),
        ("resume", '{"type":"hello","hello":{"version":"1.0","resumeid":"r"}}'),
        ("room", '{"id":"2","type":"room","room":{"roomid":"abc","sessionid":"s","federation":{"roomid":"x"}}}'),
        ("message", '{"type":"message","message":{"recipient":{"type":"session","sessionid":"S"},'
                    '"data":{"type":"offer","payload":{"sdp":"v=0\\r\\n"},"n":[1,2.5,true,null]}}}'),
        ("control", '{"type":"control","control":{"recipient":{"type":"user","userid":"bob"},"data":{"action":"forceMute"}}}'),
        ("addsession", '{"type":"internal","internal":{"type":"addsession","addsession":{"sessionid":"v","roomid":"r",'
                       '"user":{"type":"phone"},"flags":5,"incall":9,"options":{"actorId":"a","actorType":"phones"}}}}'),
        ("dialout", '{"id":"d","type":"internal","internal":{"type":"dialout","dialout":{"type":"status",'
                    '"status":{"callid":"c","status":"ringing"}}}}'),
        ("transient", '{"type":"transient","transient":{"type":"set","key":"k","value":{"a":"\\u00e4"},"ttl":1000}}'),
        ("bye", '{"id":"9","type":"bye","bye":{}}'),
    ]:
        write("signaling_request", name, frame.encode())
    # signaling_backend_room: POST /api/v1/room/{id} bodies of every type Talk sends.
    for name, body in [
        ("invite", '{"type":"invite","invite":{"userids":["bob"],"alluserids":["alice","bob"],"properties":{"name":"T"}}}'),
        ("disinvite", '{"type":"disinvite","disinvite":{"userids":["bob"],"sessionids":["nc2","0"],"alluserids":null}}'),
        ("update", '{"type":"update","update":{"userids":["alice"],"properties":{"name":"New","lobby-state":0}}}'),
        ("delete", '{"type":"delete","delete":{"userids":["alice"]}}'),
        ("incall", '{"type":"incall","incall":{"incall":7,"changed":[{"sessionId":"nc1","inCall":7}],'
                   '"users":[{"sessionId":"nc1","inCall":true,"permissions":["publish-media"],"lastPing":1700000000}]}}'),
        ("incall_all", '{"type":"incall","incall":{"incall":0,"all":true}}'),
        ("participants", '{"type":"participants","participants":{"changed":[{"sessionId":"nc1",'
                         '"permissions":["publish-audio"]}],"users":[{"sessionId":"nc1","actorId":"\u00e4"}]}}'),
        ("message", '{"type":"message","message":{"data":{"type":"chat","chat":{"refresh":true,"comment":{"id":1}}}}}'),
        ("switchto_map", '{"type":"switchto","switchto":{"roomid":"r2","sessions":{"nc1":{"x":1.5},"nc2":null}}}'),
        ("switchto_list", '{"type":"switchto","switchto":{"roomid":"r2","sessions":["nc1"]}}'),
        ("dialout", '{"type":"dialout","dialout":{"number":"+4912345","options":{"attendeeId":5,"actorId":"p"}}}'),
        ("transient", '{"type":"transient","transient":{"action":"set","key":"k","value":1}}'),
    ]:
        write("signaling_backend_room", name, body.encode())
    # signaling_backend_answer: Nextcloud's answers (OCS-wrapped and bare), capabilities, a token.
    ocs = '{"ocs":{"meta":{"status":"ok","statuscode":%d,"message":"OK"},"data":%s}}'
    for name, body in [
        ("auth", ocs % (200, '{"type":"auth","auth":{"version":"1.0","userid":"alice","user":{"displayname":"A"}}}')),
        ("room", ocs % (200, '{"type":"room","room":{"version":"1.0","roomid":"r1","properties":{"name":"T"},'
                             '"permissions":["publish-media"],"session":{"userid":"alice"}}}')),
        ("error", ocs % (404, '{"type":"error","error":{"code":"no_such_room","message":"x","details":{"a":1}}}')),
        ("throttled", ocs % (429, '[]')),
        ("bare", '{"type":"ping","ping":{}}'),
        ("capabilities", ocs % (200, '{"capabilities":{"spreed":{"features":["signaling-v3","federation-v2"],'
                                     '"config":{"signaling":{"session-ping-limit":200,'
                                     '"hello-v2-token-key":"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="}}}}}')),
        ("token", 'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE4MDAwMDAwMDAsImV4cCI6MTgwMDAwMDA2MCwic3ViIjoiYSJ9.'
                  'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
    ]:
        write("signaling_backend_answer", name, body.encode())
    # signaling_mcu_message: what a proxy sends tern-signaling (replies matched by id, events).
    for name, frame in [
        ("hello", '{"id":"1","type":"hello","hello":{"version":"1.0","sessionid":"s1","server":'
                  '{"version":"tern-1.0","features":["remote-streams"],"country":"DE"}}}'),
        ("create_publisher", '{"id":"2","type":"command","command":{"id":"c1","bitrate":1048576}}'),
        ("create_subscriber", '{"id":"2","type":"command","command":{"id":"c2","sid":"42","bitrate":1000}}'),
        ("answer", '{"id":"3","type":"payload","payload":{"type":"offer","clientId":"c1",'
                   '"payload":{"type":"answer","sdp":"v=0\\r\\n"}}}'),
        ("proxy_offer", '{"type":"payload","payload":{"type":"offer","clientId":"c1",'
                        '"payload":{"offer":{"type":"offer","sdp":"v=0\\r\\n"}}}}'),
        ("proxy_candidate", '{"type":"payload","payload":{"type":"candidate","clientId":"c1","payload":'
                            '{"candidate":{"candidate":"candidate:1 1 udp 1 198.18.0.2 20000 typ host",'
                            '"sdpMid":"0","sdpMLineIndex":0}}}}'),
        ("update_load", '{"type":"event","event":{"type":"update-load","load":1024,'
                        '"bandwidth":{"incoming":1.5,"outgoing":2}}}'),
        ("publisher_closed", '{"type":"event","event":{"type":"publisher-closed","clientId":"c1"}}'),
        ("sid_updated", '{"type":"event","event":{"type":"subscriber-sid-updated","clientId":"c1","sid":"7"}}'),
        ("error", '{"id":"3","type":"error","error":{"code":"unknown_client","message":"no client c1"}}'),
        ("bye", '{"type":"bye","bye":{"reason":"session_expired"}}'),
    ]:
        write("signaling_mcu_message", name, frame.encode())

    # signaling_cluster_event: what another tern-signaling node publishes on the cluster bus.
    for name, payload in [
        ("room", '{"v":1,"origin":2,"type":"room","backend":"nc","room":"r1","except":"s1",'
                 '"call":true,"permission":"hide-displaynames","holders":"only",'
                 '"frame":"{\\"type\\":\\"event\\"}"}'),
        ("joined", '{"v":1,"origin":2,"type":"joined","backend":"nc","room":"r1","session":"s1",'
                   '"hidenames":true}'),
        ("session", '{"v":1,"origin":2,"type":"session","session":"s1","frame":"{}"}'),
        ("message", '{"v":1,"origin":2,"type":"message","backend":"nc","control":true,'
                    '"totype":"user","to":"alice","sender":"s1","senderuser":"bob",'
                    '"data":{"type":"x","n":[1,2.5,null]}}'),
        ("backend", '{"v":1,"origin":2,"type":"backend","backend":"nc","room":"r1",'
                    '"body":"{\\"type\\":\\"update\\",\\"update\\":{}}"}'),
    ]:
        write("signaling_cluster_event", name, payload.encode())
    write("signaling_cluster_event", "moved",
          b'{"v":1,"origin":2,"type":"moved","session":"s1","to":3}')
    write("signaling_cluster_event", "detached",
          b'{"v":1,"origin":2,"type":"detached","session":"s1"}')
    write("signaling_cluster_event", "transient",
          b'{"v":1,"origin":2,"type":"transient","backend":"nc","room":"r1","key":"k",'
          b'"value":{"a":[1,2]},"ttl":5000000}')
    write("signaling_cluster_event", "transientstate",
          b'{"v":1,"origin":2,"type":"transientstate","backend":"nc","room":"r1","session":"s1",'
          b'"entries":[{"key":"k","value":1},{"key":"sd:s1","value":"x","ttl":7}]}')
    write("signaling_cluster_event", "claimed",
          b'{"v":1,"origin":2,"type":"claimed","backend":"nc","roomsession":"t1","session":"s1"}')

    # signaling_session_record: session records and node marks in the JetStream KV bucket.
    for name, payload in [
        ("record", '{"v":1,"session":"p1","type":"client","backend":"nc","hello":2,'
                   '"user":"alice","userdata":{"displayname":"Alice"},"features":["chat-relay"],'
                   '"room":"r1","roomsession":"nc1","permissions":["publish-audio"],"incall":7,'
                   '"flags":1,"owner":1,"created":1700000000000000,"detached":1700000000500000,'
                   '"asof":41,"replayed":40}'),
        ("guest", '{"v":1,"session":"p2","type":"internal","backend":"nc","hello":1,"owner":2,'
                  '"created":1,"asof":0}'),
        ("mark", '{"v":1,"node":3,"seq":1234,"at":1700000000000000}'),
    ]:
        write("signaling_session_record", name, payload.encode())

    # signaling_ws_frame: client WebSocket frames (masked), after a first byte that picks where
    # the harness splits them.
    def ws_frame(first, payload, key=b"\x37\xfa\x21\x3d"):
        n = len(payload)
        if n < 126:
            head = bytes([first, 0x80 | n])
        elif n < 65536:
            head = bytes([first, 0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head = bytes([first, 0x80 | 127]) + n.to_bytes(8, "big")
        return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))

    write("signaling_ws_frame", "text", b"\x03" + ws_frame(0x81, b'{"type":"hello","hello":{"version":"2.0"}}'))
    write("signaling_ws_frame", "fragments", b"\x05" + ws_frame(0x01, b"Hel") + ws_frame(0x89, b"p") + ws_frame(0x80, b"lo"))
    write("signaling_ws_frame", "close", b"\x01" + ws_frame(0x88, b"\x03\xe8bye"))
    write("signaling_ws_frame", "binary256", b"\x07" + ws_frame(0x82, b"x" * 256))
    write("signaling_ws_frame", "unmasked", b"\x00" + bytes([0x81, 0x02]) + b"hi")


if __name__ == "__main__":
    main()
