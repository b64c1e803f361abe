/*
 * tests/fuzz/fuzz_blob.c — libFuzzer harness: arbitrary bytes as a MyriadX .blob / SuperBlob.
 * blob_parse must never read past the input or allocate more than the input can describe;
 * blob_check must run on whatever blob_parse accepted; then the blob executor (SHAVE kernels and
 * the MyriadXHwOp interpreter, compiler/ref/hw_exec.c) runs it on zeroed inputs with bounded work
 * and memory: it must succeed or fail with a message, never crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_read.h"
#include "compiler/ref/blob_exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* blob_exec_ex on zeroed inputs: at most 4 MiB of inputs, 32 MiB of memory areas, 2e6 operations. */
static void run_bounded(const BlobInfo *b, const uint8_t *data, size_t size) {
  uint64_t in_bytes = 0;
  for (uint32_t i = 0; i < b->hdr.inputs_count; i++) in_bytes += b->inputs[i].byte_size;
  if (in_bytes > (4u << 20) || b->hdr.inputs_count > 64) return;
  const void **ins = calloc(b->hdr.inputs_count + 1, sizeof *ins);
  void *zeros = calloc(in_bytes + 1, 1);
  BlobExecOpts o = {.max_work = 2000000, .max_memory = 32u << 20};
  BlobRun run;
  Err err = {0};
  for (uint32_t i = 0; i < b->hdr.inputs_count; i++) ins[i] = zeros;
  if (blob_exec_ex(&run, b, data, size, (const void *const *)ins, &o, &err) == 0)
    blob_run_free(&run);
  else
    ASSERT(err.msg[0]);
  free(ins);
  free(zeros);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* a private copy of exactly `size` bytes, so ASan flags any read past the end */
  uint8_t *copy = malloc(size ? size : 1);
  if (size) memcpy(copy, data, size);
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  Err err = {0};
  if (blob_parse(&b, a, copy, size, "fuzz.blob", &err) < 0) {
    ASSERT(b == NULL);
    ASSERT(err.code == ERR_PARSE && !strncmp(err.msg, "offset ", 7));
  } else {
    ASSERT(b != NULL);
    free(copy); /* the BlobInfo must not point into the input */
    copy = NULL;
    Buf report = BUF_INIT;
    Err cerr = {0};
    int v = blob_check(b, &report, &cerr);
    ASSERT(v >= 0);
    ASSERT((v == 0) == (report.len == 0));
    buf_free(&report);
    char name[16];
    blob_order_str(b->hdr.magic, name);
    run_bounded(b, data, size);
  }
  free(copy);
  arena_free(a);
  return 0;
}
