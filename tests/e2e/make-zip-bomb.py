#!/usr/bin/env python3
"""Write a zip bomb for tests: a few MB that unzip to gigabytes of JSON.

usage: make-zip-bomb.py OUT.zip GIGABYTES

The member is a few JSON lines and then one endless string. Compressing gigabytes
would take as long as reading them, so the deflate stream is built from one
compressed 16 MiB piece repeated: after a full flush the compressor starts
from nothing, so every identical piece compresses to identical bytes and the
pieces can be laid end to end. The CRC-32 of the whole is worked out from the
piece's CRC with the GF(2) operator for "append n zero bytes", so the archive
is valid (unzip -t passes) without touching the gigabytes either. Sizes are
written as zip64, which the member needs past 4 GiB.
"""
import struct
import sys
import zlib

POLY = 0xEDB88320  # CRC-32 (IEEE), bit-reversed


def mat_apply(mat, vec):
    """Multiply a 32x32 GF(2) matrix (list of 32 column words) by a vector."""
    out = 0
    col = 0
    while vec:
        if vec & 1:
            out ^= mat[col]
        vec >>= 1
        col += 1
    return out


def mat_mul(a, b):
    return [mat_apply(a, b[col]) for col in range(32)]


def zeros_operator(nbytes):
    """The register transform of feeding nbytes zero bytes (linear part only)."""
    # one zero bit: shift right, and fold in the polynomial when bit 0 was set
    bit = [POLY] + [1 << (col - 1) for col in range(1, 32)]
    op = [1 << col for col in range(32)]  # identity
    power = bit
    n = nbytes * 8
    while n:
        if n & 1:
            op = mat_mul(power, op)
        power = mat_mul(power, power)
        n >>= 1
    return op


def crc_combine(crc_a, crc_b, len_b):
    """CRC-32 of A+B from the CRCs of A and B and the length of B."""
    return mat_apply(zeros_operator(len_b), crc_a) ^ crc_b


def main():
    out, gib = sys.argv[1], float(sys.argv[2])
    # A few good events, then one whose command line is gigabytes long: it
    # looks like JSON to the sniffer and to the reader, so only the archive
    # guard can stop it. A run of one byte is what deflate compresses best
    # (about 1030 to 1), as a bomb of zeros would.
    head = (b'{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Image":"C:\\\\x.exe"}\n' * 3 +
            b'{"EventID":1,"CommandLine":"')
    piece_raw = b"A" * (16 << 20)
    tail_raw = b'"}\n'
    pieces = max(1, int(gib * (1 << 30)) // len(piece_raw))
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    head_c = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    piece = co.compress(piece_raw) + co.flush(zlib.Z_FULL_FLUSH)
    # the claim that makes this work: the next piece compresses the same
    again = co.compress(piece_raw) + co.flush(zlib.Z_FULL_FLUSH)
    assert again == piece, "compressor output differs between identical pieces"
    tail_c = co.compress(tail_raw) + co.flush()
    usize = len(head) + len(piece_raw) * pieces + len(tail_raw)
    csize = len(head_c) + len(piece) * pieces + len(tail_c)
    crc = 0
    step, step_len, n = zlib.crc32(piece_raw), len(piece_raw), pieces
    while n:  # CRC of the piece repeated, by doubling
        if n & 1:
            crc = crc_combine(crc, step, step_len)
        step = crc_combine(step, step, step_len)
        step_len *= 2
        n >>= 1
    crc = crc_combine(zlib.crc32(head), crc, len(piece_raw) * pieces)
    crc = crc_combine(crc, zlib.crc32(tail_raw), len(tail_raw))

    name = b"events.json"
    dostime, dosdate = 0, (2024 - 1980) << 9 | 5 << 5 | 20
    zip64 = struct.pack("<HHQQ", 1, 16, usize, csize)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, dostime, dosdate, crc, 0xFFFFFFFF,
                        0xFFFFFFFF, len(name), len(zip64)) + name + zip64
    with open(out, "wb") as f:
        f.write(local)
        f.write(head_c)
        for _ in range(pieces):
            f.write(piece)
        f.write(tail_c)
        cd_off = f.tell()
        central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, dostime, dosdate, crc,
                              0xFFFFFFFF, 0xFFFFFFFF, len(name), len(zip64), 0, 0, 0, 0, 0) + name + zip64
        f.write(central)
        eocd64_off = f.tell()
        f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 1, 1, len(central), cd_off))
        f.write(struct.pack("<IIQI", 0x07064B50, 0, eocd64_off, 1))
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), cd_off, 0))
        size = f.tell()
    print("make-zip-bomb: %d bytes that unzip to %d" % (size, usize), file=sys.stderr)


if __name__ == "__main__":
    main()
