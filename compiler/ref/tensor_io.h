/*
 * compiler/ref/tensor_io.h — tensors in and out of files for the reference executor:
 * ONNX TensorProto (.pb, as in the ONNX backend test data), NumPy (.npy, C order) and binary
 * Netpbm images (.ppm P6 / .pgm P5, 8-bit) as U8 NHWC tensors.
 *
 * Usage:
 *   RefTensor t = {0};
 *   char *name = NULL;
 *   if (tio_read_pb(&t, &name, "test_data_set_0/input_0.pb", &err) < 0) ...
 *   if (tio_write_npy("out/y.npy", &t, &err) < 0) ...
 *   free(name);
 *   ref_tensor_free(&t);
 *
 * Files are hostile input: every length, dim and header field is checked; a malformed file
 * gives -1 with ERR_PARSE (ERR_IO when it cannot be read, ERR_UNSUPPORTED_OP for a valid file
 * of a kind we do not handle, e.g. a Fortran-order .npy) and err->file = the path. *out is set
 * only on success. Writers go through io_write_atomic.
 */
#ifndef COMPILER_REF_TENSOR_IO_H
#define COMPILER_REF_TENSOR_IO_H

#include "compiler/base/base.h"
#include "ref.h"

/* Largest tensor file read (bytes). */
#define TIO_MAX_FILE ((size_t)1 << 32)

/* ONNX TensorProto. *name (may be NULL) receives the proto's name, malloc'd ("" when unset).
 * float/f16/f64/bfloat16 (widened to f32), int8..int64, uint8..uint64, bool; raw_data or the
 * typed fields. External data and strings are refused. */
int tio_read_pb(RefTensor *out, char **name, const char *path, Err *err);
int tio_decode_pb(RefTensor *out, char **name, const uint8_t *data, size_t len, const char *path,
                  Err *err);
/* Serialises t (in its dtype; raw_data little-endian) with the given name (NULL: none). */
int tio_encode_pb(Buf *out, const RefTensor *t, const char *name, Err *err);
int tio_write_pb(const char *path, const RefTensor *t, const char *name, Err *err);

/* NumPy .npy (format 1.0, 2.0, 3.0), C order: <f4 <f2 <f8 |u1 |i1 <i2 <u2 <i4 <u4 <i8 <u8 |b1
 * ('>' big-endian variants are byte-swapped). */
int tio_read_npy(RefTensor *out, const char *path, Err *err);
int tio_decode_npy(RefTensor *out, const uint8_t *data, size_t len, const char *path, Err *err);
/* Writes t in its dtype (f32 <f4, f16 <f2, f64 <f8, i64 <i8, i32 <i4, u8 |u1, bool |b1, ...),
 * format 1.0, header padded to 64 bytes. */
int tio_encode_npy(Buf *out, const RefTensor *t, Err *err);
int tio_write_npy(const char *path, const RefTensor *t, Err *err);

/* Binary PPM (P6) / PGM (P5), maxval <= 255, as U8 [1, H, W, 3] / [1, H, W, 1]. */
int tio_read_image(RefTensor *out, const char *path, Err *err);
int tio_decode_image(RefTensor *out, const uint8_t *data, size_t len, const char *path, Err *err);

/* By extension: .pb, .npy, .ppm/.pgm; *name as tio_read_pb (NULL for the others). */
int tio_read_any(RefTensor *out, char **name, const char *path, Err *err);

#endif
