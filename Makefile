# The two commands of the README: `make run` and `make test`. Both install what is missing first.
MAKEFLAGS += --no-print-directory
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: run test build deps unit real bench format clean

# Builds only the binary (the tests and benchmarks come with `make test` / `make build`).
run: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target rehome
	./$(BUILD)/rehome plan

test: build
	cd $(BUILD) && ctest --output-on-failure --timeout 1800

unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

real: build
	cd $(BUILD) && ctest --output-on-failure -L real

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

deps:
	@bash scripts/install-deps.sh

bench: build
	bash bench/run-all.sh $(BUILD)

format:
	find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
