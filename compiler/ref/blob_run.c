/* compiler/ref/blob_run.c — see blob_run.h. */
#include "blob_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* For each IE axis j (major -> minor) of shape s, the memory position (index into dims_raw) of
 * that dim: dim ids sorted descending (N 3, C 2, H 1, W 0; generic dims above). */
static int ie_positions(const BlobShape *s, uint32_t *pos) {
  uint32_t n = s->num_dims, id[BLOB_MAX_DIMS];
  for (uint32_t i = 0; i < n; i++) {
    id[i] = ((s->order >> (4 * i)) & 0xF) - 1;
    pos[i] = i;
  }
  for (uint32_t i = 1; i < n; i++) /* insertion sort of positions by id, descending */
    for (uint32_t j = i; j > 0 && id[pos[j]] > id[pos[j - 1]]; j--) {
      uint32_t t = pos[j];
      pos[j] = pos[j - 1], pos[j - 1] = t;
    }
  return (int)n;
}

int blob_ie_dims(const BlobShape *s, int64_t *dims) {
  uint32_t pos[BLOB_MAX_DIMS];
  int n = ie_positions(s, pos);
  for (int j = 0; j < n; j++) dims[j] = s->dims_raw[pos[j]];
  return n;
}

static void shape_str(char *buf, size_t size, const int64_t *d, int n) {
  size_t k = 0;
  buf[0] = 0;
  for (int i = 0; i < n && k < size; i++)
    k += (size_t)snprintf(buf + k, size - k, i ? "x%lld" : "%lld", (long long)d[i]);
}

static void put_value(uint8_t *p, uint32_t dt, double v) {
  switch (dt) {
  case BLOB_DT_FP16: {
    uint16_t h = fp16_from_f32((float)v);
    memcpy(p, &h, 2);
    break;
  }
  case BLOB_DT_U8: p[0] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lrint(v)); break;
  case BLOB_DT_I8: p[0] = (uint8_t)(int8_t)(v < -128 ? -128 : v > 127 ? 127 : lrint(v)); break;
  case BLOB_DT_S32: {
    int32_t i = (int32_t)(v < -2147483648.0 ? INT32_MIN : v > 2147483647.0 ? INT32_MAX : lrint(v));
    memcpy(p, &i, 4);
    break;
  }
  default: {
    float f = (float)v;
    memcpy(p, &f, 4);
    break;
  }
  }
}

static double get_value(const uint8_t *p, uint32_t dt) {
  switch (dt) {
  case BLOB_DT_FP16: {
    uint16_t h;
    memcpy(&h, p, 2);
    return fp16_to_f32(h);
  }
  case BLOB_DT_U8: return p[0];
  case BLOB_DT_I8: return (int8_t)p[0];
  case BLOB_DT_S32: {
    int32_t i;
    memcpy(&i, p, 4);
    return i;
  }
  default: {
    float f;
    memcpy(&f, p, 4);
    return f;
  }
  }
}

/* Byte offset of every element of a tensor of rank n whose axis j sits at memory position
 * pos[j], walked in C order (last axis fastest); calls back with (element index, offset). */
typedef void (*EachFn)(void *ctx, int64_t k, size_t off);
static void each_element(const BlobShape *s, const uint32_t *pos, int n, const int64_t *dims,
                         EachFn fn, void *ctx) {
  int64_t idx[BLOB_MAX_DIMS] = {0}, total = 1;
  for (int j = 0; j < n; j++) total *= dims[j];
  for (int64_t k = 0; k < total; k++) {
    size_t off = 0;
    for (int j = 0; j < n; j++) off += (size_t)idx[j] * s->strides_raw[pos[j]];
    fn(ctx, k, off);
    for (int j = n - 1; j >= 0; j--) {
      if (++idx[j] < dims[j]) break;
      idx[j] = 0;
    }
  }
}

typedef struct {
  uint8_t *base;
  uint32_t dt;
  const RefTensor *t;
  RefTensor *o;
} Xfer;

static void put_one(void *ctx, int64_t k, size_t off) {
  Xfer *x = ctx;
  put_value(x->base + off, x->dt, ref_get_f64(x->t, k));
}

static void get_one(void *ctx, int64_t k, size_t off) {
  Xfer *x = ctx;
  double v = get_value(x->base + off, x->dt);
  if (x->o->f)
    x->o->f[k] = (float)v;
  else
    x->o->i[k] = (int64_t)v;
}

/* How tensor t's axes map onto input io: IE order, an NHWC frame, or the input's memory order. */
static int feed_positions(const BlobIo *io, const BlobFeed *f, uint32_t *pos, Err *err) {
  const BlobShape *s = &io->shape;
  int n = (int)s->num_dims;
  uint32_t ie[BLOB_MAX_DIMS];
  ie_positions(s, ie);
  int64_t want[BLOB_MAX_DIMS];
  for (int j = 0; j < n; j++) want[j] = s->dims_raw[ie[j]];
  bool fits = f->t->rank == n;
  if (f->image && n == 4 && fits) { /* frame N, H, W, C onto the input's N, C, H, W */
    const uint32_t nhwc[4] = {ie[0], ie[2], ie[3], ie[1]};
    bool ok = true;
    for (int j = 0; j < 4; j++) ok = ok && f->t->dims[j] == s->dims_raw[nhwc[j]];
    if (ok) {
      memcpy(pos, nhwc, sizeof nhwc);
      return 0;
    }
  }
  for (int j = 0; fits && j < n; j++) fits = f->t->dims[j] == want[j];
  if (fits) {
    memcpy(pos, ie, (size_t)n * sizeof *pos);
    return 0;
  }
  fits = f->t->rank == n;
  for (int j = 0; fits && j < n; j++) fits = f->t->dims[j] == s->dims_raw[n - 1 - j];
  if (fits) { /* the input's own memory order, major -> minor */
    for (int j = 0; j < n; j++) pos[j] = (uint32_t)(n - 1 - j);
    return 0;
  }
  char a[128], b[128];
  shape_str(a, sizeof a, f->t->dims, f->t->rank);
  shape_str(b, sizeof b, want, n);
  return err_set(err, ERR_USAGE, "input '%s': the tensor is %s, the blob input is %s %s %s%s",
                 io->name, a, blob_dtype_name(s->data_type) ? blob_dtype_name(s->data_type) : "?",
                 s->order_name, b, f->image ? " (a frame is read as 1xHxWxC)" : "");
}

/* The bytes of every input, in its type and layout; feeds matched by name, then by position. */
static int make_inputs(uint8_t **bytes, const BlobInfo *b, const BlobFeed *feeds, int n_feeds,
                       Err *err) {
  uint32_t ni = b->hdr.inputs_count;
  int *which = calloc(ni + 1, sizeof *which);
  if (!which) return err_set(err, ERR_OOM, "out of memory");
  for (uint32_t i = 0; i < ni; i++) which[i] = -1;
  int rc = 0;
  for (int k = 0; rc == 0 && k < n_feeds; k++) {
    uint32_t i = 0;
    if (feeds[k].name) {
      while (i < ni && strcmp(b->inputs[i].name, feeds[k].name)) i++;
      if (i == ni) rc = err_set(err, ERR_USAGE, "the blob has no input '%s'", feeds[k].name);
    } else {
      while (i < ni && which[i] >= 0) i++;
      if (i == ni) rc = err_set(err, ERR_USAGE, "more inputs given than the blob's %u", ni);
    }
    if (rc == 0 && which[i] >= 0)
      rc = err_set(err, ERR_USAGE, "input '%s' is given twice", b->inputs[i].name);
    if (rc == 0) which[i] = k;
  }
  for (uint32_t i = 0; rc == 0 && i < ni; i++) {
    const BlobIo *io = &b->inputs[i];
    uint32_t pos[BLOB_MAX_DIMS];
    if (which[i] < 0)
      rc = err_set(err, ERR_USAGE, "no --input for blob input '%s'", io->name);
    else if (!io->shape.dims_known || !io->shape.strides_known ||
             !blob_dtype_size(io->shape.data_type))
      rc = err_set(err, ERR_BACKEND, "input '%s' has no static shape of a known type", io->name);
    else if (feed_positions(io, &feeds[which[i]], pos, err) < 0)
      rc = -1;
    else if (!(bytes[i] = calloc(io->byte_size + 1, 1)))
      rc = err_set(err, ERR_OOM, "out of memory");
    else {
      Xfer x = {bytes[i], io->shape.data_type, feeds[which[i]].t, NULL};
      each_element(&io->shape, pos, (int)io->shape.num_dims, feeds[which[i]].t->dims, put_one, &x);
    }
  }
  free(which);
  return rc;
}

static int take_outputs(BlobResult *res, const BlobInfo *b, const BlobRun *run, Err *err) {
  int n = run->n_out;
  res->outputs = calloc((size_t)n + 1, sizeof *res->outputs);
  res->names = calloc((size_t)n + 1, sizeof *res->names);
  if (!res->outputs || !res->names) return err_set(err, ERR_OOM, "out of memory");
  res->n_out = n;
  for (int k = 0; k < n; k++) {
    const BlobIo *io = &b->outputs[k];
    if (!(res->names[k] = strdup(io->name))) return err_set(err, ERR_OOM, "out of memory");
    uint32_t pos[BLOB_MAX_DIMS];
    int64_t dims[BLOB_MAX_DIMS];
    int r = ie_positions(&io->shape, pos);
    for (int j = 0; j < r; j++) dims[j] = io->shape.dims_raw[pos[j]];
    uint32_t dt = io->shape.data_type;
    DType t = dt == BLOB_DT_S32  ? DT_I32
              : dt == BLOB_DT_U8 ? DT_U8
              : dt == BLOB_DT_I8 ? DT_I8
                                 : DT_F32;
    if (!io->shape.dims_known || !io->shape.strides_known)
      return err_set(err, ERR_BACKEND, "output '%s' has no static shape", io->name);
    if (ref_tensor_alloc(&res->outputs[k], t, r, dims, err) < 0) return -1;
    Xfer x = {run->out[k], dt, NULL, &res->outputs[k]};
    each_element(&io->shape, pos, r, dims, get_one, &x);
  }
  return 0;
}

int blob_run(BlobResult *res, const BlobInfo *b, const uint8_t *data, size_t len,
             const BlobFeed *feeds, int n_feeds, const BlobExecOpts *opts, Err *err) {
  memset(res, 0, sizeof *res);
  uint32_t ni = b->hdr.inputs_count;
  for (uint32_t i = 0; i < ni;
       i++) /* extents are bounded by the input area (blob_check io-extent) */
    if ((uint64_t)b->inputs[i].buffer_offset + b->inputs[i].byte_size > b->hdr.inputs_size)
      return err_set(err, ERR_BACKEND, "input '%s' runs past the input buffer", b->inputs[i].name);
  for (uint32_t i = 0; i < b->hdr.outputs_count; i++)
    if ((uint64_t)b->outputs[i].buffer_offset + b->outputs[i].byte_size > b->hdr.outputs_size)
      return err_set(err, ERR_BACKEND, "output '%s' runs past the output buffer",
                     b->outputs[i].name);
  uint8_t **bytes = calloc(ni + 1, sizeof *bytes);
  if (!bytes) return err_set(err, ERR_OOM, "out of memory");
  BlobExecOpts dflt = {.max_work = BLOB_RUN_MAX_WORK};
  BlobRun run = {0};
  int rc = make_inputs(bytes, b, feeds, n_feeds, err);
  if (rc == 0)
    rc = blob_exec_ex(&run, b, data, len, (const void *const *)bytes, opts ? opts : &dflt, err);
  if (rc == 0) rc = take_outputs(res, b, &run, err);
  if (rc == 0) {
    res->n_stages_run = run.n_stages_run;
    res->max_abs = run.max_abs;
    res->n_overflow = run.n_overflow;
  }
  blob_run_free(&run);
  for (uint32_t i = 0; i < ni; i++) free(bytes[i]);
  free(bytes);
  if (rc < 0) blob_result_free(res);
  return rc;
}

int blob_run_file(BlobResult *res, const char *path, const BlobFeed *feeds, int n_feeds,
                  const BlobExecOpts *opts, Err *err) {
  memset(res, 0, sizeof *res);
  uint8_t *data = NULL;
  size_t len = 0;
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  int rc = io_read_file(&data, &len, path, (size_t)1 << 32, err);
  if (rc == 0) rc = blob_parse(&b, a, data, len, path, err);
  if (rc == 0) rc = blob_run(res, b, data, len, feeds, n_feeds, opts, err);
  if (rc < 0) err_where(err, path, 0, NULL, NULL);
  arena_free(a);
  free(data);
  return rc;
}

void blob_result_free(BlobResult *res) {
  if (!res) return;
  ref_tensors_free(res->outputs, res->n_out);
  if (res->names)
    for (int k = 0; k < res->n_out; k++) free(res->names[k]);
  free(res->names);
  memset(res, 0, sizeof *res);
}
