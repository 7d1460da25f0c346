#!/usr/bin/env python3
# Writes a small ASN database in the MaxMind DB format (spec version 2.0),
# for tests: mk-asn-mmdb.py OUT PREFIX/LEN ASN NAME [PREFIX/LEN ASN NAME ...]
# IPv4 only, record size 24, one search-tree node per bit of each prefix.
import struct, sys, time, ipaddress

def ctrl(t, size):
    if size < 29: s, extra = size, b''
    elif size < 285: s, extra = 29, bytes([size - 29])
    else: raise ValueError('too long')
    if t <= 7:
        return bytes([(t << 5) | s]) + extra
    return bytes([s, t - 7]) + extra
def utf8(s):
    b = s.encode(); return ctrl(2, len(b)) + b
def uint(t, v, n):
    b = v.to_bytes(n, 'big').lstrip(b'\0'); return ctrl(t, len(b)) + b
def mapping(d):
    out = ctrl(7, len(d))
    for k, v in d.items(): out += utf8(k) + v
    return out

args = sys.argv[2:]
nets = [(ipaddress.ip_network(args[i]), int(args[i + 1]), args[i + 2]) for i in range(0, len(args), 3)]
data, offs = b'', []
for net, asn, name in nets:
    offs.append(len(data))
    data += mapping({'autonomous_system_number': uint(6, asn, 4), 'autonomous_system_organization': utf8(name)})
# Build the tree: nodes[i] = [left, right]; None = empty, ('n', k) = node k, ('d', j) = data of network j.
nodes = [[None, None]]
for j, (net, _, _) in enumerate(nets):
    bits = int(net.network_address)
    k = 0
    for depth in range(net.prefixlen):
        b = (bits >> (31 - depth)) & 1
        if depth == net.prefixlen - 1:
            nodes[k][b] = ('d', j)
        else:
            if nodes[k][b] is None or nodes[k][b][0] != 'n':
                nodes.append([None, None]); nodes[k][b] = ('n', len(nodes) - 1)
            k = nodes[k][b][1]
n = len(nodes)
def rec(r):
    if r is None: return n
    if r[0] == 'n': return r[1]
    return n + 16 + offs[r[1]]
tree = b''.join(rec(l).to_bytes(3, 'big') + rec(r).to_bytes(3, 'big') for l, r in nodes)
meta = mapping({
    'node_count': uint(6, n, 4), 'record_size': uint(5, 24, 2), 'ip_version': uint(5, 4, 2),
    'database_type': utf8('whitehawk-test-ASN'), 'languages': ctrl(11, 1) + utf8('en'),
    'binary_format_major_version': uint(5, 2, 2), 'binary_format_minor_version': uint(5, 0, 2),
    'build_epoch': ctrl(9, 8) + int(time.time()).to_bytes(8, 'big'),
    'description': mapping({'en': utf8('test data')}),
})
open(sys.argv[1], 'wb').write(tree + b'\0' * 16 + data + b'\xab\xcd\xefMaxMind.com' + meta)
