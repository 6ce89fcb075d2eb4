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

/** `count` blocks of `size` bytes, allocated on first use. After close(), take() gives fresh ones so a producer can finish. */
export function blockPool(size: number, count: number) {
  const free: Buffer[] = [];
  const ours = new Set<ArrayBufferLike>();
  const waiting: ((b: Buffer) => void)[] = [];
  let closed = false;
  const newBlock = () => {
    const b = Buffer.allocUnsafeSlow(size);
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
      const w = waiting.shift();
      if (w) w(b);
      else free.push(b);
    },
    /** Wakes a producer waiting for a block that will never be given back (the client went away). */
    close(): void {
      closed = true;
      for (const w of waiting.splice(0)) w(Buffer.allocUnsafe(size));
    },
  };
}
export type BlockPool = ReturnType<typeof blockPool>;
