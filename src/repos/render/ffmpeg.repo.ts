// ffmpeg as a child process, for what browsers cannot play and our own decoders do not read: transcoding AVI,
// MOV and other containers to MP4 (H.264 yuv420p, faststart), and decoding compressed audio to PCM for peaks.
// The binary comes from MEDIMG_FFMPEG, else from the npm package @ffmpeg-installer/ffmpeg; without either,
// ffmpeg is unavailable and the callers say so.
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { createRequire } from 'node:module';

export interface FfmpegRepo {
  /** The binary, or null when there is none. */
  path(): Promise<string | null>;
  /** Transcodes `input` to an MP4 at `output` (which must end in .mp4 or be given `format`). */
  toMp4(input: string, output: string): Promise<void>;
  /** One frame (at 10% of the duration, or the first) as a PNG at most `size` pixels on its long side. */
  frame(input: string, size: number, durationSec?: number): Promise<Buffer>;
  /** Mono Float32 PCM at `rate` Hz of at most `maxSeconds` of the file's first audio stream. */
  pcm(input: string, rate: number, maxSeconds: number): Promise<Float32Array>;
}

async function locate(configured: string | undefined): Promise<string | null> {
  const candidates: string[] = [];
  if (configured) candidates.push(configured);
  else {
    try {
      // The package throws (a string) when its platform binary is missing.
      const mod = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path?: string };
      if (mod.path) candidates.push(mod.path);
    } catch {
      /* not installed: ffmpeg is optional */
    }
  }
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  return null;
}

function run(bin: string, args: string[], timeoutMs: number, maxStdout = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ffmpeg took longer than ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      if (outBytes + b.length > maxStdout) {
        out.push(b.subarray(0, Math.max(0, maxStdout - outBytes)));
        outBytes = maxStdout;
        child.kill('SIGKILL');
        return;
      }
      out.push(b);
      outBytes += b.length;
    });
    child.stderr.on('data', (b: Buffer) => { if (err.length < 4000) err += b.toString(); });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 || (signal === 'SIGKILL' && outBytes >= maxStdout && maxStdout > 0)) resolve(Buffer.concat(out));
      else reject(new Error(`ffmpeg failed: ${err.trim().split('\n').slice(-2).join(' ') || `exit ${code ?? signal}`}`));
    });
  });
}

export function createFfmpegRepo(opts: { binary?: string; timeoutMs?: number } = {}): FfmpegRepo {
  let found: Promise<string | null> | undefined;
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const bin = async () => {
    const p = await (found ??= locate(opts.binary));
    if (!p) throw new Error('ffmpeg is not available');
    return p;
  };
  return {
    path: () => (found ??= locate(opts.binary)),
    async toMp4(input, output) {
      await run(await bin(), [
        '-nostdin', '-v', 'error', '-y', '-i', input, '-map', '0:v:0', '-map', '0:a:0?', '-threads', '2',
        // yuv420p needs even sizes; faststart puts the index first so playback starts before the download ends.
        '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p',
        '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', '-f', 'mp4', output,
      ], timeoutMs);
    },
    async frame(input, size, durationSec) {
      const at = durationSec && durationSec > 1 ? ['-ss', (durationSec * 0.1).toFixed(2)] : [];
      const png = await run(await bin(), [
        '-nostdin', '-v', 'error', ...at, '-i', input, '-map', '0:v:0', '-frames:v', '1',
        '-vf', `scale=w='min(${size},iw)':h='min(${size},ih)':force_original_aspect_ratio=decrease`, '-f', 'image2pipe', '-vcodec', 'png', 'pipe:1',
      ], timeoutMs, 32 * 2 ** 20);
      if (png.length === 0) throw new Error('no video frame');
      return png;
    },
    async pcm(input, rate, maxSeconds) {
      const maxBytes = Math.ceil(rate * maxSeconds) * 4;
      const buf = await run(await bin(), ['-nostdin', '-v', 'error', '-i', input, '-map', '0:a:0', '-t', String(maxSeconds), '-ac', '1', '-ar', String(rate), '-f', 'f32le', 'pipe:1'], timeoutMs, maxBytes);
      const n = Math.floor(buf.length / 4);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = buf.readFloatLE(4 * i);
      return out;
    },
  };
}
