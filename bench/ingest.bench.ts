// Ingestion throughput on a generated tree (PNG 512x512, DICOM slices, NIfTI
// volumes), against `sha256sum` over the same files in the same run.
// Sizes: BENCH_PNG, BENCH_DICOM, BENCH_NIFTI (defaults 5000, 2000, 20).
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import { openInstance, startWorker } from '../src/main.js';

const N_PNG = Number(process.env.BENCH_PNG ?? 5000);
const N_DCM = Number(process.env.BENCH_DICOM ?? 2000);
const N_NII = Number(process.env.BENCH_NIFTI ?? 20);
const TREE = resolve(process.env.BENCH_TREE ?? join(tmpdir(), `medimg-bench-tree-${N_PNG}-${N_DCM}-${N_NII}`));

/** Minimal explicit-VR little-endian DICOM (PS3.10 preamble + meta group + a CT slice). */
function dicomSlice(series: string, instance: number, rows: number, cols: number): Buffer {
  const el = (group: number, elem: number, vr: string, value: Buffer) => {
    const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
    const h = Buffer.alloc(long ? 12 : 8);
    h.writeUInt16LE(group, 0); h.writeUInt16LE(elem, 2); h.write(vr, 4, 'latin1');
    if (long) h.writeUInt32LE(value.length, 8); else h.writeUInt16LE(value.length, 6);
    return Buffer.concat([h, value]);
  };
  const str = (s: string) => { const b = Buffer.from(s.length % 2 ? `${s}\0` : s, 'latin1'); return b; };
  const us = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
  const ts = '1.2.840.10008.1.2.1';
  const metaBody = Buffer.concat([el(0x0002, 0x0010, 'UI', str(ts))]);
  const meta = Buffer.concat([el(0x0002, 0x0000, 'UL', (() => { const b = Buffer.alloc(4); b.writeUInt32LE(metaBody.length); return b; })()), metaBody]);
  const pixels = Buffer.alloc(rows * cols * 2);
  for (let i = 0; i < rows * cols; i++) pixels.writeInt16LE(((i * 7 + instance * 13) % 2000) - 1000, i * 2);
  const body = Buffer.concat([
    el(0x0008, 0x0060, 'CS', str('CT')),
    el(0x0020, 0x000e, 'UI', str(series)),
    el(0x0020, 0x0013, 'IS', str(String(instance))),
    el(0x0020, 0x0032, 'DS', str(`0\\0\\${instance * 2.5}`)),
    el(0x0028, 0x0002, 'US', us(1)),
    el(0x0028, 0x0010, 'US', us(rows)),
    el(0x0028, 0x0011, 'US', us(cols)),
    el(0x0028, 0x0030, 'DS', str('0.7\\0.7')),
    el(0x0028, 0x0100, 'US', us(16)),
    el(0x0028, 0x0101, 'US', us(12)),
    el(0x0028, 0x0103, 'US', us(1)),
    el(0x7fe0, 0x0010, 'OW', pixels),
  ]);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), meta, body]);
}

function niftiVolume(n: number): Buffer {
  const hdr = Buffer.alloc(352);
  hdr.writeInt32LE(348, 0);
  [3, n, n, n, 1, 1, 1, 1].forEach((v, i) => hdr.writeInt16LE(v, 40 + i * 2));
  hdr.writeInt16LE(4, 70); hdr.writeInt16LE(16, 72);
  [1, 1, 1, 1.5].forEach((v, i) => hdr.writeFloatLE(v, 76 + i * 4));
  hdr.writeFloatLE(352, 108); hdr.write('n+1\0', 344, 'latin1');
  const data = Buffer.alloc(n * n * n * 2);
  for (let i = 0; i < n * n * n; i++) data.writeInt16LE((i % 4096) - 1024, i * 2);
  return gzipSync(Buffer.concat([hdr, data]), { level: 1 });
}

async function generate() {
  if (existsSync(join(TREE, '.complete'))) return;
  rmSync(TREE, { recursive: true, force: true });
  const noise = Buffer.alloc(512 * 512);
  for (let i = 0; i < N_PNG; i++) {
    const dir = join(TREE, 'png', i % 2 ? 'train' : 'test', `class${i % 4}`);
    mkdirSync(dir, { recursive: true });
    for (let p = 0; p < noise.length; p++) noise[p] = ((p >> 9) + (p & 511) + ((p * 2654435761 + i) >>> 28)) & 255;
    await sharp(noise, { raw: { width: 512, height: 512, channels: 1 } }).png({ compressionLevel: 1 }).toFile(join(dir, `x${i}.png`));
  }
  for (let i = 0; i < N_DCM; i++) {
    const series = Math.floor(i / 100);
    const dir = join(TREE, 'dicom', `series${series}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `slice${i % 100}.dcm`), dicomSlice(`1.2.826.0.1.3680043.8.498.${series + 1}`, i % 100, 256, 256));
  }
  mkdirSync(join(TREE, 'nifti'), { recursive: true });
  for (let i = 0; i < N_NII; i++) writeFileSync(join(TREE, 'nifti', `vol${i}.nii.gz`), niftiVolume(128));
  writeFileSync(join(TREE, '.complete'), '');
}

await generate();
const files = Number(execSync(`find ${TREE} -type f ! -name .complete | wc -l`).toString());
const bytes = Number(execSync(`find ${TREE} -type f ! -name .complete -printf '%s\\n' | awk '{s+=$1} END {print s}'`).toString());
const mb = bytes / 2 ** 20;
// Warm the page cache the same way for both sides.
execSync(`find ${TREE} -type f -print0 | xargs -0 cat > /dev/null`);
// Wall-clock seconds, and CPU seconds (user + system, children included): CPU time hardly
// depends on what else the machine is doing, wall-clock time does.
const timed = (cmd: string) => {
  const t0 = performance.now();
  const out = execSync(`bash -c "TIMEFORMAT='%U %S'; time ( ${cmd} )" 2>&1 >/dev/null`).toString().trim().split(/\s+/).map(Number);
  return { wall: (performance.now() - t0) / 1000, cpu: out[0]! + out[1]! };
};
const sha256sum = () => timed(`find ${TREE} -type f ! -name .complete -print0 | xargs -0 sha256sum > /dev/null`);
const sha256sumP2 = () => timed(`find ${TREE} -type f ! -name .complete -print0 | xargs -0 -P2 -n200 sha256sum > /dev/null`);

async function run(thumbnails: boolean) {
  // MEDIMG_DEMO=0: no synthetic demo mirror being built alongside.
  const dataDir = mkdtempSync(join(tmpdir(), 'medimg-bench-ingest-'));
  const inst = await openInstance(loadConfig({ MEDIMG_DATA_DIR: dataDir, LOG_LEVEL: 'silent', MEDIMG_THUMBNAILS: thumbnails ? '1' : '0', MEDIMG_DEMO: '0' }));
  const worker = startWorker(inst.services);
  let start = performance.now();
  const cpu0 = process.cpuUsage(); // this process: main thread and probe workers
  await inst.services.ingest.request('chest-xray-pneumonia', TREE);
  while (await worker.runOne()) { /* one job */ }
  const first = (performance.now() - start) / 1000;
  const cpuUsed = process.cpuUsage(cpu0);
  const cpu = (cpuUsed.user + cpuUsed.system) / 1e6;
  start = performance.now();
  await inst.services.ingest.request('chest-xray-pneumonia', TREE);
  while (await worker.runOne()) { /* one job */ }
  const again = (performance.now() - start) / 1000;
  const thumbs = (await inst.services.files.list('chest-xray-pneumonia', { page: 1, per_page: 1, failed: false } as never)).total;
  const mirror = await inst.services.files.mirror('chest-xray-pneumonia');
  await inst.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { first, cpu, again, failed: mirror?.failed ?? -1, thumbs };
}

// Baseline and indexing alternate, ROUNDS times: on a machine whose CPUs are shared, a
// ratio of two runs taken minutes apart says more about the neighbours than about us.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const rounds: { sha1: number; sha2: number; ingest: number; again: number; failed: number; shaCpu: number; ingestCpu: number }[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const sha1 = sha256sum();
  const sha2 = sha256sumP2();
  const indexOnly = await run(false);
  rounds.push({ sha1: sha1.wall, sha2: sha2.wall, ingest: indexOnly.first, again: indexOnly.again, failed: indexOnly.failed, shaCpu: sha1.cpu, ingestCpu: indexOnly.cpu });
}
const full = await run(true);
const best = (k: 'sha1' | 'sha2' | 'ingest' | 'again') => Math.min(...rounds.map((r) => r[k]));
const [sha1, sha2, ingest] = [best('sha1'), best('sha2'), best('ingest')];

console.log(`tree: ${files} files (${N_PNG} PNG 512x512, ${N_DCM} DICOM 256x256, ${N_NII} NIfTI 128^3 gz), ${mb.toFixed(0)} MiB, ${rounds[0]!.failed} failed`);
for (const [i, r] of rounds.entries()) {
  console.log(`round ${i + 1}: sha256sum ${r.sha1.toFixed(2)} s, sha256sum -P2 ${r.sha2.toFixed(2)} s, medimg indexing ${r.ingest.toFixed(2)} s: ratio ${(r.sha1 / r.ingest).toFixed(2)}x;`
    + ` CPU time sha256sum ${r.shaCpu.toFixed(2)} s, medimg indexing ${r.ingestCpu.toFixed(2)} s (all threads): ratio ${(r.shaCpu / r.ingestCpu).toFixed(2)}x`);
}
console.log(`best of ${ROUNDS}:`);
console.log(`baseline sha256sum:           ${sha1.toFixed(2)} s  (${(files / sha1).toFixed(0)} files/s, ${(mb / sha1).toFixed(0)} MiB/s)`);
console.log(`baseline sha256sum -P2:       ${sha2.toFixed(2)} s  (${(files / sha2).toFixed(0)} files/s, ${(mb / sha2).toFixed(0)} MiB/s)`);
console.log(`medimg ingest (walk+hash+meta): ${ingest.toFixed(2)} s  (${(files / ingest).toFixed(0)} files/s, ${(mb / ingest).toFixed(0)} MiB/s)  ratio vs sha256sum ${(sha1 / ingest).toFixed(2)}x, vs sha256sum -P2 ${(sha2 / ingest).toFixed(2)}x`);
console.log(`with thumbnails (everything):  ${full.first.toFixed(2)} s  (${(files / full.first).toFixed(0)} files/s, thumbnails for ${full.thumbs} readable files)`);
console.log(`re-run with nothing changed:  ${best('again').toFixed(2)} s`);
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
