import type { FileMeta } from '../domain/file-meta.js';

export interface Limits {
  /** Most bytes read from one file to get its metadata. */
  maxReadBytes: number;
  /** Most bytes inflated from a gzip/zlib stream (guards against gzip bombs). */
  maxDecompressedBytes: number;
  /** Largest size along any axis (width, height, depth, frames). */
  maxAxis: number;
  /** Largest number of voxels (product of all axes). */
  maxVoxels: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxReadBytes: 64 * 2 ** 20,
  maxDecompressedBytes: 256 * 2 ** 20,
  maxAxis: 65_536,
  maxVoxels: 2 ** 31,
});

export interface FileRef {
  path: string;
  size: number;
  /**
   * The whole file, when the caller already holds it (the ingestion probe reads small files whole
   * while hashing them): handlers then read from memory instead of opening `path` again.
   */
  data?: Buffer;
}

export type MatchStrength = 'content' | 'extension' | false;

export interface FormatHandler {
  readonly id: string;
  /** `head` holds the first 4096 bytes (fewer for a small file); `name` is the file's base name or path. */
  match(head: Buffer, name: string): MatchStrength;
  readMeta(file: FileRef, limits: Limits): Promise<FileMeta>;
}

/** A file that is truncated, inconsistent or beyond the limits; `reason` is short and safe to show. */
export class FormatError extends Error {
  constructor(readonly format: string, readonly reason: string) {
    super(`${format}: ${reason}`);
    this.name = 'FormatError';
  }
}

export const HEAD_BYTES = 4096;
