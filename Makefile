# Every target runs the set-up first (idempotent, fast when nothing is missing), then builds
# out of source (Release by default).
BUILD_TYPE ?= Release
BUILD_DIR  ?= build/$(shell echo $(BUILD_TYPE) | tr A-Z a-z)
JOBS       ?= $(shell nproc)
# CI builds with warnings as errors.
ifdef CI
CMAKE_ARGS += -DMEMGPT_WERROR=ON
endif

# Fuzzing and sanitizers (docs/fuzzing.md): clang + libFuzzer in build/fuzz, ASan + UBSan in
# build/asan. FUZZ_SECONDS per target (doubled for the filter and document targets);
# FUZZ_TARGETS to run some only (names without the fuzz_ prefix).
FUZZ_DIR     ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
ASAN_DIR     ?= build/asan

.PHONY: all setup configure build test demo bench clean format fuzz-build fuzz fuzz-smoke asan-build test-asan

all: build

setup:
	@bash scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600 -j$(JOBS) -LE benchmark

demo: build
	@MEMGPT_BIN=$(BUILD_DIR)/memgpt bash scripts/demo.sh

bench: build
	@BUILD_DIR=$(BUILD_DIR) bash bench/run.sh

fuzz-build: setup
	@cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ -DMEMGPT_FUZZ=ON -DMEMGPT_BUILD_TESTS=OFF -DMEMGPT_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_DIR) --target memgpt_fuzz -j$(JOBS)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash fuzz/run.sh $(FUZZ_DIR) $(FUZZ_TARGETS)

# CI: a few seconds per target from a fixed seed; any crash fails.
fuzz-smoke: fuzz-build
	@bash fuzz/run.sh --smoke $(FUZZ_DIR) $(FUZZ_TARGETS)

asan-build: setup
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEMGPT_SANITIZE=address,undefined \
	  -DMEMGPT_BUILD_BENCH=OFF $(CMAKE_ARGS) >/dev/null
	@cmake --build $(ASAN_DIR) -j$(JOBS)

# The unit and e2e tests on the ASan + UBSan build; any report fails the test that caused it.
test-asan: asan-build
	@cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure --timeout 1200 -j$(JOBS) -LE benchmark

format:
	@clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp')

clean:
	@rm -rf build/release build/debug $(FUZZ_DIR) $(ASAN_DIR)
