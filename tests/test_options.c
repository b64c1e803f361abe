/* tests/test_options.c — pipeline/options: every anchor spelling (mo, compile_tool, blobconverter)
 * in both --flag=value and --flag value forms, strict values, "did you mean", the same accept /
 * reject as the manifest, help and man generated from the table, and the resolved manifest
 * holding every option. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/build.h"
#include "pipeline/manifest.h"
#include "pipeline/options.h"

/* Parses argv (NULL-terminated) for cmd; returns the rc, fills *o and err. */
static int parse(OptArgs *o, unsigned cmd, Arena *a, Err *err, const char **argv) {
  int argc = 0;
  while (argv[argc]) argc++;
  return opt_cli_parse(o, cmd, argc, (char **)argv, a, err);
}

/* The whole file at path (malloc'd, NUL-terminated). */
static char *read_text(const char *path) {
  uint8_t *d = NULL;
  size_t n = 0;
  Err err = {0};
  assert_int_equal(io_read_file(&d, &n, path, 0, &err), 0);
  char *s = malloc(n + 1);
  memcpy(s, d, n);
  s[n] = 0;
  free(d);
  return s;
}

#define ARGV(...) ((const char *[]){__VA_ARGS__, NULL})

/* The canonical text (opt_format) of option id in set, "" when unset. */
static const char *text_of(Buf *b, const OptSet *s, OptId id) {
  b->len = 0;
  if (s->v[id].line) opt_format(b, id, &s->v[id]);
  buf_put(b, "", 1);
  return (const char *)b->data;
}

typedef struct {
  const char *flag;  /* as typed, without value */
  const char *value; /* NULL for a switch */
  int set;           /* 0 run, 1 model, 2 in_all, 3 input "data" */
  OptId id;
  const char *want; /* opt_format of the parsed value */
} FlagCase;

/* Every spelling the issue lists, each with the value a user types and what blobc makes of it. */
static const FlagCase CASES[] = {
    /* mo */
    {"--input_model", "m.onnx", 0, OPT_MODEL, "\"m.onnx\""},
    {"--input_shape", "[1,3,224,224]", 2, OPT_SHAPE, "[1, 3, 224, 224]"},
    {"--input", "data[1,3,64,64]", 3, OPT_SHAPE, "[1, 3, 64, 64]"},
    {"--input", "data(nchw)", 3, OPT_LAYOUT, "NCHW"},
    {"--input", "data{u8}", 3, OPT_PRECISION, "U8"},
    {"--layout", "nchw->nhwc", 2, OPT_LAYOUT, "NCHW->NHWC"},
    {"--layout", "data(nchw->nhwc)", 3, OPT_LAYOUT, "NCHW->NHWC"},
    {"--mean_values", "[127.5,127.5,127.5]", 2, OPT_MEAN_VALUES, "[127.5, 127.5, 127.5]"},
    {"--mean_values", "data[123.675,116.28,103.53]", 3, OPT_MEAN_VALUES,
     "[123.675, 116.28, 103.53]"},
    {"--scale_values", "[255,255,255]", 2, OPT_SCALE_VALUES, "[255, 255, 255]"},
    {"--scale_values", "data[58.395,57.12,57.375]", 3, OPT_SCALE_VALUES,
     "[58.395000000000003, 57.119999999999997, 57.375]"},
    {"--reverse_input_channels", NULL, 2, OPT_REVERSE_INPUT_CHANNELS, "true"},
    {"--data_type", "FP16", 1, OPT_DATA_TYPE, "FP16"},
    {"--data_type", "half", 1, OPT_DATA_TYPE, "FP16"},
    {"--compress_to_fp16", NULL, 1, OPT_DATA_TYPE, "FP16"},
    {"--output_dir", "out", 0, OPT_OUTPUT, "\"out\""},
    {"--model_name", "net", 0, OPT_NAME, "\"net\""},
    /* compile_tool */
    {"-m", "m.xml", 0, OPT_MODEL, "\"m.xml\""},
    {"-o", "m.blob", 0, OPT_OUTPUT, "\"m.blob\""},
    {"-ip", "U8", 2, OPT_PRECISION, "U8"},
    {"-op", "FP32", 1, OPT_OUTPUT_PRECISION, "FP32"},
    {"-iop", "in:FP16,out:FP32", 0, OPT_IOP, "[\"in:FP16,out:FP32\"]"},
    {"-VPU_NUMBER_OF_SHAVES", "6", 1, OPT_SHAVES, "6"},
    {"-VPU_NUMBER_OF_CMX_SLICES", "6", 1, OPT_CMX_SLICES, "6"},
    {"-d", "MYRIAD", 0, OPT_DEVICE, "\"MYRIAD\""},
    /* blobconverter CLI */
    {"--onnx-model", "m.onnx", 0, OPT_MODEL, "\"m.onnx\""},
    {"--openvino-xml", "m.xml", 0, OPT_MODEL, "\"m.xml\""},
    {"--openvino-bin", "m.bin", 0, OPT_WEIGHTS, "\"m.bin\""},
    {"--caffe-proto", "m.prototxt", 0, OPT_MODEL, "\"m.prototxt\""},
    {"--caffe-model", "m.caffemodel", 0, OPT_WEIGHTS, "\"m.caffemodel\""},
    {"--tensorflow-pb", "m.pb", 0, OPT_MODEL, "\"m.pb\""},
    {"--shaves", "6", 1, OPT_SHAVES, "6"},
    {"-sh", "8", 1, OPT_SHAVES, "8"},
    {"--version", "2021.4", 1, OPT_OPENVINO, "\"2021.4\""},
    {"--output-dir", "out", 0, OPT_OUTPUT, "\"out\""},
    {"--data-type", "FP16", 1, OPT_DATA_TYPE, "FP16"},
    {"-dt", "FP32", 1, OPT_DATA_TYPE, "FP32"},
    {"--optimizer-params", "--mean_values=[1,2,3] --reverse_input_channels", 2, OPT_MEAN_VALUES,
     "[1, 2, 3]"},
    {"--optimizer-params", "--mean_values=[1,2,3] --reverse_input_channels", 2,
     OPT_REVERSE_INPUT_CHANNELS, "true"},
    {"--compile-params", "-ip U8 -VPU_NUMBER_OF_SHAVES 4", 2, OPT_PRECISION, "U8"},
    {"--compile-params", "-ip U8 -VPU_NUMBER_OF_SHAVES 4", 1, OPT_SHAVES, "4"},
    /* ours, and the -/_ variants */
    {"--cmx_slices", "8", 1, OPT_CMX_SLICES, "8"},
    {"--cmx-slices", "8", 1, OPT_CMX_SLICES, "8"},
    {"--output_precision", "FP32", 1, OPT_OUTPUT_PRECISION, "FP32"},
    {"--mean-values", "[1]", 2, OPT_MEAN_VALUES, "[1]"},
    {"--reverse-input-channels", NULL, 2, OPT_REVERSE_INPUT_CHANNELS, "true"},
    {"--input-shape", "[1,3,8,8]", 2, OPT_SHAPE, "[1, 3, 8, 8]"},
    {"--nn-archive", NULL, 1, OPT_NN_ARCHIVE, "true"},
    {"--superblob", NULL, 1, OPT_SUPERBLOB, "true"},
};

static const OptSet *which(const OptArgs *o, int set) {
  switch (set) {
  case 0: return &o->run;
  case 1: return &o->model;
  case 2: return &o->in_all;
  default:
    for (int i = 0; i < o->n_inputs; i++)
      if (!strcmp(o->inputs[i].name, "data")) return &o->inputs[i].set;
    return NULL;
  }
}

/* One case in one form: 0 = "--flag value", 1 = "--flag=value". */
static void check_case(const FlagCase *c, int form) {
  Arena *a = arena_new();
  OptArgs o;
  Err err = {0};
  char joined[512];
  snprintf(joined, sizeof joined, "%s=%s", c->flag, c->value ? c->value : "true");
  int rc = c->value == NULL ? (form ? parse(&o, CMD_CONVERT, a, &err, ARGV(joined))
                                    : parse(&o, CMD_CONVERT, a, &err, ARGV(c->flag)))
           : form           ? parse(&o, CMD_CONVERT, a, &err, ARGV(joined))
                            : parse(&o, CMD_CONVERT, a, &err, ARGV(c->flag, c->value));
  if (rc != 0) fail_msg("%s (form %d): %s", c->flag, form, err.msg);
  const OptSet *s = which(&o, c->set);
  if (!s) fail_msg("%s (form %d): no input 'data'", c->flag, form);
  Buf b = BUF_INIT;
  if (strcmp(text_of(&b, s, c->id), c->want))
    fail_msg("%s (form %d): got %s, want %s", c->flag, form, (char *)b.data, c->want);
  buf_free(&b);
  opt_args_free(&o);
  arena_free(a);
}

static void options__every_anchor_flag_in_both_forms(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    check_case(&CASES[i], 0);
    check_case(&CASES[i], 1);
  }
}

static void options__single_dash_and_double_dash_for_long_names(void **state) {
  (void)state;
  const char *forms[][2] = {{"--ip", "U8"},      {"-shaves", "4"}, {"--VPU_NUMBER_OF_SHAVES", "4"},
                            {"-onnx", "m.onnx"}, {"-ox", "m.xml"}, {"-cp", "m.prototxt"},
                            {"-tf", "m.pb"},     {"-ob", "m.bin"}, {"-cm", "m.caffemodel"}};
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    Arena *a = arena_new();
    OptArgs o;
    Err err = {0};
    if (parse(&o, CMD_CONVERT, a, &err, ARGV(forms[i][0], forms[i][1])) != 0)
      fail_msg("%s: %s", forms[i][0], err.msg);
    opt_args_free(&o);
    arena_free(a);
  }
}

/* rc and message of parsing argv for cmd. */
static void expect_usage(unsigned cmd, const char **argv, const char *msg) {
  Arena *a = arena_new();
  OptArgs o;
  Err err = {0};
  assert_int_equal(parse(&o, cmd, a, &err, argv), -1);
  assert_int_equal(err.code, ERR_USAGE);
  assert_string_equal(err.msg, msg);
  opt_args_free(&o);
  arena_free(a);
}

static void options__values_are_parsed_strictly(void **state) {
  (void)state;
  expect_usage(CMD_BUILD, ARGV("-j", "abc"), "-j 'abc': 'jobs' must be an integer");
  expect_usage(CMD_BUILD, ARGV("-j", "0"), "-j '0': 'jobs' must be between 1 and 256, got 0");
  expect_usage(CMD_BUILD, ARGV("-j4x"), "-j '4x': 'jobs' must be an integer");
  expect_usage(CMD_CONVERT, ARGV("--mean_values", "[1,,2]"),
               "--mean_values '[1,,2]': 'mean_values': empty value in '[1,,2]'");
  expect_usage(CMD_CONVERT, ARGV("--mean_values=[1,2,3"), "--mean_values '[1,2,3': missing ']'");
  expect_usage(CMD_CONVERT, ARGV("--input_shape", "[1,3,2"), "--input_shape '[1,3,2': missing ']'");
  expect_usage(CMD_CONVERT, ARGV("--scale_values", "[1,-1,1]"),
               "--scale_values '[1,-1,1]': 'scale_values' must be positive, got -1");
  expect_usage(CMD_CONVERT, ARGV("--shaves", "6x"), "--shaves '6x': 'shaves' must be an integer");
  expect_usage(CMD_CONVERT, ARGV("--mean_values", "[1,nan]"),
               "--mean_values '[1,nan]': 'mean_values' must be finite, got nan");
  expect_usage(CMD_CONVERT, ARGV("--version", "2021.2"),
               "--version '2021.2': unknown openvino version '2021.2' (expected 2021.4 or 2022.1)");
  expect_usage(CMD_CONVERT, ARGV("-d", "CPU"), "-d 'CPU': unknown device 'CPU' (expected MYRIAD)");
  expect_usage(CMD_CONVERT, ARGV("--shaves"), "option '--shaves' needs a value (N)");
  expect_usage(CMD_CONVERT, ARGV("--reverse_input_channels=maybe"),
               "--reverse_input_channels takes no value, or true/false; got 'maybe'");
  expect_usage(CMD_CONVERT, ARGV("--input", "data->[1,2]"),
               "--input 'data->[1,2]': freezing an input ('->' value) is not supported: give the "
               "value in the model");
  expect_usage(CMD_CONVERT, ARGV("--input", "data{i64}"),
               "--input 'data{i64}': input type {i64}: blob inputs take {u8}, {f16} or {f32}");
  expect_usage(
      CMD_CONVERT, ARGV("--input_shape", "[1,3,8,8],[1,10]"),
      "--input_shape gives 2 values: name each one (name[...]) or list 2 input names with --input");
  expect_usage(CMD_BUILD, ARGV("--shard", "2/2"),
               "--shard '2/2': 'shard' must be I/N with 0 <= I < N, got '2/2'");
}

static void options__unknown_flags_get_did_you_mean(void **state) {
  (void)state;
  expect_usage(CMD_CONVERT, ARGV("--mean_value", "[1]"),
               "unknown option '--mean_value' (did you mean '--mean_values'?)");
  expect_usage(CMD_CONVERT, ARGV("--shave=4"),
               "unknown option '--shave' (did you mean '--shaves'?)");
  expect_usage(CMD_CONVERT, ARGV("-VPU_NUMBER_OF_SHAVE", "4"),
               "unknown option '-VPU_NUMBER_OF_SHAVE' (did you mean '-VPU_NUMBER_OF_SHAVES'?)");
  expect_usage(
      CMD_BUILD, ARGV("--mean_values", "[1]"),
      "option '--mean_values' belongs to convert; in a manifest write the key 'mean_values'");
  expect_usage(CMD_CONVERT, ARGV("--frobnicate"), "unknown option '--frobnicate'");
}

/* Two inputs named by --input get their [..],[..] shapes in order. */
static void options__mo_input_orders_unnamed_lists(void **state) {
  (void)state;
  Arena *a = arena_new();
  OptArgs o;
  Err err = {0};
  assert_int_equal(
      parse(&o, CMD_CONVERT, a, &err, ARGV("--input", "x,y", "--input_shape", "[1,3,8,8],[1,10]")),
      0);
  assert_int_equal(o.n_inputs, 2);
  Buf b = BUF_INIT;
  assert_string_equal(o.inputs[0].name, "x");
  assert_string_equal(text_of(&b, &o.inputs[0].set, OPT_SHAPE), "[1, 3, 8, 8]");
  assert_string_equal(text_of(&b, &o.inputs[1].set, OPT_SHAPE), "[1, 10]");
  buf_free(&b);
  opt_args_free(&o);
  arena_free(a);
}

/* compile_tool's -c file: known keys set options, ignored keys are noted, unknown keys fail. */
static void options__config_file_keys(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char path[4200];
  snprintf(path, sizeof path, "%s/myriad.conf", dir);
  tu_write(path, "# blobconverter's config\nMYRIAD_NUMBER_OF_SHAVES 5\nMYRIAD_NUMBER_OF_CMX_SLICES "
                 "7\nMYRIAD_THROUGHPUT_STREAMS 1\n"
                 "MYRIAD_ENABLE_MX_BOOT NO\n");
  Arena *a = arena_new();
  OptArgs o;
  Err err = {0};
  assert_int_equal(parse(&o, CMD_CONVERT, a, &err, ARGV("-c", path)), 0);
  assert_int_equal(opt_int(&o.model, OPT_SHAVES), 5);
  assert_int_equal(opt_int(&o.model, OPT_CMX_SLICES), 7);
  assert_non_null(strstr((char *)o.notes.data, "MYRIAD_THROUGHPUT_STREAMS ignored"));
  opt_args_free(&o);
  tu_write(path, "MYRIAD_NUMBER_OF_SHAVE 5\n");
  assert_int_equal(parse(&o, CMD_CONVERT, a, &err, ARGV("-c", path)), -1);
  char want[4400];
  snprintf(
      want, sizeof want,
      "%s:1: unknown config key 'MYRIAD_NUMBER_OF_SHAVE' (did you mean 'MYRIAD_NUMBER_OF_SHAVES'?)",
      path);
  assert_string_equal(err.msg, want);
  opt_args_free(&o);
  arena_free(a);
  tu_rmrf(dir);
  free(dir);
}

/* The same value is accepted or refused, with the same message, by the manifest and the CLI. */
static void options__manifest_and_cli_agree(void **state) {
  (void)state;
  static const struct {
    const char *key, *yaml, *cli;
  } V[] = {
      {"scale_values", "[1, -1, 1]", "[1,-1,1]"},
      {"scale_values", "[0]", "[0]"},
      {"mean_values", "[1, .nan]", "[1,.nan]"},
      {"shaves", "17", "17"},
      {"shaves", "4", "4"},
      {"cmx_slices", "0", "0"},
      {"openvino", "\"2023.0\"", "2023.0"},
      {"data_type", "U8", "U8"},
      {"precision", "I8", "I8"},
      {"layout", "NCHW->HWC", "NCHW->HWC"},
      {"layout", "nhwc", "nhwc"},
      {"shape", "[1, 0, 2]", "[1,0,2]"},
      {"mean_values", "[1, 2, 3, 4, 5, 6, 7, 8, 9]", "[1,2,3,4,5,6,7,8,9]"},
      {"max_nodes", "-3", "-3"},
  };
  char *dir = tu_tmpdir();
  char model[4200], path[4200];
  snprintf(model, sizeof model, "%s/a.onnx", dir);
  snprintf(path, sizeof path, "%s/zoo.yaml", dir);
  tu_write(model, "");
  for (size_t i = 0; i < sizeof V / sizeof V[0]; i++) {
    char text[600];
    snprintf(text, sizeof text,
             "version: 1\nmodels:\n  - name: a\n    source: a.onnx\n    %s: %s\n", V[i].key,
             V[i].yaml);
    tu_write(path, text);
    Manifest *m = NULL;
    Err me = {0};
    int mrc = manifest_load(&m, path, &me);
    manifest_free(m);
    Arena *a = arena_new();
    OptArgs o;
    Err ce = {0};
    char flag[80];
    snprintf(flag, sizeof flag, "--%s", V[i].key);
    int crc = parse(&o, CMD_CONVERT, a, &ce, ARGV(flag, V[i].cli));
    opt_args_free(&o);
    arena_free(a);
    if (mrc != crc)
      fail_msg("%s %s: manifest %d, command line %d (%s / %s)", V[i].key, V[i].cli, mrc, crc,
               me.msg, ce.msg);
    if (mrc < 0) {
      const char *tail = strstr(ce.msg, "': ");
      if (!tail || strcmp(tail + 3, me.msg))
        fail_msg("%s: manifest says '%s', command line '%s'", V[i].key, me.msg, ce.msg);
    }
  }
  tu_rmrf(dir);
  free(dir);
}

/* Every command has --help; every spelling of the table is in its command's help and the man page. */
static void options__help_and_man_are_generated_from_the_table(void **state) {
  (void)state;
  Buf man = BUF_INIT;
  opt_man(&man);
  buf_put(&man, "", 1);
  assert_non_null(strstr((char *)man.data, ".TH BLOBC 1"));
  unsigned cmds[] = {CMD_BUILD, CMD_CHECK,  CMD_CONVERT, CMD_INSPECT, CMD_VERIFY, CMD_RUN,
                     CMD_MERGE, CMD_IMPORT, CMD_ARCHIVE, CMD_VERSION, CMD_OPS};
  for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
    Buf h = BUF_INIT;
    opt_help(&h, cmds[c]);
    buf_put(&h, "", 1);
    assert_non_null(strstr((char *)h.data, "usage: blobc "));
    assert_non_null(strstr((char *)h.data, "--help"));
    for (int id = 0; id < OPT_COUNT; id++) {
      if (!(OPT_ROWS[id].cmds & cmds[c])) continue;
      char w[64];
      const char *flags = OPT_ROWS[id].flags ? OPT_ROWS[id].flags : "";
      int off = 0, k;
      while (sscanf(flags + off, "%63s%n", w, &k) == 1) {
        off += k;
        char *colon = strchr(w, ':');
        if (colon) *colon = 0;
        if (!colon && !strstr((char *)h.data, w))
          fail_msg("help of %s lacks %s", opt_cmd_name(cmds[c]), w);
      }
    }
    buf_free(&h);
  }
  for (int id = 0; id < OPT_COUNT; id++) /* manifest keys in the man page (roff escapes '-') */
    if (OPT_ROWS[id].level != OL_RUN && !strstr((char *)man.data, OPT_ROWS[id].key))
      fail_msg("man lacks %s", OPT_ROWS[id].key);
  buf_free(&man);
}

/* No two options of one command share a spelling. */
static void options__spellings_are_unique_per_command(void **state) {
  (void)state;
  for (unsigned cmd = 1; cmd <= CMD_OPS; cmd <<= 1) {
    Buf h = BUF_INIT;
    for (int id = 0; id < OPT_COUNT; id++) {
      if (!(OPT_ROWS[id].cmds & cmd)) continue;
      for (int pass = 0; pass < 2; pass++) {
        const char *l = pass ? OPT_ROWS[id].switches : OPT_ROWS[id].flags;
        char w[64];
        int off = 0, k;
        while (l && sscanf(l + off, "%63s%n", w, &k) == 1) {
          off += k;
          char *colon = strchr(w, ':');
          if (colon) {
            if (!strstr(colon, opt_cmd_name(cmd))) continue;
            *colon = 0;
          }
          for (char *p = w; *p; p++)
            if (*p == '_') *p = '-';
          const char *bodyw = w + (w[1] == '-' ? 2 : 1);
          char key[80];
          snprintf(key, sizeof key, "|%s|", strlen(bodyw) > 1 ? bodyw : w);
          buf_put(&h, "", 1);
          if (strstr((char *)h.data, key)) fail_msg("%s: spelling %s twice", opt_cmd_name(cmd), w);
          h.len--;
          buf_printf(&h, "%s", key);
        }
      }
    }
    buf_free(&h);
  }
}

/* manifest.resolved.yaml holds every MODEL option and loads back to the same options. */
static void options__resolved_manifest_round_trips(void **state) {
  (void)state;
  char *dir = tu_tmpdir();
  char model[4200], path[4200], res[4200];
  snprintf(model, sizeof model, "%s/a.onnx", dir);
  snprintf(path, sizeof path, "%s/zoo.yaml", dir);
  snprintf(res, sizeof res, "%s/manifest.resolved.yaml", dir);
  tu_write(model, "");
  tu_write(path, "version: 1\ndefaults: {output_precision: FP32, shaves: 4}\nmodels:\n"
                 "  - {name: a, source: a.onnx, mean_values: [1, 2, 3], layout: NCHW->NHWC, "
                 "nn_archive: true, max_nodes: 77}\n"
                 "  - name: b\n    source: a.onnx\n    inputs:\n      - {name: x, shape: [1, 3, 8, "
                 "8], precision: FP16}\n      - {name: y}\n");
  Manifest *m = NULL, *m2 = NULL;
  Err err = {0};
  assert_int_equal(manifest_load(&m, path, &err), 0);
  Arena *a = arena_new();
  BuildJob *jobs = NULL;
  int n = 0;
  build_jobs_from_manifest(&jobs, &n, m, a, &err);
  assert_int_equal(build_write_resolved(res, jobs, n, &err), 0);
  if (manifest_load(&m2, res, &err) < 0)
    fail_msg("resolved manifest does not load: %s (line %d)", err.msg, err.line);
  char *text = read_text(res);
  for (int id = 0; id < OPT_COUNT; id++)
    if (OPT_ROWS[id].level == OL_MODEL && (OPT_ROWS[id].def[0] || id == OPT_CMX_SLICES)) {
      /* every option with a default; one without (max_model_mb: the machine's share) stays unset */
      char key[80];
      snprintf(key, sizeof key, "    %s: ", OPT_ROWS[id].key);
      if (!strstr(text, key)) fail_msg("resolved manifest lacks %s", OPT_ROWS[id].key);
    }
  assert_non_null(strstr(text, "output_precision: FP32"));
  Buf b1 = BUF_INIT, b2 = BUF_INIT;
  for (int i = 0; i < m->n_models; i++) {
    for (int id = 0; id < OPT_COUNT; id++) {
      if (OPT_ROWS[id].level == OL_MODEL)
        assert_string_equal(text_of(&b1, &m->models[i].opt, id),
                            text_of(&b2, &m2->models[i].opt, id));
      if (OPT_ROWS[id].level != OL_INPUT) continue;
      assert_int_equal(m->models[i].n_inputs, m2->models[i].n_inputs);
      for (int k = 0; k < m->models[i].n_inputs; k++)
        assert_string_equal(text_of(&b1, &m->models[i].inputs[k].opt, id),
                            text_of(&b2, &m2->models[i].inputs[k].opt, id));
    }
  }
  buf_free(&b1);
  buf_free(&b2);
  free(text);
  build_jobs_free(jobs, n);
  manifest_free(m);
  manifest_free(m2);
  arena_free(a);
  tu_rmrf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(options__every_anchor_flag_in_both_forms),
      cmocka_unit_test(options__single_dash_and_double_dash_for_long_names),
      cmocka_unit_test(options__values_are_parsed_strictly),
      cmocka_unit_test(options__unknown_flags_get_did_you_mean),
      cmocka_unit_test(options__mo_input_orders_unnamed_lists),
      cmocka_unit_test(options__config_file_keys),
      cmocka_unit_test(options__manifest_and_cli_agree),
      cmocka_unit_test(options__help_and_man_are_generated_from_the_table),
      cmocka_unit_test(options__spellings_are_unique_per_command),
      cmocka_unit_test(options__resolved_manifest_round_trips),
  };
  return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
