/* pipeline/probe.c — activation statistics of a written blob (see probe.h). */
#include "probe.h"

#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_read.h"
#include "compiler/ref/blob_exec.h"

/* Runs the blob on a deterministic probe input (pseudo-random frame bytes / values in [-1, 1]) and
 * records the largest activation and FP16 overflows (compiler/ref/blob_exec.h). */
void probe_activations(ProbeStats *ps, const Buf *blob, Arena *owner) {
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  Err e = {0};
  if (blob_parse(&b, a, blob->data, blob->len, "probe", &e) < 0) {
    arena_free(a);
    return;
  }
  void **ins = calloc((size_t)b->hdr.inputs_count + 1, sizeof *ins);
  uint64_t r = 0x2545F4914F6CDD1Dull;
  for (uint32_t i = 0; i < b->hdr.inputs_count && ins; i++) {
    const BlobIo *io = &b->inputs[i];
    uint8_t *p = ins[i] = calloc((size_t)io->byte_size + 1, 1);
    uint32_t es = blob_dtype_size(io->shape.data_type);
    for (uint64_t k = 0; p && es && k < io->byte_size / es; k++) {
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      if (io->shape.data_type == BLOB_DT_FP16) {
        uint16_t h = fp16_from_f32((float)(r >> 40) / (float)(1 << 23) - 1.0f);
        memcpy(p + 2 * k, &h, 2);
      } else if (io->shape.data_type == BLOB_DT_S32) {
        int32_t v = (int32_t)(r >> 60);
        memcpy(p + 4 * k, &v, 4);
      } else if (es == 1) {
        p[k] = (uint8_t)(r >> 56);
      }
    }
  }
  BlobRun run;
  if (blob_exec(&run, b, blob->data, blob->len, (const void *const *)ins, &e) == 0) {
    ps->have = true;
    ps->max_activation = run.max_abs;
    ps->overflows = run.n_overflow;
    blob_run_free(&run);
  } else {
    ps->note = arena_strdup(owner, e.msg);
  }
  for (uint32_t i = 0; ins && i < b->hdr.inputs_count; i++) free(ins[i]);
  free(ins);
  arena_free(a);
}
