/*
 * pipeline/nnarchive.c — Luxonis' NN Archive of a compiled model (see nnarchive.h and
 * docs/nn-archive.md).
 *
 * Format (luxonis/luxonis-ml luxonis_ml/nn_archive: config.py, model.py,
 * config_building_blocks/base_models/{input,output,metadata}.py, enums/{data_type,input_type}.py;
 * Luxonis docs, software-v3 "NN Archive"): a .tar.xz holding config.json
 *   {"config_version": "1.0",
 *    "model": {"metadata": {"name", "path", "precision"},
 *              "inputs": [{"name", "dtype", "input_type", "shape", "layout",
 *                          "preprocessing": {"mean", "scale", "reverse_channels",
 *                                            "interleaved_to_planar", "dai_type"}}],
 *              "outputs": [{"name", "dtype", "shape", "layout"}],
 *              "heads": []}}
 * and the model file named by metadata.path; depthai v3 (src/nn_archive/NNArchive.cpp) picks a
 * blob or superblob by that name's extension and sets the camera's frame type from the single
 * input's dai_type (src/pipeline/node/NeuralNetwork.cpp). "An NN Archive always describes the
 * model executable(s) stored inside it": the inputs and outputs are read back from the blob
 * itself, and since blobc bakes mean/scale into the blob, preprocessing.mean/scale are the
 * identity (0 and 1 per given value), as modelconverter writes them for RVC2 archives
 * (luxonis/modelconverter modelconverter/utils/nn_archive.py). The manifest's own values are
 * in buildinfo.json beside config.json.
 */
#include "nnarchive.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "compiler/backend/blob_read.h"
#include "pipeline/archive.h"
#include "reports/report.h"

/* luxonis-ml's DataType of a blob element type. */
static const char *nn_dtype(uint32_t dt) {
  const char *n = blob_dtype_name(dt);
  if (!n) return "float16";
  if (!strcmp(n, "U8")) return "uint8";
  if (!strcmp(n, "FP16")) return "float16";
  if (!strcmp(n, "FP32")) return "float32";
  if (!strcmp(n, "I32")) return "int32";
  if (!strcmp(n, "I8")) return "int8";
  return "float16";
}

/* The layout letters of a blob shape: its order name when that is a layout of as many distinct
 * letters as dims, else N (when the first dim is 1) and C, D, E, ... (luxonis-ml's infer_layout). */
static void nn_layout(char *out, size_t size, const BlobShape *s) {
  size_t n = strlen(s->order_name);
  bool ok = n == s->num_dims && n > 0;
  for (size_t i = 0; ok && i < n; i++) {
    ok = s->order_name[i] >= 'A' && s->order_name[i] <= 'Z';
    for (size_t k = 0; ok && k < i; k++) ok = s->order_name[k] != s->order_name[i];
  }
  if (ok && (!strchr(s->order_name, 'N') || s->order_name[0] == 'N')) {
    snprintf(out, size, "%s", s->order_name);
    return;
  }
  size_t k = 0;
  char next = 'C';
  if (s->num_dims && s->dims[0] == 1 && k + 1 < size) out[k++] = 'N';
  while (k < s->num_dims && k + 1 < size) out[k++] = next++;
  out[k] = 0;
}

static json_t *shape_json(const BlobShape *s) {
  json_t *a = json_array();
  for (uint32_t i = 0; i < s->num_dims; i++)
    json_array_append_new(a, json_integer(s->dims_known ? s->dims[i] : 0));
  return a;
}

static json_t *ones(int n, double v) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(a, json_real(v));
  return a;
}

/* The manifest input a blob input came from: by name, else the first (implicit) entry. */
static const ManifestInput *manifest_input(const BuildJob *j, const char *name) {
  if (!j->mm) return NULL;
  for (int i = 0; i < j->mm->n_inputs; i++)
    if (j->mm->inputs[i].name && !strcmp(j->mm->inputs[i].name, name)) return &j->mm->inputs[i];
  for (int i = 0; i < j->mm->n_inputs; i++)
    if (!j->mm->inputs[i].name) return &j->mm->inputs[i];
  return NULL;
}

static json_t *input_json(const BuildJob *j, const BlobIo *io) {
  const BlobShape *s = &io->shape;
  char layout[16];
  nn_layout(layout, sizeof layout, s);
  const char *dtype = nn_dtype(s->data_type), *c = strchr(layout, 'C');
  long long ch = c && s->dims_known ? s->dims[c - layout] : 0;
  bool image = c && (ch == 1 || ch == 3) && s->num_dims >= 3;
  bool interleaved = layout[strlen(layout) - 1] == 'C' && s->num_dims >= 3;
  const ManifestInput *mi = manifest_input(j, io->name);
  json_t *pp = json_object();
  json_object_set_new(pp, "mean", mi && mi->n_mean ? ones(mi->n_mean, 0) : json_null());
  json_object_set_new(pp, "scale", mi && mi->n_scale ? ones(mi->n_scale, 1) : json_null());
  /* dai_type: given, or the frames the blob takes: BGR (depthai's order) unless said otherwise */
  char dai[32] = "";
  const char *given = mi ? opt_str(&mi->opt, OPT_DAI_TYPE) : NULL;
  bool u8 = !strcmp(dtype, "uint8"), f16 = !strcmp(dtype, "float16");
  if (given)
    snprintf(dai, sizeof dai, "%s", given);
  else if (image && ch == 1 && (u8 || f16))
    snprintf(dai, sizeof dai, "%s", u8 ? "GRAY8" : "GRAYF16");
  else if (image && (u8 || f16))
    snprintf(dai, sizeof dai, "BGR%s%s", u8 ? "888" : "F16F16F16", interleaved ? "i" : "p");
  json_object_set_new(pp, "reverse_channels",
                      dai[0] ? json_boolean(!strncmp(dai, "RGB", 3)) : json_null());
  json_object_set_new(pp, "interleaved_to_planar", image ? json_boolean(interleaved) : json_null());
  json_object_set_new(pp, "dai_type", dai[0] ? json_string(dai) : json_null());
  json_t *o = json_object();
  json_object_set_new(o, "name", report_str(io->name));
  json_object_set_new(o, "dtype", json_string(dtype));
  json_object_set_new(o, "input_type", json_string(image ? "image" : "raw"));
  json_object_set_new(o, "shape", shape_json(s));
  json_object_set_new(o, "layout", json_string(layout));
  json_object_set_new(o, "preprocessing", pp);
  return o;
}

static json_t *output_json(const BlobIo *io) {
  char layout[16];
  nn_layout(layout, sizeof layout, &io->shape);
  json_t *o = json_object();
  json_object_set_new(o, "name", report_str(io->name));
  json_object_set_new(o, "dtype", json_string(nn_dtype(io->shape.data_type)));
  json_object_set_new(o, "shape", shape_json(&io->shape));
  json_object_set_new(o, "layout", json_string(layout));
  return o;
}

/* buildinfo.json: the tool and every option as resolved (the manifest's values). */
static json_t *buildinfo_json(const BuildJob *j) {
  json_t *o = json_object(), *opts = json_object();
  json_object_set_new(o, "tool", json_string("blobc " BLOBC_VERSION));
  json_object_set_new(o, "model", report_str(j->name));
  if (j->mm) {
    Buf b = BUF_INIT;
    for (int id = 0; id < OPT_COUNT; id++) {
      if (OPT_ROWS[id].level != OL_MODEL || !j->mm->opt.v[id].line) continue;
      b.len = 0;
      opt_format(&b, (OptId)id, &j->mm->opt.v[id]);
      buf_put(&b, "", 1);
      json_object_set_new(opts, OPT_ROWS[id].key, report_str((char *)b.data));
    }
    json_t *ins = json_array();
    for (int k = 0; k < j->mm->n_inputs; k++) {
      const ManifestInput *mi = &j->mm->inputs[k];
      json_t *in = json_object();
      json_object_set_new(in, "name", mi->name ? report_str(mi->name) : json_null());
      for (int id = 0; id < OPT_COUNT; id++) {
        if (OPT_ROWS[id].level != OL_INPUT || !mi->opt.v[id].line) continue;
        b.len = 0;
        opt_format(&b, (OptId)id, &mi->opt.v[id]);
        buf_put(&b, "", 1);
        json_object_set_new(in, OPT_ROWS[id].key, report_str((char *)b.data));
      }
      json_array_append_new(ins, in);
    }
    json_object_set_new(opts, "inputs", ins);
    buf_free(&b);
  }
  json_object_set_new(o, "options", opts);
  return o;
}

int nnarchive_build(Buf *out, const BuildJob *j, Err *err) {
  Arena *a = arena_new();
  BlobInfo *b = NULL;
  int rc = -1;
  json_t *cfg = NULL, *info = NULL;
  char *cfg_text = NULL, *info_text = NULL;
  if (blob_parse(&b, a, j->res.blob.data, j->res.blob.len, j->name, err) < 0) goto done;
  const char *blob_name = j->opt.superblob ? arena_printf(a, "%s.superblob", j->name)
                                           : arena_printf(a, "%s.blob", j->name);
  json_t *meta = json_object(), *ins = json_array(), *outs = json_array(), *model = json_object();
  json_object_set_new(meta, "name", report_str(j->name));
  json_object_set_new(meta, "path", report_str(blob_name));
  json_object_set_new(meta, "precision",
                      json_string(j->opt.data_type == PREC_FP32 ? "float32" : "float16"));
  for (uint32_t i = 0; i < b->hdr.inputs_count; i++)
    if (!b->inputs[i].shape_helper) json_array_append_new(ins, input_json(j, &b->inputs[i]));
  for (uint32_t i = 0; i < b->hdr.outputs_count; i++)
    if (!b->outputs[i].shape_helper) json_array_append_new(outs, output_json(&b->outputs[i]));
  json_object_set_new(model, "metadata", meta);
  json_object_set_new(model, "inputs", ins);
  json_object_set_new(model, "outputs", outs);
  json_object_set_new(model, "heads", json_array());
  cfg = json_object();
  json_object_set_new(cfg, "config_version", json_string("1.0"));
  json_object_set_new(cfg, "model", model);
  info = buildinfo_json(j);
  cfg_text = json_dumps(cfg, JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
  info_text = json_dumps(info, JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
  if (!cfg_text || !info_text) {
    err_set(err, ERR_INTERNAL, "cannot serialise the NN Archive config");
    goto done;
  }
  const char *names[3] = {"config.json", blob_name, "buildinfo.json"};
  const void *datas[3] = {cfg_text, j->res.blob.data, info_text};
  size_t lens[3] = {strlen(cfg_text), j->res.blob.len, strlen(info_text)};
  rc = archive_pack(out, ".tar.xz", names, datas, lens, 3, err);
done:
  if (rc < 0) err_where(err, NULL, -1, j->name, NULL);
  free(cfg_text);
  free(info_text);
  json_decref(cfg);
  json_decref(info);
  arena_free(a);
  return rc;
}
