/*
 * pipeline/nnarchive.h — Luxonis' NN Archive (the .tar.xz depthai v3 and modelconverter read):
 * config.json describing the compiled model plus the blob or superblob.
 */
#ifndef PIPELINE_NNARCHIVE_H
#define PIPELINE_NNARCHIVE_H

#include "build.h"

/* The archive of a compiled job (j->res.blob holds the blob) into out. 0, or -1 with err filled. */
int nnarchive_build(Buf *out, const BuildJob *j, Err *err);

#endif
