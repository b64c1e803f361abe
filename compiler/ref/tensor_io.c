/* compiler/ref/tensor_io.c — TensorProto / .npy / .ppm / .pgm tensors (see tensor_io.h). */
#include "tensor_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "onnx.pb-c.h"

/* Sets err (file = path) and returns -1. */
static int fail(Err *err, const char *path, ErrCode code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(Err *err, const char *path, ErrCode code, const char *fmt, ...) {
  err_where(err, path ? path : "", 0, NULL, NULL);
  err->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return -1;
}

/* Reads element k (of byte size esz, little-endian unless big) at p as dtype dt into t. */
static void put_raw(RefTensor *t, int64_t k, DType dt, const uint8_t *p, size_t esz, bool big) {
  uint8_t b[8];
  for (size_t i = 0; i < esz; i++) b[i] = big ? p[esz - 1 - i] : p[i];
  switch (dt) {
  case DT_F32: {
    float v;
    memcpy(&v, b, 4);
    t->f[k] = v;
    break;
  }
  case DT_F16: {
    uint16_t v;
    memcpy(&v, b, 2);
    t->f[k] = fp16_to_f32(v);
    break;
  }
  case DT_F64: {
    double v;
    memcpy(&v, b, 8);
    t->f[k] = (float)v;
    break;
  }
  case DT_I64:
  case DT_U64: {
    int64_t v;
    memcpy(&v, b, 8);
    t->i[k] = v;
    break;
  }
  case DT_I32: {
    int32_t v;
    memcpy(&v, b, 4);
    t->i[k] = v;
    break;
  }
  case DT_U32: {
    uint32_t v;
    memcpy(&v, b, 4);
    t->i[k] = v;
    break;
  }
  case DT_I16: {
    int16_t v;
    memcpy(&v, b, 2);
    t->i[k] = v;
    break;
  }
  case DT_U16: {
    uint16_t v;
    memcpy(&v, b, 2);
    t->i[k] = v;
    break;
  }
  case DT_I8: t->i[k] = (int8_t)b[0]; break;
  case DT_U8: t->i[k] = b[0]; break;
  case DT_BOOL: t->i[k] = b[0] != 0; break;
  default: break;
  }
}

/* Writes element k of t as dtype dt, little-endian, to p. */
static void get_raw(uint8_t *p, const RefTensor *t, int64_t k, DType dt) {
  switch (dt) {
  case DT_F32: {
    float v = t->f[k];
    memcpy(p, &v, 4);
    break;
  }
  case DT_F16: {
    uint16_t v = fp16_from_f32(t->f[k]);
    memcpy(p, &v, 2);
    break;
  }
  case DT_F64: {
    double v = t->f[k];
    memcpy(p, &v, 8);
    break;
  }
  case DT_I64:
  case DT_U64: memcpy(p, &t->i[k], 8); break;
  case DT_I32:
  case DT_U32: {
    uint32_t v = (uint32_t)t->i[k];
    memcpy(p, &v, 4);
    break;
  }
  case DT_I16:
  case DT_U16: {
    uint16_t v = (uint16_t)t->i[k];
    memcpy(p, &v, 2);
    break;
  }
  default: p[0] = (uint8_t)t->i[k]; break;
  }
}

/* ---- TensorProto ---- */

/* Fills t from the typed fields of tp (values already known to number n). */
static int pb_typed(RefTensor *t, const Onnx__TensorProto *tp, int64_t n, const char *path,
                    Err *err) {
  size_t have;
  switch (tp->data_type) {
  case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: have = tp->n_float_data; break;
  case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: have = tp->n_double_data; break;
  case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: have = tp->n_int64_data; break;
  case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
  case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64: have = tp->n_uint64_data; break;
  default: have = tp->n_int32_data; break;
  }
  if (have != (uint64_t)n)
    return fail(err, path, ERR_PARSE, "tensor has %zu values, its shape needs %lld", have,
                (long long)n);
  for (int64_t k = 0; k < n; k++) {
    switch (tp->data_type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: t->f[k] = tp->float_data[k]; break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: t->f[k] = (float)tp->double_data[k]; break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: t->i[k] = tp->int64_data[k]; break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64: t->i[k] = (int64_t)tp->uint64_data[k]; break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16:
      t->f[k] = fp16_to_f32((uint16_t)tp->int32_data[k]);
      break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16: {
      uint32_t u = ((uint32_t)tp->int32_data[k] & 0xffffu) << 16;
      memcpy(&t->f[k], &u, 4);
      break;
    }
    default: ref_set_i64(t, k, tp->int32_data[k]); break;
    }
  }
  return 0;
}

/* Fills t from raw_data (little-endian). */
static int pb_raw(RefTensor *t, const Onnx__TensorProto *tp, int64_t n, const char *path,
                  Err *err) {
  bool bf16 = tp->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16;
  size_t esz = bf16 ? 2 : dtype_size(t->dtype);
  if (tp->raw_data.len != (size_t)n * esz)
    return fail(err, path, ERR_PARSE, "raw_data has %zu bytes, the shape needs %zu",
                tp->raw_data.len, (size_t)n * esz);
  for (int64_t k = 0; k < n; k++) {
    const uint8_t *p = tp->raw_data.data + (size_t)k * esz;
    if (bf16) {
      uint32_t u = ((uint32_t)p[0] | (uint32_t)p[1] << 8) << 16;
      memcpy(&t->f[k], &u, 4);
    } else {
      put_raw(t, k, t->dtype, p, esz, false);
    }
  }
  return 0;
}

int tio_decode_pb(RefTensor *out, char **name, const uint8_t *data, size_t len, const char *path,
                  Err *err) {
  Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, len, data);
  if (!tp) return fail(err, path, ERR_PARSE, "not an ONNX TensorProto");
  RefTensor t = {0};
  int rc = -1;
  DType dt = tp->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16
                 ? DT_F32
                 : dtype_from_onnx(tp->data_type);
  if (dt == DT_UNDEF || dt == DT_STRING) {
    fail(err, path, ERR_UNSUPPORTED_OP, "tensor data type %d is not supported", (int)tp->data_type);
    goto done;
  }
  if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
    fail(err, path, ERR_UNSUPPORTED_OP, "tensors with external data are not supported");
    goto done;
  }
  if (tp->n_dims > IR_MAX_DIMS) {
    fail(err, path, ERR_PARSE, "tensor has %zu dims, at most %d are supported", tp->n_dims,
         IR_MAX_DIMS);
    goto done;
  }
  if (ref_tensor_alloc(&t, dt, (int)tp->n_dims, tp->dims, err) < 0) {
    err_where(err, path, 0, NULL, NULL);
    goto done;
  }
  int64_t n = ref_numel(&t);
  if ((tp->has_raw_data ? pb_raw(&t, tp, n, path, err) : pb_typed(&t, tp, n, path, err)) < 0)
    goto done;
  if (name) {
    *name = strdup(tp->name ? tp->name : "");
    if (!*name) {
      fail(err, path, ERR_OOM, "out of memory");
      goto done;
    }
  }
  *out = t;
  memset(&t, 0, sizeof t);
  rc = 0;
done:
  ref_tensor_free(&t);
  onnx__tensor_proto__free_unpacked(tp, NULL);
  return rc;
}

int tio_read_pb(RefTensor *out, char **name, const char *path, Err *err) {
  uint8_t *data = NULL;
  size_t len = 0;
  if (io_read_file(&data, &len, path, TIO_MAX_FILE, err) < 0) return -1;
  int rc = tio_decode_pb(out, name, data, len, path, err);
  free(data);
  return rc;
}

int tio_encode_pb(Buf *out, const RefTensor *t, const char *name, Err *err) {
  int code = dtype_to_onnx(t->dtype);
  if (!code)
    return fail(err, NULL, ERR_UNSUPPORTED_OP, "tensors of type %s cannot be written",
                dtype_name(t->dtype));
  Onnx__TensorProto tp;
  onnx__tensor_proto__init(&tp);
  int64_t dims[IR_MAX_DIMS];
  memcpy(dims, t->dims, sizeof dims);
  tp.n_dims = (size_t)t->rank;
  tp.dims = dims;
  tp.has_data_type = true;
  tp.data_type = code;
  tp.name = (char *)(name ? name : "");
  size_t esz = dtype_size(t->dtype), n = (size_t)ref_numel(t);
  uint8_t *raw = malloc(n * esz + 1);
  if (!raw) return fail(err, NULL, ERR_OOM, "out of memory");
  for (size_t k = 0; k < n; k++) get_raw(raw + k * esz, t, (int64_t)k, t->dtype);
  tp.has_raw_data = true;
  tp.raw_data.data = raw;
  tp.raw_data.len = n * esz;
  size_t sz = onnx__tensor_proto__get_packed_size(&tp);
  buf_reserve(out, sz);
  onnx__tensor_proto__pack(&tp, out->data + out->len);
  out->len += sz;
  free(raw);
  return 0;
}

int tio_write_pb(const char *path, const RefTensor *t, const char *name, Err *err) {
  Buf b = BUF_INIT;
  int rc = tio_encode_pb(&b, t, name, err);
  if (rc == 0) rc = io_write_atomic(path, b.data, b.len, err);
  buf_free(&b);
  return rc;
}

/* ---- .npy ---- */

typedef struct {
  const char *descr; /* without the byte-order character */
  DType dt;
} NpyType;

static const NpyType NPY_TYPES[] = {
    {"f4", DT_F32}, {"f2", DT_F16}, {"f8", DT_F64}, {"u1", DT_U8},  {"i1", DT_I8},  {"i2", DT_I16},
    {"u2", DT_U16}, {"i4", DT_I32}, {"u4", DT_U32}, {"i8", DT_I64}, {"u8", DT_U64}, {"b1", DT_BOOL},
};

/* The value text after 'key': in a .npy header dict, NULL when absent. */
static const char *npy_field(const char *h, const char *key) {
  char pat[32];
  snprintf(pat, sizeof pat, "'%s'", key);
  const char *p = strstr(h, pat);
  if (!p) return NULL;
  p += strlen(pat);
  while (*p == ' ') p++;
  if (*p != ':') return NULL;
  p++;
  while (*p == ' ') p++;
  return p;
}

/* Parses the header dict h: dtype, byte order, shape. */
static int npy_header(const char *h, DType *dt, bool *big, int *rank, int64_t *dims,
                      const char *path, Err *err) {
  const char *d = npy_field(h, "descr"), *f = npy_field(h, "fortran_order"),
             *s = npy_field(h, "shape");
  if (!d || !f || !s || *d != '\'' || *s != '(')
    return fail(err, path, ERR_PARSE, "malformed .npy header");
  char descr[8] = {0};
  const char *e = strchr(d + 1, '\'');
  if (!e || e - d - 1 < 2 || e - d - 1 > 3)
    return fail(err, path, ERR_PARSE, "malformed .npy dtype");
  memcpy(descr, d + 1, (size_t)(e - d - 1));
  const char *code = descr;
  *big = false;
  if (strlen(descr) == 3) {
    if (descr[0] == '>')
      *big = true;
    else if (descr[0] != '<' && descr[0] != '|' && descr[0] != '=')
      return fail(err, path, ERR_PARSE, "malformed .npy dtype");
    code = descr + 1;
  }
  *dt = DT_UNDEF;
  for (size_t i = 0; i < sizeof NPY_TYPES / sizeof NPY_TYPES[0]; i++)
    if (!strcmp(code, NPY_TYPES[i].descr)) *dt = NPY_TYPES[i].dt;
  if (*dt == DT_UNDEF)
    return fail(err, path, ERR_UNSUPPORTED_OP, ".npy dtype '%s' is not supported", descr);
  if (!strncmp(f, "True", 4))
    return fail(err, path, ERR_UNSUPPORTED_OP,
                "Fortran-order .npy arrays are not supported (save in C order)");
  if (strncmp(f, "False", 5)) return fail(err, path, ERR_PARSE, "malformed .npy fortran_order");
  *rank = 0;
  const char *p = s + 1;
  for (;;) {
    while (*p == ' ' || *p == ',') p++;
    if (*p == ')') break;
    if (*p < '0' || *p > '9') return fail(err, path, ERR_PARSE, "malformed .npy shape");
    if (*rank >= IR_MAX_DIMS)
      return fail(err, path, ERR_PARSE, ".npy array has more than %d dims", IR_MAX_DIMS);
    int64_t v = 0;
    while (*p >= '0' && *p <= '9') {
      if (v > (INT64_MAX - 9) / 10) return fail(err, path, ERR_PARSE, ".npy dim is too large");
      v = v * 10 + (*p++ - '0');
    }
    dims[(*rank)++] = v;
  }
  return 0;
}

int tio_decode_npy(RefTensor *out, const uint8_t *data, size_t len, const char *path, Err *err) {
  if (len < 10 || memcmp(data, "\x93NUMPY", 6))
    return fail(err, path, ERR_PARSE, "not a .npy file");
  int major = data[6];
  size_t hl, off;
  if (major == 1) {
    hl = (size_t)data[8] | (size_t)data[9] << 8;
    off = 10;
  } else if ((major == 2 || major == 3) && len >= 12) {
    hl = rd_u32(data + 8);
    off = 12;
  } else
    return fail(err, path, ERR_UNSUPPORTED_OP, ".npy format version %d is not supported", major);
  if (hl > len - off) return fail(err, path, ERR_PARSE, ".npy header is truncated");
  char *h = malloc(hl + 1);
  if (!h) return fail(err, path, ERR_OOM, "out of memory");
  memcpy(h, data + off, hl);
  h[hl] = 0;
  DType dt = DT_UNDEF;
  bool big = false;
  int rank = 0;
  int64_t dims[IR_MAX_DIMS];
  int rc = npy_header(h, &dt, &big, &rank, dims, path, err);
  free(h);
  if (rc < 0) return -1;
  RefTensor t = {0};
  if (ref_tensor_alloc(&t, dt, rank, dims, err) < 0) {
    err_where(err, path, 0, NULL, NULL);
    return -1;
  }
  size_t esz = dtype_size(dt), n = (size_t)ref_numel(&t), body = len - off - hl;
  if (body < n * esz) {
    ref_tensor_free(&t);
    return fail(err, path, ERR_PARSE, ".npy data has %zu bytes, the shape needs %zu", body,
                n * esz);
  }
  for (size_t k = 0; k < n; k++) put_raw(&t, (int64_t)k, dt, data + off + hl + k * esz, esz, big);
  *out = t;
  return 0;
}

int tio_read_npy(RefTensor *out, const char *path, Err *err) {
  uint8_t *data = NULL;
  size_t len = 0;
  if (io_read_file(&data, &len, path, TIO_MAX_FILE, err) < 0) return -1;
  int rc = tio_decode_npy(out, data, len, path, err);
  free(data);
  return rc;
}

int tio_encode_npy(Buf *out, const RefTensor *t, Err *err) {
  const char *descr = NULL;
  for (size_t i = 0; i < sizeof NPY_TYPES / sizeof NPY_TYPES[0]; i++)
    if (NPY_TYPES[i].dt == t->dtype) descr = NPY_TYPES[i].descr;
  if (!descr)
    return fail(err, NULL, ERR_UNSUPPORTED_OP, "tensors of type %s cannot be written",
                dtype_name(t->dtype));
  char shape[256];
  size_t k = 0;
  shape[0] = 0;
  for (int i = 0; i < t->rank; i++)
    k += (size_t)snprintf(shape + k, sizeof shape - k, "%lld,%s", (long long)t->dims[i],
                          i + 1 < t->rank ? " " : "");
  if (t->rank > 1) shape[k - 1] = 0; /* "(1, 3)" has no trailing comma; "(3,)" keeps it */
  char h[400];
  bool one_byte = dtype_size(t->dtype) == 1;
  int hl = snprintf(h, sizeof h, "{'descr': '%c%s', 'fortran_order': False, 'shape': (%s), }",
                    one_byte ? '|' : '<', descr, shape);
  size_t total = align_up(10 + (size_t)hl + 1, 64);
  buf_put(out, "\x93NUMPY\x01\x00", 8);
  uint16_t hlen = (uint16_t)(total - 10);
  uint8_t le[2] = {(uint8_t)(hlen & 0xff), (uint8_t)(hlen >> 8)};
  buf_put(out, le, 2);
  buf_put(out, h, (size_t)hl);
  for (size_t i = 10 + (size_t)hl; i < total - 1; i++) buf_put(out, " ", 1);
  buf_put(out, "\n", 1);
  size_t esz = dtype_size(t->dtype), n = (size_t)ref_numel(t);
  buf_reserve(out, n * esz);
  for (size_t e = 0; e < n; e++) get_raw(out->data + out->len + e * esz, t, (int64_t)e, t->dtype);
  out->len += n * esz;
  return 0;
}

int tio_write_npy(const char *path, const RefTensor *t, Err *err) {
  Buf b = BUF_INIT;
  int rc = tio_encode_npy(&b, t, err);
  if (rc < 0) err_where(err, path, 0, NULL, NULL);
  if (rc == 0) rc = io_write_atomic(path, b.data, b.len, err);
  buf_free(&b);
  return rc;
}

/* ---- Netpbm ---- */

/* Skips whitespace and # comments, then reads a decimal number; -1 when there is none. */
static int64_t pnm_num(const uint8_t *p, size_t len, size_t *i) {
  for (;;) {
    while (*i < len && (p[*i] == ' ' || p[*i] == '\t' || p[*i] == '\n' || p[*i] == '\r')) (*i)++;
    if (*i < len && p[*i] == '#') {
      while (*i < len && p[*i] != '\n') (*i)++;
      continue;
    }
    break;
  }
  if (*i >= len || p[*i] < '0' || p[*i] > '9') return -1;
  int64_t v = 0;
  while (*i < len && p[*i] >= '0' && p[*i] <= '9') {
    v = v * 10 + (p[(*i)++] - '0');
    if (v > (1 << 24)) return -1;
  }
  return v;
}

int tio_decode_image(RefTensor *out, const uint8_t *data, size_t len, const char *path, Err *err) {
  if (len < 3 || data[0] != 'P' || (data[1] != '5' && data[1] != '6'))
    return fail(err, path, ERR_PARSE, "not a binary PPM (P6) or PGM (P5) image");
  int64_t c = data[1] == '6' ? 3 : 1;
  size_t i = 2;
  int64_t w = pnm_num(data, len, &i), h = pnm_num(data, len, &i), mx = pnm_num(data, len, &i);
  if (w <= 0 || h <= 0 || mx <= 0) return fail(err, path, ERR_PARSE, "malformed image header");
  if (mx > 255)
    return fail(err, path, ERR_UNSUPPORTED_OP, "16-bit images (maxval %lld) are not supported",
                (long long)mx);
  if (i >= len) return fail(err, path, ERR_PARSE, "image has no pixel data");
  i++; /* the single whitespace after maxval */
  size_t need = (size_t)(w * h * c);
  if (len - i < need)
    return fail(err, path, ERR_PARSE, "image data has %zu bytes, %zu expected", len - i, need);
  RefTensor t = {0};
  if (ref_tensor_alloc(&t, DT_U8, 4, (int64_t[]){1, h, w, c}, err) < 0) return -1;
  for (size_t k = 0; k < need; k++) t.i[k] = data[i + k];
  *out = t;
  return 0;
}

int tio_read_image(RefTensor *out, const char *path, Err *err) {
  uint8_t *data = NULL;
  size_t len = 0;
  if (io_read_file(&data, &len, path, TIO_MAX_FILE, err) < 0) return -1;
  int rc = tio_decode_image(out, data, len, path, err);
  free(data);
  return rc;
}

static bool has_ext(const char *path, const char *ext) {
  size_t n = strlen(path), k = strlen(ext);
  return n >= k && strcasecmp(path + n - k, ext) == 0;
}

int tio_read_any(RefTensor *out, char **name, const char *path, Err *err) {
  if (name) *name = NULL;
  if (has_ext(path, ".pb")) return tio_read_pb(out, name, path, err);
  if (has_ext(path, ".npy")) return tio_read_npy(out, path, err);
  if (has_ext(path, ".ppm") || has_ext(path, ".pgm")) return tio_read_image(out, path, err);
  return fail(err, path, ERR_USAGE, "unknown tensor file type (expected .npy, .pb, .ppm or .pgm)");
}
