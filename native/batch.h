// Reading a batch of small files (see readBatch in small-files.c): each file's head (its zip local
// header) then its contents, one file after the other, checked against the index.
#ifndef MEDIMG_BATCH_H
#define MEDIMG_BATCH_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>

#define PATH_BYTES 4096
// No symlink (O_NOFOLLOW); O_NONBLOCK: a FIFO put where a file was opens at once (and is then
// refused as not regular) instead of blocking the reader; it changes nothing for regular files.
#define OPEN_FLAGS (O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)

// Results besides 0 (read as indexed) and -errno.
enum { NOT_REGULAR = 1, SIZE_DIFFERS = 2, MTIME_DIFFERS = 3 };

// A batch whose arguments were checked: paths[ends[i - 1], ends[i]) is file i's path, the heads
// and every file (plus one byte) fit `into`.
typedef struct {
  const uint8_t *paths;
  const uint32_t *ends;
  const double *sizes, *mtimes;
  const uint8_t *heads;
  const uint32_t *head_lens;
  uint8_t *into;
  size_t count;
} batch;

// batch.c: the rules for one file, and the batch read one system call at a time.
int check_stat(int fd, size_t size, double mtime);
int read_rest(int fd, uint8_t *to, size_t size, size_t got);
int path_of(const batch *b, size_t i, char *to);
// Reads the batch; status = [index of the first file that is not the indexed one, its answer],
// else [-1, 0]. The heads and files before it are in place.
void read_sync(const batch *b, int32_t *status);

// batch-ring.c: the same through io_uring, a few system calls per batch instead of four per file.
typedef struct ring_reader ring_reader;
// A reader for this thread, or NULL (with -errno in *why) where io_uring cannot be used.
ring_reader *ring_reader_new(int *why);
void ring_reader_free(ring_reader *r);
// As read_sync. Returns 0, or -errno when the ring failed (the reader must not be used again).
int read_ring(ring_reader *r, const batch *b, int32_t *status);

#endif
