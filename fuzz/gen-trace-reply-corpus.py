#!/usr/bin/env python3
# Writes the seed corpus of fuzz_trace_reply: valid, edge and malformed
# replies built from the RFC layouts (the first byte picks the fuzzer's path).
import struct, os, sys
D = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'trace_reply') + '/'
os.makedirs(D, exist_ok=True)
def cks(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def ip4(src, dst, proto, payload, ttl=64, ident=0):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0, ttl, proto, 0, bytes(src), bytes(dst))
    return h[:10] + struct.pack('!H', cks(h)) + h[12:] + payload
def icmp(t, c, body, unused=b'\0\0\0\0'):
    m = struct.pack('!BBH', t, c, 0) + unused + body
    return m[:2] + struct.pack('!H', cks(m)) + m[4:]
def w(name, b): open(D + name, 'wb').write(b)
S = [198, 18, 0, 1]; Dst = [198, 18, 9, 2]; R = [198, 18, 3, 2]
udp = struct.pack('!HHHH', 40000, 33434, 40, 1) + b'\0\0WHTR\0\x01' + bytes(range(0x48, 0x68))
probe = ip4(S, Dst, 17, udp, ttl=1, ident=1)
w('v4_time_exceeded_valid.bin', b'\x00' + ip4(R, S, 1, icmp(11, 0, probe)))
w('v4_port_unreach_valid.bin', b'\x00' + ip4(Dst, S, 1, icmp(3, 3, probe)))
body = probe + b'\0' * (128 - len(probe))
ext = struct.pack('!BBHHBB', 0x20, 0, 0, 8, 1, 1) + struct.pack('!I', (24001 << 12) | (1 << 8) | 1)
ext = ext[:2] + struct.pack('!H', cks(ext)) + ext[4:]
w('v4_mpls_rfc4884_valid.bin', b'\x00' + ip4(R, S, 1, icmp(11, 0, body + ext, unused=b'\0' + bytes([32]) + b'\0\0')))
w('v4_mpls_compat_edge.bin', b'\x00' + ip4(R, S, 1, icmp(11, 0, body + ext)))
w('v4_short_quote_edge.bin', b'\x00' + ip4(R, S, 1, icmp(11, 0, probe[:28])))
w('v4_truncated_malformed.bin', b'\x00' + ip4(R, S, 1, icmp(11, 0, probe))[:30])
bad = bytearray(ip4(R, S, 1, icmp(11, 0, probe))); bad[0] = 0x4f
w('v4_bad_ihl_malformed.bin', b'\x00' + bytes(bad))
w('v4_echo_reply_valid.bin', b'\x00' + ip4(Dst, S, 1, icmp(0, 0, b'\0\0WHTR', unused=struct.pack('!HH', 777, 5))))
tcp = struct.pack('!HHIIBBHHH', 80, 40000, 0, (0x5748 << 16 | 3) + 1, 0x50, 0x14, 0, 0, 0)
w('v4_tcp_rst_valid.bin', b'\x00' + ip4(Dst, S, 6, tcp))
s6 = bytes.fromhex('20010db8000000000000000000000001'); d6 = bytes.fromhex('20010db8000900000000000000000002')
udp6 = struct.pack('!HHHH', 40000, 33434, 40, 1) + b'\0\0WHTR\0\x01' + bytes(32)
ip6 = struct.pack('!IHBB', 0x60000000, len(udp6), 17, 1) + s6 + d6 + udp6
w('v6_time_exceeded_valid.bin', b'\x01' + icmp(3, 0, ip6))
w('v6_port_unreach_valid.bin', b'\x01' + icmp(1, 4, ip6))
w('v6_quote_truncated_malformed.bin', b'\x01' + icmp(3, 0, ip6[:30]))
w('v6_tcp_syn_ack_edge.bin', b'\x02' + struct.pack('!HHIIBBHHH', 80, 40000, 5, (0x5748 << 16 | 3) + 1, 0x50, 0x12, 0, 0, 0))
w('tracer_v4_te.bin', b'\x03' + ip4(R, S, 1, icmp(11, 0, probe)))
w('tracer_v6_te.bin', b'\x04' + icmp(3, 0, ip6))
w('asn_prefix2as_valid.bin', b'\x05' + b'1.0.0.0\t24\t13335\n1.2.0.0\t16\t64500_64501\n2001:db8::\t32\t65000\n')
w('asn_iptoasn_valid.bin', b'\x05' + b'1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n1.0.1.0\t1.0.3.255\t0\tNone\tNot routed\n')
w('asn_dbip_valid.bin', b'\x05' + b'1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."\n::,2001:db7:ffff:ffff:ffff:ffff:ffff:ffff,0,x\n')
w('asn_garbage_malformed.bin', b'\x05' + b'1.0.0.0\t99\tAS\n\t\t\n,,,\n300.1.1.1,1.1.1.1,5,x\n')
w('ixp_valid.bin', b'\x06' + b'80.249.208.0/21\n2001:7f8:1::/64\nbad/\n')
