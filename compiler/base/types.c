/* compiler/base/types.c — names and sizes of element types, layouts, precisions (types.h). */
#include "types.h"

#include <string.h>
#include <strings.h>

static const struct {
  const char *name;
  size_t size;
} DT_INFO[DT_COUNT] = {
    [DT_UNDEF] = {"undefined", 0}, [DT_F32] = {"f32", 4},       [DT_F16] = {"f16", 2},
    [DT_F64] = {"f64", 8},         [DT_I64] = {"i64", 8},       [DT_I32] = {"i32", 4},
    [DT_I16] = {"i16", 2},         [DT_I8] = {"i8", 1},         [DT_U8] = {"u8", 1},
    [DT_U16] = {"u16", 2},         [DT_U32] = {"u32", 4},       [DT_U64] = {"u64", 8},
    [DT_BOOL] = {"boolean", 1},    [DT_STRING] = {"string", 0},
};

const char *dtype_name(DType t) { return (unsigned)t < DT_COUNT ? DT_INFO[t].name : "undefined"; }
size_t dtype_size(DType t) { return (unsigned)t < DT_COUNT ? DT_INFO[t].size : 0; }
bool dtype_is_float(DType t) { return t == DT_F32 || t == DT_F16 || t == DT_F64; }
bool dtype_is_int(DType t) {
  return t == DT_I64 || t == DT_I32 || t == DT_I16 || t == DT_I8 || t == DT_U8 || t == DT_U16 ||
         t == DT_U32 || t == DT_U64 || t == DT_BOOL;
}

/* TensorProto.DataType numbers from onnx.proto (stable: part of the file format). */
static const DType FROM_ONNX[] = {
    [1] = DT_F32,  [2] = DT_U8,   [3] = DT_I8,     [4] = DT_U16,  [5] = DT_I16,
    [6] = DT_I32,  [7] = DT_I64,  [8] = DT_STRING, [9] = DT_BOOL, [10] = DT_F16,
    [11] = DT_F64, [12] = DT_U32, [13] = DT_U64,
};

DType dtype_from_onnx(int64_t code) {
  return code > 0 && code < (int64_t)(sizeof FROM_ONNX / sizeof FROM_ONNX[0]) ? FROM_ONNX[code]
                                                                              : DT_UNDEF;
}

int dtype_to_onnx(DType t) {
  for (int c = 1; c < (int)(sizeof FROM_ONNX / sizeof FROM_ONNX[0]); c++)
    if (t != DT_UNDEF && FROM_ONNX[c] == t) return c;
  return 0;
}

static const struct {
  const char *name;
  int rank, c_axis;
} LAYOUTS[] = {
    [LAYOUT_NONE] = {"", 0, -1},  [LAYOUT_NCHW] = {"NCHW", 4, 1}, [LAYOUT_NHWC] = {"NHWC", 4, 3},
    [LAYOUT_CHW] = {"CHW", 3, 0}, [LAYOUT_HWC] = {"HWC", 3, 2},   [LAYOUT_NC] = {"NC", 2, 1},
    [LAYOUT_C] = {"C", 1, 0},
};
#define N_LAYOUTS ((int)(sizeof LAYOUTS / sizeof LAYOUTS[0]))

static const char *const PREC_NAMES[] = {
    [PREC_DEFAULT] = "", [PREC_U8] = "U8", [PREC_FP16] = "FP16", [PREC_FP32] = "FP32"};

const char *layout_name(Layout l) {
  return (unsigned)l < (unsigned)N_LAYOUTS ? LAYOUTS[l].name : "";
}

int layout_rank(Layout l) { return (unsigned)l < (unsigned)N_LAYOUTS ? LAYOUTS[l].rank : 0; }

int layout_channel_axis(Layout l) {
  return (unsigned)l < (unsigned)N_LAYOUTS ? LAYOUTS[l].c_axis : -1;
}

const char *precision_name(Precision p) {
  return (unsigned)p < sizeof PREC_NAMES / sizeof PREC_NAMES[0] ? PREC_NAMES[p] : "";
}

DType precision_dtype(Precision p) {
  switch (p) {
  case PREC_U8: return DT_U8;
  case PREC_FP16: return DT_F16;
  case PREC_FP32: return DT_F32;
  default: return DT_UNDEF;
  }
}

Layout layout_parse(const char *s, size_t n) {
  for (int l = 1; s && l < N_LAYOUTS; l++)
    if (strlen(LAYOUTS[l].name) == n && !strncasecmp(s, LAYOUTS[l].name, n)) return (Layout)l;
  return LAYOUT_NONE;
}

Layout layout_default(int rank) {
  switch (rank) {
  case 4: return LAYOUT_NCHW;
  case 3: return LAYOUT_CHW;
  case 2: return LAYOUT_NC;
  case 1: return LAYOUT_C;
  default: return LAYOUT_NONE;
  }
}
