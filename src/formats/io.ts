// Bounded reading helpers shared by the handlers. Every read is checked against the file's size and the
// per-file read budget (Limits.maxReadBytes) before a buffer is allocated, so a length field read from a
// hostile file can never make us allocate or read more than the limits allow.
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip, createInflate, createInflateRaw, gunzipSync, constants as zc } from 'node:zlib';
import { FormatError, type FileRef, type Limits } from './types.js';

export class Source {
  private used = 0;
  constructor(
    private readonly fh: FileHandle | null, readonly size: number, private readonly limits: Limits, readonly format: string,
    private readonly data?: Buffer,
  ) {}

  fail(reason: string): never {
    throw new FormatError(this.format, reason);
  }

  /** Exactly `length` bytes at `offset`, or a FormatError when the file ends first. */
  async read(offset: number, length: number): Promise<Buffer> {
    if (offset + length > this.size) this.fail('truncated');
    const buf = await this.readUpTo(offset, length);
    if (buf.length < length) this.fail('truncated');
    return buf;
  }

  /** Up to `length` bytes at `offset`: fewer at the end of the file. */
  async readUpTo(offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) this.fail('invalid offset');
    const n = Math.max(0, Math.min(length, this.size - offset));
    this.used += n;
    if (this.used > this.limits.maxReadBytes) this.fail('header exceeds the read limit');
    // A copy, as from a file: callers may keep or change what they get.
    if (this.data) return Buffer.from(this.data.subarray(offset, offset + n));
    const buf = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await this.fh!.read(buf, got, n - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got < n ? buf.subarray(0, got) : buf;
  }
}

export async function withSource<T>(file: FileRef, limits: Limits, format: string, fn: (src: Source) => Promise<T>): Promise<T> {
  const fh = file.data ? null : await open(file.path, 'r');
  try {
    return await fn(new Source(fh, file.data ? file.data.length : file.size, limits, format, file.data));
  } catch (err) {
    // A Buffer read past the end of what we have means the header lied about a size or offset.
    if (err instanceof RangeError) throw new FormatError(format, 'truncated or inconsistent header');
    throw err;
  } finally {
    await fh?.close();
  }
}

export type Compression = 'gzip' | 'zlib' | 'raw';

/**
 * Inflates a compressed stream starting at `offset` until `want` bytes are out (or the stream ends), then stops
 * reading: a gzip bomb costs only what we asked for. Reads at most Limits.maxReadBytes compressed bytes.
 */
export function inflatePrefix(
  file: FileRef, want: number, limits: Limits, format: string, opts: { offset?: number; compression?: Compression } = {},
): Promise<Buffer> {
  if (want > limits.maxDecompressedBytes) return Promise.reject(new FormatError(format, 'decompressed size exceeds the limit'));
  const offset = opts.offset ?? 0;
  const compression = opts.compression ?? 'gzip';
  return new Promise((resolve, reject) => {
    const input = file.data
      ? Readable.from([file.data.subarray(offset, offset + limits.maxReadBytes)])
      : createReadStream(file.path, { start: offset, end: offset + limits.maxReadBytes - 1 });
    const inflater = compression === 'gzip' ? createGunzip() : compression === 'zlib' ? createInflate() : createInflateRaw();
    const chunks: Buffer[] = [];
    let got = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      input.destroy();
      inflater.destroy();
      if (err && got < want) reject(err instanceof FormatError ? err : new FormatError(format, 'corrupt compressed data'));
      else resolve(Buffer.concat(chunks, Math.min(got, want)).subarray(0, Math.min(got, want)));
    };
    inflater.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= want) finish();
    });
    inflater.on('end', () => finish());
    inflater.on('error', (err) => finish(err));
    input.on('error', (err: Error) => finish(err));
    input.pipe(inflater);
  });
}

/**
 * Inflates a whole gzip file, failing as soon as the output passes Limits.maxDecompressedBytes.
 * For decoders that need all the data (e.g. a .nii.gz volume); metadata readers use inflatePrefix.
 */
export async function gunzipBounded(file: FileRef, limits: Limits, format = 'gzip'): Promise<Buffer> {
  const out = await inflatePrefix(file, limits.maxDecompressedBytes + 1, { ...limits, maxDecompressedBytes: limits.maxDecompressedBytes + 1 }, format);
  if (out.length > limits.maxDecompressedBytes) throw new FormatError(format, 'decompressed size exceeds the limit');
  return out;
}

export function isGzip(head: Buffer): boolean {
  return head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08;
}

/** The start of a gzip stream's content from its first compressed bytes, for content sniffing; null if unreadable. */
export function peekGunzip(head: Buffer, length: number): Buffer | null {
  try {
    // 4096 compressed bytes inflate to at most ~4.2 MB (deflate's ratio is at most 1032:1).
    const out = gunzipSync(head, { finishFlush: zc.Z_SYNC_FLUSH, maxOutputLength: 8 * 2 ** 20 });
    return out.subarray(0, length);
  } catch {
    return null;
  }
}

/** Throws unless every axis is an integer in 1..maxAxis and the product is within maxVoxels. */
export function checkDims(format: string, dims: number[], limits: Limits): void {
  let total = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 1) throw new FormatError(format, `invalid dimensions ${dims.join('x')}`);
    total *= d;
  }
  if (dims.some((d) => d > limits.maxAxis) || total > limits.maxVoxels) {
    throw new FormatError(format, `dimensions ${dims.join('x')} exceed the limits`);
  }
}

export function lowerName(name: string): string {
  return name.toLowerCase();
}

export function hasExt(name: string, exts: readonly string[]): boolean {
  const n = name.toLowerCase();
  return exts.some((e) => n.endsWith(e));
}

export function ascii(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, Math.min(end, buf.length));
}

/** Keeps finite positive numbers only (a spacing of NaN or 0 says nothing). */
export function cleanSpacing(values: number[]): number[] | undefined {
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v <= 0)) return undefined;
  return values.map((v) => Number(v.toPrecision(7)));
}
