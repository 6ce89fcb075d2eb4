// See uring.h. The ring is the kernel's (Documentation: io_uring(7), io_uring_setup(2),
// io_uring_enter(2)); this file only maps it and moves the head and tail indexes.
#define _GNU_SOURCE
#include "uring.h"

#include <errno.h>
#include <stdlib.h>

#if defined(__linux__) && __has_include(<linux/io_uring.h>)
#include <linux/io_uring.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct uring {
  int fd;
  unsigned entries;
  unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
  struct io_uring_sqe *sqes;
  struct io_uring_cqe *cqes;
  void *sq_map, *cq_map, *sqe_map;
  size_t sq_len, cq_len, sqe_len;
};

static int enter(int fd, unsigned submit, unsigned wait) {
  long r = syscall(__NR_io_uring_enter, fd, submit, wait, wait ? IORING_ENTER_GETEVENTS : 0, NULL, 0);
  return r < 0 ? -errno : (int)r;
}

// openat, read and close must all be there (Linux 5.6).
static int supported(int fd) {
  size_t size = sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op);
  struct io_uring_probe *p = calloc(1, size);
  if (!p) return -ENOMEM;
  int ok = syscall(__NR_io_uring_register, fd, IORING_REGISTER_PROBE, p, 256) == 0;
  const int ops[] = {IORING_OP_OPENAT, IORING_OP_READ, IORING_OP_CLOSE};
  for (size_t i = 0; ok && i < sizeof ops / sizeof ops[0]; i++)
    ok = ops[i] <= p->last_op && (p->ops[ops[i]].flags & IO_URING_OP_SUPPORTED);
  free(p);
  return ok ? 0 : -EOPNOTSUPP;
}

void uring_close(uring *r) {
  if (!r) return;
  if (r->sqe_map && r->sqe_map != MAP_FAILED) munmap(r->sqe_map, r->sqe_len);
  if (r->cq_map && r->cq_map != MAP_FAILED && r->cq_map != r->sq_map) munmap(r->cq_map, r->cq_len);
  if (r->sq_map && r->sq_map != MAP_FAILED) munmap(r->sq_map, r->sq_len);
  if (r->fd >= 0) close(r->fd);
  free(r);
}

int uring_open(uring **out, unsigned entries) {
  *out = NULL;
  uring *r = calloc(1, sizeof *r);
  if (!r) return -ENOMEM;
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  r->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
  if (r->fd < 0) {
    int e = -errno;
    free(r);
    return e;
  }
  int e = supported(r->fd);
  if (e) {
    uring_close(r);
    return e;
  }
  r->entries = p.sq_entries;
  r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  if (p.features & IORING_FEAT_SINGLE_MMAP) r->sq_len = r->cq_len = r->sq_len > r->cq_len ? r->sq_len : r->cq_len;
  r->sq_map = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
  r->cq_map = p.features & IORING_FEAT_SINGLE_MMAP ? r->sq_map
                                                   : mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
  r->sqe_len = p.sq_entries * sizeof(struct io_uring_sqe);
  r->sqe_map = mmap(NULL, r->sqe_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
  if (r->sq_map == MAP_FAILED || r->cq_map == MAP_FAILED || r->sqe_map == MAP_FAILED) {
    uring_close(r);
    return -ENOMEM;
  }
  char *sq = r->sq_map, *cq = r->cq_map;
  r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
  r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
  r->sq_array = (unsigned *)(sq + p.sq_off.array);
  r->cq_head = (unsigned *)(cq + p.cq_off.head);
  r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
  r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  r->sqes = r->sqe_map;
  *out = r;
  return 0;
}

unsigned uring_entries(const uring *r) { return r->entries; }

int uring_run(uring *r, const uring_op *ops, unsigned n, void (*done)(void *, uint64_t, int32_t), void *ctx) {
  if (n > r->entries) return -EINVAL;
  // The kernel consumes every submission of a call before it returns (the queue is empty here),
  // so the n entries are free.
  unsigned tail = *r->sq_tail;
  for (unsigned i = 0; i < n; i++) {
    unsigned at = (tail + i) & *r->sq_mask;
    struct io_uring_sqe *s = &r->sqes[at];
    memset(s, 0, sizeof *s);
    s->fd = ops[i].fd;
    s->user_data = ops[i].user;
    if (ops[i].op == URING_OPENAT) {
      s->opcode = IORING_OP_OPENAT;
      s->addr = (uintptr_t)ops[i].addr;
      s->open_flags = (uint32_t)ops[i].flags;
    } else if (ops[i].op == URING_READ) {
      s->opcode = IORING_OP_READ;
      s->addr = (uintptr_t)ops[i].addr;
      s->len = ops[i].len;
      s->off = ops[i].off;
    } else {
      s->opcode = IORING_OP_CLOSE;
    }
    r->sq_array[at] = at;
  }
  __atomic_store_n(r->sq_tail, tail + n, __ATOMIC_RELEASE);
  unsigned to_submit = n, reaped = 0;
  while (reaped < n) {
    int got = enter(r->fd, to_submit, 1);
    if (got < 0 && got != -EINTR && got != -EAGAIN && got != -EBUSY) return got;
    if (got > 0) to_submit -= (unsigned)got < to_submit ? (unsigned)got : to_submit;
    unsigned head = *r->cq_head, ctail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
    for (; head != ctail; head++, reaped++) {
      struct io_uring_cqe *c = &r->cqes[head & *r->cq_mask];
      done(ctx, c->user_data, c->res);
    }
    __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
  }
  return 0;
}

#else

struct uring { int unused; };
int uring_open(uring **out, unsigned entries) {
  (void)entries;
  *out = NULL;
  return -ENOSYS;
}
void uring_close(uring *r) { (void)r; }
unsigned uring_entries(const uring *r) {
  (void)r;
  return 0;
}
int uring_run(uring *r, const uring_op *ops, unsigned n, void (*done)(void *, uint64_t, int32_t), void *ctx) {
  (void)r, (void)ops, (void)n, (void)done, (void)ctx;
  return -ENOSYS;
}

#endif
