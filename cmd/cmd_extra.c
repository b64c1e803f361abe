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
#include "pipeline/options.h"
#include "reports/report_merge.h"

int cmd_import_omz(int argc, char **argv);
int cmd_report(int argc, char **argv);

static int usage_error(const char *cmd, const char *fmt, const char *arg) {
  fprintf(stderr, "blobc %s: ", cmd);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (see 'blobc %s --help')\n", cmd);
  return 2;
}

static int print_err(const Err *err) {
  char line[1400];
  fprintf(stderr, "%s\n", err_line(err, line, sizeof line));
  return err->code == ERR_UNSUPPORTED_OP ? 1 : 2;
}

int cmd_import_omz(int argc, char **argv) {
  Arena *a = arena_new();
  OptArgs args;
  Err perr = {0};
  int prc = opt_cli_parse(&args, CMD_IMPORT, argc - 1, argv + 1, a, &perr);
  const char *dir = prc == 0 && args.n_pos ? args.pos[0] : NULL,
             *out = prc == 0 ? opt_str(&args.run, OPT_OUTPUT) : NULL;
  int rc = -1;
  if (prc < 0)
    rc = usage_error("import-omz", "%s", perr.msg);
  else if (args.help) {
    Buf b = BUF_INIT;
    opt_help(&b, CMD_IMPORT);
    fwrite(b.data, 1, b.len, stdout);
    buf_free(&b);
    rc = 0;
  } else if (args.n_pos > 1)
    rc = usage_error("import-omz", "unexpected argument '%s'", args.pos[1]);
  else if (!dir)
    rc = usage_error("import-omz", "%s needs a folder", "import-omz");
  else if (!out)
    rc = usage_error("import-omz", "%s needs -o MANIFEST.yaml", "import-omz");
  if (rc >= 0) {
    opt_args_free(&args);
    arena_free(a);
    return rc;
  }
  dir = arena_strdup(a, dir);
  out = arena_strdup(a, out);
  Err err = {0};
  OmzStats st = {0};
  int orc = omz_import_write(dir, out, &st, &err) < 0 ? print_err(&err) : 0;
  if (orc == 0) {
    fprintf(stderr,
            "%d model.yml files: %d models imported, %d skipped (commented out); manifest: %s\n",
            st.found, st.imported, st.skipped, out);
    printf("%s\n", out);
  }
  opt_args_free(&args);
  arena_free(a);
  return orc;
}

static int cmd_report_merge(int argc, char **argv) {
  Arena *a = arena_new();
  OptArgs args;
  Err perr = {0};
  int rc = 0, n = 0;
  const char *out = NULL;
  const char **in = NULL;
  if (opt_cli_parse(&args, CMD_MERGE, argc - 2, argv + 2, a, &perr) < 0)
    rc = usage_error("report merge", "%s", perr.msg);
  if (rc == 0) {
    out = opt_str(&args.run, OPT_OUTPUT);
    in = args.pos;
    n = args.n_pos;
  }
  if (rc == 0 && !n)
    rc = usage_error("report merge", "%s needs at least one report.json", "report merge");
  if (rc == 0 && !out) rc = usage_error("report merge", "%s needs -o DIR", "report merge");
  if (rc == 0) {
    Err err = {0};
    int models = 0;
    if (report_merge_write(out, in, n, &models, &err) < 0) {
      print_err(&err);
      rc = 2;
    } else {
      fprintf(stderr,
              "%d reports, %d models merged; report: %s/report.html (and report.json, junit.xml)\n",
              n, models, out);
      printf("%s/report.json\n", out);
    }
  }
  opt_args_free(&args);
  arena_free(a);
  return rc;
}

int cmd_report(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    fprintf(argc < 2 ? stderr : stdout,
            "usage: blobc report merge A/report.json B/report.json ... -o DIR\n");
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "merge")) return cmd_report_merge(argc, argv);
  return usage_error("report", "unknown report command '%s' (expected 'merge')", argv[1]);
}
