# Network evidence: libpcap reads captures and opens interfaces (flows,
# recon); libmaxminddb reads offline geo/ASN databases (src/intel, for flows,
# recon and trace). The
# privilege drop after opening an interface is src/net/priv's (libcap).
pkg_check_modules(NET_PCAP REQUIRED IMPORTED_TARGET libpcap)
pkg_check_modules(NET_MMDB REQUIRED IMPORTED_TARGET libmaxminddb)
target_link_libraries(whcore PUBLIC PkgConfig::NET_PCAP PkgConfig::NET_MMDB)

# tools/pcapgen.c: captures of known traffic for the tests and bench/pcap.
if(NOT WH_FUZZ)
  add_executable(wh-pcapgen ${CMAKE_SOURCE_DIR}/tools/pcapgen.c)
endif()
