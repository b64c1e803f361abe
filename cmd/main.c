/*
 * cmd/main.c — the blobc command line: dispatches to the commands. build, check and convert run in
 * the library (pipeline/run.c) with the option table of pipeline/options.def; `blobc CMD --help`
 * and the man page (`blobc --man`) are generated from the same table.
 *
 * Output rule, the same in every command: results on stdout, progress and diagnostics on stderr.
 * Errors are one line: `blobc CMD: message` for usage, `file[:line]: model 'm': message` when a
 * file is at fault.
 *
 * Exit codes: 0 all converted, 1 some models failed (the others are still written), 2 usage,
 * manifest or unreadable-file error, 3 regression against a baseline, 130 / 143 stopped by SIGINT /
 * SIGTERM (running models stop at their next check; the report of what finished is written).
 *
 * Ctrl-C: the first one lets running models finish (build) and writes the report of what finished;
 * the second one (and the first in convert, which has one model) aborts at once after removing
 * this process's temporary files, so no output is ever half-written.
 */
#include <dirent.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pipeline/archive.h"
#include "pipeline/options.h"
#include "pipeline/pool.h"
#include "pipeline/run.h"
#include "reports/report.h"

int cmd_inspect(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_import_omz(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_ops(int argc, char **argv);

/* ---- interrupts ------------------------------------------------------------------------------ */

/* What the signal handler needs; written before the handler is installed or by the command. */
static char g_out_dir[4096];                 /* the folder the command writes */
static volatile sig_atomic_t g_signals;      /* Ctrl-C count */
static volatile sig_atomic_t g_sig = SIGINT; /* the signal that stops the run: exit 128 + it */
static volatile sig_atomic_t g_abort_first;  /* convert: the first Ctrl-C aborts */

/* Async-signal-safe: unlinks this process's temporary files (`*.tmp.<pid>.*`) in dir. */
static void sweep_dir(int dirfd, const char *tag, size_t tag_len, int depth) {
  char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, dirfd, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      struct {
        unsigned long long ino;
        long long off;
        unsigned short reclen;
        unsigned char type;
        char name[];
      } *d = (void *)(buf + off);
      off += d->reclen;
      const char *nm = d->name;
      if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2]))) continue;
      if (d->type == DT_DIR && depth > 0) {
        int fd = openat(dirfd, nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (fd >= 0) {
          sweep_dir(fd, tag, tag_len, depth - 1);
          close(fd);
        }
        continue;
      }
      for (const char *p = nm; *p; p++)
        if (!strncmp(p, tag, tag_len)) {
          unlinkat(dirfd, nm, 0);
          break;
        }
    }
  }
}

static void abort_now(void) {
  static const char msg[] = "\nblobc: interrupted: aborted at once; nothing half-written is left\n";
  if (g_out_dir[0]) {
    char tag[32] = ".tmp.";
    int k = 5;
    char digits[16];
    int nd = 0;
    for (long pid = (long)getpid(); pid > 0 && nd < 15; pid /= 10)
      digits[nd++] = (char)('0' + pid % 10);
    while (nd > 0) tag[k++] = digits[--nd];
    tag[k++] = '.';
    int fd = open(g_out_dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
      sweep_dir(fd, tag, (size_t)k, 2);
      close(fd);
    }
  }
  if (write(2, msg, sizeof msg - 1) < 0) {}
  _exit(128 + g_sig);
}

static void on_signal(int sig) {
  if (!g_signals) g_sig = sig;
  g_signals++;
  if (g_signals >= 2 || g_abort_first) abort_now();
  static const char msg[] =
      "\nblobc: interrupted: finishing the running models (Ctrl-C again aborts at once)\n";
  if (write(2, msg, sizeof msg - 1) < 0) {}
  pool_request_stop(sig);
}

/* ---- commands -------------------------------------------------------------------------------- */

static int usage_error(const char *cmd, const char *fmt, const char *arg) {
  fprintf(stderr, "blobc%s%s: ", cmd ? " " : "", cmd ? cmd : "");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (see 'blobc %s--help')\n", cmd ? "CMD " : "");
  return 2;
}

static int cmd_archive(int argc, char **argv) {
  if (argc != 4 || strcmp(argv[2], "verify"))
    return usage_error("archive", "usage: blobc archive verify FILE.tar.gz%s", "");
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

/* True when argv[from..) asks for help (before a "--"). */
static bool wants_help(int argc, char **argv, int from) {
  for (int i = from; i < argc; i++) {
    if (!strcmp(argv[i], "--")) return false;
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return true;
  }
  return false;
}

static int print_help(unsigned cmd, FILE *f) {
  Buf b = BUF_INIT;
  opt_help(&b, cmd);
  fwrite(b.data, 1, b.len, f);
  buf_free(&b);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    print_help(0, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    unsigned c = argc > 2 ? opt_cmd_by_name(argv[2]) : 0;
    return print_help(c, stdout);
  }
  if (!strcmp(cmd, "--man")) {
    Buf b = BUF_INIT;
    opt_man(&b);
    fwrite(b.data, 1, b.len, stdout);
    buf_free(&b);
    return 0;
  }
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
    if (wants_help(argc, argv, 2)) return print_help(CMD_VERSION, stdout);
    printf("blobc %s\n", BLOBC_VERSION);
    return 0;
  }
  unsigned bit = opt_cmd_by_name(cmd);
  if (!bit) {
    fprintf(stderr, "blobc: unknown command '%s' (see 'blobc --help')\n", cmd);
    return 2;
  }
  /* report merge / archive verify: the help of the sub-command */
  if (!(bit & CMD_COMPILE) && wants_help(argc, argv, 2)) return print_help(bit, stdout);
  xmlInitParser();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  g_abort_first = !strcmp(cmd, "convert");
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  int rc;
  if (bit & CMD_COMPILE) {
    /* the out dir is known once the options are read: run_command fills it before any write */
    RunIo io = {
        .out = stdout, .diag = stderr, .out_dir = g_out_dir, .out_dir_size = sizeof g_out_dir};
    rc = run_command(cmd, argc - 2, argv + 2, &io);
  } else if (!strcmp(cmd, "inspect"))
    rc = cmd_inspect(argc - 1, argv + 1);
  else if (!strcmp(cmd, "archive"))
    rc = cmd_archive(argc, argv);
  else if (!strcmp(cmd, "verify"))
    rc = cmd_verify(argc - 1, argv + 1);
  else if (!strcmp(cmd, "import-omz"))
    rc = cmd_import_omz(argc - 1, argv + 1);
  else if (!strcmp(cmd, "report"))
    rc = cmd_report(argc - 1, argv + 1);
  else if (!strcmp(cmd, "ops"))
    rc = cmd_ops(argc - 1, argv + 1);
  else
    rc = cmd_run(argc - 1, argv + 1);
  fflush(stdout);
  xmlCleanupParser();
  return rc;
}
