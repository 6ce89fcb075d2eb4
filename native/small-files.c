// One small file into a buffer for the small-file reader thread (src/repos/small-files), as
// open(O_NOFOLLOW) + fstat + pread + close with no JavaScript objects in between.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>

#ifdef __APPLE__
#define st_mtim st_mtimespec
#endif

#define PATH_BYTES 4096

// Results besides 0 (read as indexed) and -errno.
enum { NOT_REGULAR = 1, SIZE_DIFFERS = 2, MTIME_DIFFERS = 3 };

static napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

// readFile(path: string, into: Uint8Array, at: number, size: number, mtimeMs: number): number
static napi_value read_file(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5) {
    napi_throw_type_error(env, NULL, "readFile(path, into, at, size, mtimeMs)");
    return NULL;
  }
  char path[PATH_BYTES];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "path must be a string");
    return NULL;
  }
  if (len >= sizeof path - 1) return number(env, -ENAMETOOLONG);
  // A NUL inside the string would end the path early, naming another file (Node refuses such paths too).
  if (strlen(path) != len) return number(env, -EINVAL);
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  napi_value ab;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "into must be a Uint8Array");
    return NULL;
  }
  double at = 0, size = 0, mtime = 0;
  if (napi_get_value_double(env, argv[2], &at) != napi_ok || napi_get_value_double(env, argv[3], &size) != napi_ok ||
      napi_get_value_double(env, argv[4], &mtime) != napi_ok || at != trunc(at) || size != trunc(size)) {
    napi_throw_type_error(env, NULL, "at, size and mtimeMs must be numbers (at and size whole)");
    return NULL;
  }
  // The contents and one spare byte (to see a file that grew) must fit.
  if (!(at >= 0 && size >= 0 && at + size + 1 <= (double)length)) {
    napi_throw_range_error(env, NULL, "the file does not fit the buffer");
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return number(env, -errno);
  struct stat st;
  int result = 0;
  if (fstat(fd, &st) != 0) result = -errno;
  else if (!S_ISREG(st.st_mode)) result = NOT_REGULAR;
  else if ((double)st.st_size != size) result = SIZE_DIFFERS;
  // As Node computes mtimeMs (seconds * 1e3 + nanoseconds / 1e6), truncated as the index records it.
  else if (trunc((double)st.st_mtim.tv_sec * 1e3 + (double)st.st_mtim.tv_nsec / 1e6) != mtime) result = MTIME_DIFFERS;
  else {
    size_t want = (size_t)size + 1, got = 0;
    uint8_t *to = (uint8_t *)data + (size_t)at;
    while (got < want) {
      ssize_t n = pread(fd, to + got, want - got, (off_t)got);
      if (n < 0) {
        if (errno == EINTR) continue;
        result = -errno;
        break;
      }
      if (n == 0) break;
      got += (size_t)n;
    }
    // Grown or shrunk between the fstat and the read.
    if (result == 0 && got != (size_t)size) result = SIZE_DIFFERS;
  }
  close(fd);
  return number(env, result);
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "readFile", NAPI_AUTO_LENGTH, read_file, NULL, &fn);
  napi_set_named_property(env, exports, "readFile", fn);
  return exports;
}
