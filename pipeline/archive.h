/*
 * pipeline/archive.h — reproducible release tarballs (libarchive).
 *
 *   archive_write_release("zoo-2026.11.tar.gz", out_dir, files, n, &err);
 *   archive_verify("zoo-2026.11.tar.gz", report, &err);
 *
 * Entries are sorted by name, with mtime SOURCE_DATE_EPOCH (0 when unset), uid/gid 0, no user
 * or group names, mode 0644, and a SHA256SUMS entry ("<sha256>  <name>" lines, sha256sum's
 * format) over every other entry: two runs give identical bytes. The compression follows the
 * extension: .tar.gz/.tgz, .tar.xz, .tar.zst, plain .tar. Written to a temp name and renamed.
 */
#ifndef PIPELINE_ARCHIVE_H
#define PIPELINE_ARCHIVE_H

#include "compiler/base/base.h"

/* files: paths relative to root (also their names inside the archive). */
int archive_write_release(const char *path, const char *root, const char *const *files, int n,
                          Err *err);
/* Checks every entry against SHA256SUMS; one line per problem into report. Returns the number
 * of problems (0 = all good) or -1 when the archive cannot be read (err filled). */
int archive_verify(const char *path, Buf *report, Err *err);

/* A reproducible archive in memory (the same entry rules, no SHA256SUMS): entries in the order
 * given, compression by the extension of kind (".tar.xz", ".tar.gz", ...). For the NN Archive. */
int archive_pack(Buf *out, const char *kind, const char *const *names, const void *const *datas,
                 const size_t *lens, int n, Err *err);
/* The bytes of the entry called name in the archive at path (malloc'd, caller frees *data).
 * -1 with err when the archive cannot be read or has no such entry. */
int archive_read_member(const char *path, const char *name, size_t max, uint8_t **data, size_t *len,
                        Err *err);

#endif
