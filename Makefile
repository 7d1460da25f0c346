# Thin wrapper around CMake. Every target installs what is missing first,
# so `make demo` and `make check` work on a fresh Debian 12 machine.

SHELL     := /bin/bash
BUILD     ?= build
ASAN      ?= build-asan
FUZZB     ?= build-fuzz
JOBS      ?= $(shell nproc)
PREFIX    ?= /usr/local
FUZZ_SECS ?= 20
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CTEST     := ctest --output-on-failure -j $(JOBS)

.PHONY: all deps build asan check test test-asan corpus demo bench fuzz fuzz-build fuzz-smoke install clean

all: build

deps:
	@missing=$$(grep -v '^\s*#' deps/debian.txt | grep -v '^\s*$$' | while read -r p; do \
	    dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q '^install ok installed' || echo "$$p"; done); \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing" $$missing; \
	    $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

asan: deps
	[ -f $(ASAN)/build.ninja ] || cmake -S . -B $(ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWH_SANITIZE=ON
	cmake --build $(ASAN) -j $(JOBS)

test: build
	cd $(BUILD) && $(CTEST) -LE 'corpus|bench'

test-asan: asan
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    $(CTEST) -LE 'corpus|bench'

# The whole suite, twice (normal and ASan+UBSan), then a short run of every fuzz target.
check: test test-asan
	$(MAKE) --no-print-directory fuzz-smoke

# Tests over the third-party material in ../shared/data; they skip when it is absent.
corpus: build
	cd $(BUILD) && $(CTEST) -L corpus

# The example incident: the process tree around the implant on WS-FIN-07,
# the Sigma hits of whitehawk's own rule pack, and the network findings
# (until the triage command brings them together).
demo: build
	./$(BUILD)/whitehawk tree examples/incident-01 --host WS-FIN-07 --guid '{7f3a1c20-69a5-54dd-0a01-00000000100d}'
	./$(BUILD)/whitehawk hunt --rules rules/ --stats examples/incident-01
	./$(BUILD)/whitehawk flows examples/incident-01

bench: build
	bench/run-all $(BUILD)

$(FUZZB)/build.ninja: | deps
	CC=clang cmake -S . -B $(FUZZB) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWH_FUZZ=ON

fuzz-build: $(FUZZB)/build.ninja
	cmake --build $(FUZZB) -j $(JOBS)

# Short runs of every fuzz target, each from its seed corpus (FUZZ_SECS seconds each).
fuzz: deps fuzz-build
	fuzz/run $(FUZZB) $(FUZZ_SECS)

fuzz-smoke: deps fuzz-build
	fuzz/run $(FUZZB) 5

install: build
	$(SUDO) cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZB)
