/*
 * tests/fuzz/fuzz_irxml.c — libFuzzer harness: arbitrary bytes as an OpenVINO IR .xml, loaded
 * with fe_ir_load_pair against a fixed 64 KiB weights file, then shape-inferred. Must return 0
 * or -1 with a filled Err, never crash, leak, expand entities or allocate without bound.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/frontend/ir_read.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char xml_path[4096], bin_path[4096];
static int xml_fd = -1;

static void remove_tmp(void) {
  unlink(xml_path);
  unlink(bin_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *dir = getenv("TMPDIR");
  snprintf(xml_path, sizeof xml_path, "%s/blobc-fuzz-ir-XXXXXX.xml", dir ? dir : "/tmp");
  xml_fd = mkstemps(xml_path, 4);
  if (xml_fd < 0) abort();
  snprintf(bin_path, sizeof bin_path, "%.*s.bin", (int)(strlen(xml_path) - 4), xml_path);
  atexit(remove_tmp);
  /* weights: small floats, so Const layers of the seeds decode to something plausible */
  float w[16384];
  for (int i = 0; i < 16384; i++) w[i] = (float)(i % 17) * 0.125f - 1.0f;
  Err err = {0};
  if (io_write_atomic(bin_path, w, sizeof w, &err) < 0) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (ftruncate(xml_fd, 0) < 0 || (size && pwrite(xml_fd, data, size, 0) != (ssize_t)size)) abort();
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  if (fe_ir_load_pair(&g, a, xml_path, bin_path, &err) < 0) {
    ASSERT(g == NULL);
    ASSERT(err.code != ERR_OK && err.msg[0]);
  } else if (ir_infer(g, &err) < 0) {
    ASSERT(err.code != ERR_OK && err.msg[0]);
  }
  ir_release(g);
  arena_free(a);
  return 0;
}
