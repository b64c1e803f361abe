/*
 * compiler/base/types.h — the element types, layouts and precisions every layer names.
 *
 * A leaf header (it includes only the C library): the graph IR, the compiler's options, the
 * manifest and the reports all use these enums, so none needs another's header for them.
 */
#ifndef COMPILER_BASE_TYPES_H
#define COMPILER_BASE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Element types. Numbering is ours; conversion helpers map ONNX / OpenVINO / blob codes. */
typedef enum {
  DT_UNDEF = 0,
  DT_F32,
  DT_F16,
  DT_F64,
  DT_I64,
  DT_I32,
  DT_I16,
  DT_I8,
  DT_U8,
  DT_U16,
  DT_U32,
  DT_U64,
  DT_BOOL,
  DT_STRING, /* never computed on; kept so a model with one loads */
  DT_COUNT
} DType;

const char *dtype_name(DType t); /* "f32", "f16", "i64", ...; "undefined" out of range */
size_t dtype_size(DType t);      /* bytes per element; 0 for UNDEF/STRING */
bool dtype_is_float(DType t);
bool dtype_is_int(DType t);
/* ONNX's TensorProto.DataType codes (the graph IR keeps ONNX semantics, e.g. Cast's "to"):
 * 1 FLOAT ... 13 UINT64; DT_UNDEF / 0 for what has no counterpart (BFLOAT16 16 included). */
DType dtype_from_onnx(int64_t code);
int dtype_to_onnx(DType t);

/* Tensor layouts, as the model expects an input or as the camera delivers frames. */
typedef enum {
  LAYOUT_NONE = 0, /* not given / unknown: the compiler uses the model's own */
  LAYOUT_NCHW,
  LAYOUT_NHWC,
  LAYOUT_CHW,
  LAYOUT_HWC,
  LAYOUT_NC,
  LAYOUT_C,
} Layout;

typedef enum {
  PREC_DEFAULT = 0, /* not given: U8 for 4-D float inputs (frames), else the model's type */
  PREC_U8,
  PREC_FP16,
  PREC_FP32,
} Precision;

/* "NCHW", "NHWC", "CHW", "HWC", "NC", "C"; "" for LAYOUT_NONE or an out-of-range value. */
const char *layout_name(Layout l);
/* Number of dims of a layout (NCHW 4 ... C 1); 0 for LAYOUT_NONE. */
int layout_rank(Layout l);
/* Index of the C dim in a layout (NCHW 1, NHWC 3, ...); -1 for LAYOUT_NONE. */
int layout_channel_axis(Layout l);
/* "U8", "FP16", "FP32"; "" for PREC_DEFAULT or an out-of-range value. */
const char *precision_name(Precision p);
/* The IR element type of a precision: DT_U8, DT_F16, DT_F32; DT_UNDEF for PREC_DEFAULT. */
DType precision_dtype(Precision p);
/* The planar layout of a rank: NCHW (4), CHW (3), NC (2), C (1); LAYOUT_NONE otherwise. */
Layout layout_default(int rank);
/* The layout s[0..n) spells ("NCHW", "nhwc", ... any case); LAYOUT_NONE when it is none. */
Layout layout_parse(const char *s, size_t n);

#endif
