# Thin wrapper over CMake. The README's quick start is `make demo` and `make test`.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all bootstrap configure build demo test bench soak eval asan fuzz clean format

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

# Soak of the three-node network (docs/network.md "Soak"): SOAK_SECONDS of JP and KR publishing
# SOAK_RATE products/s each through the US relay, with restarts; checks loss, order, RSS slope,
# fds, threads, WAL; writes build/soak.json. Bounded: stops by itself (~SOAK_SECONDS + 1-2 min).
SOAK_SECONDS ?= 300
SOAK_RATE ?= 100
# Then SOAK_PIPELINE_SECONDS (0: skip) of the national pipelines fed a looped scenario.
SOAK_PIPELINE_SECONDS ?= 240
soak: build
	@export TL_BIN=$(abspath $(BUILD))/trilink SOAK_JSON=$(abspath $(BUILD))/soak.json; \
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_RATE=$(SOAK_RATE) sh tests/soak/soak.sh; link=$$?; pipe=0; \
	if [ "$(SOAK_PIPELINE_SECONDS)" != 0 ]; then \
		SOAK_PIPELINE_SECONDS=$(SOAK_PIPELINE_SECONDS) sh tests/soak/soak_pipeline.sh; pipe=$$?; fi; \
	[ $$link = 0 ] && [ $$pipe = 0 ] || { echo "soak: FAILED (link phase: $$link, pipeline phase: $$pipe)"; exit 1; }

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
