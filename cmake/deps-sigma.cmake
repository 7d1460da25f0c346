# Sigma rules (src/detect/sigma): libyaml reads the rules, Hyperscan matches
# every literal of a field in one pass, PCRE2 (with its JIT) runs the regular
# expressions.
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(HS REQUIRED IMPORTED_TARGET libhs)
target_link_libraries(whcore PUBLIC PkgConfig::YAML PkgConfig::PCRE2 PkgConfig::HS)
# Where the built binary finds the default logsource mapping and placeholder
# files before `make install` (tests, `make demo`).
target_compile_definitions(whcore PRIVATE WH_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                           WH_SYSCONFDIR="/etc/whitehawk"
                           WH_DATADIR="${CMAKE_INSTALL_FULL_DATADIR}")

# The default logsource mapping is built into the binary, so whitehawk works
# before `make install` and without /etc/whitehawk; the installed copy (and
# --mapping) extend it. Re-generated whenever the YAML file changes.
set(WH_SIGMA_MAP ${CMAKE_SOURCE_DIR}/etc/sigma-logsources.yml)
set(WH_SIGMA_MAP_C ${CMAKE_BINARY_DIR}/generated/sigma_default_mapping.c)
add_custom_command(
  OUTPUT ${WH_SIGMA_MAP_C}
  COMMAND ${CMAKE_COMMAND} -DIN=${WH_SIGMA_MAP} -DOUT=${WH_SIGMA_MAP_C}
          -P ${CMAKE_SOURCE_DIR}/cmake/embed-file.cmake
  DEPENDS ${WH_SIGMA_MAP} ${CMAKE_SOURCE_DIR}/cmake/embed-file.cmake
  COMMENT "embedding etc/sigma-logsources.yml")
target_sources(whcore PRIVATE ${WH_SIGMA_MAP_C})
