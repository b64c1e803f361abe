/* pipeline/nnarchive.c — see nnarchive.h. */
#include "nnarchive.h"

int nnarchive_build(Buf *out, const BuildJob *j, Err *err) {
  (void)out;
  (void)j;
  return err_set(err, ERR_USAGE, "--nn-archive is not available in this build yet");
}
