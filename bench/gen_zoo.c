/*
 * bench/gen_zoo.c — writes the benchmark zoo: `gen_zoo OUTDIR`.
 *
 * Deterministic (fixed seeds, onnx_build.h's PRNG): the same bytes on every run and machine.
 * Weights are He-uniform so every float is a normal FP16 value after conversion, like trained
 * weights (random, not trained), then calibrated on noise (compiler/ref/calibrate.h: BatchNorm
 * statistics, folded-BN convolutions per channel) so activations neither die nor explode.
 *
 *   big     mobilenet_v2   MobileNetV2 1.0 224, BN folded, Clip(0,6)        3.5 M params, 14 MB
 *           resnet50       ResNet-50 with BatchNormalization nodes         25.6 M params, 102 MB
 *           yolov5s        YOLOv5s v6 640x640: C3, SPPF, SiLU, Resize,      7.2 M params, 29 MB
 *                          Concat, three detection heads
 *   small   small_00..23   four families of small convnets (plain, depthwise-separable,
 *                          residual with BN, encoder-decoder with Resize): 10 .. 500 KB
 *   scale   scale_1..6     ResNet-50 with width multipliers 0.25 .. 1.5 (the scaling family)
 *
 * Also writes, in OUTDIR:
 *   index.tsv     name <TAB> file <TAB> group <TAB> parameters <TAB> bytes
 *   zoo.yaml      big + small models (the "whole zoo"), biggest first
 *   small.yaml    the small models only
 *   many100.yaml  100 models (the small files under 100 names) for the re-run target
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/onnx_build.h"
#include "tests/support/calibrate.h"

typedef struct {
  OnnxBuilder *ob;
  ObRng rng;
  char ring[16][256]; /* scratch names for cat() */
  unsigned k;
  unsigned uid; /* for unique tensor names */
} Gen;

static const char *cat(Gen *g, const char *a, const char *b) {
  char tmp[sizeof g->ring[0]]; /* a or b may be a ring entry themselves */
  snprintf(tmp, sizeof tmp, "%s%s", a, b);
  char *s = g->ring[g->k++ & 15];
  memcpy(s, tmp, sizeof tmp);
  return s;
}

/* Copies a name into one of the rotating buffers (names returned by ob_node live until ob_free,
 * but keeping our own copies makes the helpers independent of that). */
static const char *keep(Gen *g, const char *a) { return cat(g, a, ""); }

static void init_rand(Gen *g, const char *name, int rank, const int64_t *dims, float limit,
                      float offset) {
  ob_init_rand(g->ob, &g->rng, name, rank, dims, limit, offset);
}

static const char *conv(Gen *g, const char *x, const char *name, int cin, int cout, int k,
                        int stride, int pad, int group, int bias, float gain) {
  return keep(g, ob_conv(g->ob, &g->rng, x, name, cin, cout, k, stride, pad, group, bias, gain));
}

static const char *unary(Gen *g, const char *op, const char *name, const char *x) {
  return keep(
      g, ob_node(g->ob, op, name, 1, (const char *[]){x}, 1, (const char *[]){cat(g, name, "_y")}));
}

static const char *binary(Gen *g, const char *op, const char *name, const char *a, const char *b) {
  return keep(g, ob_node(g->ob, op, name, 2, (const char *[]){a, b}, 1,
                         (const char *[]){cat(g, name, "_y")}));
}

static const char *bn(Gen *g, const char *x, const char *name, int c, float gain) {
  int64_t d[1] = {c};
  char s[256], b[256], m[256], v[256], y[256];
  snprintf(s, sizeof s, "%s.weight", name);
  snprintf(b, sizeof b, "%s.bias", name);
  snprintf(m, sizeof m, "%s.running_mean", name);
  snprintf(v, sizeof v, "%s.running_var", name);
  snprintf(y, sizeof y, "%s_y", name);
  init_rand(g, s, 1, d, 0.1f * gain, gain);
  init_rand(g, b, 1, d, 0.05f, 0.0f);
  init_rand(g, m, 1, d, 0.05f, 0.0f);
  init_rand(g, v, 1, d, 0.1f, 1.0f);
  const char *yy = ob_node(g->ob, "BatchNormalization", name, 5, (const char *[]){x, s, b, m, v}, 1,
                           (const char *[]){y});
  ob_attr_float(g->ob, "epsilon", 1e-5f);
  ob_attr_float(g->ob, "momentum", 0.9f);
  return keep(g, yy);
}

static const char *gemm(Gen *g, const char *x, const char *name, int cin, int cout) {
  char wn[256], bn_[256];
  snprintf(wn, sizeof wn, "%s.weight", name);
  snprintf(bn_, sizeof bn_, "%s.bias", name);
  init_rand(g, wn, 2, (int64_t[]){cout, cin}, sqrtf(3.0f / (float)cin), 0.0f);
  init_rand(g, bn_, 1, (int64_t[]){cout}, 0.05f, 0.0f);
  const char *y = ob_node(g->ob, "Gemm", name, 3, (const char *[]){x, wn, bn_}, 1,
                          (const char *[]){cat(g, name, "_y")});
  ob_attr_float(g->ob, "alpha", 1.0f);
  ob_attr_float(g->ob, "beta", 1.0f);
  ob_attr_int(g->ob, "transB", 1);
  return keep(g, y);
}

static const char *relu6(Gen *g, const char *name, const char *x) {
  return keep(g, ob_node(g->ob, "Clip", name, 3, (const char *[]){x, "clip_min", "clip_max"}, 1,
                         (const char *[]){cat(g, name, "_y")}));
}

static void clip_consts(Gen *g) {
  float zero = 0.0f, six = 6.0f;
  ob_init_f32(g->ob, "clip_min", 0, NULL, &zero);
  ob_init_f32(g->ob, "clip_max", 0, NULL, &six);
}

static const char *leaky(Gen *g, const char *name, const char *x) {
  const char *y = unary(g, "LeakyRelu", name, x);
  ob_attr_float(g->ob, "alpha", 0.1f);
  return y;
}

/* SiLU as torch.onnx writes it for opset < 14: x * Sigmoid(x). */
static const char *silu(Gen *g, const char *name, const char *x) {
  char xs[256];
  snprintf(xs, sizeof xs, "%s", x);
  const char *s = unary(g, "Sigmoid", cat(g, name, ".sig"), xs);
  return binary(g, "Mul", cat(g, name, ".mul"), xs, s);
}

static const char *maxpool(Gen *g, const char *x, const char *name, int k, int s, int p) {
  const char *y = unary(g, "MaxPool", name, x);
  ob_attr_ints(g->ob, "kernel_shape", 2, (int64_t[]){k, k});
  ob_attr_ints(g->ob, "pads", 4, (int64_t[]){p, p, p, p});
  ob_attr_ints(g->ob, "strides", 2, (int64_t[]){s, s});
  return y;
}

static const char *concat(Gen *g, const char *name, int n, const char *const *xs) {
  const char *y =
      keep(g, ob_node(g->ob, "Concat", name, n, xs, 1, (const char *[]){cat(g, name, "_y")}));
  ob_attr_int(g->ob, "axis", 1);
  return y;
}

/* Nearest x2 upsample (Resize with scales, opset 11+). */
static const char *upsample2(Gen *g, const char *name, const char *x) {
  if (!g->uid++) {
    float scales[4] = {1.0f, 1.0f, 2.0f, 2.0f};
    ob_init_f32(g->ob, "up2.scales", 1, (int64_t[]){4}, scales);
  }
  const char *y = keep(g, ob_node(g->ob, "Resize", name, 3, (const char *[]){x, "", "up2.scales"},
                                  1, (const char *[]){cat(g, name, "_y")}));
  ob_attr_string(g->ob, "coordinate_transformation_mode", "asymmetric");
  ob_attr_string(g->ob, "mode", "nearest");
  ob_attr_string(g->ob, "nearest_mode", "floor");
  return y;
}

/* GAP + Flatten + Gemm + Softmax: output "output" [1, classes]. */
static void classifier(Gen *g, const char *x, int cin, int classes) {
  const char *y = unary(g, "GlobalAveragePool", "pool", x);
  y = unary(g, "Flatten", "flatten", y);
  ob_attr_int(g->ob, "axis", 1);
  y = gemm(g, y, "fc", cin, classes);
  ob_node(g->ob, "Softmax", "softmax", 1, (const char *[]){y}, 1, (const char *[]){"output"});
  ob_attr_int(g->ob, "axis", 1);
  ob_output(g->ob, "output", OB_FLOAT, 2, (int64_t[]){1, classes});
}

/* ---- big models ---- */

static void build_mobilenet_v2(Gen *g, double unused) {
  (void)unused;
  static const int cfg[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  ob_input(g->ob, "input", OB_FLOAT, 4, (int64_t[]){1, 3, 224, 224});
  clip_consts(g);
  char x[256], nm[128];
  snprintf(
      x, sizeof x, "%s",
      relu6(g, "features.0.act", conv(g, "input", "features.0.conv", 3, 32, 3, 2, 1, 1, 1, 1)));
  int cin = 32, idx = 1;
  for (int s = 0; s < 7; s++)
    for (int i = 0; i < cfg[s][2]; i++, idx++) {
      int t = cfg[s][0], c = cfg[s][1], stride = i == 0 ? cfg[s][3] : 1, hid = cin * t;
      bool res = stride == 1 && cin == c;
      char in[256];
      snprintf(in, sizeof in, "%s", x);
      const char *y = in;
      if (t != 1) {
        snprintf(nm, sizeof nm, "features.%d.expand", idx);
        y = relu6(g, cat(g, nm, ".act"), conv(g, y, nm, cin, hid, 1, 1, 0, 1, 1, 1.0f));
      }
      snprintf(nm, sizeof nm, "features.%d.dw", idx);
      y = relu6(g, cat(g, nm, ".act"), conv(g, y, nm, hid, hid, 3, stride, 1, hid, 1, 1.0f));
      snprintf(nm, sizeof nm, "features.%d.project", idx);
      y = conv(g, y, nm, hid, c, 1, 1, 0, 1, 1, res ? 0.4f : 0.7f);
      if (res) {
        snprintf(nm, sizeof nm, "features.%d.add", idx);
        y = binary(g, "Add", nm, in, y);
      }
      snprintf(x, sizeof x, "%s", y);
      cin = c;
    }
  const char *y =
      relu6(g, "features.18.act", conv(g, x, "features.18.conv", 320, 1280, 1, 1, 0, 1, 1, 1));
  classifier(g, y, 1280, 1000);
}

/* ResNet bottleneck (torchvision v1.5: stride on the 3x3) with BN nodes. */
static void bottleneck(Gen *g, char *x, const char *pfx, int cin, int mid, int cout, int stride) {
  char nm[160], in[256], main_y[256], sc[256];
  snprintf(in, sizeof in, "%s", x);
  snprintf(nm, sizeof nm, "%s.conv1", pfx);
  const char *y = conv(g, in, nm, cin, mid, 1, 1, 0, 1, 0, 1.0f);
  y = unary(g, "Relu", cat(g, pfx, ".relu1"), bn(g, y, cat(g, pfx, ".bn1"), mid, 1.0f));
  snprintf(nm, sizeof nm, "%s.conv2", pfx);
  y = conv(g, y, nm, mid, mid, 3, stride, 1, 1, 0, 1.0f);
  y = unary(g, "Relu", cat(g, pfx, ".relu2"), bn(g, y, cat(g, pfx, ".bn2"), mid, 1.0f));
  snprintf(nm, sizeof nm, "%s.conv3", pfx);
  y = conv(g, y, nm, mid, cout, 1, 1, 0, 1, 0, 1.0f);
  snprintf(main_y, sizeof main_y, "%s", bn(g, y, cat(g, pfx, ".bn3"), cout, 0.3f));
  snprintf(sc, sizeof sc, "%s", in);
  if (stride != 1 || cin != cout) {
    snprintf(nm, sizeof nm, "%s.downsample.0", pfx);
    y = conv(g, in, nm, cin, cout, 1, stride, 0, 1, 0, 1.0f);
    snprintf(sc, sizeof sc, "%s", bn(g, y, cat(g, pfx, ".downsample.1"), cout, 0.7f));
  }
  y = binary(g, "Add", cat(g, pfx, ".add"), main_y, sc);
  snprintf(x, 256, "%s", unary(g, "Relu", cat(g, pfx, ".relu3"), y));
}

/* ResNet-50 with every width multiplied by wm (wm = 1: torchvision resnet50). */
static void build_resnet50(Gen *g, double wm) {
  ob_input(g->ob, "input", OB_FLOAT, 4, (int64_t[]){1, 3, 224, 224});
  int stem = (int)lround(64 * wm);
  const char *y = conv(g, "input", "conv1", 3, stem, 7, 2, 3, 1, 0, 1.0f);
  y = unary(g, "Relu", "relu", bn(g, y, "bn1", stem, 1.0f));
  char x[256];
  snprintf(x, sizeof x, "%s", maxpool(g, y, "maxpool", 3, 2, 1));
  static const int blocks[4] = {3, 4, 6, 3}, widths[4] = {64, 128, 256, 512};
  int cin = stem;
  for (int l = 0; l < 4; l++) {
    int mid = (int)lround(widths[l] * wm), cout = mid * 4;
    for (int b = 0; b < blocks[l]; b++) {
      char pfx[64];
      snprintf(pfx, sizeof pfx, "layer%d.%d", l + 1, b);
      bottleneck(g, x, pfx, cin, mid, cout, (l > 0 && b == 0) ? 2 : 1);
      cin = cout;
    }
  }
  classifier(g, x, cin, 1000);
}

/* YOLOv5 Conv: conv (BN folded, bias) + SiLU. */
static const char *y5conv(Gen *g, const char *x, const char *name, int cin, int cout, int k,
                          int s) {
  return silu(
      g, cat(g, name, ".act"),
      conv(g, x, cat(g, name, ".conv"), cin, cout, k, s, k / 2 - (k == 6 ? 1 : 0), 1, 1, 1.0f));
}

static void y5c3(Gen *g, char *x, const char *name, int cin, int cout, int n, bool shortcut) {
  int c_ = cout / 2;
  char in[256], a[256], b[256], nm[160];
  snprintf(in, sizeof in, "%s", x);
  snprintf(a, sizeof a, "%s", y5conv(g, in, cat(g, name, ".cv1"), cin, c_, 1, 1));
  snprintf(b, sizeof b, "%s", y5conv(g, in, cat(g, name, ".cv2"), cin, c_, 1, 1));
  for (int i = 0; i < n; i++) {
    char t[256];
    snprintf(nm, sizeof nm, "%s.m.%d.cv1", name, i);
    snprintf(t, sizeof t, "%s", y5conv(g, a, nm, c_, c_, 1, 1));
    snprintf(nm, sizeof nm, "%s.m.%d.cv2", name, i);
    const char *y = y5conv(g, t, nm, c_, c_, 3, 1);
    if (shortcut) {
      snprintf(nm, sizeof nm, "%s.m.%d.add", name, i);
      y = binary(g, "Add", nm, a, y);
    }
    snprintf(a, sizeof a, "%s", y);
  }
  const char *c = concat(g, cat(g, name, ".cat"), 2, (const char *[]){a, b});
  snprintf(x, 256, "%s", y5conv(g, c, cat(g, name, ".cv3"), 2 * c_, cout, 1, 1));
}

static void build_yolov5s(Gen *g, double unused) {
  (void)unused;
  ob_input(g->ob, "images", OB_FLOAT, 4, (int64_t[]){1, 3, 640, 640});
  char x[256], p3[256], p4[256], h10[256], h14[256], o[3][256];
  snprintf(x, sizeof x, "%s", y5conv(g, "images", "model.0", 3, 32, 6, 2));
  snprintf(x, sizeof x, "%s", y5conv(g, x, "model.1", 32, 64, 3, 2));
  y5c3(g, x, "model.2", 64, 64, 1, true);
  snprintf(x, sizeof x, "%s", y5conv(g, x, "model.3", 64, 128, 3, 2));
  y5c3(g, x, "model.4", 128, 128, 2, true);
  snprintf(p3, sizeof p3, "%s", x);
  snprintf(x, sizeof x, "%s", y5conv(g, x, "model.5", 128, 256, 3, 2));
  y5c3(g, x, "model.6", 256, 256, 3, true);
  snprintf(p4, sizeof p4, "%s", x);
  snprintf(x, sizeof x, "%s", y5conv(g, x, "model.7", 256, 512, 3, 2));
  y5c3(g, x, "model.8", 512, 512, 1, true);
  { /* SPPF */
    char a[256], m1[256], m2[256], m3[256];
    snprintf(a, sizeof a, "%s", y5conv(g, x, "model.9.cv1", 512, 256, 1, 1));
    snprintf(m1, sizeof m1, "%s", maxpool(g, a, "model.9.m1", 5, 1, 2));
    snprintf(m2, sizeof m2, "%s", maxpool(g, m1, "model.9.m2", 5, 1, 2));
    snprintf(m3, sizeof m3, "%s", maxpool(g, m2, "model.9.m3", 5, 1, 2));
    const char *c = concat(g, "model.9.cat", 4, (const char *[]){a, m1, m2, m3});
    snprintf(x, sizeof x, "%s", y5conv(g, c, "model.9.cv2", 1024, 512, 1, 1));
  }
  snprintf(h10, sizeof h10, "%s", y5conv(g, x, "model.10", 512, 256, 1, 1));
  const char *c = concat(g, "model.12", 2, (const char *[]){upsample2(g, "model.11", h10), p4});
  snprintf(x, sizeof x, "%s", c);
  y5c3(g, x, "model.13", 512, 256, 1, false);
  snprintf(h14, sizeof h14, "%s", y5conv(g, x, "model.14", 256, 128, 1, 1));
  c = concat(g, "model.16", 2, (const char *[]){upsample2(g, "model.15", h14), p3});
  snprintf(x, sizeof x, "%s", c);
  y5c3(g, x, "model.17", 256, 128, 1, false);
  snprintf(o[0], sizeof o[0], "%s", x);
  snprintf(x, sizeof x, "%s", y5conv(g, x, "model.18", 128, 128, 3, 2));
  snprintf(x, sizeof x, "%s", concat(g, "model.19", 2, (const char *[]){x, h14}));
  y5c3(g, x, "model.20", 256, 256, 1, false);
  snprintf(o[1], sizeof o[1], "%s", x);
  snprintf(x, sizeof x, "%s", y5conv(g, x, "model.21", 256, 256, 3, 2));
  snprintf(x, sizeof x, "%s", concat(g, "model.22", 2, (const char *[]){x, h10}));
  y5c3(g, x, "model.23", 512, 512, 1, false);
  snprintf(o[2], sizeof o[2], "%s", x);
  static const int ch[3] = {128, 256, 512}, hw[3] = {80, 40, 20};
  for (int i = 0; i < 3; i++) {
    char nm[64], on[32];
    snprintf(nm, sizeof nm, "model.24.m.%d", i);
    snprintf(on, sizeof on, "output%d", i);
    const char *y = conv(g, o[i], nm, ch[i], 255, 1, 1, 0, 1, 1, 0.5f);
    ob_node(g->ob, "Identity", cat(g, nm, ".out"), 1, (const char *[]){y}, 1, (const char *[]){on});
    ob_output(g->ob, on, OB_FLOAT, 4, (int64_t[]){1, 255, hw[i], hw[i]});
  }
}

/* ---- small models: four families, parameterised by index i ---- */

/* plain: conv3x3+ReLU stacks with max pooling, GAP + Gemm classifier */
static void small_plain(Gen *g, int i) {
  int res = 32 + 16 * (i % 4), w = 4 + 2 * i, classes = 10 + 10 * (i % 3);
  ob_input(g->ob, "input", OB_FLOAT, 4, (int64_t[]){1, 3, res, res});
  char x[256], nm[64];
  snprintf(x, sizeof x, "input");
  int cin = 3;
  for (int s = 0; s < 3; s++) {
    int c = w << s;
    for (int r = 0; r < 2; r++) {
      snprintf(nm, sizeof nm, "s%d.conv%d", s, r);
      const char *y = conv(g, x, nm, cin, c, 3, 1, 1, 1, 1, 1.0f);
      snprintf(x, sizeof x, "%s", unary(g, "Relu", cat(g, nm, ".relu"), y));
      cin = c;
    }
    snprintf(nm, sizeof nm, "s%d.pool", s);
    snprintf(x, sizeof x, "%s", maxpool(g, x, nm, 2, 2, 0));
  }
  classifier(g, x, cin, classes);
}

/* depthwise-separable (MobileNetV1-like), Clip(0,6) */
static void small_dwsep(Gen *g, int i) {
  int res = 64 + 32 * (i % 3), w = 8 + 4 * i;
  ob_input(g->ob, "input", OB_FLOAT, 4, (int64_t[]){1, 3, res, res});
  clip_consts(g);
  char x[256], nm[64];
  snprintf(x, sizeof x, "%s",
           relu6(g, "stem.act", conv(g, "input", "stem", 3, w, 3, 2, 1, 1, 1, 1.0f)));
  int cin = w;
  for (int b = 0; b < 5; b++) {
    int c = b % 2 ? cin * 2 : cin, stride = b % 2 ? 2 : 1;
    snprintf(nm, sizeof nm, "b%d.dw", b);
    const char *y =
        relu6(g, cat(g, nm, ".act"), conv(g, x, nm, cin, cin, 3, stride, 1, cin, 1, 1.0f));
    snprintf(nm, sizeof nm, "b%d.pw", b);
    snprintf(x, sizeof x, "%s",
             relu6(g, cat(g, nm, ".act"), conv(g, y, nm, cin, c, 1, 1, 0, 1, 1, 1.0f)));
    cin = c;
  }
  classifier(g, x, cin, 100);
}

/* residual with BatchNormalization nodes (ResNet-8/14-like for CIFAR) */
static void small_resnet(Gen *g, int i) {
  int w = 4 + 3 * i / 2, nb = 1 + i % 2;
  ob_input(g->ob, "input", OB_FLOAT, 4, (int64_t[]){1, 3, 32, 32});
  char x[256], nm[64];
  const char *y = conv(g, "input", "stem", 3, w, 3, 1, 1, 1, 0, 1.0f);
  snprintf(x, sizeof x, "%s", unary(g, "Relu", "stem.relu", bn(g, y, "stem.bn", w, 1.0f)));
  int cin = w;
  for (int s = 0; s < 3; s++) {
    int c = w << s;
    for (int b = 0; b < nb; b++) {
      int stride = s > 0 && b == 0 ? 2 : 1;
      char in[256], sc[256], m[256];
      snprintf(in, sizeof in, "%s", x);
      snprintf(nm, sizeof nm, "l%d.%d.conv1", s, b);
      y = conv(g, in, nm, cin, c, 3, stride, 1, 1, 0, 1.0f);
      y = unary(g, "Relu", cat(g, nm, ".relu"), bn(g, y, cat(g, nm, ".bn"), c, 1.0f));
      snprintf(nm, sizeof nm, "l%d.%d.conv2", s, b);
      y = conv(g, y, nm, c, c, 3, 1, 1, 1, 0, 1.0f);
      snprintf(m, sizeof m, "%s", bn(g, y, cat(g, nm, ".bn"), c, 0.5f));
      snprintf(sc, sizeof sc, "%s", in);
      if (stride != 1 || cin != c) {
        snprintf(nm, sizeof nm, "l%d.%d.down", s, b);
        y = conv(g, in, nm, cin, c, 1, stride, 0, 1, 0, 1.0f);
        snprintf(sc, sizeof sc, "%s", bn(g, y, cat(g, nm, ".bn"), c, 0.7f));
      }
      snprintf(nm, sizeof nm, "l%d.%d", s, b);
      y = binary(g, "Add", cat(g, nm, ".add"), m, sc);
      snprintf(x, sizeof x, "%s", unary(g, "Relu", cat(g, nm, ".relu"), y));
      cin = c;
    }
  }
  classifier(g, x, cin, 10);
}

/* encoder-decoder (tiny segmentation / heatmap net): LeakyReLU, Resize x2 + Concat skips */
static void small_unet(Gen *g, int i) {
  int res = 64 + 32 * (i % 4), w = 3 + 2 * i, classes = 2 + i % 5;
  ob_input(g->ob, "input", OB_FLOAT, 4, (int64_t[]){1, 3, res, res});
  char x[256], skip[3][256], nm[64];
  snprintf(x, sizeof x, "input");
  int cin = 3;
  for (int s = 0; s < 3; s++) {
    int c = w << s;
    snprintf(nm, sizeof nm, "enc%d", s);
    snprintf(x, sizeof x, "%s",
             leaky(g, cat(g, nm, ".act"), conv(g, x, nm, cin, c, 3, 1, 1, 1, 1, 1.0f)));
    snprintf(skip[s], sizeof skip[s], "%s", x);
    snprintf(nm, sizeof nm, "enc%d.pool", s);
    snprintf(x, sizeof x, "%s", maxpool(g, x, nm, 2, 2, 0));
    cin = c;
  }
  snprintf(x, sizeof x, "%s",
           leaky(g, "mid.act", conv(g, x, "mid", cin, cin, 3, 1, 1, 1, 1, 1.0f)));
  for (int s = 2; s >= 0; s--) {
    int c = w << s;
    snprintf(nm, sizeof nm, "dec%d.up", s);
    const char *u = upsample2(g, nm, x);
    snprintf(nm, sizeof nm, "dec%d.cat", s);
    const char *cc = concat(g, nm, 2, (const char *[]){u, skip[s]});
    snprintf(nm, sizeof nm, "dec%d", s);
    snprintf(x, sizeof x, "%s",
             leaky(g, cat(g, nm, ".act"), conv(g, cc, nm, cin + c, c, 3, 1, 1, 1, 1, 1.0f)));
    cin = c;
  }
  const char *y = conv(g, x, "head", cin, classes, 1, 1, 0, 1, 1, 1.0f);
  ob_node(g->ob, "Sigmoid", "head.sig", 1, (const char *[]){y}, 1, (const char *[]){"output"});
  ob_output(g->ob, "output", OB_FLOAT, 4, (int64_t[]){1, classes, res, res});
}

static void build_small(Gen *g, double idx) {
  int i = (int)idx;
  switch (i % 4) {
  case 0: small_plain(g, i / 4); break;
  case 1: small_dwsep(g, i / 4); break;
  case 2: small_resnet(g, i / 4); break;
  default: small_unet(g, i / 4); break;
  }
}

/* ---- driver ---- */

#define N_SMALL 24
#define N_SCALE 6
static const double SCALE_WM[N_SCALE] = {0.25, 0.5, 0.75, 1.0, 1.25, 1.5};

typedef struct {
  char name[64];
  const char *group;
  void (*build)(Gen *, double);
  double arg;
  uint64_t seed;
  long long params;
  size_t bytes;
} Model;

static int write_text(const char *path, const Buf *b) {
  Err err = {0};
  char line[1024];
  if (io_write_atomic(path, b->data, b->len, &err) < 0) {
    fprintf(stderr, "gen_zoo: %s\n", err_line(&err, line, sizeof line));
    return -1;
  }
  return 0;
}

static void manifest_head(Buf *b, const char *what) {
  buf_printf(b, "# %s — generated by bench/gen_zoo.c\nversion: 1\n", what);
  buf_printf(b, "defaults:\n  data_type: FP16\n  shaves: 6\n  openvino: \"2022.1\"\n");
  buf_printf(b,
             "  mean_values: [123.675, 116.28, 103.53]\n  scale_values: [58.395, 57.12, 57.375]\n");
  buf_printf(b, "models:\n");
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gen_zoo OUTDIR\n");
    return 2;
  }
  const char *dir = argv[1];
  Err err = {0};
  char line[1024];
  if (io_mkdirs(dir, &err) < 0) {
    fprintf(stderr, "gen_zoo: %s\n", err_line(&err, line, sizeof line));
    return 1;
  }
  Model models[3 + N_SMALL + N_SCALE];
  int n = 0;
  models[n++] = (Model){"resnet50", "big", build_resnet50, 1.0, 0x72353000ull, 0, 0};
  models[n++] = (Model){"yolov5s", "big", build_yolov5s, 0, 0x79763573ull, 0, 0};
  models[n++] = (Model){"mobilenet_v2", "big", build_mobilenet_v2, 0, 0x6d763200ull, 0, 0};
  for (int i = 0; i < N_SMALL; i++) {
    models[n] = (Model){"", "small", build_small, i, 0x736d0000ull + (uint64_t)i, 0, 0};
    snprintf(models[n++].name, sizeof models[0].name, "small_%02d", i);
  }
  for (int i = 0; i < N_SCALE; i++) {
    models[n] =
        (Model){"", "scale", build_resnet50, SCALE_WM[i], 0x73630000ull + (uint64_t)i, 0, 0};
    snprintf(models[n++].name, sizeof models[0].name, "scale_%d", i + 1);
  }
  Buf index = BUF_INIT;
  for (int i = 0; i < n; i++) {
    Model *m = &models[i];
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.onnx", dir, m->name);
    Gen *g = calloc(1, sizeof *g);
    if (!g) abort();
    g->ob = ob_new(m->name, 13);
    ob_rng_seed(&g->rng, m->seed);
    m->build(g, m->arg);
    /* BatchNorm statistics and folded-BN convs calibrated on noise (at 64x64: the scale family
     * is ResNet-50-sized), so the activations neither die nor explode (compiler/ref/calibrate.h) */
    if (ref_calibrate(g->ob, m->seed ^ 0x6e6f697365ull, 64, NULL, &err) < 0) {
      fprintf(stderr, "gen_zoo: %s: calibration: %s\n", m->name, err_line(&err, line, sizeof line));
      return 1;
    }
    m->bytes = onnx__model_proto__get_packed_size(ob_model(g->ob));
    m->params = (long long)ob_num_params(g->ob);
    int rc = ob_save(g->ob, path, &err);
    ob_free(g->ob);
    free(g);
    if (rc < 0) {
      fprintf(stderr, "gen_zoo: %s\n", err_line(&err, line, sizeof line));
      return 1;
    }
    printf("  %-14s %-5s %10lld params %11zu bytes\n", m->name, m->group, m->params, m->bytes);
    buf_printf(&index, "%s\t%s.onnx\t%s\t%lld\t%zu\n", m->name, m->name, m->group, m->params,
               m->bytes);
  }
  Buf zoo = BUF_INIT, small = BUF_INIT, many = BUF_INIT;
  manifest_head(&zoo, "the whole benchmark zoo (big models first)");
  manifest_head(&small, "the small models of the benchmark zoo");
  manifest_head(&many, "100 small models (24 files under 100 names) for the re-run target");
  for (int i = 0; i < n; i++) {
    const Model *m = &models[i];
    if (!strcmp(m->group, "scale")) continue;
    buf_printf(&zoo, "  - name: %s\n    source: %s.onnx\n", m->name, m->name);
    if (!strcmp(m->group, "small"))
      buf_printf(&small, "  - name: %s\n    source: %s.onnx\n", m->name, m->name);
  }
  for (int i = 0; i < 100; i++)
    buf_printf(&many, "  - name: m%03d\n    source: small_%02d.onnx\n", i, i % N_SMALL);
  const struct {
    const char *file;
    Buf *b;
  } out[] = {
      {"index.tsv", &index}, {"zoo.yaml", &zoo}, {"small.yaml", &small}, {"many100.yaml", &many}};
  for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, out[i].file);
    if (write_text(path, out[i].b) < 0) return 1;
    buf_free(out[i].b);
  }
  return 0;
}
