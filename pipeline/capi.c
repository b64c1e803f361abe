/* pipeline/capi.c — see capi.h. */
#include "capi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/omz.h"
#include "pipeline/options.h"
#include "pipeline/run.h"
#include "reports/report.h"

const char *blobc_api_version(void) { return BLOBC_VERSION; }

/* import-omz DIR -o MANIFEST.yaml */
static int api_import(int argc, char **argv, int show, char *result, size_t rsize, char *errbuf,
                      size_t esize) {
  Arena *a = arena_new();
  OptArgs args;
  Err err = {0};
  int rc = 0;
  if (opt_cli_parse(&args, CMD_IMPORT, argc, argv, a, &err) < 0) {
    snprintf(errbuf, esize, "blobc import-omz: %s", err.msg);
    rc = 2;
  } else if (args.n_pos != 1 || !opt_str(&args.run, OPT_OUTPUT)) {
    snprintf(errbuf, esize, "blobc import-omz: needs DIR and -o MANIFEST.yaml");
    rc = 2;
  } else {
    OmzStats st = {0};
    const char *out = opt_str(&args.run, OPT_OUTPUT);
    if (omz_import_write(args.pos[0], out, &st, &err) < 0) {
      err_line(&err, errbuf, esize);
      rc = err.code == ERR_UNSUPPORTED_OP ? 1 : 2;
    } else {
      snprintf(result, rsize, "%s", out);
      if (show)
        fprintf(
            stderr,
            "%d model.yml files: %d models imported, %d skipped (commented out); manifest: %s\n",
            st.found, st.imported, st.skipped, out);
    }
  }
  if (rc && show) fprintf(stderr, "%s\n", errbuf);
  opt_args_free(&args);
  arena_free(a);
  return rc;
}

int blobc_api_run(const char *cmd, int argc, const char *const *argv, int show, char *result,
                  size_t result_size, char *err, size_t err_size) {
  char dummy_r[8], dummy_e[8];
  if (!result || !result_size) result = dummy_r, result_size = sizeof dummy_r;
  if (!err || !err_size) err = dummy_e, err_size = sizeof dummy_e;
  result[0] = err[0] = 0;
  if (!cmd || argc < 0 || (argc > 0 && !argv)) {
    snprintf(err, err_size, "blobc: bad arguments to blobc_api_run");
    return 2;
  }
  char **copy = calloc((size_t)argc + 1, sizeof *copy); /* the parsers take char ** */
  if (!copy) return 2;
  for (int i = 0; i < argc; i++) copy[i] = (char *)argv[i];
  int rc;
  if (!strcmp(cmd, "import-omz")) {
    rc = api_import(argc, copy, show, result, result_size, err, err_size);
  } else {
    RunIo io = {.out = NULL,
                .diag = show ? stderr : NULL,
                .err = err,
                .err_size = err_size,
                .result = result,
                .result_size = result_size};
    rc = run_command(cmd, argc, copy, &io);
  }
  free(copy);
  return rc;
}
