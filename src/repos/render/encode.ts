// Encoding of rendered slices: windowed grey to WebP/PNG, label masks to RGBA PNG with a transparent background.
import { loadSharp } from '../../formats/sharp-lazy.js';
import { sliceImage, type Plane, type Volume, type Window } from '../../formats/pixels/index.js';

export type ColourOf = (label: number) => readonly [number, number, number];

/** Bump when the bytes of a rendered slice or image change: it is part of every cache key. */
export const RENDER_VERSION = 2; // 2: MetaImage and NRRD volumes reoriented from their headers

export async function encodeSlice(v: Volume, plane: Plane, index: number, window: Window | undefined, format: 'png' | 'webp'): Promise<Buffer> {
  const sharp = await loadSharp();
  const img = sliceImage(v, plane, index, window);
  const s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 1 } });
  return format === 'png' ? s.png().toBuffer() : s.webp({ lossless: true }).toBuffer();
}

/** Any image libvips reads (e.g. an ffmpeg PNG frame) as WebP. */
export async function toWebp(image: Buffer): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(image, { limitInputPixels: 0x3fff * 0x3fff }).webp({ quality: 80 }).toBuffer();
}

/** Label value n (rounded, 1..255) in colour(n), 0 transparent; always PNG (exact colours for overlay). */
export async function encodeMaskSlice(v: Volume, plane: Plane, index: number, colour: ColourOf): Promise<Buffer> {
  const sharp = await loadSharp();
  // A window of centre 127.5 and width 255 maps value n to grey n exactly: the label itself.
  const img = sliceImage({ ...v, invert: false }, plane, index, { center: 127.5, width: 255 });
  const rgba = Buffer.alloc(img.width * img.height * 4);
  for (let i = 0; i < img.data.length; i++) {
    const label = img.data[i]!;
    if (label === 0) continue;
    const [r, g, b] = colour(label);
    rgba[4 * i] = r;
    rgba[4 * i + 1] = g;
    rgba[4 * i + 2] = b;
    rgba[4 * i + 3] = 255;
  }
  return sharp(rgba, { raw: { width: img.width, height: img.height, channels: 4 } }).png().toBuffer();
}
