/*
 * compiler/ref/blob_exec_internal.h — what the blob executor (blob_exec.c) shares with its HW
 * interpreter (hw_exec.c). Not a public interface: only these two files include it.
 *
 * The kernels of the OpenVINO IR layers' stages (blob_exec_ir.c) use it too, with the short
 * names V (a view) and X (a run).
 *
 * A BxCtx is one run: the blob, its memory areas (input, output, BSS, CMX and a private copy of
 * the const section, so a stage writing there never touches the caller's bytes), the work budget
 * and the stage being run (for messages). A BxView is one buffer descriptor resolved against
 * those areas: a pointer, the data type, dims and byte strides minor -> major, every element
 * inside its area (bx__view checks it).
 */
#ifndef COMPILER_REF_BLOB_EXEC_INTERNAL_H
#define COMPILER_REF_BLOB_EXEC_INTERNAL_H

#include "blob_exec.h"

typedef struct {
  uint8_t *p;     /* area start + data offset */
  BlobRun *stats; /* where writes record the largest |value| and FP16 overflows */
  uint32_t dt, nd;
  uint32_t d[BLOB_MAX_DIMS], s[BLOB_MAX_DIMS]; /* minor -> major, strides in bytes */
} BxView;

typedef struct BlobExecTap {
  const BlobInfo *b;
  BlobRun *run;
  const BlobExecOpts *opts;
  uint8_t *cst; /* private copy of the const section */
  uint8_t *in, *out, *bss, *cmx;
  size_t cst_len, in_len, out_len, bss_len, cmx_len;
  uint64_t work; /* spent so far (bx__spend) */
  Err *err;
  uint32_t stage;
  const char *stage_name;
} BxCtx;

/* "stage N (Name): <printf>" with ERR_BACKEND; returns -1. */
int bx__fail(BxCtx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Resolves a buffer descriptor; -1 (bx__fail) when it has no memory, no static shape, an unknown
 * type, a zero dim or runs past its area. */
int bx__view(BxCtx *x, const BlobBuffer *bb, BxView *v);
/* Element at idx (minor -> major) as float / stored from float (rounded to the buffer's type,
 * FP16 round to nearest even; records max |value| and FP16 overflows). */
float bx__ld(const BxView *v, const uint32_t *idx);
void bx__st(const BxView *v, const uint32_t *idx, float f);
/* Adds `work` (about one multiply-add or element move each) to the run's count; -1 (bx__fail)
 * when that passes opts->max_work. */
int bx__spend(BxCtx *x, uint64_t work);
/* Runs one stage (top-level or injected) with the SHAVE/DMA kernels of blob_exec.c. */
int bx__run_stage(BxCtx *x, const BlobStage *s);

typedef BxView V;
typedef BxCtx X;

/* blob_exec.c, for the kernels of blob_exec_ir.c */
bool bx__next(uint32_t *idx, const uint32_t *d, uint32_t nd); /* next index; false when done */
uint64_t bx__count(const V *v);
/* A binary stage over buffers a, y, b (the order of the plugin's Eltwise family) with size-1
 * broadcasting: y = fn(a, b) per element. -1 (bx__fail) on missing buffers or shapes that do
 * not broadcast to y. */
int bx__binary(X *x, const BlobStage *s, float (*fn)(float a, float b));
float *bx__load_all(const V *v); /* elements in memory order (malloc'd), NULL when out of memory */

/* blob_exec_ir.c: the stages of the OpenVINO IR layers of issue 18. */
bool bx__supports_ir(uint32_t stage_type);
int bx__run_ir(X *x,
               const BlobStage *s); /* 0, -1 (failed), or 1 when the type is not one of them */

/* blob_exec_gather.c: the stages of the indexed data-movement ops of issue 18 and Floor_mod. */
bool bx__supports_gather(uint32_t stage_type);
int bx__run_gather(X *x, const BlobStage *s); /* 0, -1, or 1 when not one of them */
/* blob_exec_seq.c: the stages of the ONNX ROI ops and LSTM of issue 18 (through bx__run_ir). */
int bx__roi_align(X *x, const BlobStage *s);
int bx__lstm_sequence(X *x, const BlobStage *s); /* LSTMCell with nCells > 1 or reverse */

/* hw_exec.c: runs a MyriadXHwOp stage (its injected stage first, then every op in order). */
int hw_exec_stage(BxCtx *x, const BlobStage *s);

#endif
