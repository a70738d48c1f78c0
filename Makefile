# Thin wrapper over CMake. The README's quick start is `make demo` and `make test`.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all bootstrap configure build demo test bench eval asan fuzz clean format

all: build

bootstrap:
	@scripts/bootstrap

configure: bootstrap
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@$(BUILD)/trilink demo

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@scripts/bench $(BUILD)

# Monte Carlo alone vs shared (docs/eval.md): EVAL_RUNS runs of default.yaml, ~15 s of CPU each.
EVAL_RUNS ?= 20
eval: build
	@$(BUILD)/trilink eval scenarios/default.yaml --runs $(EVAL_RUNS) --out $(BUILD)/eval

asan:
	@$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DTL_SANITIZE=ON -DTL_WERROR=ON -DCMAKE_BUILD_TYPE=Debug"

# libFuzzer campaigns over every parser of outside input (docs/testing.md): clang build in
# build-fuzz, FUZZ_SECONDS per harness (FUZZ_TARGETS: a subset, e.g. "wire journal").
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz:
	@scripts/bootstrap --fuzz
	@cmake -S . -B build-fuzz -DTL_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_all
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz build-fuzz $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) build-asan build-fuzz

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
