// One file at a time: open (no symlink), fstat against the index, pread, close.
#define _GNU_SOURCE
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __APPLE__
#define st_mtim st_mtimespec
#endif

static int open_file(const char *path) {
  int fd = open(path, OPEN_FLAGS);
  return fd < 0 ? -errno : fd;
}

// 0 when the open file is the indexed one: regular, `size` bytes, modified at `mtime` (whole ms).
int check_stat(int fd, size_t size, double mtime) {
  struct stat st;
  if (fstat(fd, &st) != 0) return -errno;
  if (!S_ISREG(st.st_mode)) return NOT_REGULAR;
  if ((double)st.st_size != (double)size) return SIZE_DIFFERS;
  // As Node computes mtimeMs (seconds * 1e3 + nanoseconds / 1e6), truncated as the index records it.
  if (trunc((double)st.st_mtim.tv_sec * 1e3 + (double)st.st_mtim.tv_nsec / 1e6) != mtime) return MTIME_DIFFERS;
  return 0;
}

// Reads on from `got` bytes already in `to`, up to one byte more than the size, to see a file that
// grew between the fstat and the read; a short read of a regular file is its end.
int read_rest(int fd, uint8_t *to, size_t size, size_t got) {
  size_t want = size + 1;
  while (got < want) {
    ssize_t n = pread(fd, to + got, want - got, (off_t)got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    got += (size_t)n;
    if (n == 0 || got >= size) break;
  }
  return got == size ? 0 : SIZE_DIFFERS;
}

// One file of `size` bytes, modified at `mtime` (whole ms), into `to` (size + 1 bytes of room).
static int read_one(const char *path, uint8_t *to, size_t size, double mtime) {
  int fd = open_file(path);
  if (fd < 0) return fd;
  int result = check_stat(fd, size, mtime);
  if (result == 0) result = read_rest(fd, to, size, 0);
  close(fd);
  return result;
}

// File i's path as a C string in `to` (PATH_BYTES), or -errno: a NUL inside the path would end it
// early, naming another file (Node refuses such paths too).
int path_of(const batch *b, size_t i, char *to) {
  size_t from = i == 0 ? 0 : b->ends[i - 1], len = b->ends[i] - from;
  if (len >= PATH_BYTES) return -ENAMETOOLONG;
  if (len == 0 || memchr(b->paths + from, 0, len) != NULL) return -EINVAL;
  memcpy(to, b->paths + from, len);
  to[len] = 0;
  return 0;
}

// One file after the other, four system calls each.
void read_sync(const batch *b, int32_t *status) {
  size_t at = 0, head_at = 0;
  char path[PATH_BYTES];
  for (size_t i = 0; i < b->count; i++) {
    memcpy(b->into + at, b->heads + head_at, b->head_lens[i]);
    at += b->head_lens[i];
    head_at += b->head_lens[i];
    int r = path_of(b, i, path);
    if (r == 0) r = read_one(path, b->into + at, (size_t)b->sizes[i], b->mtimes[i]);
    if (r != 0) {
      status[0] = (int32_t)i;
      status[1] = r;
      return;
    }
    at += (size_t)b->sizes[i];
  }
}


