/*
 * compiler/backend/blob_read.h — a bounds-checked reader and checker for MyriadX .blob files
 * (v6.0 and the v5.0 inline-shape layout) and for the depthai SuperBlob container.
 *
 * blob_parse decodes the structure into a BlobInfo allocated from an arena; it never reads past
 * `len`, never allocates more than the file could describe, and fails (-1, ERR_PARSE) with
 * err->file = path and err->msg = "offset N: what is wrong" (N is the absolute file offset) when
 * something it needs cannot be decoded. blob_check then applies the loading rules of depthai-core
 * plus our own consistency rules and lists each violation as one line.
 *
 * Usage:
 *   Arena *a = arena_new();
 *   BlobInfo *b = NULL;
 *   Buf report = BUF_INIT;
 *   if (blob_parse(&b, a, data, len, "m.blob", &err) < 0) ...            // "offset 52: bad magic
 * ..." if (blob_check(b, &report, &err) != 0) fwrite(report.data, 1, report.len, stdout);
 *   buf_free(&report);
 *   arena_free(a);                                                        // frees b
 *
 * What is a parse error and what is a check violation: parse fails on what makes the rest
 * unreadable or is a load error in depthai (file shorter than the header, bad magic, VPUX blob,
 * file_size larger than the file, a section offset beyond file_size, a count the remaining bytes
 * cannot hold, a record or array running past its section, numDims > 8, a buffer list that does
 * not end at the trailer). Everything that can still be decoded is left to blob_check.
 */
#ifndef COMPILER_BACKEND_BLOB_READ_H
#define COMPILER_BACKEND_BLOB_READ_H

#include "compiler/backend/blob_format.h"
#include "compiler/base/base.h"

/* A tensor shape as the blob stores it. dims_raw/strides_raw are as stored (minor -> major),
 * dims/strides are the same values reversed (major -> minor, "NCHW" order as users read it).
 * In v6 the arrays are read from the const section; when a shape lives elsewhere (dynamic
 * shapes: dims/strides location BSS or Output) `known` is false and the arrays are zero. */
typedef struct {
  uint32_t data_type;          /* BlobDataType */
  uint32_t order;              /* DimsOrder code, e.g. 0x4321 */
  uint32_t num_dims;           /* <= BLOB_MAX_DIMS (parse enforces) */
  uint32_t dims_loc, dims_off; /* v6 only (v5: BLOB_LOC_BLOB / 0, inline) */
  uint32_t strides_loc, strides_off;
  bool dims_known, strides_known;
  uint32_t dims_raw[BLOB_MAX_DIMS], strides_raw[BLOB_MAX_DIMS];
  uint32_t dims[BLOB_MAX_DIMS], strides[BLOB_MAX_DIMS];
  char order_name[16]; /* "NCHW"; "0x4021?" when the code is not a permutation */
} BlobShape;

/* One entry of the input or output info section (§2.1). */
typedef struct {
  size_t offset;          /* absolute file offset of the entry */
  uint32_t io_idx;        /* as stored; check wants == its position */
  uint32_t buffer_offset; /* ioBufferOffset inside the input/output buffer */
  uint32_t name_size;     /* stored nameSize (multiple of 16) */
  const char *name;       /* NUL-terminated copy, cut at the first NUL or nameSize */
  bool shape_helper;      /* name contains "@shape": depthai hides it */
  BlobShape shape;
  uint64_t byte_size; /* extent from dims/strides (0 when unknown) */
} BlobIo;

/* A buffer descriptor of a stage (§3.2; §3.9 for v5). */
typedef struct {
  size_t offset; /* absolute file offset of the descriptor */
  BlobShape shape;
  uint32_t location;                        /* BlobLocation of the data */
  uint32_t io_idx, io_size;                 /* valid when location is Input/Output */
  uint32_t dims_io_idx, dims_io_size;       /* valid when shape.dims_loc == Output */
  uint32_t strides_io_idx, strides_io_size; /* valid when shape.strides_loc == Output */
  uint32_t data_offset; /* inside the location's area (IO: inside that tensor) */
  uint64_t extent;      /* bytes spanned from data_offset (0 when shape unknown) */
} BlobBuffer;

/* One op of a MyriadXHwOp op list (§3.5); fields absent for the op type are 0. */
typedef struct {
  uint32_t op_type, pool_type, op_mode, with_pad, pad_mode;
  int32_t input_ind, output_ind, coeffs_ind, biases_ind, scales_ind;
  uint32_t out_chan_offset, out_num_chans;                                           /* not FC */
  uint32_t fc_input_offset, fc_input_num, fc_output_offset, fc_output_num, fc_accum; /* FC */
  uint32_t kernel_width, kernel_height, kernel_stride;                               /* not FC */
  uint32_t pool_kernel_width, pool_kernel_height;                                    /* CONV_POOL */
  uint32_t with_relu, relu_t0, relu_a0, relu_a1;
  uint32_t with_clamp;
  float clamp_max;
  uint32_t reuse_data, reuse_coeff;
} BlobHwOp;

typedef struct BlobStage BlobStage;
struct BlobStage {
  uint32_t index;        /* position in the stage section (injected: parent's) */
  size_t offset;         /* absolute file offset of stage_length */
  uint32_t length;       /* stage_length */
  uint32_t type;         /* StageType code */
  const char *type_name; /* blob_stage_name(type), or "Unknown(N)" */
  uint32_t num_shaves;
  uint32_t params_size;  /* as stored: 4 + params bytes */
  const uint8_t *params; /* arena copy of the params bytes (params_size - 4) */
  size_t params_len;
  uint32_t trailer_type, trailer_border; /* the 8-byte trailer as stored */
  BlobBuffer *buffers;
  uint32_t num_buffers;
  bool buffers_by_type; /* count came from the stage type / explicit HW count, not greedy */
  BlobHwOp *hw_ops;     /* MyriadXHwOp only */
  uint32_t num_hw_ops;
  BlobStage *injected; /* MyriadXHwOp with hasInjectedStage = 1, else NULL */
};

/* mv_blob_header (§1.2), field for field. */
typedef struct {
  uint32_t magic, file_size, ver_major, ver_minor;
  uint32_t inputs_count, outputs_count, stages_count;
  uint32_t inputs_size, outputs_size, batch_size, bss_mem_size;
  uint32_t cmx_slices, shaves;
  uint32_t has_hw_stage, has_shave_stage, has_dma_stage;
  uint32_t input_section, output_section, stage_section, const_section;
} BlobHeader;

typedef struct {
  const char *path;
  size_t file_len; /* bytes given to blob_parse (whole container) */
  /* depthai SuperBlob container (stages§7); base is the blob described by everything else */
  bool superblob;
  uint64_t super_blob_size;
  uint64_t super_patch_sizes[BLOB_SUPER_PATCHES]; /* [n-1] = patch for n SHAVEs */
  size_t super_patch_offset[BLOB_SUPER_PATCHES];  /* absolute offset of each patch */
  bool super_patch_ok[BLOB_SUPER_PATCHES];        /* non-empty patch starts with "BSDIFF40" */
  size_t super_trailing;                          /* bytes after the last patch */
  size_t base;     /* absolute offset of the blob (136 in a superblob) */
  size_t blob_len; /* bytes of the blob proper incl. any §4b trailer */
  BlobHeader hdr;
  bool inline_shapes;       /* v5.0 layout (§3.9) */
  const char *openvino;     /* depthai's release for the version pair, NULL: unknown */
  size_t trailer_bytes;     /* blob_len - file_size (2022.x network info, §4b) */
  BlobIo *inputs, *outputs; /* hdr.inputs_count / hdr.outputs_count entries */
  BlobStage *stages;        /* hdr.stages_count records */
  uint64_t stage_bytes;     /* sum of stage lengths */
  uint32_t max_name_size;
} BlobInfo;

/* Decodes data[0..len) (a .blob or a SuperBlob). On success sets *out (allocated from `a`, which
 * also owns every string and array in it; data may be freed afterwards) and returns 0. On failure
 * returns -1, leaves *out unchanged and fills err (ERR_PARSE, file = path, msg "offset N: ...").
 * path may be NULL. */
int blob_parse(BlobInfo **out, Arena *a, const uint8_t *data, size_t len, const char *path,
               Err *err);

/* Applies every load rule of depthai-core and our consistency rules (listed in blob_read.c,
 * blob_check) to a parsed blob. Appends one line "rule: detail\n" per violation to report (may be
 * NULL). Returns the number of violations (0 = all pass). err is reserved for internal failures
 * and left untouched. */
int blob_check(const BlobInfo *b, Buf *report, Err *err);

/* ---- MyriadXHwOp ops (blob-format.md §3.5, hw-stages.md, blob-stages.md §3-5) ---------------- */

/* A HW data buffer seen as the NCE sees it: W, H, C planes, N, from an NCHW, CHW or NC order
 * (NC: W = H = 1). False when the buffer is not FP16 with a static shape in one of those orders. */
typedef struct {
  uint32_t w, h, c, n;
} BlobHwDims;
bool blob_hw_dims(const BlobBuffer *bb, BlobHwDims *out);

/* The padding a CONV / CONV_POOL / POOL op applies (not in the blob: the firmware derives it).
 * The plugin only emits HW ops whose pads are 0 or left = kx/2, right = (kx-1)/2, top = ky/2,
 * bottom = (ky-1)/2 (middleend/passes/hw_padding.cpp); so with withPad a conv pads those
 * amounts with zeros on every side. A MAX pool's padMode flags say which sides are padded, by
 * repeating the edge (finalize_hw_ops.cpp; REPEAT_* flags); AVERAGE pools (padMode 0) pad every
 * side with zeros. */
typedef struct {
  uint32_t left, right, top, bottom;
  bool edge; /* repeat the edge pixel instead of zeros */
} BlobHwPad;
void blob_hw_pad(const BlobHwOp *op, BlobHwPad *out);

/* Checks op k of MyriadXHwOp stage st against the stage's own buffers: enum values and flags in
 * range, buffer indices present and in range, FP16 data in NCHW/CHW/NC, weights dims [8, K, ICx,
 * OCx/8] with K = the kernel and ICx = the input's channels, biases/scales long enough, channel
 * ranges inside the input, output and weights, kernel 1..15 and stride 1..8, and the output size
 * the op computes from its input, kernel, stride and padding equal to the output buffer's.
 * Returns 0, or -1 with why = "op K: what is wrong" (one line). Shared by blob_check and the CPU
 * interpreter (compiler/ref/hw_exec.c), so both refuse the same ops. */
int blob_hw_op_check(const BlobStage *st, uint32_t k, char *why, size_t size);

/* Writes an order code's name (e.g. "NCHW", from major to minor) into out; codes that are not a
 * permutation come out as "0x...?". Returns out. */
const char *blob_order_str(uint32_t code, char out[16]);

#endif
