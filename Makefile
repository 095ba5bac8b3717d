# Every target runs the set-up first (idempotent, fast when nothing is missing), then builds
# out of source (Release by default).
BUILD_TYPE ?= Release
BUILD_DIR  ?= build/$(shell echo $(BUILD_TYPE) | tr A-Z a-z)
JOBS       ?= $(shell nproc)
# CI builds with warnings as errors.
ifdef CI
CMAKE_ARGS += -DMEMGPT_WERROR=ON
endif

.PHONY: all setup configure build test demo bench clean format

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

format:
	@clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp')

clean:
	@rm -rf build/release build/debug
