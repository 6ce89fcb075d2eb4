import { loadConfig } from '../config.js';
import { AppError } from '../domain/errors.js';
import { catalogCheckCommand } from './catalog-check.js';
import { serveCommand } from './serve.js';

const USAGE = `Usage: medimg <command>

Commands:
  serve            sync the catalog into the database and serve the API and web app
  catalog-check    validate every catalog card and report Table 1 coverage
`;

/** Runs one command; returns the exit code (serve keeps running and returns undefined). */
export async function runCli(argv: string[]): Promise<number | undefined> {
  const [command = 'serve', ...rest] = argv;
  try {
    if (command === 'help' || command === '--help' || command === '-h') {
      console.log(USAGE);
      return 0;
    }
    if (rest.length > 0) throw new AppError('invalid_input', 'usage', `unexpected argument(s): ${rest.join(' ')}\n\n${USAGE}`);
    const config = loadConfig();
    if (command === 'serve') return void (await serveCommand(config));
    if (command === 'catalog-check') return await catalogCheckCommand(config);
    console.error(`medimg: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  } catch (err) {
    console.error(`medimg: ${err instanceof AppError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}
