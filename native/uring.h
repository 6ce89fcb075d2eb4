// A minimal io_uring (Linux 5.6+) for the small-file reader: a submission queue to fill and a
// loop that submits and reaps, through the raw system calls (no liburing needed to build).
// Elsewhere, or where the kernel or a seccomp filter refuses it, uring_open fails and the
// reader makes its system calls one by one.
#ifndef MEDIMG_URING_H
#define MEDIMG_URING_H

#include <stdint.h>

typedef struct uring uring;

// What one queued operation asks for (a subset of struct io_uring_sqe).
enum { URING_OPENAT = 1, URING_READ = 2, URING_CLOSE = 3 };
typedef struct {
  int op;
  int fd;            // URING_READ, URING_CLOSE; URING_OPENAT: the directory (AT_FDCWD)
  const void *addr;  // URING_OPENAT: the NUL-terminated path; URING_READ: the buffer
  uint32_t len;      // URING_READ: bytes
  uint64_t off;      // URING_READ: file offset
  int flags;         // URING_OPENAT: open flags
  uint64_t user;     // given back with the result
} uring_op;

// A ring of `entries` (a power of two) submissions, or -errno: -ENOSYS where there is no
// io_uring, -EPERM where it is forbidden, -EOPNOTSUPP where openat, read or close are missing.
int uring_open(uring **out, unsigned entries);
void uring_close(uring *r);
unsigned uring_entries(const uring *r);

// Runs `n` operations (n <= entries) and waits for all of them; done(ctx, user, result) is called
// once per operation as it completes (result: as the system call's, -errno on failure). Returns 0,
// or -errno when the ring itself failed (then it must not be used again: operations may be in
// flight).
int uring_run(uring *r, const uring_op *ops, unsigned n, void (*done)(void *ctx, uint64_t user, int32_t result), void *ctx);

#endif
