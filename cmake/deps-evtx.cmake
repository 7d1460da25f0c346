# EVTX: the reader (src/read/evtx*.c) checks every chunk's CRC32 with ISA-L,
# whose folded CRC is several times faster than zlib's and was the largest
# cost of reading a Sysmon log (docs/dependencies.md); libevtx is the peer
# the reader is measured against, not a dependency.
pkg_check_modules(ISAL REQUIRED IMPORTED_TARGET libisal)
target_link_libraries(whcore PUBLIC PkgConfig::ISAL)

# evtxgen: our own EVTX writer, for tests, fuzz seeds and benchmarks.
add_executable(evtxgen tools/evtxgen/evtxgen.c tools/evtxgen/evtxw.c tools/evtxgen/jsonl.c)
target_link_libraries(evtxgen PRIVATE PkgConfig::ZLIB)
