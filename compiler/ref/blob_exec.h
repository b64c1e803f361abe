/*
 * compiler/ref/blob_exec.h — runs a MyriadX blob on the CPU, stage by stage, so a blob can be
 * checked on a machine with no device. Memory areas are modelled as the firmware sees them:
 * the input and output buffers (header inputs_size / outputs_size), BSS (bss_mem_size), CMX
 * (slices x 128 KiB) and the blob's const section. Every buffer access goes through the stage's
 * own descriptor (dims, byte strides, location, offset) and is bounds-checked against its area.
 * Arithmetic is FP32; FP16 buffers are stored as FP16 (rounded to nearest even) like the VPU.
 *
 * Usage:
 *   BlobInfo *b; blob_parse(&b, a, data, len, path, &err);
 *   void *in[1] = {frame_bytes};           // each input in the blob's own type and layout
 *   BlobRun run = {0};
 *   if (blob_exec(&run, b, data, len, (const void *const *)in, &err) == 0) use run.outputs[i] ...
 *   blob_run_free(&run);
 *
 * Stage types without a kernel here fail with "stage N (Name): no CPU kernel" — never guessed.
 * Nothing here trusts the blob: every index, size and offset is checked before use (hostile
 * blobs fail with one message, never a crash); opts bound the work and memory of a run.
 */
#ifndef COMPILER_REF_BLOB_EXEC_H
#define COMPILER_REF_BLOB_EXEC_H

#include "compiler/backend/blob_read.h"

typedef struct {
  uint8_t *outputs_area; /* header outputs_size bytes */
  uint8_t *out[64];      /* pointers into outputs_area, one per output (its ioBufferOffset) */
  int n_out;
  int n_stages_run;
  float max_abs;       /* largest finite |value| any stage wrote */
  uint64_t n_overflow; /* finite results that became inf when stored as FP16 */
} BlobRun;

/* Inside a hook: the run's memory as it is at that moment (see blob_exec_read). */
typedef struct BlobExecTap BlobExecTap;
/* Called before (after = false) and after (after = true) every top-level stage s. */
typedef void (*BlobExecHook)(void *ctx, const BlobStage *s, bool after, const BlobExecTap *tap);

typedef struct {
  uint64_t max_work;   /* 0: no limit; else the run fails ("work limit ... exceeded") past this many
                          operations (about one multiply-add or element move each) */
  uint64_t max_memory; /* 0: no limit; else the input, output, BSS, CMX and const areas together */
  BlobExecHook hook;   /* may be NULL */
  void *ctx;           /* passed to hook */
} BlobExecOpts;

/* inputs[i] holds input i's bytes (BlobIo.byte_size) in the blob's type and layout. v6 and v5
 * (inline shapes) blobs alike; MyriadXHwOp stages run on the CPU interpreter of hw_exec.c. */
int blob_exec(BlobRun *run, const BlobInfo *b, const uint8_t *data, size_t len,
              const void *const *inputs, Err *err);
/* The same with limits and a per-stage hook (opts may be NULL). */
int blob_exec_ex(BlobRun *run, const BlobInfo *b, const uint8_t *data, size_t len,
                 const void *const *inputs, const BlobExecOpts *opts, Err *err);
/* Inside a hook: buffer bb's values (any buffer of any stage, e.g. the hooked stage's output) as
 * malloc'd floats in C order of its dims major -> minor (BlobShape.dims); *n = element count.
 * -1 with err when the buffer cannot be read (no memory, dynamic shape, outside its area). */
int blob_exec_read(const BlobExecTap *tap, const BlobBuffer *bb, float **out, uint64_t *n,
                   Err *err);
void blob_run_free(BlobRun *run);
/* True when blob_exec has a kernel for this stage type. */
bool blob_exec_supports(uint32_t stage_type);

#endif
