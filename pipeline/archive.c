/* pipeline/archive.c — see archive.h. */
#include "archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcmp(s + n - k, suffix);
}

static int set_filter(struct archive *a, const char *path, Err *err) {
  int rc = ARCHIVE_OK;
  if (ends_with(path, ".tar.gz") || ends_with(path, ".tgz")) {
    rc = archive_write_add_filter_gzip(a);
    if (rc == ARCHIVE_OK)
      rc = archive_write_set_filter_option(a, "gzip", "timestamp",
                                           NULL); /* no mtime in the gzip header */
  } else if (ends_with(path, ".tar.xz")) {
    rc = archive_write_add_filter_xz(a);
  } else if (ends_with(path, ".tar.zst")) {
    rc = archive_write_add_filter_zstd(a);
  } else if (!ends_with(path, ".tar")) {
    return err_set(err, ERR_USAGE,
                   "archive name must end in .tar.gz, .tgz, .tar.xz, .tar.zst or .tar");
  }
  if (rc < ARCHIVE_WARN) return err_set(err, ERR_IO, "archive filter: %s", archive_error_string(a));
  return 0;
}

static int add_entry(struct archive *a, const char *name, const void *data, size_t len,
                     time_t mtime, Err *err) {
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, name);
  archive_entry_set_size(e, (la_int64_t)len);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_mtime(e, mtime, 0);
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  int rc = archive_write_header(a, e);
  if (rc >= ARCHIVE_WARN && len)
    rc = archive_write_data(a, data, len) == (la_ssize_t)len ? ARCHIVE_OK : ARCHIVE_FATAL;
  archive_entry_free(e);
  if (rc < ARCHIVE_WARN)
    return err_set(err, ERR_IO, "cannot add '%s': %s", name, archive_error_string(a));
  return 0;
}

int archive_write_release(const char *path, const char *root, const char *const *files, int n,
                          Err *err) {
  const char *sde = getenv("SOURCE_DATE_EPOCH");
  time_t mtime = sde ? (time_t)strtoll(sde, NULL, 10) : 0;
  const char **sorted = calloc((size_t)n + 1, sizeof *sorted);
  if (!sorted) return err_set(err, ERR_OOM, "out of memory");
  memcpy(sorted, files, (size_t)n * sizeof *sorted);
  qsort(sorted, (size_t)n, sizeof *sorted, cmp_str);
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  struct archive *a = archive_write_new();
  int rc = 0;
  Buf sums = BUF_INIT;
  archive_write_set_format_pax_restricted(a);
  if (set_filter(a, path, err) < 0 || archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
    if (!err->msg[0]) err_set(err, ERR_IO, "cannot create: %s", archive_error_string(a));
    err_where(err, path, 0, NULL, NULL);
    archive_write_free(a);
    free(sorted);
    return -1;
  }
  for (int i = 0; i < n && rc == 0; i++) {
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", root, sorted[i]);
    uint8_t *d = NULL;
    size_t len = 0;
    if ((rc = io_read_file(&d, &len, full, 0, err)) < 0) break;
    char h[65];
    sha256_hex(h, d, len);
    buf_printf(&sums, "%s  %s\n", h, sorted[i]);
    rc = add_entry(a, sorted[i], d, len, mtime, err);
    free(d);
  }
  if (rc == 0) rc = add_entry(a, "SHA256SUMS", sums.data, sums.len, mtime, err);
  if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
    rc = err_set(err, ERR_IO, "cannot finish: %s", archive_error_string(a));
  archive_write_free(a);
  if (rc == 0 && rename(tmp, path) < 0) rc = err_set(err, ERR_IO, "cannot rename into place");
  if (rc < 0) {
    unlink(tmp);
    err_where(err, path, 0, NULL, NULL);
  }
  buf_free(&sums);
  free(sorted);
  return rc;
}

typedef struct {
  char *name;
  char sha[65];
} Seen;

int archive_verify(const char *path, Buf *report, Err *err) {
  struct archive *a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_all(a);
  if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
    err_where(err, path, 0, NULL, NULL);
    err_set(err, ERR_IO, "cannot read archive: %s", archive_error_string(a));
    archive_read_free(a);
    return -1;
  }
  Seen *seen = NULL;
  int n_seen = 0, cap = 0, problems = 0, rc = 0;
  char *sums = NULL;
  struct archive_entry *e;
  int r;
  while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    const char *name = archive_entry_pathname(e);
    Buf data = BUF_INIT;
    char chunk[65536];
    la_ssize_t got;
    while ((got = archive_read_data(a, chunk, sizeof chunk)) > 0)
      buf_put(&data, chunk, (size_t)got);
    if (got < 0) {
      rc = err_set(err, ERR_PARSE, "entry '%s': %s", name, archive_error_string(a));
      buf_free(&data);
      break;
    }
    if (!strcmp(name, "SHA256SUMS")) {
      free(sums);
      buf_put(&data, "", 1);
      sums = (char *)data.data;
      continue;
    }
    if (n_seen == cap) {
      cap = cap ? cap * 2 : 64;
      seen = realloc(seen, (size_t)cap * sizeof *seen);
    }
    seen[n_seen].name = strdup(name);
    sha256_hex(seen[n_seen].sha, data.data ? data.data : (const uint8_t *)"", data.len);
    n_seen++;
    buf_free(&data);
  }
  if (rc == 0 && r != ARCHIVE_EOF) rc = err_set(err, ERR_PARSE, "%s", archive_error_string(a));
  if (rc == 0 && !sums) rc = err_set(err, ERR_PARSE, "no SHA256SUMS entry");
  if (rc == 0) {
    int listed = 0;
    for (char *line = sums, *next; line && *line; line = next) {
      next = strchr(line, '\n');
      if (next) *next++ = 0;
      if (strlen(line) < 67 || line[64] != ' ' || line[65] != ' ') {
        buf_printf(report, "SHA256SUMS: malformed line\n");
        problems++;
        continue;
      }
      const char *nm = line + 66;
      listed++;
      int k = 0;
      while (k < n_seen && strcmp(seen[k].name, nm)) k++;
      if (k == n_seen) {
        buf_printf(report, "%s: listed in SHA256SUMS but missing\n", nm);
        problems++;
      } else if (strncmp(seen[k].sha, line, 64)) {
        buf_printf(report, "%s: checksum mismatch\n", nm);
        problems++;
      }
    }
    if (listed != n_seen) {
      buf_printf(report, "%d entries are not listed in SHA256SUMS\n", n_seen - listed);
      problems++;
    }
  }
  for (int k = 0; k < n_seen; k++) free(seen[k].name);
  free(seen);
  free(sums);
  archive_read_free(a);
  if (rc < 0) {
    err_where(err, path, 0, NULL, NULL);
    return -1;
  }
  return problems;
}

/* libarchive's write callback into a Buf. */
static la_ssize_t buf_write_cb(struct archive *a, void *ctx, const void *data, size_t len) {
  (void)a;
  buf_put(ctx, data, len);
  return (la_ssize_t)len;
}

int archive_pack(Buf *out, const char *kind, const char *const *names, const void *const *datas,
                 const size_t *lens, int n, Err *err) {
  const char *sde = getenv("SOURCE_DATE_EPOCH");
  time_t mtime = sde ? (time_t)strtoll(sde, NULL, 10) : 0;
  struct archive *a = archive_write_new();
  int rc = 0;
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1); /* no padding to 10 KiB blocks before compression */
  if (set_filter(a, kind, err) < 0) {
    archive_write_free(a);
    return -1;
  }
  /* xz level 1: blobs are float data that -6 shrinks by a few per cent more at five times the time */
  if (strstr(kind, ".xz")) archive_write_set_filter_option(a, "xz", "compression-level", "1");
  if (archive_write_open(a, out, NULL, buf_write_cb, NULL) != ARCHIVE_OK) {
    rc = err_set(err, ERR_IO, "cannot create archive: %s", archive_error_string(a));
    archive_write_free(a);
    return rc;
  }
  for (int i = 0; i < n && rc == 0; i++) rc = add_entry(a, names[i], datas[i], lens[i], mtime, err);
  if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
    rc = err_set(err, ERR_IO, "cannot finish archive: %s", archive_error_string(a));
  archive_write_free(a);
  return rc;
}

int archive_read_member(const char *path, const char *name, size_t max, uint8_t **data, size_t *len,
                        Err *err) {
  struct archive *a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_all(a);
  if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
    err_where(err, path, 0, NULL, NULL);
    err_set(err, ERR_IO, "cannot read archive: %s", archive_error_string(a));
    archive_read_free(a);
    return -1;
  }
  struct archive_entry *e;
  int r, rc = -1;
  while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    if (strcmp(archive_entry_pathname(e), name)) continue;
    Buf b = BUF_INIT;
    char chunk[65536];
    la_ssize_t got;
    while ((got = archive_read_data(a, chunk, sizeof chunk)) > 0) {
      if (max && b.len + (size_t)got > max) {
        got = -1;
        break;
      }
      buf_put(&b, chunk, (size_t)got);
    }
    if (got < 0) {
      buf_free(&b);
      err_where(err, path, 0, NULL, NULL);
      err_set(err, ERR_PARSE, "entry '%s': %s", name,
              max && got == -1 ? "too large" : archive_error_string(a));
    } else {
      *data = b.data ? b.data : calloc(1, 1);
      *len = b.len;
      rc = 0;
    }
    break;
  }
  if (rc < 0 && !err->msg[0]) {
    err_where(err, path, 0, NULL, NULL);
    if (r == ARCHIVE_EOF)
      err_set(err, ERR_PARSE, "no entry '%s' in the archive", name);
    else
      err_set(err, ERR_PARSE, "%s", archive_error_string(a));
  }
  archive_read_free(a);
  return rc;
}
