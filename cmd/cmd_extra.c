/*
 * cmd/cmd_extra.c — the nightly-zoo sub-commands (argv[0] is the command name):
 *
 *   blobc import-omz DIR -o zoo.yaml             OMZ model.yml tree -> our manifest
 *   blobc report merge A/report.json ... -o DIR  shard reports -> one report
 *
 * Exit codes: import-omz 0 written (skipped models are comments in it), 1 no model could be
 * imported (nothing written), 2 usage, unreadable DIR or write failure; report merge 0 written,
 * 2 usage or bad input. Errors are one line `FILE: what is wrong`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/omz.h"
#include "reports/report_merge.h"

int cmd_import_omz(int argc, char **argv);
int cmd_report(int argc, char **argv);

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "blobc: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (see 'blobc --help')\n");
  return 2;
}

static int print_err(const Err *err) {
  char line[1400];
  fprintf(stderr, "%s\n", err_line(err, line, sizeof line));
  return err->code == ERR_UNSUPPORTED_OP ? 1 : 2;
}

int cmd_import_omz(int argc, char **argv) {
  const char *dir = NULL, *out = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      printf("usage: blobc import-omz DIR -o zoo.yaml\n"
             "  writes a manifest with one model per Open Model Zoo model.yml found below DIR\n");
      return 0;
    } else if (!strcmp(a, "-o") && i + 1 < argc) out = argv[++i];
    else if (a[0] == '-') return usage_error("unknown option '%s'", a);
    else if (!dir) dir = a;
    else return usage_error("unexpected argument '%s'", a);
  }
  if (!dir) return usage_error("%s needs a folder", "import-omz");
  if (!out) return usage_error("%s needs -o MANIFEST.yaml", "import-omz");
  Err err = {0};
  OmzStats st = {0};
  if (omz_import_write(dir, out, &st, &err) < 0) return print_err(&err);
  fprintf(stderr, "%d model.yml files: %d models imported, %d skipped (commented out); manifest: %s\n", st.found,
          st.imported, st.skipped, out);
  return 0;
}

static int cmd_report_merge(int argc, char **argv) {
  const char *out = NULL;
  const char **in = calloc((size_t)argc + 1, sizeof *in);
  int n = 0, rc = 0;
  if (!in) return 2;
  for (int i = 2; i < argc && rc == 0; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-o") && i + 1 < argc) out = argv[++i];
    else if (a[0] == '-' && a[1]) rc = usage_error("unknown option '%s'", a);
    else in[n++] = a;
  }
  if (rc == 0 && !n) rc = usage_error("%s needs at least one report.json", "report merge");
  if (rc == 0 && !out) rc = usage_error("%s needs -o DIR", "report merge");
  if (rc == 0) {
    Err err = {0};
    int models = 0;
    if (report_merge_write(out, in, n, &models, &err) < 0) {
      print_err(&err);
      rc = 2;
    } else fprintf(stderr, "%d reports, %d models merged; report: %s/report.html (and report.json, junit.xml)\n", n, models, out);
  }
  free(in);
  return rc;
}

int cmd_report(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    fprintf(argc < 2 ? stderr : stdout, "usage: blobc report merge A/report.json B/report.json ... -o DIR\n");
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "merge")) return cmd_report_merge(argc, argv);
  return usage_error("unknown report command '%s' (expected 'merge')", argv[1]);
}
