/*
 * tests/fuzz/fuzz_onnx.c — libFuzzer harness: arbitrary bytes as an ONNX model, loaded from memory
 * (fe_onnx_load_mem, no external data) and shape-inferred (ir_infer). Both must return 0 or -1
 * with a filled Err, never crash, leak or allocate without bound.
 */
#include <stdint.h>
#include <stdlib.h>

#include "compiler/frontend/onnx.h"
#include "compiler/graph/ir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Arena *a = arena_new();
  IrGraph *g = NULL;
  Err err = {0};
  if (fe_onnx_load_mem(&g, a, data, size, NULL, &err) < 0) {
    ASSERT(g == NULL);
    ASSERT(err.code != ERR_OK && err.msg[0]);
  } else {
    ASSERT(g != NULL);
    if (ir_infer(g, &err) < 0) ASSERT(err.code != ERR_OK && err.msg[0]);
    else ir_count_live(g);
  }
  ir_release(g);
  arena_free(a);
  return 0;
}
