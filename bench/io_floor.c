/*
 * bench/io_floor.c — the I/O floor of one conversion:
 *   `io_floor MODEL.onnx BLOB_BYTES OUT_PATH [EXTRA_BYTES...]`
 *
 * Does the work no converter can avoid, with the same primitives blobc uses:
 *   1. read the model file           io_read_file (compiler/base)
 *   2. FP32 -> FP16 of every float initializer's raw_data, found by walking the protobuf wire
 *      format (ModelProto.graph=7 -> GraphProto.initializer=5 -> TensorProto.raw_data=9,
 *      data_type=2); the FP16 values land in the output buffer   fp16_convert (compiler/base)
 *   3. write BLOB_BYTES bytes to OUT_PATH, tmp + fsync + rename  io_write_atomic (compiler/base)
 *   4. (optional) one more file OUT_PATH.<i> of each EXTRA_BYTES, written the same way: with the
 *      IR's .xml and .bin sizes this is the floor of `blobc convert`, which writes the IR too
 * No graph, no shapes, no IR: whatever blobc spends above this is its own overhead.
 * Prints "floats=<n>" on stdout. Exit 0, or 1 on an I/O error, 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/base/base.h"

typedef struct {
  const uint8_t *p, *end;
} Rd;

static bool varint(Rd *r, uint64_t *v) {
  *v = 0;
  for (int s = 0; s < 64 && r->p < r->end; s += 7) {
    uint8_t b = *r->p++;
    *v |= (uint64_t)(b & 0x7f) << s;
    if (!(b & 0x80)) return true;
  }
  return false;
}

/* Reads one field header; for length-delimited fields body and blen give the payload, which is
 * skipped. Returns false at the end or on malformed input. */
static bool field(Rd *r, uint32_t *num, uint32_t *wt, const uint8_t **body, size_t *blen) {
  uint64_t key, v;
  if (r->p >= r->end || !varint(r, &key)) return false;
  *num = (uint32_t)(key >> 3);
  *wt = (uint32_t)(key & 7);
  *body = NULL;
  *blen = 0;
  switch (*wt) {
  case 0: return varint(r, &v);
  case 1:
    if (r->end - r->p < 8) return false;
    r->p += 8;
    return true;
  case 5:
    if (r->end - r->p < 4) return false;
    r->p += 4;
    return true;
  case 2:
    if (!varint(r, &v) || v > (uint64_t)(r->end - r->p)) return false;
    *body = r->p;
    *blen = (size_t)v;
    r->p += v;
    return true;
  default: return false;
  }
}

typedef struct {
  uint16_t *out;   /* FP16 destination (the blob buffer) */
  size_t cap, pos; /* in halves */
  size_t floats;
  size_t sat, under;
} Conv;

/* Converts n floats at an arbitrary (unaligned) address, through an aligned scratch block. */
static void convert_raw(Conv *c, const uint8_t *src, size_t n) {
  static float scratch[16384];
  static uint16_t sink[16384];
  while (n) {
    size_t k = n < 16384 ? n : 16384;
    memcpy(scratch, src, k * 4);
    uint16_t *dst = c->pos + k <= c->cap ? c->out + c->pos : sink;
    fp16_convert(dst, scratch, k, &c->sat, &c->under);
    c->pos += k;
    c->floats += k;
    src += k * 4;
    n -= k;
  }
}

static void tensor(Conv *c, const uint8_t *p, size_t len) {
  Rd r = {p, p + len};
  uint32_t num, wt;
  const uint8_t *body, *raw = NULL;
  size_t blen, raw_len = 0;
  uint64_t dtype = 0;
  while (r.p < r.end) {
    const uint8_t *at = r.p;
    if (!field(&r, &num, &wt, &body, &blen)) return;
    if (num == 2 && wt == 0) {
      Rd v = {at, r.end};
      uint64_t key;
      varint(&v, &key);
      varint(&v, &dtype);
    } else if (num == 9 && wt == 2) {
      raw = body;
      raw_len = blen;
    }
  }
  if (dtype == 1 && raw) convert_raw(c, raw, raw_len / 4);
}

static void walk(Conv *c, const uint8_t *p, size_t len, int level) {
  Rd r = {p, p + len};
  uint32_t num, wt;
  const uint8_t *body;
  size_t blen;
  while (field(&r, &num, &wt, &body, &blen)) {
    if (level == 0 && num == 7 && wt == 2)
      walk(c, body, blen, 1); /* ModelProto.graph */
    else if (level == 1 && num == 5 && wt == 2)
      tensor(c, body, blen); /* GraphProto.initializer */
  }
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: io_floor MODEL.onnx BLOB_BYTES OUT_PATH [EXTRA_BYTES...]\n");
    return 2;
  }
  size_t blob_bytes = strtoull(argv[2], NULL, 10), buf_bytes = blob_bytes;
  for (int i = 4; i < argc; i++) {
    size_t x = strtoull(argv[i], NULL, 10);
    if (x > buf_bytes) buf_bytes = x;
  }
  Err err = {0};
  char line[1024];
  uint8_t *model = NULL;
  size_t len = 0;
  if (io_read_file(&model, &len, argv[1], 0, &err) < 0) {
    fprintf(stderr, "io_floor: %s\n", err_line(&err, line, sizeof line));
    return 1;
  }
  uint8_t *blob = malloc(buf_bytes ? buf_bytes : 1);
  if (!blob) return 1;
  Conv c = {.out = (uint16_t *)blob, .cap = blob_bytes / 2};
  walk(&c, model, len, 0);
  size_t used = c.pos * 2 < blob_bytes ? c.pos * 2 : blob_bytes;
  memset(blob + used, 0, buf_bytes - used); /* the rest of the blob: headers, stages */
  int rc = io_write_atomic(argv[3], blob, blob_bytes, &err);
  for (int i = 4; rc == 0 && i < argc; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s.%d", argv[3], i - 3);
    rc = io_write_atomic(path, blob, strtoull(argv[i], NULL, 10), &err);
  }
  free(blob);
  free(model);
  if (rc < 0) {
    fprintf(stderr, "io_floor: %s\n", err_line(&err, line, sizeof line));
    return 1;
  }
  printf("floats=%zu\n", c.floats);
  return 0;
}
