/* compiler/frontend/frontends.c — the table of model formats (see frontends.h). */
#include "frontends.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "caffe.h"
#include "ir_read.h"
#include "onnx.h"
#include "tf.h"

/* ---- sniffing: the first bytes of each format ---- */

static size_t skip_space(const uint8_t *p, size_t n, size_t i) {
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
  return i;
}

static bool starts(const uint8_t *p, size_t n, size_t i, const char *s) {
  size_t k = strlen(s);
  return i + k <= n && memcmp(p + i, s, k) == 0;
}

/* OpenVINO IR: an XML document whose root is <net>. */
static bool sniff_ir(const uint8_t *p, size_t n) {
  size_t i = skip_space(p, n, 0);
  if (starts(p, n, i, "\xef\xbb\xbf")) i += 3;
  if (starts(p, n, i, "<?xml")) {
    const void *end = memmem(p + i, n - i, "?>", 2);
    if (!end) return false;
    i = skip_space(p, n, (size_t)((const uint8_t *)end - p) + 2);
  }
  return starts(p, n, i, "<net");
}

/* ONNX ModelProto: field 1 (ir_version, varint) first, as every exporter writes it. */
static bool sniff_onnx(const uint8_t *p, size_t n) {
  return n >= 2 && p[0] == 0x08 && p[1] >= 1 && p[1] <= 20;
}

/* TensorFlow GraphDef: field 1 (node, length-delimited NodeDef) whose own field 1 is its name. */
static bool sniff_tf(const uint8_t *p, size_t n) {
  if (n < 4 || p[0] != 0x0a) return false;
  size_t i = 1;
  while (i < n && (p[i] & 0x80)) i++; /* the NodeDef's length */
  return i + 1 < n && p[i + 1] == 0x0a;
}

/* Caffe prototxt: text whose first key is one a NetParameter starts with. */
static bool sniff_caffe(const uint8_t *p, size_t n) {
  size_t i = skip_space(p, n, 0);
  while (i < n && p[i] == '#') { /* comment lines */
    while (i < n && p[i] != '\n') i++;
    i = skip_space(p, n, i);
  }
  static const char *const keys[] = {"name:",    "name :",  "layer {", "layer{",
                                     "layers {", "layers{", "input:",  "input :"};
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
    if (starts(p, n, i, keys[k])) return true;
  return false;
}

/* ---- the table ---- */

const Frontend FRONTENDS[] = {
    {"ONNX", ".onnx", ".onnx", sniff_onnx, fe_onnx_load},
    {"OpenVINO IR", ".xml", ".xml with .bin beside it", sniff_ir, fe_ir_load},
    {"Caffe", ".prototxt", ".prototxt with .caffemodel", sniff_caffe, fe_caffe_load},
    {"TensorFlow", ".pb", "a .pb TensorFlow frozen graph", sniff_tf, fe_tf_load},
};
const int N_FRONTENDS = (int)(sizeof FRONTENDS / sizeof FRONTENDS[0]);

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

const Frontend *fe_for_path(const char *path) {
  for (int i = 0; i < N_FRONTENDS; i++)
    if (ends_with(path, FRONTENDS[i].extension)) return &FRONTENDS[i];
  uint8_t head[256];
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  for (int i = 0; i < N_FRONTENDS; i++)
    if (FRONTENDS[i].sniff(head, n)) return &FRONTENDS[i];
  return NULL;
}

int fe_load(IrGraph **out, Arena *a, const char *path, Err *err) {
  const Frontend *fe = fe_for_path(path);
  if (fe) return fe->load(out, a, path, err);
  char list[512];
  size_t k = 0;
  for (int i = 0; i < N_FRONTENDS && k < sizeof list; i++)
    k += (size_t)snprintf(list + k, sizeof list - k, "%s%s",
                          i == 0                ? ""
                          : i + 1 < N_FRONTENDS ? ", "
                                                : ", or ",
                          FRONTENDS[i].needs);
  err_where(err, path, 0, NULL, NULL);
  return err_set(err, ERR_PARSE, "unknown model format (expected %s)", list);
}
