# bench/bench.mk — `make bench` (not part of `make test`). Included from the main Makefile:
#   -include bench/bench.mk
# Uses the normal -O2 build in $(BUILD)/. Everything it writes is under $(BUILD)/:
#   $(BUILD)/bench-zoo/          the generated benchmark zoo (bench/gen_zoo.c, deterministic)
#   $(BUILD)/bench-work/         outputs of the timed runs (scratch)
#   $(BUILD)/bench.json          the table, $(BUILD)/bench-scaling.svg the scaling plot
#   $(BUILD)/bench-phases.json   per-step times of one conversion (bench/phases.c)
# BENCH_RUNS=N changes the number of timed runs per figure (median; default 5, at least 5
# for published figures). `make bench-profile` adds a perf profile of the largest model.

# Keep whatever default goal the including Makefile has (this file may be included early).
BENCH__GOAL := $(.DEFAULT_GOAL)
BENCH__TOP  := $(firstword $(MAKEFILE_LIST))

BENCH_RUNS  ?= 5
BENCH_TOOLS := $(BUILD)/bench/gen_zoo $(BUILD)/bench/io_floor $(BUILD)/bench/run_bench $(BUILD)/bench/phases \
               $(BUILD)/bench/fp16_simd
BENCH_ZOO   := $(BUILD)/bench-zoo
BENCH_WORK  := $(BUILD)/bench-work

.PHONY: bench bench-tools bench-run bench-profile bench-hostile

$(BENCH_TOOLS): $(BUILD)/bench/%: $(BUILD)/bench/%.o $(SUPPORT_OBJ) $(BUILD)/libblobc.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bench-tools: $(BUILD)/blobc $(BENCH_TOOLS) $(BUILD)/tools/gen_hostile

$(BENCH_ZOO)/.stamp: $(BUILD)/bench/gen_zoo
	@rm -rf $(BENCH_ZOO) && mkdir -p $(BENCH_ZOO)
	@echo "generating the benchmark zoo in $(BENCH_ZOO)"
	@$(BUILD)/bench/gen_zoo $(BENCH_ZOO)
	@touch $@

bench-run: $(BENCH_ZOO)/.stamp
	@rm -rf $(BENCH_WORK) && mkdir -p $(BENCH_WORK)
	@$(BUILD)/bench/run_bench --blobc $(BUILD)/blobc --floor $(BUILD)/bench/io_floor --zoo $(BENCH_ZOO) \
	  --work $(BENCH_WORK) --runs $(BENCH_RUNS) --json $(BUILD)/bench.json --svg $(BUILD)/bench-scaling.svg \
	  --hostile $(BUILD)/tools/gen_hostile; \
	rc=$$?; echo; echo "== where one conversion spends its time (bench/phases.c)"; \
	$(BUILD)/bench/phases -n $(BENCH_RUNS) -o $(BENCH_WORK)/phases -j $(BUILD)/bench-phases.json \
	  $(BENCH_ZOO)/resnet50.onnx $(BENCH_ZOO)/yolov5s.onnx $(BENCH_ZOO)/mobilenet_v2.onnx || rc=1; \
	rm -rf $(BENCH_WORK); exit $$rc

bench:
	@$(MAKE) -f $(BENCH__TOP) --no-print-directory -j2 bench-tools
	@$(MAKE) -f $(BENCH__TOP) --no-print-directory bench-run

# only the hostile-graph scaling (chains of 10k-100k nodes) and the SIGTERM stop latency
bench-hostile:
	@$(MAKE) -f $(BENCH__TOP) --no-print-directory -j2 bench-tools
	@rm -rf $(BENCH_WORK) && mkdir -p $(BENCH_WORK)
	@$(BUILD)/bench/run_bench --blobc $(BUILD)/blobc --floor $(BUILD)/bench/io_floor --zoo $(BENCH_ZOO) \
	  --work $(BENCH_WORK) --runs $(BENCH_RUNS) --hostile $(BUILD)/tools/gen_hostile --only hostile; \
	rc=$$?; rm -rf $(BENCH_WORK); exit $$rc

bench-profile:
	@$(MAKE) -f $(BENCH__TOP) --no-print-directory -j2 bench-tools
	@$(MAKE) -f $(BENCH__TOP) --no-print-directory $(BENCH_ZOO)/.stamp
	@BLOBC=$(BUILD)/blobc ZOO=$(BENCH_ZOO) OUT=$(BUILD)/bench-profile sh bench/profile.sh

.DEFAULT_GOAL := $(BENCH__GOAL)
