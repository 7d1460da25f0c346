# Network evidence: libpcap reads captures and opens interfaces (flows,
# recon), libmaxminddb reads offline geo/ASN databases (intel), and
# libcap-ng drops capabilities after a live capture is opened.
pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)
pkg_check_modules(MAXMINDDB REQUIRED IMPORTED_TARGET libmaxminddb)
pkg_check_modules(CAPNG REQUIRED IMPORTED_TARGET libcap-ng)
target_link_libraries(whcore PUBLIC PkgConfig::PCAP PkgConfig::MAXMINDDB PkgConfig::CAPNG)
