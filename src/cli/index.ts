import { loadConfig } from '../config.js';
import { AppError } from '../domain/errors.js';
import { catalogCheckCommand } from './catalog-check.js';
import { CHECK_UPDATES_USAGE, checkUpdatesCommand } from './check-updates.js';
import { DOWNLOAD_USAGE, downloadCommand } from './download.js';
import { INGEST_USAGE, ingestCommand } from './ingest.js';
import { workerCommand } from './worker.js';
import { serveCommand } from './serve.js';

const USAGE = `Usage: medimg <command>

Commands:
  serve            sync the catalog into the database and serve the API and web app
  catalog-check    validate every catalog card and report Table 1 coverage
  ingest           index a downloaded dataset folder: ${INGEST_USAGE}
  worker           work the job queue (ingestion, scheduled update checks) without serving HTTP
  check-updates    poll the upstream source of every dataset (or one) now: ${CHECK_UPDATES_USAGE}
  download         fetch a mirrored dataset or a selection from a MedImg server, resumable and verified:
                   ${DOWNLOAD_USAGE}
`;

/** Runs one command; returns the exit code (serve keeps running and returns undefined). */
export async function runCli(argv: string[]): Promise<number | undefined> {
  const [command = 'serve', ...rest] = argv;
  try {
    if (command === 'help' || command === '--help' || command === '-h') {
      console.log(USAGE);
      return 0;
    }
    const config = loadConfig();
    if (command === 'ingest') return await ingestCommand(config, rest);
    if (command === 'download') return await downloadCommand(config, rest);
    if (command === 'check-updates') return await checkUpdatesCommand(config, rest);
    if (rest.length > 0) throw new AppError('invalid_input', 'usage', `unexpected argument(s): ${rest.join(' ')}\n\n${USAGE}`);
    if (command === 'worker') return await workerCommand(config);
    if (command === 'serve') return void (await serveCommand(config));
    if (command === 'catalog-check') return await catalogCheckCommand(config);
    console.error(`medimg: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  } catch (err) {
    // Expected failures (bad arguments, unknown slug, bad card) print their message; anything else its stack.
    const expected = err instanceof AppError || (err instanceof Error && /^(expected|unknown option|--labels)/.test(err.message));
    console.error(`medimg: ${expected ? (err as Error).message : err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}
