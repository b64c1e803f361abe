/*
 * compiler/backend/superblob.h — depthai's ".superblob": one blob per SHAVE count in one file.
 *
 * Layout (../shared/docs/blob-stages.md §7, from luxonis/depthai-core OpenVINO::SuperBlob and
 * luxonis/modelconverter compile_superblob): big-endian u64 blobSize, 16 big-endian u64 patch
 * sizes (n = 1..16 SHAVEs), the base blob (8 SHAVEs), then the patches in ascending n, each a
 * BSDIFF40 patch (bzip2 blocks) that turns the base into the n-SHAVE blob; size 0 = the base
 * blob unchanged (always so for n = 8).
 */
#ifndef COMPILER_BACKEND_SUPERBLOB_H
#define COMPILER_BACKEND_SUPERBLOB_H

#include "../base/base.h"

#define SUPERBLOB_N           16
#define SUPERBLOB_BASE_SHAVES 8

/* blobs[n-1] is the n-SHAVE blob. Appends the container to *out. */
int be_superblob_write(Buf *out, const Buf blobs[SUPERBLOB_N], Err *err);
/* A BSDIFF40 patch from old to new: one control triple for blobs that differ in place, else
 * matched 64-byte blocks (exact, not minimal). */
int be_bsdiff(Buf *patch, const uint8_t *old, size_t old_len, const uint8_t *new_, size_t new_len,
              Err *err);
/* Applies a BSDIFF40 patch (for tests and `inspect`); *out is malloc'd via Buf. */
int be_bspatch(Buf *out, const uint8_t *old, size_t old_len, const uint8_t *patch, size_t patch_len,
               Err *err);

#endif
