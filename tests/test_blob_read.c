/* tests/test_blob_read.c — blob_parse / blob_check / `blobc inspect` (cmd/cmd_inspect.c). */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compiler/backend/blob_read.h"

/* The command is not in libblobc (cmd/ is linked only into blobc): compile it into this test so
 * its static helpers (inspect_run, print_human, json_blob) can be driven directly. */
#include "cmd/cmd_inspect.c"

/* ---- helpers --------------------------------------------------------------------------------- */

/* Reads a shared real blob (relative to real-blobs/); NULL when the data dir is absent. */
static uint8_t *load_real(const char *rel, size_t *len) {
  const char *sd = tu_shared_data();
  if (!sd) return NULL;
  char path[1024];
  snprintf(path, sizeof path, "%s/real-blobs/%s", sd, rel);
  uint8_t *data = NULL;
  Err err = {0};
  if (io_read_file(&data, len, path, 0, &err) < 0) return NULL;
  return data;
}

/* Parses a malloc'd copy of exactly len bytes (so ASan sees any overread). */
static int parse_copy(const uint8_t *src, size_t len, Err *err, BlobInfo **out, Arena *a) {
  uint8_t *copy = malloc(len ? len : 1);
  assert_non_null(copy);
  if (len) memcpy(copy, src, len);
  int rc = blob_parse(out, a, copy, len, "t.blob", err);
  free(copy);
  return rc;
}

static void put_u32s(Buf *b, const uint32_t *v, size_t n) {
  for (size_t i = 0; i < n; i++) buf_put_u32(b, v[i]);
}

/* The §3.7 worked example: one ReLU on an FP16 1x8x4x4 NCHW tensor. With v5 the same network in
 * the §3.9 inline-shape layout (no shape arrays in the const section). */
static void build_relu(Buf *out, bool v5) {
  static const uint32_t dims[4] = {4, 4, 8, 1}, strides[4] = {2, 8, 32, 256};
  Buf in = BUF_INIT, outs = BUF_INIT, st = BUF_INIT, cst = BUF_INIT;
  const char *names[2] = {"data", "relu"};
  Buf *io[2] = {&in, &outs};
  for (int k = 0; k < 2; k++) {
    char nm[16] = {0};
    memcpy(nm, names[k], 4);
    buf_put_u32(io[k], 0), buf_put_u32(io[k], 0), buf_put_u32(io[k], 16), buf_put(io[k], nm, 16);
    buf_put_u32(io[k], BLOB_DT_FP16), buf_put_u32(io[k], BLOB_ORDER_NCHW), buf_put_u32(io[k], 4);
    if (v5)
      put_u32s(io[k], dims, 4), put_u32s(io[k], strides, 4);
    else {
      const uint32_t w[4] = {BLOB_LOC_BLOB, 0x00, BLOB_LOC_BLOB, k ? 0x20u : 0x10u};
      put_u32s(io[k], w, 4);
    }
  }
  if (!v5) put_u32s(&cst, dims, 4), put_u32s(&cst, strides, 4), put_u32s(&cst, strides, 4);
  /* stage */
  buf_put_u32(&st, 0), buf_put_u32(&st, BLOB_STAGE_RELU), buf_put_u32(&st, 2), buf_put_u32(&st, 12);
  buf_put_u32(&st, 0), buf_put_f32(&st, 0.0f);
  for (int k = 0; k < 2; k++) {
    buf_put_u32(&st, BLOB_DT_FP16), buf_put_u32(&st, BLOB_ORDER_NCHW), buf_put_u32(&st, 4);
    if (v5)
      put_u32s(&st, dims, 4), put_u32s(&st, strides, 4);
    else {
      const uint32_t w[4] = {BLOB_LOC_BLOB, 0x00, BLOB_LOC_BLOB, k ? 0x20u : 0x10u};
      put_u32s(&st, w, 4);
    }
    const uint32_t w2[4] = {k ? BLOB_LOC_OUTPUT : BLOB_LOC_INPUT, 0, 256, 0};
    put_u32s(&st, w2, 4);
  }
  buf_put_u32(&st, BLOB_STAGE_RELU), buf_put_u32(&st, BLOB_STAGE_BORDER_SYMBOL);
  buf_set_u32(&st, 0, (uint32_t)st.len);
  uint32_t in_off = BLOB_HDR_AREA, out_off = in_off + (uint32_t)align_up(in.len, 64);
  uint32_t st_off = out_off + (uint32_t)align_up(outs.len, 64);
  uint32_t c_off = st_off + (uint32_t)align_up(st.len, 64);
  uint32_t fsize = c_off + (uint32_t)align_up(cst.len, 64);
  /* ELF stub + header */
  uint8_t elf[52] = {0x7F, 'e', 'l', 'f'};
  elf[16] = 1, elf[18] = 2, elf[20] = 2, elf[40] = 0xA0, elf[41] = 0x01;
  buf_put(out, elf, sizeof elf);
  const uint32_t h[20] = {
      BLOB_MAGIC, fsize, v5 ? 5u : 6u, 0,       1,      1,    1, 256, 256, 1, 0, 4, 4, 0,
      1,          0,     in_off,       out_off, st_off, c_off};
  put_u32s(out, h, 20);
  buf_align(out, 64);
  Buf *sec[4] = {&in, &outs, &st, &cst};
  for (int k = 0; k < 4; k++) buf_put(out, sec[k]->data, sec[k]->len), buf_align(out, 64);
  for (int k = 0; k < 4; k++) buf_free(sec[k]);
}

/* Expected values per real blob, from real-blobs/SOURCES.md. */
typedef struct {
  const char *rel;
  size_t size;
  uint32_t file_size, major, minor, shaves, cmx, inputs, outputs, stages;
  uint32_t inputs_size, outputs_size, bss, hw, shave, dma;
  const char *openvino;
} RealBlob;

/* clang-format off */
static const RealBlob REAL[] = {
    {"concat_openvino_2021.4_6shave.blob", 1024, 1024, 6, 0, 6, 6, 3, 1, 3, 810032, 1620000, 0, 0, 1, 0, "2022.1"},
    {"diff_openvino_2021.4_6shave.blob", 1664, 1664, 2021, 4, 6, 6, 2, 1, 8, 3110400, 1036800, 6220800, 0, 1, 0, "2021.4"},
    {"edge_simplified_openvino_2021.4_6shave.blob", 2816, 2816, 6, 0, 6, 6, 1, 1, 8, 270000, 540000, 540032, 1, 1, 1, "2022.1"},
    {"DivideBy255_sh1.blob", 640, 640, 6, 0, 1, 1, 1, 1, 2, 196608, 393216, 393216, 0, 1, 0, "2022.1"},
    {"PDPostProcessing_top2_sh1.blob", 43904, 43904, 6, 0, 1, 1, 2, 2, 55, 34048, 72, 64512, 0, 1, 1, "2022.1"},
    {"landmarks-regression-retail-0009_openvino_2021.2_6shave.blob", 533632, 533632, 6, 0, 6, 6, 1, 1, 37, 6912, 20, 13824, 1, 1, 0, "2022.1"},
    {"landmarks-regression-retail-0009.blob", 532900, 532736, 2022, 1, 6, 6, 1, 1, 37, 6912, 20, 13824, 1, 1, 0, "2022.1"},
    {"person-reidentification-retail-0288_openvino_2021.2_8shave.blob", 904256, 904256, 6, 0, 8, 8, 1, 1, 386, 98304, 512, 590016, 1, 1, 1, "2022.1"},
    {"pointcloud_640x400/14442C10B1EE62D700_pointcloud_640x400.blob", 1538240, 1538240, 2021, 4, 6, 6, 1, 1, 7, 512000, 1536000, 2560000, 0, 1, 0, "2021.4"},
    {"person-detection-retail-0013/model.blob", 2290560, 2290560, 5, 0, 4, 4, 1, 1, 568, 522240, 2800, 10792960, 1, 1, 1, "2020.3"},
    {"face-detection-retail-0004/face-detection-retail-0004_openvino_2020_1_4shave.blob", 1341888, 1341888, 5, 0, 4, 4, 1, 1, 122, 270000, 2800, 2728832, 1, 1, 1, "2020.3"},
};
/* clang-format on */
#define NREAL (sizeof REAL / sizeof REAL[0])

/* Collects every *.blob below dir (recursive) into paths[]; returns the count. */
static size_t find_blobs(const char *dir, char paths[][1024], size_t max, size_t n) {
  DIR *d = opendir(dir);
  if (!d) return n;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    struct stat sb;
    if (stat(p, &sb) != 0) continue;
    size_t l = strlen(e->d_name);
    if (S_ISDIR(sb.st_mode))
      n = find_blobs(p, paths, max, n);
    else if (l > 5 && strcmp(e->d_name + l - 5, ".blob") == 0 && n < max)
      snprintf(paths[n++], 1024, "%s", p);
  }
  closedir(d);
  return n;
}

/* ---- real blobs ------------------------------------------------------------------------------ */

static void blob_read__every_real_blob_parses_and_passes_check(void **state) {
  (void)state;
  const char *sd = tu_shared_data();
  if (!sd) skip();
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/real-blobs", sd);
  static char paths[64][1024];
  size_t n = find_blobs(dir, paths, 64, 0);
  if (n == 0) skip();
  assert_true(n >= NREAL);
  for (size_t i = 0; i < n; i++) {
    uint8_t *data = NULL;
    size_t len = 0;
    Err err = {0};
    assert_int_equal(io_read_file(&data, &len, paths[i], 0, &err), 0);
    Arena *a = arena_new();
    BlobInfo *b = NULL;
    int rc = blob_parse(&b, a, data, len, paths[i], &err);
    if (rc < 0) fail_msg("%s: %s", paths[i], err.msg);
    Buf rep = BUF_INIT;
    int nv = blob_check(b, &rep, &err);
    if (nv) fail_msg("%s: %.*s", paths[i], (int)rep.len, (const char *)rep.data);
    /* every stage of a known type had its buffer count decoded by type, not greedily */
    for (uint32_t s = 0; s < b->hdr.stages_count; s++) {
      const BlobStage *st = &b->stages[s];
      assert_int_equal(st->trailer_border, BLOB_STAGE_BORDER_SYMBOL);
      if (st->type == BLOB_STAGE_MYRIAD_X_HW_OP || st->type == BLOB_STAGE_CONVERT)
        assert_true(st->buffers_by_type);
    }
    buf_free(&rep);
    arena_free(a);
    free(data);
  }
}

static void blob_read__real_blobs_match_sources_md(void **state) {
  (void)state;
  if (!tu_shared_data()) skip();
  for (size_t i = 0; i < NREAL; i++) {
    const RealBlob *x = &REAL[i];
    size_t len = 0;
    uint8_t *data = load_real(x->rel, &len);
    if (!data) fail_msg("missing %s", x->rel);
    Arena *a = arena_new();
    BlobInfo *b = NULL;
    Err err = {0};
    assert_int_equal(blob_parse(&b, a, data, len, x->rel, &err), 0);
    const BlobHeader *h = &b->hdr;
    assert_int_equal(len, x->size);
    assert_int_equal(b->blob_len, x->size);
    assert_int_equal(h->file_size, x->file_size);
    assert_int_equal(b->trailer_bytes, x->size - x->file_size);
    assert_int_equal(h->ver_major, x->major);
    assert_int_equal(h->ver_minor, x->minor);
    assert_string_equal(b->openvino, x->openvino);
    assert_int_equal(b->inline_shapes, x->major == 5);
    assert_int_equal(h->shaves, x->shaves);
    assert_int_equal(h->cmx_slices, x->cmx);
    assert_int_equal(h->inputs_count, x->inputs);
    assert_int_equal(h->outputs_count, x->outputs);
    assert_int_equal(h->stages_count, x->stages);
    assert_int_equal(h->inputs_size, x->inputs_size);
    assert_int_equal(h->outputs_size, x->outputs_size);
    assert_int_equal(h->bss_mem_size, x->bss);
    assert_int_equal(h->batch_size, 1);
    assert_int_equal(h->has_hw_stage, x->hw);
    assert_int_equal(h->has_shave_stage, x->shave);
    assert_int_equal(h->has_dma_stage, x->dma);
    /* inputs_size is the end of the last input (checker finding 6) */
    const BlobIo *last = &b->inputs[h->inputs_count - 1];
    assert_int_equal(last->buffer_offset + last->byte_size, h->inputs_size);
    arena_free(a);
    free(data);
  }
}

static void blob_read__real_blob_io_details(void **state) {
  (void)state;
  size_t len = 0;
  uint8_t *data = load_real("concat_openvino_2021.4_6shave.blob", &len);
  if (!data) skip();
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  Err err = {0};
  assert_int_equal(blob_parse(&b, a, data, len, "concat", &err), 0);
  /* three 1x3x300x300 U8 inputs at 64-aligned offsets (§3.8) */
  static const uint32_t offs[3] = {0, 270016, 540032};
  for (int i = 0; i < 3; i++) {
    const BlobIo *io = &b->inputs[i];
    assert_int_equal(io->buffer_offset, offs[i]);
    assert_int_equal(io->shape.data_type, BLOB_DT_U8);
    assert_string_equal(io->shape.order_name, "NCHW");
    assert_int_equal(io->shape.dims[0], 1), assert_int_equal(io->shape.dims[1], 3);
    assert_int_equal(io->shape.dims[2], 300), assert_int_equal(io->shape.dims[3], 300);
    assert_int_equal(io->shape.dims_raw[0], 300), assert_int_equal(io->shape.dims_raw[3], 1);
    assert_int_equal(io->shape.strides[3], 1), assert_int_equal(io->shape.strides[0], 270000);
    assert_int_equal(io->byte_size, 270000);
  }
  /* concat along W: three Converts write the output at 0 / 600 / 1200 (§3.8) */
  for (int i = 0; i < 3; i++) {
    const BlobStage *st = &b->stages[i];
    assert_int_equal(st->type, BLOB_STAGE_CONVERT);
    assert_int_equal(st->num_buffers, 2);
    assert_int_equal(st->buffers[0].location, BLOB_LOC_INPUT);
    assert_int_equal(st->buffers[0].io_idx, i);
    assert_int_equal(st->buffers[1].location, BLOB_LOC_OUTPUT);
    assert_int_equal(st->buffers[1].data_offset, 600 * i);
  }
  arena_free(a);
  free(data);
}

static void blob_read__hw_stage_with_injected_copy(void **state) {
  (void)state;
  size_t len = 0;
  uint8_t *data =
      load_real("person-reidentification-retail-0288_openvino_2021.2_8shave.blob", &len);
  if (!data) skip();
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  Err err = {0};
  assert_int_equal(blob_parse(&b, a, data, len, "reid", &err), 0);
  uint32_t hw = 0, injected = 0;
  for (uint32_t i = 0; i < b->hdr.stages_count; i++) {
    const BlobStage *st = &b->stages[i];
    if (st->type != BLOB_STAGE_MYRIAD_X_HW_OP) continue;
    hw++;
    assert_true(st->num_hw_ops >= 1);
    if (st->injected) {
      injected++;
      assert_int_equal(st->injected->trailer_border, BLOB_STAGE_BORDER_SYMBOL);
      assert_int_equal(st->injected->trailer_type, st->injected->type);
      /* checker finding 3: a HW stage hosting an injected stage takes its numShaves */
      assert_int_equal(st->num_shaves, st->injected->num_shaves);
    } else {
      assert_int_equal(st->num_shaves, 0);
    }
  }
  assert_int_equal(hw, 232);
  assert_true(injected > 0);
  arena_free(a);
  free(data);
}

/* ---- hand-built blobs ------------------------------------------------------------------------ */

static void blob_read__worked_relu_example_parses(void **state) {
  (void)state;
  Buf blob = BUF_INIT;
  build_relu(&blob, false);
  assert_int_equal(blob.len, 512);
  assert_int_equal(rd_u32(blob.data + BLOB_HDR_STAGE_SECTION), 0x140);
  assert_int_equal(rd_u32(blob.data + BLOB_HDR_CONST_SECTION), 0x1C0);
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  Err err = {0};
  assert_int_equal(parse_copy(blob.data, blob.len, &err, &b, a), 0);
  assert_int_equal(b->hdr.file_size, 512);
  assert_int_equal(b->hdr.output_section, 0x100);
  assert_string_equal(b->openvino, "2022.1");
  assert_false(b->inline_shapes);
  assert_string_equal(b->inputs[0].name, "data");
  assert_string_equal(b->outputs[0].name, "relu");
  assert_int_equal(b->inputs[0].byte_size, 256);
  assert_string_equal(b->inputs[0].shape.order_name, "NCHW");
  assert_int_equal(b->inputs[0].shape.dims[1], 8);
  assert_int_equal(b->outputs[0].shape.strides_off, 0x20);
  const BlobStage *st = &b->stages[0];
  assert_int_equal(st->length, 120);
  assert_string_equal(st->type_name, "Relu");
  assert_int_equal(st->num_shaves, 2);
  assert_int_equal(st->params_size, 12);
  assert_int_equal(st->num_buffers, 2);
  assert_true(st->buffers_by_type);
  assert_int_equal(st->buffers[0].location, BLOB_LOC_INPUT);
  assert_int_equal(st->buffers[0].io_size, 256);
  assert_int_equal(st->buffers[0].extent, 256);
  assert_int_equal(st->buffers[1].location, BLOB_LOC_OUTPUT);
  assert_int_equal(st->buffers[1].offset, 0x140 + 0x44);
  Buf rep = BUF_INIT;
  assert_int_equal(blob_check(b, &rep, &err), 0);
  buf_free(&rep);
  arena_free(a);
  buf_free(&blob);
}

static void blob_read__v5_inline_shape_example_parses(void **state) {
  (void)state;
  Buf blob = BUF_INIT;
  build_relu(&blob, true);
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  Err err = {0};
  assert_int_equal(parse_copy(blob.data, blob.len, &err, &b, a), 0);
  assert_true(b->inline_shapes);
  assert_string_equal(b->openvino, "2020.3");
  assert_int_equal(b->inputs[0].shape.dims[3], 4);
  assert_int_equal(b->stages[0].num_buffers, 2);
  assert_int_equal(b->stages[0].buffers[1].shape.strides[0], 256);
  assert_int_equal(blob_check(b, NULL, &err), 0);
  arena_free(a);
  buf_free(&blob);
}

static void blob_read__superblob_exposes_base_blob_and_patches(void **state) {
  (void)state;
  Buf relu = BUF_INIT, sb = BUF_INIT;
  build_relu(&relu, false);
  uint8_t hdr[136] = {0};
  hdr[6] = (uint8_t)(relu.len >> 8), hdr[7] = (uint8_t)relu.len; /* big-endian u64 */
  hdr[8 + 8 * 3 + 7] = 16;                                       /* patch for 4 SHAVEs */
  buf_put(&sb, hdr, sizeof hdr);
  buf_put(&sb, relu.data, relu.len);
  buf_put(&sb, "BSDIFF40\0\0\0\0\0\0\0\0", 16);
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  Err err = {0};
  assert_int_equal(parse_copy(sb.data, sb.len, &err, &b, a), 0);
  assert_true(b->superblob);
  assert_int_equal(b->base, 136);
  assert_int_equal(b->super_blob_size, 512);
  assert_int_equal(b->super_patch_sizes[3], 16);
  assert_int_equal(b->super_patch_offset[3], 136 + 512);
  assert_int_equal(b->stages[0].offset, 136 + 0x140);
  assert_int_equal(blob_check(b, NULL, &err), 0);
  /* errors inside the base blob carry absolute file offsets */
  buf_set_u32(&sb, 136 + 0x140, 99999);
  assert_int_equal(parse_copy(sb.data, sb.len, &err, &b, a), -1);
  assert_string_equal(err.msg,
                      "offset 456: stage 0 length 99999 runs past the end of the stage section");
  arena_free(a);
  buf_free(&relu);
  buf_free(&sb);
}

/* ---- corruptions: each field triggers its own message or rule -------------------------------- */

/* Parses a corrupted copy of the ReLU blob; returns rc, message in err, report in rep. */
static int corrupt(size_t off, uint32_t v, Err *err, Buf *rep) {
  Buf blob = BUF_INIT;
  build_relu(&blob, false);
  buf_set_u32(&blob, off, v);
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  memset(err, 0, sizeof *err);
  int rc = parse_copy(blob.data, blob.len, err, &b, a);
  if (rc == 0) rc = blob_check(b, rep, err) ? 1 : 0;
  arena_free(a);
  buf_free(&blob);
  return rc;
}

static void expect_parse_error(size_t off, uint32_t v, const char *msg) {
  Err err;
  assert_int_equal(corrupt(off, v, &err, NULL), -1);
  assert_int_equal(err.code, ERR_PARSE);
  assert_string_equal(err.file, "t.blob");
  assert_string_equal(err.msg, msg);
}

static void expect_violation(size_t off, uint32_t v, const char *line) {
  Err err;
  Buf rep = BUF_INIT;
  assert_int_equal(corrupt(off, v, &err, &rep), 1);
  buf_put(&rep, "", 1);
  if (!strstr((const char *)rep.data, line))
    fail_msg("expected '%s' in:\n%s", line, (char *)rep.data);
  buf_free(&rep);
}

static void blob_read__bad_magic_is_rejected(void **state) {
  (void)state;
  expect_parse_error(BLOB_HDR_MAGIC, 0, "offset 52: bad magic 0x00000000, not a MyriadX blob");
}

static void blob_read__file_size_beyond_file_is_rejected(void **state) {
  (void)state;
  expect_parse_error(BLOB_HDR_FILE_SIZE, 576,
                     "offset 56: file_size 576 is more than the 512 bytes of the file");
}

static void blob_read__section_offset_beyond_file_is_rejected(void **state) {
  (void)state;
  expect_parse_error(BLOB_HDR_CONST_SECTION, 4096,
                     "offset 128: const_data_section_offset 4096 is outside the blob (132..512)");
}

static void blob_read__stage_length_past_section_is_rejected(void **state) {
  (void)state;
  expect_parse_error(0x140, 99999,
                     "offset 320: stage 0 length 99999 runs past the end of the stage section");
}

static void blob_read__huge_counts_are_rejected_before_allocating(void **state) {
  (void)state;
  expect_parse_error(BLOB_HDR_INPUTS_COUNT, 0xFFFFFFFF,
                     "offset 192: 4294967295 inputs cannot fit in the input section (64 bytes)");
  expect_parse_error(BLOB_HDR_STAGES_COUNT, 1000000,
                     "offset 320: 1000000 stages cannot fit in the stage section (128 bytes)");
}

static void blob_read__buffer_list_must_end_at_trailer(void **state) {
  (void)state;
  /* hasBias = 1 makes the Relu expect 3 buffers; the third runs into the trailer */
  Err err;
  assert_int_equal(corrupt(0x140 + 16, 1, &err, NULL), -1);
  assert_string_equal(err.msg, "offset 432: stage 0 (Relu) has 2 buffers, expected 3");
}

static void blob_read__too_many_dims_is_rejected(void **state) {
  (void)state;
  expect_parse_error(0xC0 + 0x24, 9, "offset 228: input 0 'data' numDims 9 is more than 8");
}

static void blob_read__short_and_foreign_files_are_rejected(void **state) {
  (void)state;
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  Err err = {0};
  uint8_t junk[200] = {0x18, 0, 0, 0, 'B', 'L', 'O', 'B'};
  assert_int_equal(parse_copy(junk, 100, &err, &b, a), -1);
  assert_string_equal(err.msg, "offset 100: file ends inside the 132-byte blob header");
  assert_int_equal(parse_copy(junk, 200, &err, &b, a), -1);
  assert_string_equal(err.msg, "offset 4: VPUX (RVC3) blob, not a MyriadX blob");
  assert_int_equal(parse_copy(junk, 0, &err, &b, a), -1);
  assert_string_equal(err.msg, "offset 0: file ends inside the 132-byte blob header");
  arena_free(a);
}

static void blob_read__check_reports_io_index_mismatch(void **state) {
  (void)state;
  expect_violation(0xC0, 1, "io-index: input 0 'data': ioIdx is 1");
}

static void blob_read__check_reports_bad_trailer(void **state) {
  (void)state;
  expect_violation(
      0x140 + 116, 0x12345678,
      "stage-trailer: stage 0 (Relu) at offset 320: trailer 6/0x12345678, expected 6/0x7f83ff19");
  expect_violation(0x140 + 112, 7,
                   "stage-trailer: stage 0 (Relu) at offset 320: trailer 7/0x7f83ff19");
}

static void blob_read__check_reports_num_dims_vs_order(void **state) {
  (void)state;
  expect_violation(0xC0 + 0x24, 3,
                   "num-dims: input 0 'data': numDims 3 but order 0x4321 has 4 dims");
  expect_violation(0xC0 + 0x20, 0x4021,
                   "order: input 0 'data': order code 0x4021 is not a dims permutation");
}

static void blob_read__check_reports_other_rules(void **state) {
  (void)state;
  expect_violation(BLOB_HDR_VER_MAJOR, 7, "version: version 7.0 is not in depthai's table");
  expect_violation(0x140 + 8, 5,
                   "stage-shaves: stage 0 (Relu): numShaves 5 is more than the header's 4");
  expect_violation(0x140 + 0x40, 64,
                   "buffer-area: stage 0 (Relu) buffer 0: 256 bytes at Input offset 64 run past "
                   "its area (256 bytes)");
  expect_violation(
      0x140 + 0x40, 3,
      "buffer-align: stage 0 (Relu) buffer 0: offset 3 is not a multiple of the element size 2");
  expect_violation(0x140 + 0x38, 1,
                   "buffer-io: stage 0 (Relu) buffer 0: ioIdx 1 but the blob has 1 inputs");
  expect_violation(0x140 + 0x18, 9, "data-type: stage 0 (Relu) buffer 0: unknown data type 9");
  expect_violation(BLOB_HDR_HAS_HW_STAGE, 1, "stage-flags: has_hw_stage is 1 but the stages say 0");
  expect_violation(
      BLOB_HDR_INPUTS_SIZE, 128,
      "io-extent: input 0 'data': 256 bytes at 0 run past the input buffer (128 bytes)");
  expect_violation(0x140 + 4, 200, "stage-type: stage 0 at offset 320: unknown stage type 200");
}

/* Header rules that the parser tolerates but cannot be broken in the ReLU blob without breaking
 * the decoding as well: checked on a parsed BlobInfo with the field changed afterwards. */
static void blob_read__check_reports_section_layout(void **state) {
  (void)state;
  Buf blob = BUF_INIT;
  build_relu(&blob, false);
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  Err err = {0};
  assert_int_equal(parse_copy(blob.data, blob.len, &err, &b, a), 0);
  b->hdr.input_section = 256;
  b->hdr.stage_section = 250;
  b->hdr.const_section = 600;
  b->blob_len = 500;
  b->stage_bytes = 1000;
  Buf rep = BUF_INIT;
  assert_true(blob_check(b, &rep, &err) >= 6);
  buf_put(&rep, "", 1);
  const char *want[] = {
      "file-size: file has 500 bytes, header file_size says 512\n",
      "input-section: input_info_section_offset is 256, not 192\n",
      "section-in-file: const section offset 600 is beyond file_size 512\n",
      "section-align: stage section offset 250 is not a multiple of 64\n",
      "section-order: stage section offset 250 is before the output section (256)\n",
      "stage-section: stage lengths sum to 1000, the stage section has 350 bytes\n",
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    if (!strstr((char *)rep.data, want[i]))
      fail_msg("missing '%s' in:\n%s", want[i], (char *)rep.data);
  buf_free(&rep);
  arena_free(a);
  buf_free(&blob);
}

/* ---- robustness: truncation and byte flips (run under ASan by `make asan`) ------------------- */

/* Truncates at `cut` twice: as is (must fail with an offset message) and with file_size patched
 * down to the cut (may pass or fail, must not crash). */
static void truncate_at(const uint8_t *data, size_t len, size_t cut) {
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  Err err = {0};
  if (parse_copy(data, cut, &err, &b, a) != -1) fail_msg("cut at %zu of %zu parsed", cut, len);
  if (strncmp(err.msg, "offset ", 7) != 0) fail_msg("cut at %zu: '%s'", cut, err.msg);
  if (cut >= BLOB_HEADER_END) {
    uint8_t *c = malloc(cut);
    assert_non_null(c);
    memcpy(c, data, cut);
    uint32_t fs = (uint32_t)cut;
    memcpy(c + BLOB_HDR_FILE_SIZE, &fs, 4);
    if (blob_parse(&b, a, c, cut, "t.blob", &err) == 0)
      blob_check(b, NULL, &err);
    else if (strncmp(err.msg, "offset ", 7) != 0)
      fail_msg("cut at %zu: '%s'", cut, err.msg);
    free(c);
  }
  arena_free(a);
}

static void truncate_blob(const uint8_t *data, size_t len, bool every_byte) {
  /* a 2022.x trailer can be cut without harm: cut only inside file_size */
  size_t fs = rd_u32(data + BLOB_HDR_FILE_SIZE);
  if (fs > len) fs = len;
  if (every_byte) {
    for (size_t cut = 0; cut < fs; cut++) truncate_at(data, len, cut);
    return;
  }
  size_t samples = fs > 256 * 1024 ? 50 : 500; /* checking a large HW blob takes ~0.2 s */
  for (size_t k = 0; k < samples; k++) truncate_at(data, len, fs * k / samples);
  for (int s = 0; s < 4; s++) { /* section boundaries and one byte either side */
    size_t off = rd_u32(data + BLOB_HDR_INPUT_SECTION + 4 * (size_t)s);
    for (size_t d = 0; d < 3; d++)
      if (off + d >= 1 && off + d - 1 < fs) truncate_at(data, len, off + d - 1);
  }
}

static void blob_read__truncation_never_crashes(void **state) {
  (void)state;
  Buf relu = BUF_INIT;
  build_relu(&relu, false);
  truncate_blob(relu.data, relu.len, true);
  buf_free(&relu);
  build_relu(&relu, true);
  truncate_blob(relu.data, relu.len, true);
  buf_free(&relu);
  if (!tu_shared_data()) return;
  for (size_t i = 0; i < NREAL; i++) {
    size_t len = 0;
    uint8_t *data = load_real(REAL[i].rel, &len);
    assert_non_null(data);
    truncate_blob(data, len,
                  len <= 8 * 1024); /* every cut of the small ones; 500 + boundaries else */
    free(data);
  }
}

/* xorshift64*: deterministic, no hidden state. */
static uint64_t prng(uint64_t *s) {
  *s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

static void blob_read__random_byte_flips_never_crash(void **state) {
  (void)state;
  static const char *const rels[] = {
      "edge_simplified_openvino_2021.4_6shave.blob", "PDPostProcessing_top2_sh1.blob",
      "diff_openvino_2021.4_6shave.blob",
      "face-detection-retail-0004/face-detection-retail-0004_openvino_2020_1_4shave.blob"};
  uint8_t *blobs[5] = {0};
  size_t lens[5] = {0}, nb = 0;
  Buf relu = BUF_INIT;
  build_relu(&relu, false);
  blobs[nb] = relu.data, lens[nb++] = relu.len;
  if (tu_shared_data())
    for (size_t i = 0; i < 4; i++) {
      blobs[nb] = load_real(rels[i], &lens[nb]);
      assert_non_null(blobs[nb]);
      nb++;
    }
  FILE *devnull = fopen("/dev/null", "w");
  assert_non_null(devnull);
  uint64_t s = 0x9E3779B97F4A7C15ULL;
  int ok = 0, bad = 0;
  for (int it = 0; it < 2000; it++) {
    size_t k = (size_t)(prng(&s) % nb);
    /* most flips land in the metadata (header, IO, stages): that is where decoding happens */
    size_t meta = rd_u32(blobs[k] + BLOB_HDR_CONST_SECTION) + 256;
    if (meta > lens[k]) meta = lens[k];
    uint8_t *c = malloc(lens[k]);
    assert_non_null(c);
    memcpy(c, blobs[k], lens[k]);
    int flips = 1 + (int)(prng(&s) % 4);
    for (int f = 0; f < flips; f++) {
      size_t at = (size_t)(prng(&s) % (it % 8 ? meta : lens[k]));
      uint64_t r = prng(&s);
      c[at] = (r & 0x100) ? (uint8_t)r : (uint8_t)(c[at] ^ (1u << (r % 8)));
    }
    Arena *a = arena_new();
    BlobInfo *b = NULL;
    Err err = {0};
    if (blob_parse(&b, a, c, lens[k], "t.blob", &err) == 0) {
      ok++;
      Buf rep = BUF_INIT;
      blob_check(b, &rep, &err);
      buf_free(&rep);
      print_human(devnull, b); /* the printers must cope with whatever parsed */
      json_t *j = json_blob(b);
      json_decref(j);
    } else {
      bad++;
      if (strncmp(err.msg, "offset ", 7) != 0) fail_msg("iteration %d: '%s'", it, err.msg);
    }
    arena_free(a);
    free(c);
  }
  assert_int_equal(ok + bad, 2000);
  assert_true(ok > 0 && bad > 0);
  fclose(devnull);
  for (size_t i = 1; i < nb; i++) free(blobs[i]);
  buf_free(&relu);
}

/* ---- blobc inspect --------------------------------------------------------------------------- */

/* Runs inspect_run with argv {"inspect", args...}; returns the exit code; stdout and stderr text in
 * out and errs. */
static int run_inspect(char **out, char **errs, const char *a1, const char *a2, const char *a3) {
  char *argv[5] = {"inspect", (char *)a1, (char *)a2, (char *)a3, NULL};
  int argc = 1 + (a1 != NULL) + (a2 != NULL) + (a3 != NULL);
  FILE *o = tmpfile(), *e = tmpfile();
  assert_non_null(o), assert_non_null(e);
  int rc = inspect_run(argc, argv, o, e);
  FILE *fs[2] = {o, e};
  char **dst[2] = {out, errs};
  for (int k = 0; k < 2; k++) {
    long n = ftell(fs[k]);
    rewind(fs[k]);
    *dst[k] = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(*dst[k], 1, (size_t)n, fs[k]), (size_t)n);
    fclose(fs[k]);
  }
  return rc;
}

static void blob_read__inspect_prints_text_json_and_exit_codes(void **state) {
  (void)state;
  char *dir = tu_tmpdir(), good[4200], badp[4200];
  snprintf(good, sizeof good, "%s/relu.blob", dir);
  snprintf(badp, sizeof badp, "%s/bad.blob", dir);
  Buf blob = BUF_INIT;
  build_relu(&blob, false);
  Err err = {0};
  assert_int_equal(io_write_atomic(good, blob.data, blob.len, &err), 0);
  char *out, *errs;
  assert_int_equal(run_inspect(&out, &errs, good, NULL, NULL), 0);
  assert_non_null(strstr(out, "MyriadX blob version 6.0 -> compiled by OpenVINO 2020.4 to 2022.1 "
                              "(the version does not say which; depthai loads it as 2022.1)"));
  assert_non_null(strstr(out, "Relu"));
  assert_non_null(strstr(out, "Input #0 +0"));
  free(out), free(errs);
  /* --json: one object with the documented keys */
  assert_int_equal(run_inspect(&out, &errs, good, "--json", NULL), 0);
  json_error_t je;
  json_t *j = json_loads(out, 0, &je);
  assert_non_null(j);
  const char *keys[] = {"version", "openvino", "file_size", "inputs",    "outputs",
                        "stages",  "bss_size", "shaves",    "cmx_slices"};
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
    assert_non_null(json_object_get(j, keys[k]));
  assert_string_equal(json_string_value(json_object_get(j, "version")), "6.0");
  assert_int_equal(json_integer_value(json_object_get(j, "file_size")), 512);
  json_t *in0 = json_array_get(json_object_get(j, "inputs"), 0);
  assert_string_equal(json_string_value(json_object_get(in0, "order")), "NCHW");
  assert_int_equal(json_integer_value(json_array_get(json_object_get(in0, "dims"), 1)), 8);
  json_decref(j);
  free(out), free(errs);
  /* --check passes on the good blob; fails (exit 1) on a broken trailer */
  assert_int_equal(run_inspect(&out, &errs, "--check", good, NULL), 0);
  assert_non_null(strstr(out, "check: ok"));
  free(out), free(errs);
  buf_set_u32(&blob, 0x140 + 116, 0);
  assert_int_equal(io_write_atomic(badp, blob.data, blob.len, &err), 0);
  assert_int_equal(run_inspect(&out, &errs, badp, "--check", NULL), 1);
  assert_non_null(strstr(out, "stage-trailer: stage 0 (Relu)"));
  free(out), free(errs);
  assert_int_equal(run_inspect(&out, &errs, badp, "--check", "--json"), 1);
  assert_non_null(strstr(out, "\"violations\""));
  free(out), free(errs);
  /* a malformed blob: exit 2 and the one-line `FILE: offset N: ...` */
  buf_set_u32(&blob, BLOB_HDR_MAGIC, 0);
  assert_int_equal(io_write_atomic(badp, blob.data, blob.len, &err), 0);
  assert_int_equal(run_inspect(&out, &errs, badp, NULL, NULL), 2);
  char want[4400];
  snprintf(want, sizeof want, "%s: offset 52: bad magic 0x00000000, not a MyriadX blob\n", badp);
  assert_string_equal(errs, want);
  assert_string_equal(out, "");
  free(out), free(errs);
  /* usage errors exit 2 */
  assert_int_equal(run_inspect(&out, &errs, NULL, NULL, NULL), 2);
  assert_non_null(strstr(errs, "usage: blobc inspect"));
  free(out), free(errs);
  assert_int_equal(run_inspect(&out, &errs, good, "--bogus", NULL), 2);
  free(out), free(errs);
  buf_free(&blob);
  tu_rmrf(dir);
  free(dir);
}

static void blob_read__inspect_real_blob_summary(void **state) {
  (void)state;
  const char *sd = tu_shared_data();
  if (!sd) skip();
  char path[1024];
  snprintf(path, sizeof path, "%s/real-blobs/landmarks-regression-retail-0009.blob", sd);
  char *out, *errs;
  assert_int_equal(run_inspect(&out, &errs, path, "--check", NULL), 0);
  assert_non_null(strstr(out, "version 2022.1 -> OpenVINO 2022.1"));
  assert_non_null(
      strstr(out, "file size   532900 bytes (header file_size 532736, 164 trailer bytes)"));
  assert_non_null(strstr(out, "check: ok"));
  free(out), free(errs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(blob_read__every_real_blob_parses_and_passes_check),
      cmocka_unit_test(blob_read__real_blobs_match_sources_md),
      cmocka_unit_test(blob_read__real_blob_io_details),
      cmocka_unit_test(blob_read__hw_stage_with_injected_copy),
      cmocka_unit_test(blob_read__worked_relu_example_parses),
      cmocka_unit_test(blob_read__v5_inline_shape_example_parses),
      cmocka_unit_test(blob_read__superblob_exposes_base_blob_and_patches),
      cmocka_unit_test(blob_read__bad_magic_is_rejected),
      cmocka_unit_test(blob_read__file_size_beyond_file_is_rejected),
      cmocka_unit_test(blob_read__section_offset_beyond_file_is_rejected),
      cmocka_unit_test(blob_read__stage_length_past_section_is_rejected),
      cmocka_unit_test(blob_read__huge_counts_are_rejected_before_allocating),
      cmocka_unit_test(blob_read__buffer_list_must_end_at_trailer),
      cmocka_unit_test(blob_read__too_many_dims_is_rejected),
      cmocka_unit_test(blob_read__short_and_foreign_files_are_rejected),
      cmocka_unit_test(blob_read__check_reports_io_index_mismatch),
      cmocka_unit_test(blob_read__check_reports_bad_trailer),
      cmocka_unit_test(blob_read__check_reports_num_dims_vs_order),
      cmocka_unit_test(blob_read__check_reports_other_rules),
      cmocka_unit_test(blob_read__check_reports_section_layout),
      cmocka_unit_test(blob_read__truncation_never_crashes),
      cmocka_unit_test(blob_read__random_byte_flips_never_crash),
      cmocka_unit_test(blob_read__inspect_prints_text_json_and_exit_codes),
      cmocka_unit_test(blob_read__inspect_real_blob_summary),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
