/*
 * cmd/main.c — the blobc command line. Sub-commands:
 *
 *   blobc build   MANIFEST.yaml [-j N] [-o DIR] [--only a,b] [--shard I/N] [--quiet]
 *   blobc convert MODEL.onnx|MODEL.xml|MODEL.prototxt [--mean_values [..]] [--scale_values [..]] [--reverse_input_channels]
 *                 [--layout nchw|nhwc|nchw->nhwc] [--input_shape [..]] [--data_type FP16]
 *                 [-ip U8|FP16] [--shaves N] [--openvino 2021.4|2022.1] [-o DIR] [--name NAME]
 *   blobc check   MANIFEST.yaml|MODEL [--json]
 *   blobc inspect FILE.blob [--json] [--check]
 *
 * Exit codes: 0 all converted, 1 some models failed (the others are still written),
 * 2 usage or manifest error, 3 regression against a baseline (later).
 */
#include <libxml/parser.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <unistd.h>

#include "pipeline/archive.h"
#include "pipeline/build.h"
#include "pipeline/pool.h"
#include "pipeline/record.h"
#include "reports/report.h"
#include "reports/report_out.h"

int cmd_inspect(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_import_omz(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_ops(int argc, char **argv);

static void usage(FILE *f) {
  fprintf(f,
          "usage: blobc <command> [options]\n"
          "  build   MANIFEST.yaml [-j N] [-o DIR] [--only a,b] [--shard I/N] [--force] [--quiet|--verbose]\n"
          "          [--archive FILE.tar.gz|.tar.xz|.tar.zst] [--baseline OLD/report.json] [--activation-stats]\n"
          "          [--max-file-mb N] [--max-nodes N] [--max-tensor-mb N]   (also for convert and check)\n"
          "  convert MODEL.onnx [--mean_values [..]] [--scale_values [..]] [--reverse_input_channels]\n"
          "          [--layout nchw|nhwc|nchw->nhwc] [--input_shape [..]] [--data_type FP16|FP32]\n"
          "          [-ip U8|FP16|FP32] [--shaves N] [--openvino 2021.4|2022.1] [--superblob] [-o DIR] [--name NAME]\n"
          "  check   MANIFEST.yaml|MODEL [--json]\n"
          "  inspect FILE.blob [--json] [--check]\n"
          "  archive verify FILE.tar.gz\n"
          "  report  merge A/report.json B/report.json ... -o DIR   # join --shard runs\n"
          "  import-omz DIR -o MANIFEST.yaml                        # Open Model Zoo model.yml files\n"
          "  verify  DIR... [--via graph|graph-fp16|blob] [--json]   # against ONNX test data\n"
          "  run     MODEL --input [NAME=]FILE ... [-o DIR] [--fp16]  # reference execution (.npy/.pb/.ppm)\n"
          "  ops     [--json|--markdown]                               # every op and IR layer: stage, rewrite or why not\n"
          "  version\n");
}

static int usage_error(const char *fmt, const char *arg);

/* --max-file-mb / --max-nodes / --max-tensor-mb; returns 1 when argv[*i] was one (consumed), 0
 * when not, -1 on a bad value. */
static int parse_limit(CompileLimits *l, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  bool mb_file = !strcmp(a, "--max-file-mb"), nodes = !strcmp(a, "--max-nodes"), mb_t = !strcmp(a, "--max-tensor-mb");
  if (!mb_file && !nodes && !mb_t) return 0;
  if (*i + 1 >= argc) return -1;
  char *end;
  long long v = strtoll(argv[++*i], &end, 10);
  if (*end || v <= 0 || v > (1LL << 40)) return -1;
  if (mb_file) l->max_file_bytes = (uint64_t)v << 20;
  if (nodes) l->max_nodes = v;
  if (mb_t) l->max_tensor_bytes = (uint64_t)v << 20;
  return 1;
}

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "blobc: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (see 'blobc --help')\n");
  return 2;
}

static void on_signal(int sig) {
  (void)sig;
  pool_request_stop();
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* Parses "[1,2,3]", "1,2,3", "1 2 3" or "name[1,2,3]" into up to max doubles; -1 on junk. */
static int parse_list(const char *s, double *out, int max) {
  const char *p = strchr(s, '[');
  p = p ? p + 1 : s;
  int n = 0;
  while (*p && *p != ']') {
    while (*p == ' ' || *p == ',') p++;
    if (!*p || *p == ']') break;
    char *end;
    double v = strtod(p, &end);
    if (end == p || n >= max) return -1;
    out[n++] = v;
    p = end;
  }
  return n;
}

static Layout parse_layout(const char *s) { return layout_parse(s, strlen(s)); }

static Precision parse_prec(const char *s) {
  if (!strcasecmp(s, "u8")) return PREC_U8;
  if (!strcasecmp(s, "fp16") || !strcasecmp(s, "half")) return PREC_FP16;
  if (!strcasecmp(s, "fp32") || !strcasecmp(s, "float")) return PREC_FP32;
  return PREC_DEFAULT;
}

/* Keeps jobs whose name is in the comma list `only` and whose stable hash falls in shard. */
static int select_jobs(BuildJob *jobs, int n, const char *only, int shard_i, int shard_n) {
  int kept = 0;
  for (int i = 0; i < n; i++) {
    bool keep = true;
    if (only) {
      keep = false;
      const char *p = only;
      size_t len = strlen(jobs[i].name);
      while (*p) {
        const char *c = strchr(p, ',');
        size_t k = c ? (size_t)(c - p) : strlen(p);
        if (k == len && !strncmp(p, jobs[i].name, k)) keep = true;
        p += k + (c ? 1 : 0);
      }
    }
    if (keep && shard_n > 1) {
      uint32_t h = 2166136261u; /* FNV-1a of the name: stable across machines */
      for (const char *c = jobs[i].name; *c; c++) h = (h ^ (uint8_t)*c) * 16777619u;
      keep = (int)(h % (uint32_t)shard_n) == shard_i;
    }
    if (keep) jobs[kept++] = jobs[i];
  }
  return kept;
}

/* The release tarball: every output, the reports and the resolved manifest. */
static int write_archive(const char *archive, const char *out_dir, const BuildJob *jobs, int n) {
  Err err = {0};
  char path[4096];
  snprintf(path, sizeof path, "%s/manifest.resolved.yaml", out_dir);
  if (build_write_resolved(path, jobs, n, &err) < 0) goto fail;
  const char **files = calloc((size_t)n * 3 + 8, sizeof *files);
  int nf = 0;
  for (int i = 0; i < n; i++) {
    const char *p[3] = {jobs[i].blob_path, jobs[i].xml_path, jobs[i].bin_path};
    for (int k = 0; k < 3; k++)
      if (p[k] && jobs[i].status != JOB_ERROR) files[nf++] = p[k];
  }
  files[nf++] = "report.json";
  files[nf++] = "report.html";
  files[nf++] = "junit.xml";
  files[nf++] = "manifest.resolved.yaml";
  int rc = archive_write_release(archive, out_dir, files, nf, &err);
  free(files);
  if (rc == 0) {
    fprintf(stderr, "archive: %s (%d files + SHA256SUMS)\n", archive, nf);
    return 0;
  }
fail:;
  char line[1400];
  fprintf(stderr, "blobc: %s\n", err_line(&err, line, sizeof line));
  return -1;
}

static int cmd_archive(int argc, char **argv) {
  if (argc != 4 || strcmp(argv[2], "verify")) return usage_error("usage: blobc archive verify FILE.tar.gz%s", "");
  Buf rep = BUF_INIT;
  Err err = {0};
  int bad = archive_verify(argv[3], &rep, &err);
  if (bad < 0) {
    char line[1400];
    fprintf(stderr, "%s\n", err_line(&err, line, sizeof line));
    return 2;
  }
  if (rep.len) fprintf(stderr, "%.*s", (int)rep.len, (char *)rep.data);
  printf("%s: %s\n", argv[3], bad ? "FAILED" : "all checksums match");
  buf_free(&rep);
  return bad ? 1 : 0;
}

static int finish(BuildJob *jobs, int n, const char *out_dir, const char *manifest, bool write_report,
                  bool json_stdout, bool reproducible, const char *baseline) {
  int newly_failing = 0;
  int failed = 0, counts[5] = {0};
  for (int i = 0; i < n; i++) {
    counts[jobs[i].status]++;
    failed += jobs[i].status != JOB_OK;
  }
  if (write_report) {
    char path[4096];
    Err err = {0};
    snprintf(path, sizeof path, "%s/report.json", out_dir);
    int rc = io_mkdirs(out_dir, &err);
    json_t *doc = jobs_report(jobs, n, manifest);
    if (reproducible) report_strip_timings(doc); /* archived: same bytes every run */
    if (rc == 0 && baseline) {
      newly_failing = report_baseline_apply(doc, baseline, &err);
      if (newly_failing < 0) rc = -1;
    }
    /* report.json, report.html and junit.xml as one atomic batch: one fsync commit for all */
    char *json = rc == 0 ? report_json_dumps(doc) : NULL;
    char *junit = rc == 0 ? report_junit_string(doc) : NULL;
    Buf html = BUF_INIT, jbuf = BUF_INIT;
    if (rc == 0 && (!json || !junit || report_html_render(&html, doc) < 0)) rc = err_set(&err, ERR_INTERNAL, "cannot render the reports");
    if (rc == 0) {
      buf_put(&jbuf, json, strlen(json));
      buf_put(&jbuf, "\n", 1);
      char p_html[4096], p_junit[4096];
      snprintf(p_html, sizeof p_html, "%s/report.html", out_dir);
      snprintf(p_junit, sizeof p_junit, "%s/junit.xml", out_dir);
      const char *paths[3] = {path, p_html, p_junit};
      const void *datas[3] = {jbuf.data, html.data, junit};
      size_t lens[3] = {jbuf.len, html.len, strlen(junit)};
      rc = io_write_atomic_many(paths, datas, lens, 3, &err);
    }
    free(json);
    free(junit);
    buf_free(&html);
    buf_free(&jbuf);
    json_decref(doc);
    if (rc < 0) {
      char line[1400];
      fprintf(stderr, "blobc: %s\n", err_line(&err, line, sizeof line));
      return 2;
    }
    fprintf(stderr, "%d models: %d ok, %d unsupported, %d failed; report: %s/report.html (and report.json, junit.xml)\n", n,
            counts[JOB_OK], counts[JOB_UNSUPPORTED], counts[JOB_ERROR] + counts[JOB_SKIPPED], out_dir);
  }
  if (json_stdout) {
    json_t *doc = jobs_report(jobs, n, manifest);
    char *s = report_json_dumps(doc);
    if (s) puts(s);
    free(s);
    json_decref(doc);
  }
  if (pool_stop_requested()) return 130;
  if (newly_failing > 0) {
    fprintf(stderr, "%d model(s) newly failing since the baseline (see report.html)\n", newly_failing);
    return 3;
  }
  return failed ? 1 : 0;
}

static int cmd_build(int argc, char **argv, bool check) {
  const char *manifest = NULL, *out_dir = "out", *only = NULL, *archive = NULL, *baseline = NULL;
  int threads = 2, shard_i = 0, shard_n = 1;
  bool quiet = false, json = false, verbose = false, force = false, act = false;
  CompileLimits limits = {0};
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if ((!strcmp(a, "-j") || !strcmp(a, "--jobs")) && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strncmp(a, "-j", 2) && a[2]) threads = atoi(a + 2);
    else if (!strcmp(a, "-o") && i + 1 < argc) out_dir = argv[++i];
    else if (!strcmp(a, "--only") && i + 1 < argc) only = argv[++i];
    else if (!strcmp(a, "--archive") && i + 1 < argc) archive = argv[++i];
    else if (!strcmp(a, "--baseline") && i + 1 < argc) baseline = argv[++i];
    else if (!strcmp(a, "--shard") && i + 1 < argc) {
      if (sscanf(argv[++i], "%d/%d", &shard_i, &shard_n) != 2 || shard_n < 1 || shard_i < 0 || shard_i >= shard_n)
        return usage_error("--shard takes I/N with 0 <= I < N, got '%s'", argv[i]);
    } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) quiet = true;
    else if (!strcmp(a, "--json")) json = true;
    else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) verbose = true;
    else if (!strcmp(a, "--force")) force = true;
    else if (!strcmp(a, "--activation-stats")) act = true;
    else if (!strncmp(a, "--max-", 6)) {
      if (parse_limit(&limits, argc, argv, &i) != 1) return usage_error("bad value for %s (a positive whole number)", a);
    }
    else if (a[0] == '-') return usage_error("unknown option '%s'", a);
    else if (!manifest) manifest = a;
    else return usage_error("unexpected argument '%s'", a);
  }
  if (!manifest) return usage_error("%s needs a manifest", check ? "check" : "build");
  if (threads < 1 || threads > 256) return usage_error("-j takes 1..256, got '%s'", "?");
  Arena *a = arena_new();
  BuildJob *jobs = NULL;
  int n = 0, rc;
  Err err = {0};
  Manifest *m = NULL;
  if (check && !ends_with(manifest, ".yaml") && !ends_with(manifest, ".yml")) {
    jobs = calloc(1, sizeof *jobs);
    n = 1;
    jobs[0].name = manifest;
    jobs[0].opt = (CompileOptions){.model_name = "model", .source = manifest, .shaves = 6, .cmx_slices = 6, .openvino = "2022.1",
                                   .shape_source = SHAPE_FROM_CLI};
    const char *slash = strrchr(manifest, '/');
    jobs[0].name = arena_strdup(a, slash ? slash + 1 : manifest);
  } else {
    if (manifest_load(&m, manifest, &err) < 0) {
      char line[1400];
      fprintf(stderr, "%s\n", err_line(&err, line, sizeof line));
      arena_free(a);
      return 2;
    }
    build_jobs_from_manifest(&jobs, &n, m, a, &err);
  }
  n = select_jobs(jobs, n, only, shard_i, shard_n);
  BuildOptions bo = {.out_dir = out_dir, .threads = threads, .want_blob = !check, .want_ir = !check,
                     .quiet = quiet || (check && json), .verbose = verbose, .use_cache = !check && !force,
                     .activation_stats = act, .limits = limits};
  build_run(jobs, n, &bo);
  if (check && !json) {
    for (int i = 0; i < n; i++) {
      const BuildJob *j = &jobs[i];
      char line[4096];
      for (int k = 0; k < j->res.n_issues; k++)
        printf("%s\n", compile_issue_line(line, sizeof line, j->name, &j->res.issues[k], true));
    }
  }
  rc = finish(jobs, n, out_dir, manifest, !check, check && json, archive != NULL, baseline);
  if (archive && !check && (rc == 0 || rc == 1) && write_archive(archive, out_dir, jobs, n) < 0) rc = 2;
  build_jobs_free(jobs, n);
  manifest_free(m);
  arena_free(a);
  return rc;
}

/* The manifest's rule for model names (they become folder and file names). */
static bool safe_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 100 || s[0] == '.') return false;
  for (size_t i = 0; i < n; i++)
    if (!(isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '-')) return false;
  return true;
}

static int cmd_convert(int argc, char **argv) {
  const char *model = NULL, *out_dir = ".", *name = NULL, *openvino = "2022.1";
  CompInput in = {0};
  Precision data_type = PREC_FP16;
  int shaves = 6;
  bool superblob = false;
  CompileLimits limits = {0};
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (!strcmp(a, "--mean_values") && has) {
      if ((in.n_mean = parse_list(argv[++i], in.mean, 8)) <= 0) return usage_error("bad --mean_values '%s'", argv[i]);
    } else if (!strcmp(a, "--scale_values") && has) {
      if ((in.n_scale = parse_list(argv[++i], in.scale, 8)) <= 0) return usage_error("bad --scale_values '%s'", argv[i]);
    } else if (!strcmp(a, "--reverse_input_channels")) in.reverse_input_channels = true;
    else if (!strcmp(a, "--layout") && has) {
      char buf[64];
      snprintf(buf, sizeof buf, "%s", argv[++i]);
      char *arrow = strstr(buf, "->");
      if (arrow) *arrow = 0;
      in.layout = parse_layout(buf);
      in.frame_layout = arrow ? parse_layout(arrow + 2) : in.layout;
      if (!in.layout || !in.frame_layout) return usage_error("bad --layout '%s' (nchw, nhwc, nchw->nhwc ...)", argv[i]);
    } else if (!strcmp(a, "--input_shape") && has) {
      double d[IR_MAX_DIMS];
      int r = parse_list(argv[++i], d, IR_MAX_DIMS);
      if (r <= 0) return usage_error("bad --input_shape '%s'", argv[i]);
      in.has_shape = true;
      in.rank = r;
      for (int k = 0; k < r; k++) {
        if (d[k] < 1) return usage_error("bad --input_shape '%s'", argv[i]);
        in.shape[k] = (int64_t)d[k];
      }
    } else if (!strcmp(a, "--data_type") && has) {
      if (!(data_type = parse_prec(argv[++i])) || data_type == PREC_U8) return usage_error("bad --data_type '%s'", argv[i]);
    } else if ((!strcmp(a, "-ip") || !strcmp(a, "--input_precision")) && has) {
      if (!(in.precision = parse_prec(argv[++i]))) return usage_error("bad -ip '%s' (U8, FP16, FP32)", argv[i]);
    } else if ((!strcmp(a, "--shaves") || !strcmp(a, "-sh")) && has) {
      shaves = atoi(argv[++i]);
      if (shaves < 1 || shaves > 16) return usage_error("--shaves takes 1..16, got '%s'", argv[i]);
    } else if (!strcmp(a, "--openvino") && has) {
      openvino = argv[++i];
      if (strcmp(openvino, "2021.4") && strcmp(openvino, "2022.1")) return usage_error("--openvino takes 2021.4 or 2022.1, got '%s'", openvino);
    } else if (!strcmp(a, "-o") && has) out_dir = argv[++i];
    else if (!strcmp(a, "--superblob")) superblob = true;
    else if (!strncmp(a, "--max-", 6)) {
      if (parse_limit(&limits, argc, argv, &i) != 1) return usage_error("bad value for %s (a positive whole number)", a);
    }
    else if (!strcmp(a, "--name") && has) name = argv[++i];
    else if (a[0] == '-') return usage_error("unknown option '%s'", a);
    else if (!model) model = a;
    else return usage_error("unexpected argument '%s'", a);
  }
  if (!model) return usage_error("%s needs a model file", "convert");
  Arena *a = arena_new();
  if (name && !safe_name(name)) {
    arena_free(a);
    return usage_error("--name '%s' must be 1-100 of [A-Za-z0-9._-], not starting with '.'", name);
  }
  if (!name) { /* file stem, made safe */
    const char *slash = strrchr(model, '/');
    char *stem = arena_strdup(a, slash ? slash + 1 : model);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem) *dot = 0;
    if (strlen(stem) > 100) stem[100] = 0;
    for (char *p = stem; *p; p++)
      if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-')) *p = '_';
    if (stem[0] == '.' || !stem[0]) stem = arena_printf(a, "model%s", stem);
    name = stem;
  }
  BuildJob *job = calloc(1, sizeof *job);
  job->name = name;
  job->opt = (CompileOptions){.model_name = name, .source = model, .inputs = &in, .n_inputs = 1,
                              .data_type = data_type, .shaves = shaves, .cmx_slices = shaves, .openvino = openvino,
                              .superblob = superblob, .limits = limits,
                              .shape_source = SHAPE_FROM_CLI};
  BuildOptions bo = {.out_dir = out_dir, .threads = 1, .want_blob = true, .want_ir = true, .quiet = false, .limits = limits};
  build_run(job, 1, &bo);
  if (job->blob_path) printf("%s/%s\n", out_dir, job->blob_path);
  char line[4096];
  for (int k = 0; k < job->res.n_issues; k++)
    fprintf(stderr, "%s\n", compile_issue_line(line, sizeof line, name, &job->res.issues[k], true));
  int rc = job->status == JOB_OK ? 0 : 1;
  build_jobs_free(job, 1);
  arena_free(a);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
    printf("blobc %s\n", BLOBC_VERSION);
    return 0;
  }
  xmlInitParser();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  int rc;
  if (!strcmp(cmd, "build")) rc = cmd_build(argc, argv, false);
  else if (!strcmp(cmd, "check")) rc = cmd_build(argc, argv, true);
  else if (!strcmp(cmd, "convert")) rc = cmd_convert(argc, argv);
  else if (!strcmp(cmd, "inspect")) rc = cmd_inspect(argc - 1, argv + 1);
  else if (!strcmp(cmd, "archive")) rc = cmd_archive(argc, argv);
  else if (!strcmp(cmd, "verify")) rc = cmd_verify(argc - 1, argv + 1);
  else if (!strcmp(cmd, "import-omz")) rc = cmd_import_omz(argc - 1, argv + 1);
  else if (!strcmp(cmd, "report")) rc = cmd_report(argc - 1, argv + 1);
  else if (!strcmp(cmd, "run")) rc = cmd_run(argc - 1, argv + 1);
  else if (!strcmp(cmd, "ops")) rc = cmd_ops(argc - 1, argv + 1);
  else rc = usage_error("unknown command '%s'", cmd);
  xmlCleanupParser();
  return rc;
}
