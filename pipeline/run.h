/*
 * pipeline/run.h — the compile commands (build, check, convert) as library calls, so the command
 * line (cmd/main.c) and the Python package (python/, through libblobc.so) run the same code with
 * the same option table (pipeline/options.def).
 *
 *   RunIo io = {.out = stdout, .diag = stderr};
 *   int rc = run_command("convert", argc, argv, &io);   // argv: the arguments after the command
 *
 * Results go to io->out (convert: the blob's path; build: one line per blob written; check: the
 * verdicts), progress and diagnostics to io->diag; either may be NULL (not shown). Every error is
 * one line `blobc CMD: message` (usage) or `file[:line]: model 'm': message`, and the first one is
 * also copied into io->err. Exit codes as the command line's: 0 all converted, 1 some models failed
 * or are unsupported, 2 usage / manifest / unreadable file, 3 regression against --baseline,
 * 130 interrupted (pool_request_stop()).
 */
#ifndef PIPELINE_RUN_H
#define PIPELINE_RUN_H

#include <stdio.h>

typedef struct {
  FILE *out, *diag;
  char *err; /* first error line (may be NULL) */
  size_t err_size;
  char *result; /* convert: the blob path; build/check: the report.json path (may be NULL) */
  size_t result_size;
  char *out_dir; /* filled once known: the folder the command writes (for the interrupt
                           handler's sweep of temporary files); may be NULL */
  size_t out_dir_size;
} RunIo;

/* Runs command cmd ("build", "check" or "convert") on argv[0..argc). --help prints the command's
 * help on io->out and returns 0. */
int run_command(const char *cmd, int argc, char **argv, RunIo *io);

#endif
