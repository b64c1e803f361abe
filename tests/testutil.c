/* tests/testutil.c — see testutil.h. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tu_shared_data(void) {
  const char *env = getenv("BLOBC_SHARED_DATA");
  static const char *const cands[] = {"../shared/data", "../../shared/data"};
  struct stat st;
  if (env && stat(env, &st) == 0 && S_ISDIR(st.st_mode)) return env;
  for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++)
    if (stat(cands[i], &st) == 0 && S_ISDIR(st.st_mode)) return cands[i];
  return NULL;
}

char *tu_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  char tmpl[4096];
  snprintf(tmpl, sizeof tmpl, "%s/blobc-test-XXXXXX", base ? base : "/tmp");
  char *d = mkdtemp(tmpl);
  assert_non_null(d);
  return strdup(d);
}

void tu_rmrf(const char *path) {
  if (!path || strlen(path) < 8) return;
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", path);
}

void tu_write(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

int tu_run(char **output, const char *fmt, ...) {
  char cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  char full[8300];
  snprintf(full, sizeof full, "%s 2>&1", cmd);
  FILE *p = popen(full, "r");
  assert_non_null(p);
  Buf b = BUF_INIT;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) buf_put(&b, chunk, n);
  buf_put(&b, "", 1);
  int st = pclose(p);
  if (output) *output = (char *)b.data;
  else buf_free(&b);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

const char *tu_blobc(void) {
  const char *e = getenv("BLOBC");
  return e ? e : "build/blobc";
}

const char *tu_demo_zoo(void) {
  const char *e = getenv("DEMO_ZOO");
  return e ? e : "build/demo-zoo";
}
