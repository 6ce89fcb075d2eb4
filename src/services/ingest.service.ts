import { isAbsolute, join, resolve } from 'node:path';
import { labelsFromCsv } from '../domain/csv.js';
import { type LabelSource, labelFromFolders, pairMasks, parseLabelSource, splitFromPath } from '../domain/dataset-layout.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { FileMeta } from '../domain/file-meta.js';
import { summarise } from '../domain/mirror-summary.js';
import type { FileRow, FilesRepo } from '../repos/files.repo.js';
import type { WalkEntry } from '../repos/fs-walk.repo.js';
import type { JobsRepo } from '../repos/jobs.repo.js';
import type { MirrorsRepo } from '../repos/mirrors.repo.js';
import type { ProbeResult } from '../repos/probe/probe-task.js';
import type { VersionsRepo } from '../repos/versions.repo.js';

export interface IngestPayload {
  slug: string;
  root: string;
  labels: string | null;
}

export interface IngestDeps {
  files: FilesRepo;
  mirrors: MirrorsRepo;
  jobs: JobsRepo;
  versions: Pick<VersionsRepo, 'record'>;
  datasetExists: (slug: string) => Promise<boolean>;
  walk: (root: string) => AsyncIterable<WalkEntry>;
  realFolder: (path: string) => Promise<string | null>;
  readText: (path: string, maxBytes: number) => Promise<string>;
  probe: (absPath: string, name: string) => Promise<ProbeResult>;
  /** Starts the probe workers ahead of the first file, so that their start-up overlaps the walk. */
  startProbes?: () => void;
  ownerAlive: (owner: string | null) => boolean;
  now?: () => Date;
}

export type Progress = (done: number, total: number, message: string) => Promise<void>;

const BATCH = 256;
const MAX_LABEL_CSV_BYTES = 256 * 2 ** 20;

export function createIngestService(deps: IngestDeps) {
  const now = () => deps.now?.() ?? new Date();

  async function labelLookup(source: LabelSource, root: string): Promise<(path: string) => string | null> {
    if (source.kind === 'none') return () => null;
    if (source.kind === 'folders') return labelFromFolders;
    const file = isAbsolute(source.file) ? source.file : join(root, source.file);
    let map: Map<string, string>;
    try {
      map = labelsFromCsv(await deps.readText(file, MAX_LABEL_CSV_BYTES), source.pathColumn, source.labelColumn);
    } catch (err) {
      throw new InvalidInputError(`--labels CSV ${source.file}: ${(err as Error).message}`);
    }
    // CSVs name files by full relative path or by bare file name: accept both.
    return (path) => map.get(path) ?? map.get(path.split('/').pop()!) ?? null;
  }

  function toRow(slug: string, e: WalkEntry, probe: ProbeResult | null, label: string | null): FileRow {
    const meta: FileMeta | null = probe?.meta ?? null;
    const error = e.error ?? probe?.error ?? null;
    return {
      slug, path: e.path, size: e.size, mtime_ms: e.mtimeMs, sha256: probe?.sha256 || null,
      kind: meta?.kind ?? 'other', format: meta?.format ?? 'file', meta: meta ? JSON.stringify(meta) : null, error,
      label, split: splitFromPath(e.path), series_uid: meta?.dicom?.SeriesInstanceUID ?? null, role: null, pair_path: null,
      thumb: probe?.thumb ?? null, thumb_error: probe?.thumbError ?? null, crc32: probe?.crc32 || null,
    };
  }

  return {
    /** Checks the request and queues an ingestion job; returns its id. */
    async request(slug: string, folder: string, labels?: string): Promise<number> {
      try {
        parseLabelSource(labels);
      } catch (err) {
        throw new InvalidInputError((err as Error).message);
      }
      if (!(await deps.datasetExists(slug))) {
        throw new NotFoundError(`No catalog card "${slug}": add one in the catalog (or $MEDIMG_DATA_DIR/catalog) first`);
      }
      const root = await deps.realFolder(resolve(folder));
      if (!root) throw new InvalidInputError(`${folder} is not a folder that can be read`);
      for (const job of await deps.jobs.unfinishedFor('ingest', slug)) {
        if (job.status === 'running' && deps.ownerAlive(job.owner) && job.lease_until && new Date(job.lease_until) > now()) {
          throw new ConflictError(`${slug} is already being ingested by job ${job.id}`);
        }
        await deps.jobs.finish(job.id, 'failed', 'superseded by a new ingestion request', null, now());
      }
      return deps.jobs.enqueue('ingest', { slug, root, labels: labels ?? null } satisfies IngestPayload, now());
    },

    /**
     * Brings the index of one dataset to the state of its folder: new and changed
     * files processed, deleted ones removed. Each batch is one transaction, so a
     * run killed at any point leaves a consistent index that a re-run completes.
     */
    async run(p: IngestPayload, progress: Progress): Promise<string> {
      deps.startProbes?.();
      const label = await labelLookup(parseLabelSource(p.labels ?? undefined), p.root);
      const entries: WalkEntry[] = [];
      for await (const e of deps.walk(p.root)) entries.push(e);
      const index = await deps.files.indexState(p.slug);
      const seen = new Set(entries.map((e) => e.path));
      const removed = [...index.keys()].filter((path) => !seen.has(path));
      await deps.files.remove(p.slug, removed);
      const todo = entries.filter((e) => {
        const old = index.get(e.path);
        return !old || old.size !== e.size || old.mtime_ms !== e.mtimeMs;
      });

      await progress(0, todo.length, `${entries.length} files found, ${todo.length} to index, ${removed.length} removed`);
      let done = 0;
      const startBatch = (i: number) => Promise.all(todo.slice(i, i + BATCH).map(async (e) => {
        const probed = e.error ? null : await deps.probe(join(p.root, ...e.path.split('/')), e.path);
        return toRow(p.slug, e, probed, label(e.path));
      }));
      // Two batches are queued at the probe pool at any time: while one is written, the
      // next is being read, and the readers never wait for the database or for a batch's last file.
      const batches: Promise<FileRow[]>[] = [];
      let next = 0;
      const queueBatches = () => {
        for (; batches.length < 2 && next < todo.length; next += BATCH) {
          const batch = startBatch(next);
          batch.catch(() => undefined); // awaited in turn below; not an unhandled rejection meanwhile
          batches.push(batch);
        }
      };
      queueBatches();
      while (batches.length) {
        const rows = await batches.shift()!;
        queueBatches();
        await deps.files.upsert(rows);
        done += rows.length;
        await progress(done, todo.length, `${done} of ${todo.length} files indexed`);
      }

      const allPaths = await deps.files.allPaths(p.slug);
      // Labels come from the paths (or a CSV), not the bytes: when the source of
      // labels changed, or is a CSV that may have, unchanged files are relabelled too.
      const previous = await deps.mirrors.get(p.slug);
      if (p.labels?.startsWith('csv:') || (previous?.labels ?? null) !== (p.labels ?? null)) {
        await deps.files.setLabels(p.slug, allPaths.map((path) => [path, label(path)]));
      }
      await deps.files.setPairs(p.slug, pairMasks(allPaths));
      const state = await deps.files.metaOf(p.slug);
      const counts = await deps.files.countBy(p.slug, 'kind');
      const failed = (await deps.files.failures(p.slug, 0)).total;
      const summary = summarise(state.map((s) => ({ ...s, meta: s.meta ? (JSON.parse(s.meta) as FileMeta) : null })));
      await deps.mirrors.upsert({
        slug: p.slug, root: p.root, labels: p.labels, failed,
        files: counts.reduce((n, c) => n + c.files, 0) + failed,
        bytes: counts.reduce((n, c) => n + c.bytes, 0),
        summary: JSON.stringify(summary), indexed_at: now().toISOString(),
      });
      // Last, in one transaction: a run killed before this point records its changes when re-run,
      // as part of the version that the re-run records (diffed against the last recorded version).
      const version = await deps.versions.record(p.slug, now().toISOString());
      return `${entries.length} files: ${todo.length} indexed, ${removed.length} removed, ${failed} failed; `
        + (version ? `version ${version.version} recorded (${version.added} added, ${version.removed} removed, ${version.modified} modified)` : 'no change since the last version');
    },
  };
}
export type IngestService = ReturnType<typeof createIngestService>;
