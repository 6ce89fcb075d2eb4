import { describe, expect, it } from 'vitest';
import { blockPool, blockStore, freshBlocks } from './block-pool.js';

describe('blockPool', () => {
  it('hands out at most `count` blocks, then waits until one is given back, and reuses it', async () => {
    const pool = blockPool(16, 2);
    const a = await pool.take();
    const b = await pool.take();
    expect(a.length).toBe(16);
    expect(a.buffer).not.toBe(b.buffer);
    let third: Buffer | undefined;
    const waiting = pool.take().then((c) => { third = c; });
    await Promise.resolve();
    expect(third).toBeUndefined();
    pool.give(a.subarray(0, 5)); // a view of a block gives back the whole block
    await waiting;
    expect(third!.buffer).toBe(a.buffer);
    expect(third!.length).toBe(16);
  });

  it('ignores chunks that are not its blocks, and wakes a waiting producer on close', async () => {
    const pool = blockPool(8, 1);
    const a = await pool.take();
    pool.give(Buffer.alloc(8)); // not ours: must not become a block
    const next = pool.take();
    pool.close();
    const b = await next;
    expect(b.buffer).not.toBe(a.buffer);
    expect(b.length).toBe(8);
  });

  it('takes blocks from a shared store and gives them back on release, idle ones at once, the others when given back', async () => {
    const store = blockStore(8, 2);
    const p1 = blockPool(8, 3, store);
    const [a, b, c] = [await p1.take(), await p1.take(), await p1.take()];
    p1.give(a);
    p1.release();
    expect(store.idle).toBe(1);
    p1.give(b.subarray(0, 3));
    p1.give(c);
    expect(store.idle).toBe(2); // `keep` is 2: the third block is dropped
    const p2 = blockPool(8, 2, store);
    const reused = [await p2.take(), await p2.take()].map((x) => x.buffer);
    expect(reused).toContain(a.buffer);
    expect(reused).toContain(b.buffer);
    expect(store.idle).toBe(0);
  });

  it('freshBlocks gives a new buffer every time', async () => {
    const src = freshBlocks(4);
    const a = await src.take();
    a.fill(7);
    src.give(a);
    (await src.take()).fill(0);
    expect([...a]).toEqual([7, 7, 7, 7]);
  });
});
