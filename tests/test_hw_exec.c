/*
 * tests/test_hw_exec.c — the MyriadXHwOp (NCE) interpreter of the blob executor
 * (compiler/ref/hw_exec.c) and `blob_run`, proven on Intel's own output.
 *
 * 1. compile_tool's face-detection-retail-0004 and person-detection-retail-0013 blobs
 *    (../shared/data/real-blobs, OpenVINO 2020.x, v5.0 blobs, 92 and 313 HW stages) run on the
 *    CPU from synthetic U8 frames must match the graph reference executor run on the OpenVINO IR
 *    beside them, fed the same pixels: the two tensors DetectionOutput reads (box regressions and
 *    class confidences, compared element by element) and the detections themselves. The IR is
 *    run in FP32; the blob stores every activation and weight in FP16, so the tolerance is an FP16
 *    one: max |blob - ref| <= 2% of max |ref| (measured figures are printed and kept in
 *    compiler/backend/README.md). A wrong weight layout, pad, activation encoding or channel range
 *    in any of the ~400 HW stages puts the error at the size of the values themselves.
 * 2. edge_simplified (kornia's normalised 3x3 Laplacian with reflected borders, one HW conv per
 *    channel after a Pad stage) against the Laplacian computed here by hand.
 * 3. Every real blob runs through blob_run, or fails with the reason it cannot run.
 * 4. Tiny hand-built HW blobs (tests/hwblob.h) against values computed here from the op
 *    definitions: conv with pad/bias/scale/ReLU and LeakyReLU encodings, channel ranges, max pool
 *    with repeated edges, average pool, CONV_POOL, an FC accumulation chain.
 * Without ../shared/data the real-blob tests skip and say so.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_read.h"
#include "compiler/frontend/ir_read.h"
#include "compiler/ref/blob_run.h"
#include "compiler/ref/ref.h"
#include "hwblob.h"
#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define N_FRAMES 1 /* the sanitizer build checks memory, not figures: one frame per model */
#else
#define N_FRAMES 3
#endif

static const char *shared_or_skip(void) {
  const char *d = tu_shared_data();
  if (!d) {
    fprintf(stderr, "  skipped: ../shared/data (real compile_tool blobs) is not here\n");
    skip();
  }
  return d;
}

/* ---- synthetic frames ------------------------------------------------------------------------ */

/* A U8 frame [1,H,W,3] (DT_U8, interleaved): k 0 smooth gradients with bright and dark blobs,
 * k 1 pseudo-random noise, k 2 stripes and a checkerboard. Deterministic. */
static void make_frame(RefTensor *t, int h, int w, int k) {
  Err err = {0};
  assert_int_equal(ref_tensor_alloc(t, DT_U8, 4, (int64_t[]){1, h, w, 3}, &err), 0);
  uint64_t s = 0x9e3779b97f4a7c15ull + (uint64_t)k;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) {
        double v;
        if (k == 0) {
          double dx = x - w * 0.4, dy = y - h * 0.45,
                 r2 = (dx * dx) / (w * w * 0.01) + (dy * dy) / (h * h * 0.02);
          v = 255.0 * x / w * (c == 0) + 255.0 * y / h * (c == 1) + 90 * (c == 2);
          if (r2 < 1) v = 200 + 40 * c - 30 * r2;
          if (((x / 37) + (y / 23)) % 5 == 0) v *= 0.3;
        } else if (k == 1) {
          s ^= s << 13, s ^= s >> 7, s ^= s << 17;
          v = (double)(s >> 56);
        } else {
          v = ((x / 8 + y / 8) % 2 ? 220 : 30) * (x < w / 2) +
              (128 + 100 * sin(y * 0.2 + c)) * (x >= w / 2);
        }
        t->i[((int64_t)y * w + x) * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : (int64_t)v;
      }
}

/* The same pixels as the planar float tensor [1,3,H,W] the IR takes (no channel flip: the blob's
 * Convert takes the bytes as they are too). */
static void planar(RefTensor *out, const RefTensor *frame) {
  Err err = {0};
  int64_t h = frame->dims[1], w = frame->dims[2];
  assert_int_equal(ref_tensor_alloc(out, DT_F32, 4, (int64_t[]){1, 3, h, w}, &err), 0);
  for (int c = 0; c < 3; c++)
    for (int64_t y = 0; y < h; y++)
      for (int64_t x = 0; x < w; x++)
        out->f[(c * h + y) * w + x] = (float)frame->i[(y * w + x) * 3 + c];
}

/* ---- the IR side ----------------------------------------------------------------------------- */

/* Runs the IR in FP32 on in; *det = the DetectionOutput result, loc/conf = its first two inputs. */
static void run_ir(const char *xml, const char *bin, const RefTensor *in, RefTensor *det,
                   RefTensor *loc, RefTensor *conf) {
  Err err = {0};
  char line[1400];
  Arena *a = arena_new();
  IrGraph *g = NULL;
  if (fe_ir_load_pair(&g, a, xml, bin, &err) < 0 || ir_infer(g, &err) < 0)
    fail_msg("%s", err_line(&err, line, sizeof line));
  int dn = -1;
  for (int i = 0; i < g->n_nodes; i++)
    if (!g->nodes[i].dead && g->nodes[i].op == IR_OP_DETECTION_OUTPUT) dn = i;
  assert_true(dn >= 0 && g->n_outputs == 1);
  int *outs = arena_array(a, 3, sizeof *outs);
  outs[0] = g->outputs[0], outs[1] = g->nodes[dn].inputs[0], outs[2] = g->nodes[dn].inputs[1];
  g->tensors[outs[1]].is_output = g->tensors[outs[2]].is_output = true;
  g->outputs = outs, g->n_outputs = 3;
  RefTensor *res = NULL;
  int n = 0;
  if (ref_run(g, REF_FP32, in, 1, &res, &n, &err) < 0)
    fail_msg("%s", err_line(&err, line, sizeof line));
  *det = res[0], *loc = res[1], *conf = res[2];
  free(res);
  ir_release(g);
  arena_free(a);
}

/* ---- the blob side --------------------------------------------------------------------------- */

typedef struct {
  float *loc, *conf;
  uint64_t n_loc, n_conf;
} DetInputs;

/* Before the DetectionOutput stage runs: its loc and conf buffers as the blob computed them. */
static void grab_det_inputs(void *ctx, const BlobStage *s, bool after, const BlobExecTap *tap) {
  DetInputs *d = ctx;
  Err err = {0};
  if (after || s->type != BLOB_STAGE_DETECTION_OUTPUT) return;
  assert_int_equal(blob_exec_read(tap, &s->buffers[0], &d->loc, &d->n_loc, &err), 0);
  assert_int_equal(blob_exec_read(tap, &s->buffers[1], &d->conf, &d->n_conf, &err), 0);
}

/* max |a - e| / max |e| over n values. */
static double rel_err(const float *a, const float *e, uint64_t n, double *scale) {
  double m = 0, mx = 0;
  for (uint64_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - e[i]);
    m = d > m ? d : m;
    mx = fabs(e[i]) > mx ? fabs(e[i]) : mx;
  }
  if (scale) *scale = mx;
  return mx > 0 ? m / mx : m;
}

/* Intersection over union of two boxes (x0, y0, x1, y1). */
static double iou(const float *p, const float *q) {
  double w = fmin(p[2], q[2]) - fmax(p[0], q[0]), h = fmin(p[3], q[3]) - fmax(p[1], q[1]);
  if (w <= 0 || h <= 0) return 0;
  double i = w * h, u = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - i;
  return u > 0 ? i / u : 0;
}

/* Detections [1,1,R,7] (image, label, conf, x0, y0, x1, y1; image -1 ends the list) of `a` with
 * conf >= thr, each looked for in `b`: a partner has the same label, conf and corners within
 * 0.01. A row without one is excused as an NMS near-tie when `b` has a box q of the same label
 * that decides its suppression by a hair: q's confidence within 0.002 of the row's and the boxes
 * overlapping (which of the two is kept depends on their order), or q at least as confident and
 * overlapping it by an IoU within 0.05 of the NMS threshold, 0.45 in both models (seen below
 * 0.02 confidence on synthetic frames). Returns the rows with neither; *n counts the rows looked
 * at, *ties the excused ones, *worst the largest partner distance. */
static int unmatched(const RefTensor *a, const RefTensor *b, double thr, int *n, int *ties,
                     double *worst) {
  int64_t ra = ref_numel(a) / 7, rb = ref_numel(b) / 7, miss = 0;
  *n = 0;
  for (int64_t i = 0; i < ra && a->f[i * 7] >= 0; i++) {
    const float *p = a->f + i * 7;
    if (p[2] < thr) continue;
    (*n)++;
    double best = 1e9;
    bool tie = false;
    for (int64_t j = 0; j < rb && b->f[j * 7] >= 0; j++) {
      const float *q = b->f + j * 7;
      if (q[1] != p[1]) continue;
      double d = 0;
      for (int k = 2; k < 7; k++) d = fmax(d, fabs((double)p[k] - q[k]));
      best = fmin(best, d);
      double o = iou(p + 3, q + 3);
      tie = tie || (fabs((double)p[2] - q[2]) <= 0.002 && o > 0) ||
            (q[2] >= p[2] && fabs(o - 0.45) <= 0.05);
    }
    if (best <= 0.01)
      *worst = fmax(*worst, best);
    else if (tie)
      (*ties)++;
    else
      miss++;
  }
  return (int)miss;
}

/* The n-th largest confidence among the detections of t (0 when fewer). */
static double nth_conf(const RefTensor *t, int n) {
  int64_t rows = ref_numel(t) / 7;
  float *c = malloc((size_t)rows * sizeof *c + 1);
  int64_t k = 0;
  for (int64_t i = 0; i < rows && t->f[i * 7] >= 0; i++) c[k++] = t->f[i * 7 + 2];
  double r = 0;
  for (int j = 0; j < n && j < k; j++) { /* partial selection, k is small */
    int64_t best = j;
    for (int64_t i = j + 1; i < k; i++)
      if (c[i] > c[best]) best = i;
    float tmp = c[j];
    c[j] = c[best], c[best] = tmp;
    r = c[j];
  }
  if (k < n) r = 0;
  free(c);
  return r;
}

typedef struct {
  const char *name, *xml, *bin, *blob;
} RealPair;

static void prove_ssd(const RealPair *p) {
  const char *d = shared_or_skip();
  char xml[4096], bin[4096], blob[4096];
  snprintf(xml, sizeof xml, "%s/real-blobs/%s/%s", d, p->name, p->xml);
  snprintf(bin, sizeof bin, "%s/real-blobs/%s/%s", d, p->name, p->bin);
  snprintf(blob, sizeof blob, "%s/real-blobs/%s/%s", d, p->name, p->blob);
  Err err = {0};
  char line[1400];
  uint8_t *data = NULL;
  size_t len = 0;
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  assert_int_equal(io_read_file(&data, &len, blob, 0, &err), 0);
  assert_int_equal(blob_parse(&b, a, data, len, blob, &err), 0);
  const BlobShape *is = &b->inputs[0].shape; /* U8 NCHW [1,3,H,W] */
  int h = (int)is->dims[2], w = (int)is->dims[3];
  double worst_loc = 0, worst_conf = 0, worst_det = 0;
  for (int k = 0; k < N_FRAMES; k++) {
    RefTensor frame = {0}, in = {0}, det = {0}, loc = {0}, conf = {0};
    make_frame(&frame, h, w, k);
    planar(&in, &frame);
    run_ir(xml, bin, &in, &det, &loc, &conf);
    DetInputs di = {0};
    BlobExecOpts o = {.max_work = BLOB_RUN_MAX_WORK, .hook = grab_det_inputs, .ctx = &di};
    BlobFeed f = {NULL, &frame, true};
    BlobResult r = {0};
    if (blob_run(&r, b, data, len, &f, 1, &o, &err) < 0)
      fail_msg("%s", err_line(&err, line, sizeof line));
    assert_int_equal(r.n_out, 1);
    assert_true(di.loc && di.conf);
    assert_int_equal((int64_t)di.n_loc, ref_numel(&loc));
    assert_int_equal((int64_t)di.n_conf, ref_numel(&conf));
    double sl, sc;
    double el = rel_err(di.loc, loc.f, di.n_loc, &sl),
           ec = rel_err(di.conf, conf.f, di.n_conf, &sc);
    int n_ref = 0, n_blob = 0, ties = 0;
    double wd = 0;
    int miss_ref = unmatched(&det, &r.outputs[0], 0, &n_ref, &ties, &wd);
    int miss_blob = unmatched(&r.outputs[0], &det, 0, &n_blob, &ties, &wd);
    double top = nth_conf(&det, 1);
    fprintf(stderr,
            "  %s frame %d: loc max err %.3g of %.3g (%.2e), conf max err %.3g of %.3g (%.2e); "
            "detections: %d in the "
            "IR, %d in the blob (top conf %.3f), matched within %.2g, %d near-ties, %d unmatched; "
            "%d stages\n",
            p->name, k, el * sl, sl, el, ec * sc, sc, ec, n_ref, n_blob, top, wd, ties,
            miss_ref + miss_blob, r.n_stages_run);
    assert_true(el <= 0.02);
    assert_true(ec <= 0.02);
    assert_int_equal(miss_ref + miss_blob, 0);
    assert_true(ties <= (n_ref + n_blob) / 20); /* near-ties stay rare */
    assert_true(n_ref > 0 && abs(n_ref - n_blob) <= ties);
    worst_loc = fmax(worst_loc, el), worst_conf = fmax(worst_conf, ec),
    worst_det = fmax(worst_det, wd);
    free(di.loc), free(di.conf);
    blob_result_free(&r);
    ref_tensor_free(&frame), ref_tensor_free(&in), ref_tensor_free(&det), ref_tensor_free(&loc),
        ref_tensor_free(&conf);
  }
  fprintf(
      stderr,
      "  %s: worst over %d frames: loc %.2e, conf %.2e of their scale; detections within %.3g\n",
      p->name, N_FRAMES, worst_loc, worst_conf, worst_det);
  arena_free(a);
  free(data);
}

/* The comparison has teeth: the same face-detection run with every HW ReLU turned into an
 * identity below zero (a0 = 1 instead of 0, in the parsed op list) must fail it. */
static void hw_exec__a_wrong_relu_encoding_is_caught(void **state) {
  (void)state;
  const char *d = shared_or_skip();
  char xml[4096], bin[4096], blob[4096];
  snprintf(xml, sizeof xml,
           "%s/real-blobs/face-detection-retail-0004/face-detection-retail-0004.xml", d);
  snprintf(bin, sizeof bin,
           "%s/real-blobs/face-detection-retail-0004/face-detection-retail-0004.bin", d);
  snprintf(blob, sizeof blob,
           "%s/real-blobs/face-detection-retail-0004/"
           "face-detection-retail-0004_openvino_2020_1_4shave.blob",
           d);
  Err err = {0};
  uint8_t *data = NULL;
  size_t len = 0;
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  assert_int_equal(io_read_file(&data, &len, blob, 0, &err), 0);
  assert_int_equal(blob_parse(&b, a, data, len, blob, &err), 0);
  int changed = 0;
  for (uint32_t i = 0; i < b->hdr.stages_count; i++)
    for (uint32_t k = 0; k < b->stages[i].num_hw_ops; k++)
      if (b->stages[i].hw_ops[k].with_relu) b->stages[i].hw_ops[k].relu_a0 = 1, changed++;
  assert_true(changed > 10);
  RefTensor frame = {0}, in = {0}, det = {0}, loc = {0}, conf = {0};
  make_frame(&frame, 300, 300, 0);
  planar(&in, &frame);
  run_ir(xml, bin, &in, &det, &loc, &conf);
  DetInputs di = {0};
  BlobExecOpts o = {.max_work = BLOB_RUN_MAX_WORK, .hook = grab_det_inputs, .ctx = &di};
  BlobFeed f = {NULL, &frame, true};
  BlobResult r = {0};
  assert_int_equal(blob_run(&r, b, data, len, &f, 1, &o, &err), 0);
  double el = rel_err(di.loc, loc.f, di.n_loc, NULL),
         ec = rel_err(di.conf, conf.f, di.n_conf, NULL);
  fprintf(
      stderr,
      "  face-detection with ReLU as identity: loc error %.2e, conf error %.2e of their scale\n",
      el, ec);
  assert_true(el > 0.02 || ec > 0.02);
  free(di.loc), free(di.conf);
  blob_result_free(&r);
  ref_tensor_free(&frame), ref_tensor_free(&in), ref_tensor_free(&det), ref_tensor_free(&loc),
      ref_tensor_free(&conf);
  arena_free(a);
  free(data);
}

static void hw_exec__face_detection_blob_matches_its_ir(void **state) {
  (void)state;
  RealPair p = {"face-detection-retail-0004", "face-detection-retail-0004.xml",
                "face-detection-retail-0004.bin",
                "face-detection-retail-0004_openvino_2020_1_4shave.blob"};
  prove_ssd(&p);
}

static void hw_exec__person_detection_blob_matches_its_ir(void **state) {
  (void)state;
  RealPair p = {"person-detection-retail-0013", "definition.xml", "weights.bin", "model.blob"};
  prove_ssd(&p);
}

/* ---- every real blob ---------------------------------------------------------------------------- */

/* Runs blob file `name` (under real-blobs/) on feeds; returns 0 and fills r, or -1 with err. */
static int run_real(BlobResult *r, const char *name, const BlobFeed *f, int n, Err *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/real-blobs/%s", tu_shared_data(), name);
  return blob_run_file(r, path, f, n, NULL, err);
}

static double max_abs_diff(const RefTensor *a, const RefTensor *b) {
  assert_int_equal(ref_numel(a), ref_numel(b));
  double m = 0;
  for (int64_t i = 0; i < ref_numel(a); i++) m = fmax(m, fabs((double)a->f[i] - b->f[i]));
  return m;
}

/* edge_simplified: kornia.filters.laplacian(kernel 3, border 'reflect', normalized): per channel
 * (sum of the 3x3 neighbourhood - 9 * centre) / 16 on the reflected image, computed here. */
static void hw_exec__edge_blob_is_a_normalised_laplacian(void **state) {
  (void)state;
  shared_or_skip();
  RefTensor frame = {0};
  make_frame(&frame, 300, 300, 1);
  BlobFeed f = {NULL, &frame, true};
  BlobResult r = {0};
  Err err = {0};
  char line[1400];
  if (run_real(&r, "edge_simplified_openvino_2021.4_6shave.blob", &f, 1, &err) < 0)
    fail_msg("%s", err_line(&err, line, sizeof line));
  const RefTensor *o = &r.outputs[0];
  assert_int_equal(o->rank, 4);
  assert_int_equal(o->dims[1], 3);
  double worst = 0;
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 300; y++)
      for (int x = 0; x < 300; x++) {
        double sum = 0;
        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++) {
            int yy = y + dy < 0 ? -(y + dy) : y + dy > 299 ? 598 - (y + dy) : y + dy;
            int xx = x + dx < 0 ? -(x + dx) : x + dx > 299 ? 598 - (x + dx) : x + dx;
            sum += (double)frame.i[((int64_t)yy * 300 + xx) * 3 + c];
          }
        double e = (sum - 9.0 * (double)frame.i[((int64_t)y * 300 + x) * 3 + c]) / 16.0;
        double d = fabs(o->f[((int64_t)c * 300 + y) * 300 + x] - e);
        worst = fmax(worst, d / (fabs(e) + 1e-3));
        assert_true(d <= fabs(e) * (1.0 / 2048) + 1e-6); /* one FP16 rounding of the result */
      }
  fprintf(
      stderr,
      "  edge_simplified: 270,000 values equal the hand-computed Laplacian within %.2g relative\n",
      worst);
  blob_result_free(&r);
  ref_tensor_free(&frame);
}

/* Every real blob runs, with inputs of its own shapes, or says why it cannot. Where the result is
 * known by hand it is checked: DivideBy255 (x / 255), concat (three frames side by side along W),
 * diff (sum over channels of img1 minus img2), and the two landmarks-regression blobs (the same
 * model compiled by OpenVINO 2021.2 and 2022.1) agree with each other. */
static void hw_exec__every_real_blob_runs_or_says_why(void **state) {
  (void)state;
  shared_or_skip();
  Err err = {0};
  char line[1400];
  BlobResult r = {0};
  RefTensor f300[3] = {{0}}, f256 = {0}, f48 = {0}, f128 = {0}, pc = {0}, d1 = {0}, d2 = {0},
            cls = {0}, reg = {0};
  for (int k = 0; k < 3; k++) make_frame(&f300[k], 300, 300, k);
  make_frame(&f256, 256, 256, 0);
  make_frame(&f48, 48, 48, 0);
  make_frame(&f128, 256, 128, 2);
  assert_int_equal(ref_tensor_alloc(&pc, DT_U8, 4, (int64_t[]){1, 400, 1280, 1}, &err), 0);
  assert_int_equal(ref_tensor_alloc(&d1, DT_U8, 3, (int64_t[]){3, 720, 720}, &err), 0);
  assert_int_equal(ref_tensor_alloc(&d2, DT_U8, 3, (int64_t[]){3, 720, 720}, &err), 0);
  assert_int_equal(ref_tensor_alloc(&cls, DT_F32, 3, (int64_t[]){1, 896, 1}, &err), 0);
  assert_int_equal(ref_tensor_alloc(&reg, DT_F32, 3, (int64_t[]){1, 896, 18}, &err), 0);
  for (int64_t i = 0; i < ref_numel(&pc); i++)
    pc.i[i] = (i * 7) % 100; /* depth bytes: below 25.6 m, inside FP16 */
  for (int64_t i = 0; i < ref_numel(&d1); i++)
    d1.i[i] = (i * 7) & 255, d2.i[i] = (i * 11 + 3) & 255;
  for (int64_t i = 0; i < ref_numel(&cls); i++) cls.f[i] = (float)((i * 37) % 100) / 10 - 5;
  for (int64_t i = 0; i < ref_numel(&reg); i++) reg.f[i] = (float)((i * 13) % 200) / 2 - 50;

  BlobFeed one = {NULL, &f256, true};
  if (run_real(&r, "DivideBy255_sh1.blob", &one, 1, &err) < 0)
    fail_msg("%s", err_line(&err, line, sizeof line));
  for (int c = 0; c < 3; c++)
    for (int64_t p = 0; p < 256 * 256; p++) {
      double e = (double)f256.i[p * 3 + c] / 255.0;
      assert_true(fabs(r.outputs[0].f[c * 256 * 256 + p] - e) <= e / 1024 + 1e-6);
    }
  blob_result_free(&r);

  BlobFeed three[3] = {
      {"img1", &f300[0], true}, {"img2", &f300[1], true}, {"img3", &f300[2], true}};
  if (run_real(&r, "concat_openvino_2021.4_6shave.blob", three, 3, &err) < 0)
    fail_msg("%s", err_line(&err, line, sizeof line));
  assert_int_equal(r.outputs[0].dims[3], 900);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 300; y++)
      for (int x = 0; x < 900; x++)
        assert_true(r.outputs[0].f[((int64_t)c * 300 + y) * 900 + x] ==
                    (float)f300[x / 300].i[((int64_t)y * 300 + x % 300) * 3 + c]);
  blob_result_free(&r);

  BlobFeed two[2] = {{"img1", &d1, false}, {"img2", &d2, false}};
  if (run_real(&r, "diff_openvino_2021.4_6shave.blob", two, 2, &err) < 0)
    fail_msg("%s", err_line(&err, line, sizeof line));
  assert_int_equal(ref_numel(&r.outputs[0]), 720 * 720);
  double worst = 0;
  for (int64_t p = 0; p < 720 * 720; p++) {
    double e = 0;
    for (int c = 0; c < 3; c++)
      e += (double)d1.i[c * 720 * 720 + p] - (double)d2.i[c * 720 * 720 + p];
    worst = fmax(worst, fabs(r.outputs[0].f[p] - e));
  }
  assert_true(worst <= 0.5); /* sums up to 765 in FP16 (ulp 0.5 above 512) */
  blob_result_free(&r);

  BlobResult r2 = {0};
  BlobFeed lm = {NULL, &f48, true};
  if (run_real(&r, "landmarks-regression-retail-0009_openvino_2021.2_6shave.blob", &lm, 1, &err) <
          0 ||
      run_real(&r2, "landmarks-regression-retail-0009.blob", &lm, 1, &err) < 0)
    fail_msg("%s", err_line(&err, line, sizeof line));
  double lmd = max_abs_diff(&r.outputs[0], &r2.outputs[0]);
  fprintf(stderr,
          "  landmarks-regression-retail-0009: 2021.2 and 2022.1 blobs agree within %.2g (outputs "
          "in [0, 1])\n",
          lmd);
  assert_true(lmd <= 0.01);
  blob_result_free(&r), blob_result_free(&r2);

  BlobFeed reid = {NULL, &f128, true}, pcf = {NULL, &pc, true};
  const struct {
    const char *file;
    const BlobFeed *f;
  } plain[] = {{"person-reidentification-retail-0288_openvino_2021.2_8shave.blob", &reid},
               {"pointcloud_640x400/14442C10B1EE62D700_pointcloud_640x400.blob", &pcf}};
  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
    if (run_real(&r, plain[i].file, plain[i].f, 1, &err) < 0)
      fail_msg("%s", err_line(&err, line, sizeof line));
    for (int64_t k = 0; k < ref_numel(&r.outputs[0]); k++) assert_true(isfinite(r.outputs[0].f[k]));
    blob_result_free(&r);
  }

  /* dynamic shapes: NMS whose output sizes the later stages read at run time */
  BlobFeed pp[2] = {{"classificators", &cls, false}, {"regressors", &reg, false}};
  assert_int_equal(run_real(&r, "PDPostProcessing_top2_sh1.blob", pp, 2, &err), -1);
  fprintf(stderr, "  PDPostProcessing_top2_sh1 cannot run: %s\n",
          err_line(&err, line, sizeof line));
  assert_non_null(strstr(err.msg, "StaticShapeNMS"));

  for (int k = 0; k < 3; k++) ref_tensor_free(&f300[k]);
  ref_tensor_free(&f256), ref_tensor_free(&f48), ref_tensor_free(&f128), ref_tensor_free(&pc);
  ref_tensor_free(&d1), ref_tensor_free(&d2), ref_tensor_free(&cls), ref_tensor_free(&reg);
}

/* ---- hand-built HW blobs ----------------------------------------------------------------------- */

/* Runs blob bytes on one FP16 input given as a [1,C,H,W] float tensor; the blob must pass
 * blob_check first. Returns blob_run's rc (err filled on failure). */
static int run_bytes(BlobResult *r, const Buf *blob, const RefTensor *in, bool check, Err *err) {
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  assert_int_equal(blob_parse(&b, a, blob->data, blob->len, "hand.blob", err), 0);
  if (check) {
    Buf rep = BUF_INIT;
    if (blob_check(b, &rep, err) != 0)
      fail_msg("check: %.*s", (int)rep.len, (const char *)rep.data);
    buf_free(&rep);
  }
  BlobFeed f = {NULL, in, false};
  int rc = blob_run(r, b, blob->data, blob->len, &f, 1, NULL, err);
  arena_free(a);
  return rc;
}

static void tiny_input(RefTensor *t) {
  Err err = {0};
  assert_int_equal(ref_tensor_alloc(t, DT_F32, 4, (int64_t[]){1, 2, 5, 6}, &err), 0);
  for (uint32_t c = 0; c < 2; c++)
    for (uint32_t y = 0; y < 5; y++)
      for (uint32_t x = 0; x < 6; x++) t->f[(c * 5 + y) * 6 + x] = hb_tiny_x(c, y, x);
}

/* out[o][y][x] of hb_tiny_conv from the definition: 3x3 conv with one pixel of zero padding,
 * + bias, * scale, then act (0 ReLU, else a LeakyReLU slope). Every value is a multiple of 1/128
 * below 64: exact in FP32 and FP16. */
static float tiny_expected(uint32_t o, uint32_t y, uint32_t x, float slope, bool relu) {
  float acc = 0;
  for (uint32_t i = 0; i < 2; i++)
    for (int ky = 0; ky < 3; ky++)
      for (int kx = 0; kx < 3; kx++) {
        int yy = (int)y + ky - 1, xx = (int)x + kx - 1;
        if (yy >= 0 && yy < 5 && xx >= 0 && xx < 6)
          acc +=
              hb_tiny_x(i, (uint32_t)yy, (uint32_t)xx) * hb_tiny_w(o, i, (uint32_t)(ky * 3 + kx));
      }
  float v = (acc + hb_tiny_b(o)) * hb_tiny_s(o);
  if (!relu) return v;
  return v < 0 ? v * slope : v;
}

static void hw_exec__conv_with_pad_bias_scale_relu_is_exact(void **state) {
  (void)state;
  Buf blob = BUF_INIT;
  hb_tiny_conv(&blob, NULL);
  RefTensor in = {0};
  tiny_input(&in);
  BlobResult r = {0};
  Err err = {0};
  assert_int_equal(run_bytes(&r, &blob, &in, true, &err), 0);
  int negatives = 0;
  for (uint32_t o = 0; o < 3; o++)
    for (uint32_t y = 0; y < 5; y++)
      for (uint32_t x = 0; x < 6; x++) {
        float e = tiny_expected(o, y, x, 0, true);
        negatives += tiny_expected(o, y, x, 1, false) < 0;
        if (r.outputs[0].f[(o * 5 + y) * 6 + x] != e)
          fail_msg("y[%u][%u][%u] = %g, expected %g", o, y, x, r.outputs[0].f[(o * 5 + y) * 6 + x],
                   e);
      }
  assert_true(negatives > 10); /* the ReLU had work to do */
  blob_result_free(&r);
  ref_tensor_free(&in);
  buf_free(&blob);
}

/* Two ops over channel ranges 0+2 and 2+1: ReLU on the first, LeakyReLU(0.25) on the second in
 * compile_tool's encoding (a0 1, a1 4 = 1/slope, the scale multiplied by the slope: hb_tiny_s(2)
 * is 0.25 = 1.0 * 0.25). */
static void two_ops(BlobHwOp *op, HbBuf *bufs) {
  (void)bufs;
  op->out_num_chans = 2;
}
static void hw_exec__channel_ranges_and_leaky_relu_encoding(void **state) {
  (void)state;
  /* hb_tiny_conv writes one op; build the two-op stage from the same parts by hand */
  Hb h;
  hb_init(&h, 1);
  HbBuf x = hb_nchw(BLOB_LOC_INPUT, 0, BLOB_DT_FP16, 1, 2, 5, 6, 16),
        y = hb_nchw(BLOB_LOC_OUTPUT, 0, BLOB_DT_FP16, 1, 3, 5, 6, 16);
  hb_io(&h, true, "x", &x);
  hb_io(&h, false, "y", &y);
  float w[54], b[8] = {0}, sc[8] = {0};
  for (uint32_t o = 0; o < 3; o++) {
    b[o] = hb_tiny_b(o), sc[o] = hb_tiny_s(o);
    for (uint32_t i = 0; i < 2; i++)
      for (uint32_t t = 0; t < 9; t++) w[(o * 2 + i) * 9 + t] = hb_tiny_w(o, i, t);
  }
  const uint32_t vd[1] = {8};
  HbBuf bufs[5] = {x, hb_hw_weights(&h, w, 3, 2, 2, 9), hb_const_f16(&h, b, 8, BLOB_ORDER_C, 1, vd),
                   hb_const_f16(&h, sc, 8, BLOB_ORDER_C, 1, vd), y};
  BlobHwOp op0 = {.op_type = BLOB_HW_OP_CONV,
                  .op_mode = 1,
                  .with_pad = 1,
                  .input_ind = 0,
                  .coeffs_ind = 1,
                  .biases_ind = 2,
                  .scales_ind = 3,
                  .output_ind = 4,
                  .out_num_chans = 3,
                  .kernel_width = 3,
                  .kernel_height = 3,
                  .kernel_stride = 1,
                  .with_relu = 1,
                  .relu_a1 = 1};
  two_ops(&op0, bufs);
  BlobHwOp op1 = op0;
  op1.out_chan_offset = 2, op1.out_num_chans = 1, op1.relu_a0 = 1, op1.relu_a1 = 4;
  Buf p = BUF_INIT, blob = BUF_INIT;
  hb_hw_begin(&p, 2);
  hb_hw_op(&p, &op0);
  hb_hw_op(&p, &op1);
  hb_hw_end(&p);
  hb_stage(&h, BLOB_STAGE_MYRIAD_X_HW_OP, 0, &p, bufs, 5);
  buf_free(&p);
  hb_finish(&h, &blob);
  RefTensor in = {0};
  tiny_input(&in);
  BlobResult r = {0};
  Err err = {0};
  assert_int_equal(run_bytes(&r, &blob, &in, true, &err), 0);
  int leaky_negatives = 0;
  for (uint32_t o = 0; o < 3; o++)
    for (uint32_t yy = 0; yy < 5; yy++)
      for (uint32_t xx = 0; xx < 6; xx++) {
        /* channel 2: (acc + b) * 1.0 with slope 0.25 below zero = ((acc + b) * 0.25) * (x < 0 ? 1 : 4) */
        float e = o < 2 ? tiny_expected(o, yy, xx, 0, true)
                        : tiny_expected(o, yy, xx, 1, false) *
                              (tiny_expected(o, yy, xx, 1, false) < 0 ? 1 : 4);
        leaky_negatives += o == 2 && e < 0;
        if (r.outputs[0].f[(o * 5 + yy) * 6 + xx] != e)
          fail_msg("y[%u][%u][%u] = %g, expected %g", o, yy, xx,
                   r.outputs[0].f[(o * 5 + yy) * 6 + xx], e);
      }
  assert_true(leaky_negatives > 3); /* slope 0.25 kept values below zero */
  blob_result_free(&r);
  ref_tensor_free(&in);
  buf_free(&blob);
}

/* POOL: MAX 3x3 stride 2 with the right and bottom edges repeated (padMode 0x3) over two ops
 * (channels 0+2, 2+1), then AVERAGE 2x2 stride 2 with ReLU, on [1,3,6,6]; and CONV_POOL: the
 * tiny conv followed by a 2x2 max pool. Expected values from the definitions. */
static void hw_exec__pools_and_conv_pool(void **state) {
  (void)state;
  Hb h;
  hb_init(&h, 1);
  HbBuf x = hb_nchw(BLOB_LOC_INPUT, 0, BLOB_DT_FP16, 1, 3, 6, 6, 16);
  HbBuf y1 = hb_nchw(BLOB_LOC_OUTPUT, 0, BLOB_DT_FP16, 1, 3, 3, 3, 16), y2 = y1;
  hb_io(&h, true, "x", &x);
  hb_io(&h, false, "max", &y1);
  hb_io(&h, false, "avg", &y2);
  BlobHwOp mx = {.op_type = BLOB_HW_OP_POOL,
                 .pool_type = BLOB_HW_POOL_MAX,
                 .op_mode = 4,
                 .with_pad = 1,
                 .pad_mode = BLOB_HW_PAD_REPEAT_RIGHT_EDGE | BLOB_HW_PAD_REPEAT_BOTTOM_EDGE,
                 .input_ind = 0,
                 .output_ind = 1,
                 .coeffs_ind = -1,
                 .biases_ind = -1,
                 .scales_ind = -1,
                 .out_num_chans = 2,
                 .kernel_width = 3,
                 .kernel_height = 3,
                 .kernel_stride = 2};
  BlobHwOp mx1 = mx;
  mx1.out_chan_offset = 2, mx1.out_num_chans = 1;
  BlobHwOp av = {.op_type = BLOB_HW_OP_POOL,
                 .pool_type = BLOB_HW_POOL_AVERAGE,
                 .op_mode = 4,
                 .input_ind = 0,
                 .output_ind = 1,
                 .coeffs_ind = -1,
                 .biases_ind = -1,
                 .scales_ind = -1,
                 .out_num_chans = 3,
                 .kernel_width = 2,
                 .kernel_height = 2,
                 .kernel_stride = 2,
                 .with_relu = 1,
                 .relu_a1 = 1};
  Buf p = BUF_INIT, blob = BUF_INIT;
  HbBuf b1[2] = {x, y1}, b2[2] = {x, y2};
  hb_hw_begin(&p, 2), hb_hw_op(&p, &mx), hb_hw_op(&p, &mx1), hb_hw_end(&p);
  hb_stage(&h, BLOB_STAGE_MYRIAD_X_HW_OP, 0, &p, b1, 2);
  p.len = 0;
  hb_hw_begin(&p, 1), hb_hw_op(&p, &av), hb_hw_end(&p);
  hb_stage(&h, BLOB_STAGE_MYRIAD_X_HW_OP, 0, &p, b2, 2);
  buf_free(&p);
  hb_finish(&h, &blob);
  RefTensor in = {0};
  Err err = {0};
  assert_int_equal(ref_tensor_alloc(&in, DT_F32, 4, (int64_t[]){1, 3, 6, 6}, &err), 0);
  for (int i = 0; i < 108; i++) in.f[i] = (float)((i * 29) % 17) - 8.0f;
  BlobResult r = {0};
  assert_int_equal(run_bytes(&r, &blob, &in, true, &err), 0);
  assert_int_equal(r.n_out, 2);
  for (int c = 0; c < 3; c++)
    for (int oy = 0; oy < 3; oy++)
      for (int ox = 0; ox < 3; ox++) {
        float m = -1e9f, s = 0;
        for (int ky = 0; ky < 3; ky++)
          for (int kx = 0; kx < 3; kx++) { /* repeated right/bottom edge = the window clipped */
            int yy = oy * 2 + ky, xx = ox * 2 + kx;
            yy = yy > 5 ? 5 : yy, xx = xx > 5 ? 5 : xx;
            m = fmaxf(m, in.f[(c * 6 + yy) * 6 + xx]);
          }
        for (int ky = 0; ky < 2; ky++)
          for (int kx = 0; kx < 2; kx++) s += in.f[(c * 6 + oy * 2 + ky) * 6 + ox * 2 + kx];
        assert_true(r.outputs[0].f[(c * 3 + oy) * 3 + ox] == m);
        assert_true(r.outputs[1].f[(c * 3 + oy) * 3 + ox] == fmaxf(s / 4, 0));
      }
  blob_result_free(&r);
  buf_free(&blob);

  /* CONV_POOL */
  blob = (Buf)BUF_INIT;
  hb_init(&h, 1);
  HbBuf cx = hb_nchw(BLOB_LOC_INPUT, 0, BLOB_DT_FP16, 1, 2, 5, 6, 16),
        cy = hb_nchw(BLOB_LOC_OUTPUT, 0, BLOB_DT_FP16, 1, 3, 2, 3, 16);
  hb_io(&h, true, "x", &cx);
  hb_io(&h, false, "y", &cy);
  float w[54], bb[8] = {0}, sc[8] = {0};
  for (uint32_t o = 0; o < 3; o++) {
    bb[o] = hb_tiny_b(o), sc[o] = hb_tiny_s(o);
    for (uint32_t i = 0; i < 2; i++)
      for (uint32_t t = 0; t < 9; t++) w[(o * 2 + i) * 9 + t] = hb_tiny_w(o, i, t);
  }
  const uint32_t vd[1] = {8};
  HbBuf cb[5] = {cx, hb_hw_weights(&h, w, 3, 2, 2, 9), hb_const_f16(&h, bb, 8, BLOB_ORDER_C, 1, vd),
                 hb_const_f16(&h, sc, 8, BLOB_ORDER_C, 1, vd), cy};
  BlobHwOp cp = {.op_type = BLOB_HW_OP_CONV_POOL,
                 .op_mode = 1,
                 .with_pad = 1,
                 .input_ind = 0,
                 .coeffs_ind = 1,
                 .biases_ind = 2,
                 .scales_ind = 3,
                 .output_ind = 4,
                 .out_num_chans = 3,
                 .kernel_width = 3,
                 .kernel_height = 3,
                 .kernel_stride = 1,
                 .pool_kernel_width = 2,
                 .pool_kernel_height = 2,
                 .with_relu = 1,
                 .relu_a1 = 1};
  p = (Buf)BUF_INIT;
  hb_hw_begin(&p, 1), hb_hw_op(&p, &cp), hb_hw_end(&p);
  hb_stage(&h, BLOB_STAGE_MYRIAD_X_HW_OP, 0, &p, cb, 5);
  buf_free(&p);
  hb_finish(&h, &blob);
  RefTensor tin = {0};
  tiny_input(&tin);
  assert_int_equal(run_bytes(&r, &blob, &tin, true, &err), 0);
  for (uint32_t o = 0; o < 3; o++)
    for (uint32_t oy = 0; oy < 2; oy++)
      for (uint32_t ox = 0; ox < 3; ox++) {
        float m = -1e9f;
        for (uint32_t ky = 0; ky < 2; ky++)
          for (uint32_t kx = 0; kx < 2; kx++)
            m = fmaxf(m, tiny_expected(o, oy * 2 + ky, ox * 2 + kx, 0, true));
        assert_true(r.outputs[0].f[(o * 2 + oy) * 3 + ox] == m);
      }
  blob_result_free(&r);
  ref_tensor_free(&in), ref_tensor_free(&tin);
  buf_free(&blob);
}

/* FC: 20 inputs, 10 outputs in two ops that accumulate (inputs 0+12 with fcAccum 1, then 12+8
 * with fcAccum 0, biases and ReLU on the last); plus an injected Copy of the input into a
 * second output, which must have run. */
static void hw_exec__fc_accumulation_chain_and_injected_copy(void **state) {
  (void)state;
  Hb h;
  hb_init(&h, 1);
  HbBuf x = hb_nchw(BLOB_LOC_INPUT, 0, BLOB_DT_FP16, 1, 20, 1, 1, 16),
        y = hb_nchw(BLOB_LOC_OUTPUT, 0, BLOB_DT_FP16, 1, 10, 1, 1, 16);
  HbBuf cpy = hb_nchw(BLOB_LOC_OUTPUT, 0, BLOB_DT_FP16, 1, 20, 1, 1, 16);
  hb_io(&h, true, "x", &x);
  hb_io(&h, false, "y", &y);
  hb_io(&h, false, "copy", &cpy);
  float w[200], b[16] = {0};
  for (int o = 0; o < 10; o++) {
    b[o] = (float)o * 0.25f - 1;
    for (int i = 0; i < 20; i++) w[o * 20 + i] = (float)((o * 7 + i * 3) % 9) * 0.125f - 0.5f;
  }
  const uint32_t vd[1] = {16};
  HbBuf bufs[4] = {x, hb_hw_weights(&h, w, 10, 20, 20, 1),
                   hb_const_f16(&h, b, 16, BLOB_ORDER_C, 1, vd), y};
  BlobHwOp f0 = {.op_type = BLOB_HW_OP_FC,
                 .input_ind = 0,
                 .coeffs_ind = 1,
                 .biases_ind = 2,
                 .scales_ind = -1,
                 .output_ind = 3,
                 .fc_input_num = 12,
                 .fc_output_num = 10,
                 .fc_accum = 1};
  BlobHwOp f1 = f0;
  f1.fc_input_offset = 12, f1.fc_input_num = 8, f1.fc_accum = 0, f1.with_relu = 1, f1.relu_a1 = 1;
  Buf p = BUF_INIT, blob = BUF_INIT;
  hb_hw_begin(&p, 2), hb_hw_op(&p, &f0), hb_hw_op(&p, &f1);
  HbBuf inj[2] = {x, cpy};
  hb_hw_inject(&h, &p, BLOB_STAGE_COPY, inj, 2);
  hb_stage(&h, BLOB_STAGE_MYRIAD_X_HW_OP, 0, &p, bufs, 4);
  buf_free(&p);
  hb_finish(&h, &blob);
  RefTensor in = {0};
  Err err = {0};
  assert_int_equal(ref_tensor_alloc(&in, DT_F32, 4, (int64_t[]){1, 20, 1, 1}, &err), 0);
  for (int i = 0; i < 20; i++) in.f[i] = (float)((i * 11) % 7) * 0.5f - 1.5f;
  BlobResult r = {0};
  assert_int_equal(run_bytes(&r, &blob, &in, true, &err), 0);
  for (int o = 0; o < 10; o++) {
    float acc = b[o];
    for (int i = 0; i < 20; i++) acc += in.f[i] * w[o * 20 + i];
    assert_true(r.outputs[0].f[o] == fmaxf(acc, 0));
  }
  for (int i = 0; i < 20; i++) assert_true(r.outputs[1].f[i] == in.f[i]);
  blob_result_free(&r);
  ref_tensor_free(&in);
  buf_free(&blob);
}

/* inspect --check's CMX liveness rule: a HW conv writes tensor T to CMX, a Copy writes another
 * tensor over part of T, a last Copy reads T. Overlapping is caught; the same blob with the
 * second tensor placed after T passes. */
static void cmx_clobber_blob(Buf *out, uint32_t second_at) {
  Hb h;
  hb_init(&h, 1);
  HbBuf x = hb_nchw(BLOB_LOC_INPUT, 0, BLOB_DT_FP16, 1, 2, 5, 6, 16),
        y = hb_nchw(BLOB_LOC_OUTPUT, 0, BLOB_DT_FP16, 1, 3, 5, 6, 16);
  hb_io(&h, true, "x", &x);
  hb_io(&h, false, "y", &y);
  float w[54], b[8] = {0}, sc[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  for (int i = 0; i < 54; i++) w[i] = 0.125f * (float)(i % 5);
  const uint32_t vd[1] = {8};
  HbBuf t = hb_nchw(BLOB_LOC_CMX, 0, BLOB_DT_FP16, 1, 3, 5, 6, 16);
  HbBuf conv[5] = {x, hb_hw_weights(&h, w, 3, 2, 2, 9), hb_const_f16(&h, b, 8, BLOB_ORDER_C, 1, vd),
                   hb_const_f16(&h, sc, 8, BLOB_ORDER_C, 1, vd), t};
  BlobHwOp op = {.op_type = BLOB_HW_OP_CONV,
                 .op_mode = 1,
                 .with_pad = 1,
                 .input_ind = 0,
                 .coeffs_ind = 1,
                 .biases_ind = 2,
                 .scales_ind = 3,
                 .output_ind = 4,
                 .out_num_chans = 3,
                 .kernel_width = 3,
                 .kernel_height = 3,
                 .kernel_stride = 1};
  Buf p = BUF_INIT;
  hb_hw_begin(&p, 1), hb_hw_op(&p, &op), hb_hw_end(&p);
  hb_stage(&h, BLOB_STAGE_MYRIAD_X_HW_OP, 0, &p, conv, 5);
  buf_free(&p);
  HbBuf x0 = x;
  x0.dims[2] = 1; /* channel 0 of x */
  HbBuf other = hb_nchw(BLOB_LOC_CMX, second_at, BLOB_DT_FP16, 1, 1, 5, 6, 16);
  HbBuf c1[2] = {x0, other}, c2[2] = {t, y};
  hb_stage(&h, BLOB_STAGE_COPY, 0, NULL, c1, 2);
  hb_stage(&h, BLOB_STAGE_COPY, 0, NULL, c2, 2);
  hb_finish(&h, out);
}

static void hw_exec__check_catches_cmx_overwritten_while_live(void **state) {
  (void)state;
  const uint32_t at[2] = {160, 256}; /* inside T's channel 2 (160..240), after T */
  for (int k = 0; k < 2; k++) {
    Buf blob = BUF_INIT, rep = BUF_INIT;
    cmx_clobber_blob(&blob, at[k]);
    Arena *a = arena_new();
    BlobInfo *b = NULL;
    Err err = {0};
    assert_int_equal(blob_parse(&b, a, blob.data, blob.len, "cmx.blob", &err), 0);
    int nv = blob_check(b, &rep, &err);
    fprintf(stderr, "  second tensor at CMX %u: %d violation(s)%s%.*s", at[k], nv,
            rep.len ? ": " : "\n", (int)rep.len, rep.len ? (const char *)rep.data : "");
    if (k == 0) {
      assert_int_equal(nv, 1);
      assert_non_null(strstr((const char *)rep.data,
                             "cmx-live: stage 2 (Copy) buffer 0 reads CMX 0..236, "
                             "written by stage 0, but stage 1 overwrote"));
    } else {
      assert_int_equal(nv, 0);
    }
    buf_free(&rep);
    arena_free(a);
    buf_free(&blob);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hw_exec__conv_with_pad_bias_scale_relu_is_exact),
      cmocka_unit_test(hw_exec__channel_ranges_and_leaky_relu_encoding),
      cmocka_unit_test(hw_exec__pools_and_conv_pool),
      cmocka_unit_test(hw_exec__fc_accumulation_chain_and_injected_copy),
      cmocka_unit_test(hw_exec__check_catches_cmx_overwritten_while_live),
      cmocka_unit_test(hw_exec__face_detection_blob_matches_its_ir),
      cmocka_unit_test(hw_exec__person_detection_blob_matches_its_ir),
      cmocka_unit_test(hw_exec__a_wrong_relu_encoding_is_caught),
      cmocka_unit_test(hw_exec__edge_blob_is_a_normalised_laplacian),
      cmocka_unit_test(hw_exec__every_real_blob_runs_or_says_why),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
