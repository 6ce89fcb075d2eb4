import type { Config } from '../config.js';
import { openInstance, startWorker } from '../main.js';
import { createProgressPrinter } from './progress.js';

export const INGEST_USAGE = 'medimg ingest <slug> <folder> [--labels folders|csv:<file>:<path-column>:<label-column>]';

export function parseIngestArgs(args: string[]): { slug: string; folder: string; labels?: string } {
  const positional: string[] = [];
  let labels: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--labels') {
      labels = args[++i];
      if (!labels) throw new Error(`--labels needs a value\nUsage: ${INGEST_USAGE}`);
    } else if (a.startsWith('--labels=')) labels = a.slice('--labels='.length);
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}\nUsage: ${INGEST_USAGE}`);
    else positional.push(a);
  }
  if (positional.length !== 2) throw new Error(`expected a dataset slug and a folder\nUsage: ${INGEST_USAGE}`);
  return { slug: positional[0]!, folder: positional[1]!, labels };
}

/**
 * Queues the ingestion and works the queue in this process until that job ends,
 * showing its progress. Exit code 0 on success, 1 when the job failed.
 */
export async function ingestCommand(config: Config, args: string[]): Promise<number> {
  const { slug, folder, labels } = parseIngestArgs(args);
  const instance = await openInstance(config);
  const worker = startWorker(instance.services);
  try {
    const id = await instance.services.ingest.request(slug, folder, labels);
    console.error(`Ingesting ${folder} as ${slug} (job ${id}); the folder is only read, never written.`);
    const printer = createProgressPrinter();
    const loop = worker.loop();
    let job = await instance.services.jobs.get(id);
    while (job.status === 'queued' || job.status === 'running') {
      printer.update(job);
      await new Promise((r) => setTimeout(r, 250));
      job = await instance.services.jobs.get(id);
    }
    worker.stop();
    await loop;
    printer.done(job);
    if (job.status !== 'success') {
      console.error(`medimg: ingestion failed: ${job.error ?? job.message ?? job.status}`);
      return 1;
    }
    const mirror = await instance.services.files.mirror(slug);
    console.log(`${job.message}`);
    if (mirror?.failed) {
      console.log(`${mirror.failed} file(s) could not be read, for example:`);
      for (const f of mirror.failures.slice(0, 5)) console.log(`  ${f.path}: ${f.error}`);
    }
    return 0;
  } finally {
    worker.stop();
    await instance.close();
  }
}
