# blobc — one Makefile. `make demo` and `make test` work on a fresh Debian 12 machine.
#   make            build build/blobc
#   make deps       install missing Debian packages (dpkg -s, then apt-get install -y)
#   make test       deps + build + every cmocka suite + CLI checks
#   make asan       the same tests under ASan+UBSan (build-san/)
#   make demo       deps + build + convert the demo zoo with -j2, print where the report is
#   make fuzz-smoke libFuzzer harnesses, a few seconds each (part of test); make fuzz: long runs
#   make bench      benchmarks (not part of test)
#   make man        regenerate blobc.1 (the man page) from the option table
#   make install    blobc and blobc.1 into $(DESTDIR)$(PREFIX)/bin and .../share/man/man1

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-format-truncation -fno-common -MMD -MP
CFLAGS  += -I. -I$(BUILD)/gen $(shell pkg-config --cflags libxml-2.0 2>/dev/null)
LDLIBS  += -lyaml -lxml2 -larchive -lprotobuf-c -ljansson -lcrypto -lbz2 -lpthread -lm
ifeq ($(SAN),1)
  BUILD   := build-san
  CFLAGS  := $(filter-out -O2,$(CFLAGS)) -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -DARENA_DEBUG -DBLOBC_VERIFY_IR
  LDFLAGS += -fsanitize=address,undefined
endif

# python3-*: the Python package (python/, blobconverter's API over libblobc.so): pip and setuptools
# install it offline, pytest and jsonschema run its tests (the NN Archive schema check)
DEB_PKGS := build-essential pkg-config libyaml-dev libxml2-dev libarchive-dev libcmocka-dev \
            libprotobuf-c-dev protobuf-c-compiler libonnx-dev libjansson-dev libssl-dev libbz2-dev chromium clang clang-format libclang-rt-14-dev valgrind \
            python3-pytest python3-setuptools python3-pip python3-jsonschema
PYTHON   ?= /usr/bin/python3

LIB_DIRS := compiler compiler/base compiler/graph compiler/frontend compiler/passes compiler/backend compiler/backend/blob \
            compiler/ref pipeline reports
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
# our own .proto subsets (Caffe, TensorFlow) are compiled with protoc-c like onnx.proto
PROTOS   := $(wildcard compiler/frontend/*.proto)
GEN_HDR  := $(BUILD)/gen/onnx.pb-c.h $(PROTOS:compiler/frontend/%.proto=$(BUILD)/gen/%.pb-c.h)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/onnx.pb-c.o $(PROTOS:compiler/frontend/%.proto=$(BUILD)/gen/%.pb-c.o)
CMD_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard cmd/*.c))
# libblobc.so for the Python package: the same sources built again with -fPIC (libblobc.a stays as is)
PIC_OBJ  := $(LIB_OBJ:$(BUILD)/%.o=$(BUILD)/pic/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# test support (the ONNX builder): linked into tests, fixtures, benchmarks; not in libblobc
SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/support/*.c))
TOOL_SRC := $(wildcard tests/fixtures/*.c)
TOOLS    := $(TOOL_SRC:tests/fixtures/%.c=$(BUILD)/tools/%)

.PHONY: format-check all deps test asan demo bench clean check-deps run-tests man install uninstall install-check python-test install-python ops-doc torchvision-check
all: $(BUILD)/blobc $(TOOLS) $(if $(filter 1,$(SAN)),,$(BUILD)/libblobc.so)

deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi

$(BUILD)/gen/onnx.pb-c.c $(BUILD)/gen/onnx.pb-c.h: /usr/include/onnx/onnx.proto
	@mkdir -p $(BUILD)/gen
	cp $< $(BUILD)/gen/onnx.proto
	cd $(BUILD)/gen && protoc-c --c_out=. onnx.proto

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: compiler/frontend/%.proto
	@mkdir -p $(BUILD)/gen
	cp $< $(BUILD)/gen/$*.proto
	cd $(BUILD)/gen && protoc-c --c_out=. $*.proto

$(BUILD)/gen/%.pb-c.o: $(BUILD)/gen/%.pb-c.c
	$(CC) $(filter-out -Werror -Wshadow -Wstrict-prototypes,$(CFLAGS)) -c $< -o $@

$(BUILD)/%.o: %.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libblobc.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/pic/gen/%.pb-c.o: $(BUILD)/gen/%.pb-c.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -Werror -Wshadow -Wstrict-prototypes,$(CFLAGS)) -fPIC -c $< -o $@

$(BUILD)/pic/%.o: %.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -c $< -o $@

$(BUILD)/libblobc.so: $(PIC_OBJ)
	$(CC) -shared $(LDFLAGS) -Wl,-soname,libblobc.so -o $@ $^ $(LDLIBS)

$(BUILD)/blobc: $(CMD_OBJ) $(BUILD)/libblobc.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/tests/testutil.o $(SUPPORT_OBJ) $(BUILD)/libblobc.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tools/%: $(BUILD)/tests/fixtures/%.o $(SUPPORT_OBJ) $(BUILD)/libblobc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The demo zoo is generated by our own C generator (deterministic pseudo-random weights).
$(BUILD)/demo-zoo/.stamp: $(BUILD)/tools/gen_demo
	@mkdir -p $(BUILD)/demo-zoo
	$(BUILD)/tools/gen_demo $(BUILD)/demo-zoo
	@touch $@

# The demo zoo's bytes do not depend on the build flavour: the sanitizer run uses the one the
# normal build generated (its weight calibration runs the reference executor, slow under ASan).
DEMO_DIR ?= $(BUILD)/demo-zoo

run-tests: all $(TESTS) $(DEMO_DIR)/.stamp
	@set -e; pass=0; fail=0; \
	for t in $(TESTS); do \
	  echo "== $$t"; \
	  if BLOBC_VERIFY_IR=1 BLOBC=$(CURDIR)/$(BUILD)/blobc DEMO_ZOO=$(CURDIR)/$(DEMO_DIR) BUILD_DIR=$(CURDIR)/$(BUILD) $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; \
	echo "test suites: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]
	@BLOBC_VERIFY_IR=1 BLOBC=$(CURDIR)/$(BUILD)/blobc DEMO_ZOO=$(CURDIR)/$(DEMO_DIR) BUILD_DIR=$(CURDIR)/$(BUILD) sh tests/cli.sh
	@BLOBC=$(CURDIR)/$(BUILD)/blobc DEMO_ZOO=$(CURDIR)/$(DEMO_DIR) BUILD_DIR=$(CURDIR)/$(BUILD) sh tests/nightly.sh
	@BUILD_DIR=$(CURDIR)/$(BUILD) sh tests/optable-check.sh
	@$(MAKE) --no-print-directory install-check
	@if [ "$(SAN)" != 1 ]; then $(MAKE) --no-print-directory python-test; fi
	@sh tests/include-check.sh --self-test

test: deps
	@$(MAKE) --no-print-directory format-check
	@$(MAKE) --no-print-directory -j2 all
	@$(MAKE) --no-print-directory run-tests
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory fuzz-smoke

asan: deps
	@$(MAKE) --no-print-directory -j2 build/demo-zoo/.stamp
	@$(MAKE) --no-print-directory SAN=1 -j2 all
	@$(MAKE) --no-print-directory SAN=1 DEMO_DIR=build/demo-zoo run-tests

demo: deps
	@$(MAKE) --no-print-directory -j2 all
	@$(MAKE) --no-print-directory $(BUILD)/demo-zoo/.stamp
	@rm -rf $(BUILD)/demo-out
	$(BUILD)/blobc build manifests/demo.yaml -j 2 -o $(BUILD)/demo-out --verify; rc=$$?; \
	echo; echo "report: $(CURDIR)/$(BUILD)/demo-out/report.html (also report.json, junit.xml)"; \
	[ $$rc -le 1 ]

# issue 18's check of real architectures, outside make test: torchvision models (Debian's
# python3-torchvision, a few minutes) exported, converted and checked by build --verify.
torchvision-check: all
	sh tests/torchvision/check.sh $(BUILD)/torchvision

# The man page is generated from pipeline/options.def (blobc --man) and kept in the tree so
# `man ./blobc.1` works from a checkout; tests/cli.sh fails when it is stale.
man: $(BUILD)/blobc
	$(BUILD)/blobc --man > blobc.1.tmp && mv blobc.1.tmp blobc.1

install: $(BUILD)/blobc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/blobc $(DESTDIR)$(PREFIX)/bin/blobc
	install -m 644 blobc.1 $(DESTDIR)$(PREFIX)/share/man/man1/blobc.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/blobc $(DESTDIR)$(PREFIX)/share/man/man1/blobc.1

# The Python package (python/): blobconverter's API over libblobc.so, installed offline with
# Debian's pip and setuptools; its tests use Debian's pytest (not under SAN: the interpreter is
# not built with ASan).
install-python: $(BUILD)/libblobc.so
	cp $(BUILD)/libblobc.so python/blobc/libblobc.so
	$(PYTHON) -m pip install --no-index --no-build-isolation --break-system-packages $(if $(DESTDIR),--root $(DESTDIR)) $(if $(filter /usr/local,$(PREFIX)),,--prefix $(PREFIX)) ./python
	rm -rf python/blobc/libblobc.so python/build python/blobc.egg-info

python-test: $(BUILD)/libblobc.so $(BUILD)/blobc $(BUILD)/demo-zoo/.stamp
	@BLOBC_LIB=$(CURDIR)/$(BUILD)/libblobc.so BLOBC=$(CURDIR)/$(BUILD)/blobc DEMO_ZOO=$(CURDIR)/$(BUILD)/demo-zoo \
	  PYTHONPATH=$(CURDIR)/python PYTHONDONTWRITEBYTECODE=1 $(PYTHON) -m pytest -q -p no:cacheprovider python/tests

# make install into a scratch DESTDIR: the files land where PREFIX says
install-check: $(BUILD)/blobc
	@d=$$(mktemp -d) && $(MAKE) --no-print-directory -s install DESTDIR=$$d PREFIX=/opt/blobc >/dev/null && \
	  test -x $$d/opt/blobc/bin/blobc && test -s $$d/opt/blobc/share/man/man1/blobc.1 && \
	  $$d/opt/blobc/bin/blobc version >/dev/null && rm -rf $$d && echo "install-check: 1 passed, 0 failed" || \
	  { rm -rf $$d; echo "install-check: 0 passed, 1 failed"; exit 1; }

# docs/ops.md's table from the code's op tables (tests/test_ops_table.c checks it is current)
ops-doc: $(BUILD)/blobc
	@{ sed '/<!-- ops table: begin/q' docs/ops.md; $(BUILD)/blobc ops --markdown; sed -n '/<!-- ops table: end/,$$p' docs/ops.md; } >docs/ops.md.tmp
	@mv docs/ops.md.tmp docs/ops.md && echo "docs/ops.md: table regenerated"

# .clang-format (2-space indent, 100 columns) is applied to every C file; this fails on one that
# drifts. Skipped, with a message, where Debian's clang-format is not installed.
format-check:
	@if command -v clang-format >/dev/null 2>&1; then \
	  files=$$(git ls-files '*.c' '*.h' 2>/dev/null || find cmd compiler pipeline reports tests bench -name '*.[ch]'); \
	  if clang-format --dry-run -Werror $$files; then echo "format-check: 1 passed, 0 failed"; \
	  else echo "format-check: 0 passed, 1 failed (run: clang-format -i on the files above)"; exit 1; fi; \
	else echo "format-check: skipped (clang-format is not installed)"; fi

clean:
	rm -rf build build-san build-fuzz

-include tests/fuzz/fuzz.mk
-include bench/bench.mk
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
