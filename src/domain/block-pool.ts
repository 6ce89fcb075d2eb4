/**
 * Output blocks of a streamed download. The producer fills a block and hands it to the consumer,
 * which gives it back once the socket has written it: a fixed set of reused buffers keeps the
 * memory of a download flat, and waiting for a free block is the backpressure.
 */
export interface BlockSource {
  /** An empty block (its whole length is usable). */
  take(): Promise<Buffer>;
  /** Back to the pool: `chunk` may be a view of a block; chunks that are not blocks are ignored. */
  give(chunk: Buffer): void;
}

/** A new block each time (nothing is reused): for consumers that keep the chunks. */
export const freshBlocks = (size: number): BlockSource => ({
  take: () => Promise.resolve(Buffer.allocUnsafe(size)),
  give: () => {},
});

/**
 * Blocks of `size` bytes kept for reuse by every pool made from it, at most `keep` of them idle:
 * allocating and freeing 1 MiB buffers per response lets the C heap keep growing (glibc serves
 * them from its arenas once its mmap threshold has risen), reusing them keeps it flat.
 */
export function blockStore(size: number, keep: number) {
  const idle: Buffer[] = [];
  return {
    size,
    get(): Buffer {
      return idle.pop() ?? Buffer.allocUnsafeSlow(size);
    },
    put(b: Buffer): void {
      if (idle.length < keep) idle.push(b);
    },
    get idle() { return idle.length; },
  };
}
export type BlockStore = ReturnType<typeof blockStore>;

/**
 * At most `count` blocks for one consumer, taken from `store` on first use. After close(), take()
 * gives fresh ones so a producer can finish; after release(), the blocks go back to the store as
 * they are given back.
 */
export function blockPool(size: number, count: number, store: BlockStore = blockStore(size, 0)) {
  const free: Buffer[] = [];
  const ours = new Set<ArrayBufferLike>();
  const waiting: ((b: Buffer) => void)[] = [];
  let closed = false;
  let released = false;
  const newBlock = () => {
    const b = store.get();
    ours.add(b.buffer);
    return b;
  };
  return {
    take(): Promise<Buffer> {
      const b = free.pop();
      if (b) return Promise.resolve(b);
      if (closed) return Promise.resolve(Buffer.allocUnsafe(size));
      if (ours.size < count) return Promise.resolve(newBlock());
      return new Promise<Buffer>((ok) => waiting.push(ok));
    },
    give(chunk: Buffer): void {
      if (!ours.has(chunk.buffer)) return;
      const b = Buffer.from(chunk.buffer, 0, size);
      if (released) {
        ours.delete(chunk.buffer);
        store.put(b);
        return;
      }
      const w = waiting.shift();
      if (w) w(b);
      else free.push(b);
    },
    /** Wakes a producer waiting for a block that will never be given back (the client went away). */
    close(): void {
      closed = true;
      for (const w of waiting.splice(0)) w(Buffer.allocUnsafe(size));
    },
    /** The consumer is done: idle blocks go back to the store now, the others when given back. */
    release(): void {
      released = true;
      for (const b of free.splice(0)) {
        ours.delete(b.buffer);
        store.put(b);
      }
    },
  };
}
export type BlockPool = ReturnType<typeof blockPool>;
