# make demo    install what is missing, build, and show tame on the examples
# make test    install what is missing, build, and run every test
# make build   the CLI in build/bin/tame, the designer's site in build/web/
# make image   the tame image exported pipelines run their step kinds in
# make format  apply .clang-format to the C++ sources (make test checks it)
# make package build/tame_VERSION_ARCH.deb (CLI, designer, man page, completion)
# make fuzz | bench | clean
#
# Builds are incremental: CMake configures a build directory again only when
# this Makefile changes; ninja re-runs it itself when a CMakeLists.txt does.

JOBS ?= 2
NATIVE_BUILD_TYPE ?= Release
WASM_BUILD_TYPE ?= MinSizeRel
NATIVE := build/native
WASM := build/wasm

# Debian's em++ needs the acorn module, which lives here but is not on the
# default search path of every node.
export NODE_PATH := /usr/share/nodejs

.PHONY: all setup build native wasm test e2e package package-test fuzz fuzz-quick bench demo image clean format format-check

all: build

setup:
	@scripts/setup.sh

build: native wasm

native: $(NATIVE)/configured
	@ninja -C $(NATIVE) -j$(JOBS)

wasm: $(WASM)/configured
	@ninja -C $(WASM) -j$(JOBS)

$(NATIVE)/configured: Makefile | setup
	cmake -S . -B $(NATIVE) -G Ninja -DCMAKE_BUILD_TYPE=$(NATIVE_BUILD_TYPE) \
	  -DTAME_BIN_DIR=$(CURDIR)/build/bin
	@touch $@

# ctest runs the wasm tests under node. emcmake's default node flags stop
# Node 20, and Emscripten 3.1.6's loader tries fetch() on a file path once
# node has fetch, so the emulator is node without it.
$(WASM)/configured: Makefile | setup
	emcmake cmake -S . -B $(WASM) -G Ninja -DCMAKE_BUILD_TYPE=$(WASM_BUILD_TYPE) \
	  -DTAME_WEB_DIR=$(CURDIR)/build/web -DTAME_BUILD_BENCH=OFF \
	  '-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--no-experimental-fetch'
	@touch $@

test: build
	@$(MAKE) --no-print-directory format-check
	@status=0; ctest --test-dir $(NATIVE) --output-on-failure || status=$$?; \
	  /usr/bin/python3 scripts/test_skips.py $(NATIVE); exit $$status
	@status=0; ctest --test-dir $(WASM) --output-on-failure || status=$$?; \
	  /usr/bin/python3 scripts/test_skips.py $(WASM); exit $$status
	@$(MAKE) --no-print-directory fuzz-quick
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory package-test

# One style: the C++ sources as Debian's clang-format 14 writes them.
CXX_SOURCES = git ls-files -z '*.cc' '*.h'

format: setup
	@$(CXX_SOURCES) | xargs -0 clang-format-14 -i

format-check: setup
	@$(CXX_SOURCES) | xargs -0 clang-format-14 --dry-run --Werror 2>&1 | head -20 | \
	  awk '{print} END {if (NR) {print "format-check: run make format"; exit 1}}'

# The browser tests, against the hosted site and then against the one-file
# designer opened from file://.
e2e:
	node tests/e2e/run.mjs
	node tests/e2e/run.mjs --single-file

# The Debian package, from the native build (the CLI, the man page) and the
# wasm build's site.
package: build
	@rm -rf build/package build/tame_*.deb
	cd $(NATIVE) && cpack --config CPackConfig.cmake -B $(CURDIR)/build/package
	mv build/package/tame_*.deb build/
	@ls -l build/tame_*.deb

# The package installed, used and removed on a fresh Debian 12 root
# (tests/package/install_test.py; SKIPPED with the reason when it cannot run).
package-test: package
	/usr/bin/python3 tests/package/install_test.py build/tame_*.deb $(CURDIR)

fuzz-quick:
	@if [ -x scripts/fuzz.sh ]; then scripts/fuzz.sh 20; fi

fuzz: setup
	@if [ -x scripts/fuzz.sh ]; then scripts/fuzz.sh; \
	else echo "make fuzz: there are no fuzz targets yet (scripts/fuzz.sh)"; fi

bench: build
	@if [ -x scripts/bench.sh ]; then scripts/bench.sh; \
	else echo "make bench: there are no benchmarks yet (scripts/bench.sh)"; fi

demo: build
	@scripts/demo.sh

# The image exported pipelines run tame's step kinds in (docs/export.md).
image: native
	@scripts/tame-image.sh

clean:
	rm -rf build
