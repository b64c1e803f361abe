/* tests/test_blob_write.c — blob writer details: superblob container, bsdiff, version stamps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_read.h"
#include "compiler/backend/blob_write.h"
#include "compiler/backend/superblob.h"
#include "compiler/compile.h"
#include "testutil.h"

static uint64_t be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

static void blob_write__superblob_patches_rebuild_every_shave_count(void **state) {
  (void)state;
  char model[4096];
  snprintf(model, sizeof model, "%s/tiny_relu.onnx", tu_demo_zoo());
  if (!io_exists(model)) skip();
  CompInput in = {0};
  CompileOptions opt = {.model_name = "t",
                        .source = model,
                        .inputs = &in,
                        .n_inputs = 1,
                        .shaves = 8,
                        .cmx_slices = 8,
                        .openvino = "2022.1",
                        .want_blob = true,
                        .superblob = true};
  CompileResult res;
  Err err = {0};
  assert_int_equal(compile_model(&res, &opt, &err), 0);
  const uint8_t *p = res.blob.data;
  uint64_t base_len = be64(p);
  assert_true(136 + base_len <= res.blob.len);
  uint64_t off = 136 + base_len, total = 136 + base_len;
  for (int n = 1; n <= 16; n++) total += be64(p + 8 * n);
  assert_int_equal(total, res.blob.len);
  assert_int_equal(be64(p + 8 * 8), 0); /* the base is the 8-SHAVE blob */
  for (int n = 1; n <= 16; n++) {
    uint64_t plen = be64(p + 8 * n);
    Buf blob = BUF_INIT;
    if (plen)
      assert_int_equal(be_bspatch(&blob, p + 136, base_len, p + off, plen, &err), 0);
    else
      buf_put(&blob, p + 136, base_len);
    off += plen;
    Arena *a = arena_new();
    BlobInfo *b = NULL;
    assert_int_equal(blob_parse(&b, a, blob.data, blob.len, "patched", &err), 0);
    assert_int_equal(b->hdr.shaves, (uint32_t)n);
    assert_int_equal(b->hdr.cmx_slices, (uint32_t)n);
    assert_int_equal(blob_check(b, NULL, &err), 0);
    arena_free(a);
    buf_free(&blob);
  }
  compile_result_free(&res);
}

static void blob_write__bsdiff_roundtrip_any_sizes(void **state) {
  (void)state;
  uint64_t x = 88172645463325252ull;
  size_t sizes[][2] = {{0, 0}, {0, 10}, {10, 0}, {100, 100}, {1000, 1500}, {4096, 17}};
  for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
    size_t ol = sizes[c][0], nl = sizes[c][1];
    uint8_t *o = malloc(ol + 1), *nw = malloc(nl + 1);
    for (size_t i = 0; i < ol; i++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      o[i] = (uint8_t)x;
    }
    for (size_t i = 0; i < nl; i++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      nw[i] = (uint8_t)(i % 3 ? x : (i < ol ? o[i] : 0));
    }
    Buf patch = BUF_INIT, out = BUF_INIT;
    Err err = {0};
    assert_int_equal(be_bsdiff(&patch, o, ol, nw, nl, &err), 0);
    assert_memory_equal(patch.data, "BSDIFF40", 8);
    assert_int_equal(be_bspatch(&out, o, ol, patch.data, patch.len, &err), 0);
    assert_int_equal(out.len, nl);
    if (nl) assert_memory_equal(out.data, nw, nl);
    /* a damaged patch is an error, never a crash */
    patch.data[patch.len / 2] ^= 0x5a;
    Buf junk = BUF_INIT;
    be_bspatch(&junk, o, ol, patch.data, patch.len, &err);
    buf_free(&junk);
    buf_free(&patch);
    buf_free(&out);
    free(o);
    free(nw);
  }
}

/* Blocks moved around (what NCE tiling does to the constants between SHAVE counts): the patch
 * rebuilds new exactly, and is small. */
static void blob_write__bsdiff_finds_moved_blocks(void **state) {
  (void)state;
  size_t ol = 64 * 1000, nl = 64 * 1100;
  uint8_t *o = malloc(ol), *nw = malloc(nl);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < ol; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    o[i] = (uint8_t)(x >> 32);
  }
  for (size_t b = 0; b < 1100;
       b++) { /* old's blocks in another order, every tenth new random bytes */
    if (b % 10 == 3)
      for (size_t i = 0; i < 64; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        nw[b * 64 + i] = (uint8_t)(x >> 32);
      }
    else
      memcpy(nw + b * 64, o + ((b * 37) % 1000) * 64, 64);
  }
  Buf patch = BUF_INIT, out = BUF_INIT;
  Err err = {0};
  assert_int_equal(be_bsdiff(&patch, o, ol, nw, nl, &err), 0);
  assert_int_equal(be_bspatch(&out, o, ol, patch.data, patch.len, &err), 0);
  assert_int_equal(out.len, nl);
  assert_memory_equal(out.data, nw, nl);
  assert_true(patch.len < nl / 4); /* ~110 random blocks + control, not the 70 KB */
  buf_free(&patch);
  buf_free(&out);
  free(o);
  free(nw);
}

/* A superblob of a network with NCE stages (their tiling depends on the CMX slices, so the
 * blobs differ everywhere after the stages): each patched blob is byte for byte the blob
 * compiled for that SHAVE count. */
static void blob_write__superblob_with_nce_stages_rebuilds_each_blob(void **state) {
  (void)state;
  char model[4096];
  snprintf(model, sizeof model, "%s/mobilenet_v2.onnx", tu_demo_zoo());
  if (!io_exists(model)) skip();
  CompInput in = {0};
  CompileOptions opt = {.model_name = "t",
                        .source = model,
                        .inputs = &in,
                        .n_inputs = 1,
                        .shaves = 8,
                        .cmx_slices = 8,
                        .openvino = "2022.1",
                        .want_blob = true,
                        .superblob = true};
  CompileResult res;
  Err err = {0};
  assert_int_equal(compile_model(&res, &opt, &err), 0);
  const uint8_t *p = res.blob.data;
  uint64_t base_len = be64(p), off = 136 + base_len;
  for (int n = 1; n <= 16; n++) {
    uint64_t plen = be64(p + 8 * n);
    Buf blob = BUF_INIT;
    if (plen)
      assert_int_equal(be_bspatch(&blob, p + 136, base_len, p + off, plen, &err), 0);
    else
      buf_put(&blob, p + 136, base_len);
    off += plen;
    CompileOptions o = opt;
    o.superblob = false;
    o.shaves = o.cmx_slices = n;
    CompileResult one;
    assert_int_equal(compile_model(&one, &o, &err), 0);
    assert_true(one.n_hw_stages > 0);
    assert_int_equal(blob.len, one.blob.len);
    assert_memory_equal(blob.data, one.blob.data, blob.len);
    if (n != 8) assert_true(plen < one.blob.len / 2);
    compile_result_free(&one);
    buf_free(&blob);
  }
  compile_result_free(&res);
}

static void blob_write__version_stamps_follow_depthai(void **state) {
  (void)state;
  uint32_t ma, mi;
  assert_int_equal(be_blob_version("2021.4", &ma, &mi), 0);
  assert_int_equal(ma, 2021);
  assert_int_equal(mi, 4);
  assert_int_equal(be_blob_version("2022.1", &ma, &mi), 0);
  assert_int_equal(ma, 2022);
  assert_int_equal(mi, 1);
  assert_int_equal(be_blob_version("2023.0", &ma, &mi), -1);
  assert_int_equal(be_blob_version("2021.4x", &ma, &mi), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(blob_write__superblob_patches_rebuild_every_shave_count),
      cmocka_unit_test(blob_write__bsdiff_roundtrip_any_sizes),
      cmocka_unit_test(blob_write__bsdiff_finds_moved_blocks),
      cmocka_unit_test(blob_write__superblob_with_nce_stages_rebuilds_each_blob),
      cmocka_unit_test(blob_write__version_stamps_follow_depthai),
  };
  return cmocka_run_group_tests_name("blob_write", tests, NULL, NULL);
}
