// A batch of small files into one buffer for the small-file reader thread (src/repos/small-files):
// each file's head (its zip local header) then its contents, read as open(O_NOFOLLOW) + fstat +
// pread + close (batch.c; through io_uring where there is one, batch-ring.c), with no JavaScript
// value made per file; and a copy out of the shared buffer the batch is in, for the main thread.
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>

#include "batch.h"

// Per thread (each loads the module into its own environment): its io_uring reader, made on the
// first batch, unless turned off or refused.
typedef struct {
  int wanted, tried, why;
  ring_reader *ring;
} instance;

static ring_reader *ring_of(instance *in) {
  if (!in->wanted) return NULL;
  if (!in->tried) {
    in->tried = 1;
    in->ring = ring_reader_new(&in->why);
  }
  return in->ring;
}

static void instance_free(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  instance *in = data;
  ring_reader_free(in->ring);
  free(in);
}

static int typed(napi_env env, napi_value v, napi_typedarray_type want, size_t *length, void **data) {
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  return napi_get_typedarray_info(env, v, &type, length, data, &ab, &offset) == napi_ok && type == want;
}

// readBatch(paths: Uint8Array, pathEnds: Uint32Array, sizes: Float64Array, mtimes: Float64Array,
//           heads: Uint8Array, headLens: Uint32Array, into: Uint8Array, status: Int32Array(2)): undefined
// File i's path is paths[pathEnds[i - 1], pathEnds[i]). Writes head i then file i, one after the
// other, from the start of `into`; stops at the first file that is not the indexed one:
// status = [its index, -errno or NOT_REGULAR / SIZE_DIFFERS / MTIME_DIFFERS], else [-1, 0].
static napi_value read_batch(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  size_t n_paths, n_ends, n_sizes, n_mtimes, n_heads, n_head_lens, n_into, n_status;
  uint8_t *paths, *heads, *into;
  uint32_t *ends, *head_lens;
  double *sizes, *mtimes;
  int32_t *status;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 8 ||
      !typed(env, argv[0], napi_uint8_array, &n_paths, (void **)&paths) ||
      !typed(env, argv[1], napi_uint32_array, &n_ends, (void **)&ends) ||
      !typed(env, argv[2], napi_float64_array, &n_sizes, (void **)&sizes) ||
      !typed(env, argv[3], napi_float64_array, &n_mtimes, (void **)&mtimes) ||
      !typed(env, argv[4], napi_uint8_array, &n_heads, (void **)&heads) ||
      !typed(env, argv[5], napi_uint32_array, &n_head_lens, (void **)&head_lens) ||
      !typed(env, argv[6], napi_uint8_array, &n_into, (void **)&into) ||
      !typed(env, argv[7], napi_int32_array, &n_status, (void **)&status)) {
    napi_throw_type_error(env, NULL, "readBatch(paths: Uint8Array, pathEnds: Uint32Array, sizes: Float64Array, mtimes: Float64Array, heads: Uint8Array, headLens: Uint32Array, into: Uint8Array, status: Int32Array)");
    return NULL;
  }
  size_t count = n_ends;
  if (n_sizes < count || n_mtimes < count || n_head_lens < count || n_status < 2) {
    napi_throw_range_error(env, NULL, "sizes, mtimes and headLens must have an entry per path, status two");
    return NULL;
  }
  // Everything is checked before the first file is read: the heads, paths and contents must fit.
  double total = 0, head_total = 0;
  for (size_t i = 0; i < count; i++) {
    if (!(sizes[i] >= 0 && sizes[i] == trunc(sizes[i])) || (i > 0 && ends[i] < ends[i - 1]) || ends[i] > n_paths) {
      napi_throw_range_error(env, NULL, "a size is not a whole number, or a path end is out of order");
      return NULL;
    }
    total += (double)head_lens[i] + sizes[i];
    head_total += (double)head_lens[i];
  }
  if (head_total > (double)n_heads || total + 1 > (double)n_into) {
    napi_throw_range_error(env, NULL, "the heads or the files do not fit");
    return NULL;
  }
  status[0] = -1;
  status[1] = 0;
  batch b = {paths, ends, sizes, mtimes, heads, head_lens, into, count};
  instance *in = NULL;
  napi_get_instance_data(env, (void **)&in);
  ring_reader *ring = in ? ring_of(in) : NULL;
  if (!ring) read_sync(&b, status);
  else if (read_ring(ring, &b, status) != 0) {
    // The ring itself failed (status names the file it was at): operations may still be in
    // flight, so it is left as it is, and the next batches are read one call at a time.
    in->why = status[1];
    in->ring = NULL;
  }
  return NULL;
}

// copy(target: Uint8Array, targetStart: number, source: Uint8Array, sourceStart: number, length: number): undefined
// A plain memcpy, for a source in a SharedArrayBuffer: V8 copies out of shared memory with
// relaxed atomic loads, a byte at a time when the two offsets are not equally aligned (~20x
// slower than memcpy).
static napi_value copy(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  size_t n_target, n_source;
  uint8_t *target, *source;
  double target_start = 0, source_start = 0, length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5 ||
      !typed(env, argv[0], napi_uint8_array, &n_target, (void **)&target) ||
      napi_get_value_double(env, argv[1], &target_start) != napi_ok ||
      !typed(env, argv[2], napi_uint8_array, &n_source, (void **)&source) ||
      napi_get_value_double(env, argv[3], &source_start) != napi_ok ||
      napi_get_value_double(env, argv[4], &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "copy(target: Uint8Array, targetStart: number, source: Uint8Array, sourceStart: number, length: number)");
    return NULL;
  }
  if (!(target_start >= 0 && source_start >= 0 && length >= 0 && target_start == trunc(target_start) && source_start == trunc(source_start) &&
        length == trunc(length) && target_start + length <= (double)n_target && source_start + length <= (double)n_source)) {
    napi_throw_range_error(env, NULL, "the range to copy is outside the source or the target");
    return NULL;
  }
  memmove(target + (size_t)target_start, source + (size_t)source_start, (size_t)length);
  return NULL;
}

// useRing(wanted: boolean): string. Whether this thread reads batches through io_uring from now
// on: '' when it does, else why not ('turned off', or the error that refused the ring).
static napi_value use_ring(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, out;
  bool wanted = false;
  instance *in = NULL;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_bool(env, arg, &wanted) != napi_ok ||
      napi_get_instance_data(env, (void **)&in) != napi_ok || !in) {
    napi_throw_type_error(env, NULL, "useRing(wanted: boolean)");
    return NULL;
  }
  in->wanted = wanted;
  if (!wanted && in->ring) {
    ring_reader_free(in->ring);
    in->ring = NULL;
    in->tried = 0;
  }
  const char *why = !wanted ? "turned off" : ring_of(in) ? "" : strerror(-in->why);
  napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &out);
  return out;
}

NAPI_MODULE_INIT() {
  instance *in = calloc(1, sizeof *in);
  if (in) {
    in->wanted = 1;
    if (napi_set_instance_data(env, in, instance_free, NULL) != napi_ok) free(in);
  }
  napi_value fn;
  napi_create_function(env, "useRing", NAPI_AUTO_LENGTH, use_ring, NULL, &fn);
  napi_set_named_property(env, exports, "useRing", fn);
  napi_create_function(env, "readBatch", NAPI_AUTO_LENGTH, read_batch, NULL, &fn);
  napi_set_named_property(env, exports, "readBatch", fn);
  napi_create_function(env, "copy", NAPI_AUTO_LENGTH, copy, NULL, &fn);
  napi_set_named_property(env, exports, "copy", fn);
  return exports;
}
