# whitehawk trace: capabilities are cleared with libcap after the raw sockets
# are open (ASN mmdb files are src/intel's, see deps-net.cmake). The NFQUEUE
# delay tool that the namespace tests and the benchmark use needs
# libnetfilter_queue.
pkg_check_modules(LIBCAP REQUIRED IMPORTED_TARGET libcap)
target_link_libraries(whcore PUBLIC PkgConfig::LIBCAP)

pkg_check_modules(NFQ IMPORTED_TARGET libnetfilter_queue)
if(NFQ_FOUND AND NOT WH_FUZZ)
  add_executable(wh-nfq-delay ${CMAKE_SOURCE_DIR}/tools/nfq-delay.c)
  target_link_libraries(wh-nfq-delay PRIVATE PkgConfig::NFQ)
endif()
