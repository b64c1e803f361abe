/*
 * cmd/cmd_inspect.c — `blobc inspect FILE.blob [--json] [--check]`.
 *
 * Prints what a MyriadX .blob (or depthai SuperBlob) holds: version and the OpenVINO release
 * depthai maps it to, sizes, resources, inputs/outputs and the stage list with every buffer's
 * location.
 * --json prints one JSON object instead; --check also applies blob_check's rules.
 * Exit: 0 ok, 1 --check found violations, 2 bad usage, unreadable file or malformed blob (the one
 * line `FILE: offset N: ...` on stderr).
 *
 * cmd_inspect(argc, argv): argv[0] is the command name ("inspect"), options and the file follow.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/backend/blob_read.h"
#include "compiler/base/base.h"
#include "pipeline/archive.h"
#include "pipeline/options.h"

int cmd_inspect(int argc, char **argv);

#define INSPECT_MAX_FILE \
  ((size_t)1 << 32) /* file_size is a u32; superblobs stay below this too   \
                                            */

typedef struct {
  const char *path;
  bool json, check;
} InspectOpts;

/* Parses argv[1..] with the option table (pipeline/options.def); returns 0, 1 for --help (printed
 * on stdout) or -1 (message on errf). */
static int inspect_args(InspectOpts *o, int argc, char **argv, FILE *errf) {
  Arena *a = arena_new();
  OptArgs args;
  Err err = {0};
  int rc = 0;
  if (opt_cli_parse(&args, CMD_INSPECT, argc - 1, argv + 1, a, &err) < 0) {
    fprintf(errf, "blobc inspect: %s\n", err.msg);
    rc = -1;
  } else if (args.help) {
    Buf b = BUF_INIT;
    opt_help(&b, CMD_INSPECT);
    fwrite(b.data, 1, b.len, stdout);
    buf_free(&b);
    rc = 1;
  } else if (args.n_pos != 1) {
    fprintf(
        errf,
        "blobc inspect: %s (usage: blobc inspect FILE.blob|ARCHIVE.tar.xz [--json] [--check])\n",
        args.n_pos ? "more than one file given" : "no file given");
    rc = -1;
  } else {
    o->path = argv[argc - 1];
    for (int i = 1; i < argc; i++)
      if (!strcmp(argv[i], args.pos[0])) o->path = argv[i]; /* argv outlives the arena */
    o->json = opt_isset(&args.run, OPT_JSON) && opt_int(&args.run, OPT_JSON);
    o->check = opt_isset(&args.run, OPT_CHECK) && opt_int(&args.run, OPT_CHECK);
  }
  opt_args_free(&args);
  arena_free(a);
  return rc;
}

/* ---- human output ---------------------------------------------------------------------------- */

/* "[1,3,300,300]" from n values into buf. */
static const char *u32_list(char *buf, size_t size, const uint32_t *v, uint32_t n) {
  size_t k = (size_t)snprintf(buf, size, "[");
  for (uint32_t i = 0; i < n && k < size; i++)
    k += (size_t)snprintf(buf + k, size - k, i ? ",%u" : "%u", v[i]);
  if (k < size) snprintf(buf + k, size - k, "]");
  return buf;
}

static const char *dtype_str(uint32_t dt, char tmp[16]) {
  const char *s = blob_dtype_name(dt);
  if (s) return s;
  snprintf(tmp, 16, "dt%u", dt);
  return tmp;
}

static void print_shape(FILE *out, const BlobShape *s) {
  char d[128], st[160], t[16];
  fprintf(out, "%-4s %-5s ", dtype_str(s->data_type, t), s->order_name);
  if (s->dims_known)
    fprintf(out, "%-18s", u32_list(d, sizeof d, s->dims, s->num_dims));
  else
    fprintf(out, "%-18s", s->dims_loc == BLOB_LOC_BSS ? "(dynamic, BSS)" : "(dynamic)");
  if (s->strides_known)
    fprintf(out, " strides %s", u32_list(st, sizeof st, s->strides, s->num_dims));
}

static void print_io(FILE *out, const char *title, const BlobIo *io, uint32_t n, uint32_t size) {
  fprintf(out, "%s (%u, %u bytes):\n", title, n, size);
  for (uint32_t i = 0; i < n; i++) {
    fprintf(out, "  %u  %-24s ", i, io[i].name);
    print_shape(out, &io[i].shape);
    fprintf(out, "  at %u, %llu bytes%s\n", io[i].buffer_offset,
            (unsigned long long)io[i].byte_size, io[i].shape_helper ? " (shape helper)" : "");
  }
}

static void print_buffer(FILE *out, const BlobBuffer *x, uint32_t i) {
  char t[16];
  fprintf(out, "       b%-2u ", i);
  print_shape(out, &x->shape);
  const char *ln = blob_loc_name(x->location);
  if (!ln) snprintf(t, sizeof t, "loc%u", x->location), ln = t;
  if (x->location == BLOB_LOC_INPUT || x->location == BLOB_LOC_OUTPUT)
    fprintf(out, "  %s #%u +%u\n", ln, x->io_idx, x->data_offset);
  else
    fprintf(out, "  %s +%u\n", ln, x->data_offset);
}

static const char *hw_op_name(uint32_t t) {
  switch (t) {
  case BLOB_HW_OP_CONV: return "CONV";
  case BLOB_HW_OP_CONV_POOL: return "CONV_POOL";
  case BLOB_HW_OP_FC: return "FC";
  case BLOB_HW_OP_POOL: return "POOL";
  default: return "?";
  }
}

static const char *hw_pool_name(uint32_t t) {
  return t == BLOB_HW_POOL_MAX ? "MAX" : t == BLOB_HW_POOL_AVERAGE ? "AVERAGE" : "?";
}

/* One HW op, every field the blob holds for its type (blob-format.md §3.5). */
static void print_hw_op(FILE *out, const BlobHwOp *op, uint32_t k) {
  fprintf(out, "       op %u: %s(%u)", k, hw_op_name(op->op_type), op->op_type);
  if (op->op_type == BLOB_HW_OP_POOL)
    fprintf(out, " pool %s(%u)", hw_pool_name(op->pool_type), op->pool_type);
  fprintf(out, " mode %u pad %u", op->op_mode, op->with_pad);
  if (op->with_pad) fprintf(out, " padMode 0x%x", op->pad_mode);
  fprintf(out, " in b%d coeffs b%d biases b%d scales b%d out b%d", op->input_ind, op->coeffs_ind,
          op->biases_ind, op->scales_ind, op->output_ind);
  if (op->op_type == BLOB_HW_OP_FC)
    fprintf(out, " fc in %u+%u out %u+%u accum %u", op->fc_input_offset, op->fc_input_num,
            op->fc_output_offset, op->fc_output_num, op->fc_accum);
  else
    fprintf(out, " chans %u+%u kernel %ux%u stride %u", op->out_chan_offset, op->out_num_chans,
            op->kernel_width, op->kernel_height, op->kernel_stride);
  if (op->op_type == BLOB_HW_OP_CONV_POOL)
    fprintf(out, " poolKernel %ux%u", op->pool_kernel_width, op->pool_kernel_height);
  fprintf(out, " relu %u", op->with_relu);
  if (op->with_relu) fprintf(out, " t0 %u a0 %u a1 %u", op->relu_t0, op->relu_a0, op->relu_a1);
  fprintf(out, " clamp %u", op->with_clamp);
  if (op->with_clamp) fprintf(out, " max %g", (double)op->clamp_max);
  fprintf(out, " reuse %u/%u\n", op->reuse_data, op->reuse_coeff);
}

static void print_stage(FILE *out, const BlobStage *st, const char *indent) {
  fprintf(out, "%s%3u  %-18s shaves %u  params %zu bytes  %u buffers\n", indent, st->index,
          st->type_name, st->num_shaves, st->params_len, st->num_buffers);
  for (uint32_t k = 0; k < st->num_hw_ops; k++) print_hw_op(out, &st->hw_ops[k], k);
  for (uint32_t i = 0; i < st->num_buffers; i++) print_buffer(out, &st->buffers[i], i);
  if (st->injected) {
    fprintf(out, "       injected:\n");
    print_stage(out, st->injected, "     ");
  }
}

/* The OpenVINO releases whose compile_tool writes a blob version (depthai-core,
 * src/openvino/OpenVINO.cpp, blobVersionToOpenvinoMapping): 6.0 is written by every release
 * from 2020.4 to 2022.1, so a 6.0 blob's version does not tell which one made it (depthai loads
 * it as 2022.1, the latest); (year, minor) stamps name one release. NULL when unknown. */
static const char *const *openvino_range(uint32_t major, uint32_t minor, int *n) {
  static const char *const V50[] = {"2020.3"};
  static const char *const V60[] = {"2020.4", "2021.1", "2021.2", "2021.3", "2021.4", "2022.1"};
  static const char *const STAMPED[] = {"2020.3", "2020.4", "2021.1", "2021.2",
                                        "2021.3", "2021.4", "2022.1"};
  if (major == 5 && minor == 0) return *n = 1, V50;
  if (major == 6 && minor == 0) return *n = 6, V60;
  char v[32];
  snprintf(v, sizeof v, "%u.%u", major, minor);
  for (int i = 0; i < 7; i++)
    if (!strcmp(v, STAMPED[i])) return *n = 1, &STAMPED[i];
  return *n = 0, NULL;
}

static void print_human(FILE *out, const BlobInfo *b) {
  const BlobHeader *h = &b->hdr;
  int nr = 0;
  const char *const *r = openvino_range(h->ver_major, h->ver_minor, &nr);
  if (nr > 1)
    fprintf(out,
            "%s: MyriadX blob version %u.%u -> compiled by OpenVINO %s to %s (the version does not "
            "say which; depthai loads it as %s)%s\n",
            b->path, h->ver_major, h->ver_minor, r[0], r[nr - 1],
            b->openvino ? b->openvino : r[nr - 1], b->inline_shapes ? " (v5 inline shapes)" : "");
  else
    fprintf(out, "%s: MyriadX blob version %u.%u -> OpenVINO %s%s\n", b->path, h->ver_major,
            h->ver_minor,
            nr            ? r[0]
            : b->openvino ? b->openvino
                          : "? (not in depthai's table)",
            b->inline_shapes ? " (v5 inline shapes)" : "");
  if (b->superblob) {
    fprintf(out, "  superblob   base blob %llu bytes at %zu; patch sizes (1..16 SHAVEs):",
            (unsigned long long)b->super_blob_size, b->base);
    for (uint32_t k = 0; k < BLOB_SUPER_PATCHES; k++)
      fprintf(out, " %llu", (unsigned long long)b->super_patch_sizes[k]);
    fprintf(out, "\n");
  }
  fprintf(out, "  file size   %zu bytes (header file_size %u, %zu trailer bytes)\n", b->blob_len,
          h->file_size, b->trailer_bytes);
  fprintf(out, "  resources   %u SHAVEs, %u CMX slices, BSS %u bytes, batch %u\n", h->shaves,
          h->cmx_slices, h->bss_mem_size, h->batch_size);
  fprintf(out, "  stages      %u (has HW %u, SHAVE %u, DMA %u)\n", h->stages_count, h->has_hw_stage,
          h->has_shave_stage, h->has_dma_stage);
  fprintf(out, "  sections    input @%u, output @%u, stages @%u, const @%u (%u bytes)\n",
          h->input_section, h->output_section, h->stage_section, h->const_section,
          h->file_size - h->const_section);
  print_io(out, "inputs", b->inputs, h->inputs_count, h->inputs_size);
  print_io(out, "outputs", b->outputs, h->outputs_count, h->outputs_size);
  fprintf(out, "stages (%u):\n", h->stages_count);
  for (uint32_t i = 0; i < h->stages_count; i++) print_stage(out, &b->stages[i], "");
}

/* ---- JSON output ----------------------------------------------------------------------------- */

static json_t *json_u32s(const uint32_t *v, uint32_t n) {
  json_t *a = json_array();
  for (uint32_t i = 0; i < n; i++) json_array_append_new(a, json_integer(v[i]));
  return a;
}

static void json_shape(json_t *o, const BlobShape *s) {
  const char *dt = blob_dtype_name(s->data_type);
  json_object_set_new(o, "data_type", dt ? json_string(dt) : json_integer(s->data_type));
  json_object_set_new(o, "order", json_string(s->order_name));
  json_object_set_new(o, "order_code", json_integer(s->order));
  json_object_set_new(o, "num_dims", json_integer(s->num_dims));
  json_object_set_new(o, "dims", s->dims_known ? json_u32s(s->dims, s->num_dims) : json_null());
  json_object_set_new(o, "dims_raw",
                      s->dims_known ? json_u32s(s->dims_raw, s->num_dims) : json_null());
  json_object_set_new(o, "strides",
                      s->strides_known ? json_u32s(s->strides, s->num_dims) : json_null());
  json_object_set_new(o, "strides_raw",
                      s->strides_known ? json_u32s(s->strides_raw, s->num_dims) : json_null());
}

static json_t *json_io(const BlobIo *io, uint32_t n) {
  json_t *a = json_array();
  for (uint32_t i = 0; i < n; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer(io[i].io_idx));
    json_object_set_new(o, "name", json_string(io[i].name));
    json_shape(o, &io[i].shape);
    json_object_set_new(o, "io_buffer_offset", json_integer(io[i].buffer_offset));
    json_object_set_new(o, "byte_size", json_integer((json_int_t)io[i].byte_size));
    if (io[i].shape_helper) json_object_set_new(o, "shape_helper", json_true());
    json_array_append_new(a, o);
  }
  return a;
}

static json_t *json_buffer(const BlobBuffer *x) {
  json_t *o = json_object();
  json_shape(o, &x->shape);
  const char *ln = blob_loc_name(x->location);
  json_object_set_new(o, "location", ln ? json_string(ln) : json_integer(x->location));
  json_object_set_new(o, "offset", json_integer(x->data_offset));
  if (x->location == BLOB_LOC_INPUT || x->location == BLOB_LOC_OUTPUT) {
    json_object_set_new(o, "io_idx", json_integer(x->io_idx));
    json_object_set_new(o, "io_byte_size", json_integer(x->io_size));
  }
  return o;
}

static void jset_u(json_t *o, const char *k, int64_t v) {
  json_object_set_new(o, k, json_integer(v));
}

/* One HW op as an object: the fields its type has (absent ones are left out). */
static json_t *json_hw_op(const BlobHwOp *op) {
  json_t *o = json_object();
  jset_u(o, "op_type", op->op_type);
  json_object_set_new(o, "op_type_name", json_string(hw_op_name(op->op_type)));
  if (op->op_type == BLOB_HW_OP_POOL) {
    jset_u(o, "pool_type", op->pool_type);
    json_object_set_new(o, "pool_type_name", json_string(hw_pool_name(op->pool_type)));
  }
  jset_u(o, "op_mode", op->op_mode);
  jset_u(o, "with_pad", op->with_pad);
  if (op->with_pad) jset_u(o, "pad_mode", op->pad_mode);
  jset_u(o, "input_ind", op->input_ind);
  jset_u(o, "output_ind", op->output_ind);
  jset_u(o, "coeffs_ind", op->coeffs_ind);
  jset_u(o, "biases_ind", op->biases_ind);
  jset_u(o, "scales_ind", op->scales_ind);
  if (op->op_type == BLOB_HW_OP_FC) {
    jset_u(o, "fc_input_offset", op->fc_input_offset);
    jset_u(o, "fc_input_num", op->fc_input_num);
    jset_u(o, "fc_output_offset", op->fc_output_offset);
    jset_u(o, "fc_output_num", op->fc_output_num);
    jset_u(o, "fc_accum", op->fc_accum);
  } else {
    jset_u(o, "out_chan_offset", op->out_chan_offset);
    jset_u(o, "out_num_chans", op->out_num_chans);
    jset_u(o, "kernel_width", op->kernel_width);
    jset_u(o, "kernel_height", op->kernel_height);
    jset_u(o, "kernel_stride", op->kernel_stride);
  }
  if (op->op_type == BLOB_HW_OP_CONV_POOL) {
    jset_u(o, "pool_kernel_width", op->pool_kernel_width);
    jset_u(o, "pool_kernel_height", op->pool_kernel_height);
  }
  jset_u(o, "with_relu", op->with_relu);
  if (op->with_relu) {
    jset_u(o, "relu_t0", op->relu_t0);
    jset_u(o, "relu_a0", op->relu_a0);
    jset_u(o, "relu_a1", op->relu_a1);
  }
  jset_u(o, "with_clamp", op->with_clamp);
  if (op->with_clamp) json_object_set_new(o, "clamp_max", json_real(op->clamp_max));
  jset_u(o, "reuse_data", op->reuse_data);
  jset_u(o, "reuse_coeff", op->reuse_coeff);
  return o;
}

static json_t *json_stage(const BlobStage *st) {
  json_t *o = json_object();
  json_object_set_new(o, "index", json_integer(st->index));
  json_object_set_new(o, "type", json_integer(st->type));
  json_object_set_new(o, "type_name", json_string(st->type_name));
  json_object_set_new(o, "shaves", json_integer(st->num_shaves));
  json_object_set_new(o, "length", json_integer(st->length));
  json_object_set_new(o, "params_bytes", json_integer((json_int_t)st->params_len));
  json_t *bufs = json_array();
  for (uint32_t i = 0; i < st->num_buffers; i++)
    json_array_append_new(bufs, json_buffer(&st->buffers[i]));
  json_object_set_new(o, "buffers", bufs);
  if (st->num_hw_ops) {
    json_t *ops = json_array();
    for (uint32_t k = 0; k < st->num_hw_ops; k++)
      json_array_append_new(ops, json_hw_op(&st->hw_ops[k]));
    json_object_set_new(o, "hw_ops", ops);
  }
  if (st->injected) json_object_set_new(o, "injected", json_stage(st->injected));
  return o;
}

static json_t *json_blob(const BlobInfo *b) {
  const BlobHeader *h = &b->hdr;
  json_t *o = json_object();
  char ver[32];
  snprintf(ver, sizeof ver, "%u.%u", h->ver_major, h->ver_minor);
  json_object_set_new(o, "file", json_string(b->path ? b->path : ""));
  json_object_set_new(o, "version", json_string(ver));
  json_object_set_new(o, "openvino", b->openvino ? json_string(b->openvino) : json_null());
  int nr = 0;
  const char *const *r = openvino_range(h->ver_major, h->ver_minor, &nr);
  json_t *range = json_array();
  for (int i = 0; i < nr; i++) json_array_append_new(range, json_string(r[i]));
  json_object_set_new(o, "openvino_range", range);
  json_object_set_new(o, "file_size", json_integer((json_int_t)b->blob_len));
  json_object_set_new(o, "header_file_size", json_integer(h->file_size));
  json_object_set_new(o, "trailer_bytes", json_integer((json_int_t)b->trailer_bytes));
  json_object_set_new(o, "shaves", json_integer(h->shaves));
  json_object_set_new(o, "cmx_slices", json_integer(h->cmx_slices));
  json_object_set_new(o, "bss_size", json_integer(h->bss_mem_size));
  json_object_set_new(o, "batch_size", json_integer(h->batch_size));
  json_object_set_new(o, "inputs_size", json_integer(h->inputs_size));
  json_object_set_new(o, "outputs_size", json_integer(h->outputs_size));
  if (b->superblob) {
    json_t *p = json_array();
    for (uint32_t k = 0; k < BLOB_SUPER_PATCHES; k++)
      json_array_append_new(p, json_integer((json_int_t)b->super_patch_sizes[k]));
    json_object_set_new(o, "superblob_patch_sizes", p);
  }
  json_object_set_new(o, "inputs", json_io(b->inputs, h->inputs_count));
  json_object_set_new(o, "outputs", json_io(b->outputs, h->outputs_count));
  json_t *st = json_array();
  for (uint32_t i = 0; i < h->stages_count; i++)
    json_array_append_new(st, json_stage(&b->stages[i]));
  json_object_set_new(o, "stages", st);
  return o;
}

/* ---- command --------------------------------------------------------------------------------- */

/* Adds the --check result: "check": {"ok": bool, "violations": ["rule: detail", ...]}. */
static void json_check(json_t *o, const Buf *rep, int nviol) {
  json_t *c = json_object(), *v = json_array();
  json_object_set_new(c, "ok", json_boolean(nviol == 0));
  const char *p = rep->len ? (const char *)rep->data : "";
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    json_array_append_new(v, json_stringn(p, n));
    p += n + (e != NULL);
  }
  json_object_set_new(c, "violations", v);
  json_object_set_new(o, "check", c);
}

/* True when path is a tar archive (an NN Archive): by its extension, or xz/gzip magic. */
static bool is_archive(const char *path) {
  static const char *const EXT[] = {".tar.xz", ".tar.gz", ".tgz", ".tar", ".tar.bz2"};
  size_t n = strlen(path);
  for (size_t i = 0; i < sizeof EXT / sizeof EXT[0]; i++) {
    size_t k = strlen(EXT[i]);
    if (n >= k && !strcmp(path + n - k, EXT[i])) return true;
  }
  FILE *f = fopen(path, "rb");
  unsigned char m[6] = {0};
  size_t got = f ? fread(m, 1, sizeof m, f) : 0;
  if (f) fclose(f);
  return got == 6 &&
         ((m[0] == 0xFD && !memcmp(m + 1, "7zXZ", 4)) || (m[0] == 0x1f && m[1] == 0x8b));
}

/* An NN Archive: its config.json (into *cfg) and the blob metadata.path names (into data). */
static int read_nn_archive(const char *path, json_t **cfg, uint8_t **data, size_t *len, Err *err) {
  uint8_t *text = NULL;
  size_t tlen = 0;
  if (archive_read_member(path, "config.json", 16u << 20, &text, &tlen, err) < 0) return -1;
  json_error_t je;
  *cfg = json_loadb((const char *)text, tlen, 0, &je);
  free(text);
  err_where(err, path, 0, NULL, NULL);
  if (!*cfg) return err_set(err, ERR_PARSE, "config.json: %s (line %d)", je.text, je.line);
  const char *model = json_string_value(
      json_object_get(json_object_get(json_object_get(*cfg, "model"), "metadata"), "path"));
  if (!model) return err_set(err, ERR_PARSE, "config.json: no model.metadata.path");
  return archive_read_member(path, model, INSPECT_MAX_FILE, data, len, err);
}

static void print_nn_archive(FILE *out, const char *path, const json_t *cfg) {
  const json_t *m = json_object_get(cfg, "model"), *meta = json_object_get(m, "metadata");
  fprintf(out, "%s: NN Archive (config_version %s): model '%s', %s, precision %s\n", path,
          json_string_value(json_object_get(cfg, "config_version")),
          json_string_value(json_object_get(meta, "name")),
          json_string_value(json_object_get(meta, "path")),
          json_string_value(json_object_get(meta, "precision")));
  for (int k = 0; k < 2; k++) {
    const json_t *list = json_object_get(m, k ? "outputs" : "inputs");
    size_t i;
    json_t *io;
    json_array_foreach(list, i, io) {
      char *shape = json_dumps(json_object_get(io, "shape"), JSON_COMPACT);
      fprintf(out, "  %s %-20s %-8s %-18s %s", k ? "output" : "input ",
              json_string_value(json_object_get(io, "name")),
              json_string_value(json_object_get(io, "dtype")), shape ? shape : "?",
              json_string_value(json_object_get(io, "layout")));
      free(shape);
      const json_t *pp = json_object_get(io, "preprocessing");
      if (pp) {
        char *mean = json_dumps(json_object_get(pp, "mean"), JSON_COMPACT | JSON_ENCODE_ANY);
        char *scale = json_dumps(json_object_get(pp, "scale"), JSON_COMPACT | JSON_ENCODE_ANY);
        const char *dai = json_string_value(json_object_get(pp, "dai_type"));
        fprintf(out, "  %s  dai_type %s, mean %s, scale %s, interleaved_to_planar %s",
                json_string_value(json_object_get(io, "input_type")), dai ? dai : "-",
                mean ? mean : "?", scale ? scale : "?",
                json_is_true(json_object_get(pp, "interleaved_to_planar")) ? "true" : "false");
        free(mean);
        free(scale);
      }
      fputc('\n', out);
    }
  }
}

static int inspect_run(int argc, char **argv, FILE *out, FILE *errf) {
  InspectOpts o = {0};
  int ar = inspect_args(&o, argc, argv, errf);
  if (ar != 0) return ar < 0 ? 2 : 0;
  Err err = {0};
  char line[1024];
  uint8_t *data = NULL;
  size_t len = 0;
  Arena *a = arena_new();
  Buf rep = BUF_INIT;
  BlobInfo *b = NULL;
  json_t *cfg = NULL;
  int rc = 2;
  bool archive = is_archive(o.path);
  if ((archive ? read_nn_archive(o.path, &cfg, &data, &len, &err)
               : io_read_file(&data, &len, o.path, INSPECT_MAX_FILE, &err)) < 0 ||
      blob_parse(&b, a, data, len, o.path, &err) < 0) {
    err_where(&err, o.path, 0, NULL, NULL);
    fprintf(errf, "%s\n", err_line(&err, line, sizeof line));
    goto done;
  }
  int nviol = o.check ? blob_check(b, &rep, &err) : 0;
  if (o.json) {
    json_t *j = json_blob(b);
    if (o.check) json_check(j, &rep, nviol);
    if (cfg) { /* {"nn_archive": config.json, "blob": ...} */
      json_t *w = json_object();
      json_object_set(w, "nn_archive", cfg);
      json_object_set_new(w, "blob", j);
      j = w;
    }
    json_dumpf(j, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(j);
  } else {
    if (cfg) print_nn_archive(out, o.path, cfg);
    print_human(out, b);
    if (o.check && nviol == 0) fprintf(out, "check: ok\n");
    if (o.check && nviol) {
      fprintf(out, "check: %d violation%s\n", nviol, nviol == 1 ? "" : "s");
      fwrite(rep.data, 1, rep.len, out);
    }
  }
  rc = nviol ? 1 : 0;
done:
  json_decref(cfg);
  buf_free(&rep);
  arena_free(a);
  free(data);
  return rc;
}

int cmd_inspect(int argc, char **argv) { return inspect_run(argc, argv, stdout, stderr); }
