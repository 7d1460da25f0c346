#!/usr/bin/env python3
"""mkmmdb.py: write a small MaxMind DB (format 2.0) for whitehawk's tests.

    mkmmdb.py OUT NETWORK=CC[,ASN[,ORG]] ...

Each network (IPv4 or IPv6 CIDR) gets a record with country.iso_code,
registered_country.iso_code and, when given, autonomous_system_number and
autonomous_system_organization, the keys GeoLite2 Country and ASN use. The
tree is IPv6 with IPv4 networks under ::/96, as MaxMind's own databases are.
Written from the published format specification; test data only.
"""
import ipaddress
import struct
import sys
import time


def ctrl(typ, size):
    """Control byte(s) for a type and a payload size."""
    out = bytearray()
    if size < 29:
        s, extra = size, b""
    elif size < 285:
        s, extra = 29, bytes([size - 29])
    elif size < 65821:
        s, extra = 30, struct.pack(">H", size - 285)
    else:
        s, extra = 31, struct.pack(">I", size - 65821)[1:]
    if typ <= 7:
        out.append((typ << 5) | s)
    else:
        out.append(s)
        out.append(typ - 7)
    return bytes(out) + extra


class U(int):
    """An unsigned integer of a given MaxMind type (5 uint16, 6 uint32, 9 uint64)."""

    def __new__(cls, value, typ):
        obj = int.__new__(cls, value)
        obj.typ = typ
        return obj


def enc(v):
    if isinstance(v, U):
        b = int(v).to_bytes((int(v).bit_length() + 7) // 8, "big") if v else b""
        return ctrl(v.typ, len(b)) + b
    if isinstance(v, bool):
        return ctrl(14, 1 if v else 0)
    if isinstance(v, str):
        b = v.encode()
        return ctrl(2, len(b)) + b
    if isinstance(v, int):
        if v < 0:
            raise ValueError("negative")
        b = v.to_bytes((v.bit_length() + 7) // 8, "big") if v else b""
        if v < 1 << 16:
            return ctrl(5, len(b)) + b
        if v < 1 << 32:
            return ctrl(6, len(b)) + b
        return ctrl(9, len(b)) + b
    if isinstance(v, dict):
        out = ctrl(7, len(v))
        for k, x in v.items():
            out += enc(str(k)) + enc(x)
        return out
    if isinstance(v, list):
        out = ctrl(11, len(v))
        for x in v:
            out += enc(x)
        return out
    raise TypeError(type(v))


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: mkmmdb.py OUT NETWORK=CC[,ASN[,ORG]] ...")
    out = sys.argv[1]
    data = bytearray()
    entries = []
    for arg in sys.argv[2:]:
        net, _, val = arg.partition("=")
        parts = val.split(",", 2)
        rec = {"country": {"iso_code": parts[0]}, "registered_country": {"iso_code": parts[0]}}
        if len(parts) > 1 and parts[1]:
            rec["autonomous_system_number"] = U(int(parts[1]), 6)
        if len(parts) > 2:
            rec["autonomous_system_organization"] = parts[2]
        n = ipaddress.ip_network(net, strict=False)
        if n.version == 4:
            bits = int(n.network_address) & ((1 << 32) - 1)
            key, plen = bits, 96 + n.prefixlen
        else:
            key, plen = int(n.network_address), n.prefixlen
        offset = len(data)
        data += enc(rec)
        entries.append((key, plen, offset))

    # A binary trie: node = [left, right]; a child is a node index, ("data", off) or None.
    nodes = [[None, None]]
    for key, plen, off in entries:
        cur = 0
        for i in range(plen):
            bit = (key >> (127 - i)) & 1
            if i == plen - 1:
                nodes[cur][bit] = ("data", off)
                break
            nxt = nodes[cur][bit]
            if not isinstance(nxt, int):
                nodes.append([nxt, nxt] if nxt else [None, None])
                nxt = len(nodes) - 1
                nodes[cur][bit] = nxt
            cur = nxt
    count = len(nodes)

    def rec_value(child):
        if child is None:
            return count
        if isinstance(child, tuple):
            return count + 16 + child[1]
        return child

    tree = bytearray()
    for left, right in nodes:
        tree += rec_value(left).to_bytes(3, "big") + rec_value(right).to_bytes(3, "big")
    meta = {
        "binary_format_major_version": U(2, 5),
        "binary_format_minor_version": U(0, 5),
        "build_epoch": U(int(time.time()), 9),
        "database_type": "whitehawk-test",
        "description": {"en": "whitehawk test data"},
        "ip_version": U(6, 5),
        "languages": ["en"],
        "node_count": U(count, 6),
        "record_size": U(24, 5),
    }
    with open(out, "wb") as f:
        f.write(tree)
        f.write(b"\0" * 16)
        f.write(data)
        f.write(b"\xab\xcd\xefMaxMind.com")
        f.write(enc(meta))


if __name__ == "__main__":
    main()
