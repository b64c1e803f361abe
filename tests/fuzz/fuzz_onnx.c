/*
 * tests/fuzz/fuzz_onnx.c — libFuzzer harness: arbitrary bytes as an ONNX model, loaded from memory
 * (fe_onnx_load_mem, no external data) and shape-inferred (ir_infer). Both must return 0 or -1
 * with a filled Err, never crash, leak or allocate without bound.
 *
 * Each unit runs as a Job with a 64 MiB budget, as compile_model runs a model: an input that
 * amplifies (a few bytes folding into hundreds of MB, millions of decoded nodes) becomes a clean
 * ERR_OOM here instead of a slow unit; whatever still grows past the budget trips libFuzzer's
 * -rss_limit_mb / -malloc_limit_mb (fuzz.mk) and is a finding.
 */
#include <stdint.h>
#include <stdlib.h>

#include "compiler/frontend/onnx.h"
#include "compiler/graph/ir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_BUDGET ((uint64_t)64 << 20)

/* On the heap: it must keep its values across the longjmp of a failed allocation. */
typedef struct {
  Job job;
  Arena *a;
  IrGraph *g;
} Unit;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Unit *u = calloc(1, sizeof *u);
  if (!u) return 0;
  Err err = {0};
  job_begin(&u->job, FUZZ_BUDGET, NULL, &u->job.jb);
  if (setjmp(u->job.jb) == 0) {
    u->a = arena_new();
    if (fe_onnx_load_mem(&u->g, u->a, data, size, NULL, &err) < 0) {
      ASSERT(u->g == NULL);
      ASSERT(err.code != ERR_OK && err.msg[0]);
    } else {
      ASSERT(u->g != NULL);
      u->g->drop_dead_consts = true; /* as compile_model: folded intermediates are freed early */
      if (ir_infer(u->g, &err) < 0)
        ASSERT(err.code != ERR_OK && err.msg[0]);
      else
        ir_count_live(u->g);
    }
  } else { /* malloc failed: the unit's memory goes with the job */
    ir_release(u->g);
    u->g = NULL;
    job_unwind(&u->job);
    u->a = NULL;
  }
  job_end(&u->job);
  ir_release(u->g);
  arena_free(u->a);
  free(u);
  return 0;
}
