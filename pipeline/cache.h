/*
 * pipeline/cache.h — the incremental cache of a nightly build.
 *
 * A model is compiled again only if its source bytes (the model file and the files beside it
 * that share its stem: model.bin next to model.xml, model.onnx.data ...), its resolved options
 * or the tool version changed, or one of its outputs is missing or has another size. Entries
 * live in OUT/.blobc-cache/<name>.json, are written atomically and carry a SHA-256 of their own
 * content: a corrupt entry is discarded with a warning, never trusted. The fast path compares
 * file sizes and mtimes; when those moved, the contents are hashed (SHA-256) before deciding.
 */
#ifndef PIPELINE_CACHE_H
#define PIPELINE_CACHE_H

#include "build.h"

/* True when the cache has this model unchanged: fills j->status, output paths and
 * j->cached_record. Warnings (corrupt entry) go to stderr. */
bool cache_lookup(BuildJob *j, const char *out_dir);
/* Records a freshly built ok/unsupported model with its report record (pipeline/record.h; the
 * cache keeps it without "timings" and takes the reference over). Failures to write are
 * warnings only. */
void cache_store(BuildJob *j, const char *out_dir, json_t *record);

#endif
