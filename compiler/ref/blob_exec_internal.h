/*
 * compiler/ref/blob_exec_internal.h — what the blob executor's stage kernels share: a buffer view
 * and the execution context (blob_exec.c), and the helpers the kernels of blob_exec_ir.c use. Not
 * part of the blob_exec contract: only compiler/ref/blob_exec*.c include it.
 */
#ifndef COMPILER_REF_BLOB_EXEC_INTERNAL_H
#define COMPILER_REF_BLOB_EXEC_INTERNAL_H

#include "blob_exec.h"

typedef struct {
  uint8_t *p;            /* area start + data offset */
  BlobRun *stats;        /* where writes record the largest |value| and FP16 overflows */
  uint32_t dt, nd;
  uint32_t d[BLOB_MAX_DIMS], s[BLOB_MAX_DIMS]; /* minor -> major, strides in bytes */
} V;

typedef struct {
  const BlobInfo *b;
  BlobRun *run;
  const uint8_t *cst;
  size_t cst_len;
  uint8_t *in, *out, *bss, *cmx;
  size_t in_len, out_len, bss_len, cmx_len;
  Err *err;
  uint32_t stage;
  const char *stage_name;
} X;

/* blob_exec.c */
int bx__fail(X *x, const char *msg);                   /* ERR_BACKEND naming the stage; -1 */
int bx__view(X *x, const BlobBuffer *bb, V *v);        /* bounds-checked view of a buffer */
float bx__ld(const V *v, const uint32_t *idx);         /* element at a minor->major index */
void bx__st(const V *v, const uint32_t *idx, float f); /* stores (FP16 rounded, stats kept) */
bool bx__next(uint32_t *idx, const uint32_t *d, uint32_t nd); /* next index; false when done */
uint64_t bx__count(const V *v);
float *bx__load_all(const V *v); /* elements in memory order (malloc'd), NULL when out of memory */

/* blob_exec_ir.c: the stages of the OpenVINO IR layers of issue 18. */
bool bx__supports_ir(uint32_t stage_type);
int bx__run_ir(X *x, const BlobStage *s); /* 0, -1 (failed), or 1 when the type is not one of them */

#endif
