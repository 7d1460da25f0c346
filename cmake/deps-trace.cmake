# whitehawk trace: capabilities are cleared with libcap after the raw sockets
# are open; ASN mmdb files are read with libmaxminddb. The NFQUEUE delay tool
# that the namespace tests and the benchmark use needs libnetfilter_queue.
pkg_check_modules(LIBCAP REQUIRED IMPORTED_TARGET libcap)
pkg_check_modules(MAXMINDDB REQUIRED IMPORTED_TARGET libmaxminddb)
target_link_libraries(whcore PUBLIC PkgConfig::LIBCAP PkgConfig::MAXMINDDB)

pkg_check_modules(NFQ IMPORTED_TARGET libnetfilter_queue)
if(NFQ_FOUND AND NOT WH_FUZZ)
  add_executable(wh-nfq-delay ${CMAKE_SOURCE_DIR}/tools/nfq-delay.c)
  target_link_libraries(wh-nfq-delay PRIVATE PkgConfig::NFQ)
endif()
