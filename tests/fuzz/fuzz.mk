# tests/fuzz/fuzz.mk — libFuzzer harnesses (clang, ASan+UBSan), included by the main Makefile:
#
#   make fuzz-smoke        each harness for FUZZ_SMOKE_TIME s (default 9, 6 harnesses; part of `make test`),
#                          after replaying the regression inputs in tests/bad/fuzz/<harness>/
#   make fuzz              each harness for FUZZ_TIME s (default 600), corpus kept in
#                          build-fuzz/corpus/<harness>/; FUZZ_ONLY=fuzz_blob runs one harness
#   make fuzz-seeds        only (re)generate the seed corpora
#
# Everything is built by clang into $(FUZZ_DIR) (library sources compiled here with
# -fsanitize=fuzzer-no-link, protobuf-c code generated here), independent of $(BUILD).
# Seeds come from the project's own material: small models written with the ONNX builder
# (tests/fuzz/gen_seeds.c), the blobs and IR .xml our compiler makes of them, manifests/demo.yaml and the
# catalogue's manifests (tests/bad/manifest/). A crash leaves $(FUZZ_DIR)/crashes/<harness>-*;
# copy it into tests/bad/fuzz/<harness>/ once fixed so the smoke run replays it.

FUZZ_DIR        ?= build-fuzz
FUZZ_CC         ?= clang
FUZZ_TIME       ?= 600
FUZZ_SMOKE_TIME ?= 9
FUZZ_HARNESSES  := fuzz_manifest fuzz_onnx fuzz_blob fuzz_check fuzz_compile fuzz_irxml
FUZZ_ONLY       ?= $(FUZZ_HARNESSES)
# fuzz_onnx and fuzz_compile give each unit a 64 MiB model budget (a Job, as compile_model does):
# an input that amplifies is a clean oom error there, so whatever still needs more than these
# limits (ASan's own overhead included) is a finding.
FUZZ_OPTS       ?= -rss_limit_mb=768 -malloc_limit_mb=256 -timeout=20 -print_final_stats=1

# The main Makefile defines LIB_SRC and LDLIBS; the same definitions when run on its own.
ifeq ($(strip $(LIB_SRC)),)
  LIB_SRC := $(foreach d,compiler compiler/base compiler/graph compiler/frontend compiler/passes \
               compiler/backend compiler/backend/blob compiler/ref pipeline reports,$(wildcard $(d)/*.c))
endif
LDLIBS ?= -lyaml -lxml2 -larchive -lprotobuf-c -ljansson -lcrypto -lpthread -lm
FUZZ_LDLIBS := $(filter-out -lcmocka,$(LDLIBS))

FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -fno-common -Wall -Wextra -Werror -Wshadow \
               -Wstrict-prototypes -MMD -MP $(FUZZ_SAN) -DARENA_DEBUG \
               -I. -I$(FUZZ_DIR)/gen $(shell pkg-config --cflags libxml-2.0 2>/dev/null)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_DIR)/%.o) $(FUZZ_DIR)/gen/onnx.pb-c.o
FUZZ_BINS    := $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/%)

.PHONY: fuzz fuzz-smoke fuzz-seeds fuzz-build
fuzz-build: $(FUZZ_BINS) $(FUZZ_DIR)/gen_seeds

$(FUZZ_DIR)/gen/onnx.pb-c.h: $(FUZZ_DIR)/gen/onnx.pb-c.c
	@test -f $@
$(FUZZ_DIR)/gen/onnx.pb-c.c: /usr/include/onnx/onnx.proto
	@mkdir -p $(FUZZ_DIR)/gen
	cp $< $(FUZZ_DIR)/gen/onnx.proto
	cd $(FUZZ_DIR)/gen && protoc-c --c_out=. onnx.proto

# generated code: not ours to keep warning-free (same exception as the main build)
$(FUZZ_DIR)/gen/onnx.pb-c.o: $(FUZZ_DIR)/gen/onnx.pb-c.c
	$(FUZZ_CC) $(filter-out -Werror -Wshadow -Wstrict-prototypes,$(FUZZ_CFLAGS)) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/%.o: %.c $(FUZZ_DIR)/gen/onnx.pb-c.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/libblobc-fuzz.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/tests/fuzz/fuzz_%.o $(FUZZ_DIR)/libblobc-fuzz.a
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(FUZZ_LDLIBS)

$(FUZZ_DIR)/gen_seeds: $(FUZZ_DIR)/tests/fuzz/gen_seeds.o $(FUZZ_DIR)/tests/support/onnx_build.o $(FUZZ_DIR)/libblobc-fuzz.a
	$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^ $(FUZZ_LDLIBS)

# Seeds: onnx/, blob/ and irxml/ from gen_seeds; check/ = onnx/; compile/ = onnx/ behind a few option
# byte pairs (see fuzz_compile.c); manifest/ = demo.yaml + the catalogue's manifests.
$(FUZZ_DIR)/seeds/.stamp: $(FUZZ_DIR)/gen_seeds manifests/demo.yaml $(wildcard tests/bad/manifest/*.yaml)
	@rm -rf $(FUZZ_DIR)/seeds && mkdir -p $(FUZZ_DIR)/seeds/manifest $(FUZZ_DIR)/seeds/compile
	ASAN_OPTIONS=detect_leaks=1 $(FUZZ_DIR)/gen_seeds $(FUZZ_DIR)/seeds
	cp manifests/demo.yaml $(wildcard tests/bad/manifest/*.yaml) $(FUZZ_DIR)/seeds/manifest/
	@for f in $(FUZZ_DIR)/seeds/onnx/*.onnx; do b=$$(basename $$f .onnx); \
	  { printf '\000\005'; cat $$f; } > $(FUZZ_DIR)/seeds/compile/$$b.0; \
	  { printf '\377\025'; cat $$f; } > $(FUZZ_DIR)/seeds/compile/$$b.1; \
	  { printf '\117\147'; cat $$f; } > $(FUZZ_DIR)/seeds/compile/$$b.2; \
	done
	@touch $@

fuzz-seeds: $(FUZZ_DIR)/seeds/.stamp

# Replays tests/bad/fuzz/<h>/* (if any), then fuzzes each harness; stops at the first crash.
fuzz-smoke: fuzz-build fuzz-seeds
	@set -e; for h in $(FUZZ_HARNESSES); do \
	  s=$(FUZZ_DIR)/seeds/$${h#fuzz_}; [ $$h = fuzz_check ] && s=$(FUZZ_DIR)/seeds/onnx; \
	  r=tests/bad/fuzz/$$h; \
	  if [ -d $$r ] && [ -n "$$(ls $$r)" ]; then \
	    echo "== $$h: replaying $$r"; \
	    $(FUZZ_DIR)/$$h $(FUZZ_OPTS) $$r/* 2>$(FUZZ_DIR)/$$h.replay.log || { tail -40 $(FUZZ_DIR)/$$h.replay.log; echo "FAILED: $$h regression"; exit 1; }; \
	  fi; \
	  rm -rf $(FUZZ_DIR)/smoke/$$h && mkdir -p $(FUZZ_DIR)/smoke/$$h $(FUZZ_DIR)/crashes; \
	  echo "== $$h: $(FUZZ_SMOKE_TIME)s"; \
	  if $(FUZZ_DIR)/$$h $(FUZZ_OPTS) -max_total_time=$(FUZZ_SMOKE_TIME) -artifact_prefix=$(FUZZ_DIR)/crashes/$$h- \
	       $(FUZZ_DIR)/smoke/$$h $$s >$(FUZZ_DIR)/$$h.smoke.log 2>&1; then \
	    grep -E '^stat::number_of_executed_units' $(FUZZ_DIR)/$$h.smoke.log || true; \
	  else tail -60 $(FUZZ_DIR)/$$h.smoke.log; echo "FAILED: $$h (log $(FUZZ_DIR)/$$h.smoke.log)"; exit 1; fi; \
	done; echo "fuzz-smoke: $(words $(FUZZ_HARNESSES)) harnesses ok"

# Long campaign, by hand. The corpus grows in $(FUZZ_DIR)/corpus/<h>; crashes do not stop the
# other harnesses (the summary lists them).
fuzz: fuzz-build fuzz-seeds
	@for h in $(FUZZ_ONLY); do \
	  s=$(FUZZ_DIR)/seeds/$${h#fuzz_}; [ $$h = fuzz_check ] && s=$(FUZZ_DIR)/seeds/onnx; \
	  mkdir -p $(FUZZ_DIR)/corpus/$$h $(FUZZ_DIR)/crashes; \
	  echo "== $$h: $(FUZZ_TIME)s, log $(FUZZ_DIR)/$$h.log"; \
	  $(FUZZ_DIR)/$$h $(FUZZ_OPTS) -max_total_time=$(FUZZ_TIME) -artifact_prefix=$(FUZZ_DIR)/crashes/$$h- \
	    $(FUZZ_DIR)/corpus/$$h $$s >$(FUZZ_DIR)/$$h.log 2>&1; rc=$$?; \
	  echo "   rc=$$rc $$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' $(FUZZ_DIR)/$$h.log | tr '\n' ' ')"; \
	done

-include $(shell find $(FUZZ_DIR) -name '*.d' 2>/dev/null)

# keep the harness objects (make would delete them as intermediates and rebuild every time)
.SECONDARY: $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/tests/fuzz/%.o) $(FUZZ_DIR)/tests/fuzz/gen_seeds.o
