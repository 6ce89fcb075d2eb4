import { SLUG_PATTERN } from '../../contract/index.js';
import type { Config } from '../config.js';
import { AppError } from '../domain/errors.js';
import { openInstance } from '../main.js';
import type { CheckOutcome } from '../services/updates.service.js';

export const CHECK_UPDATES_USAGE = 'medimg check-updates [slug]';

function line(o: CheckOutcome): string {
  const what = o.status === 'changed' || o.status === 'unchanged' ? (o.marker ?? '') : (o.reason ?? '');
  const extra = o.status === 'changed' && o.reason ? '' : o.status === 'unchanged' && o.reason ? `  (${o.reason})` : '';
  return `${o.status.padEnd(11)} ${o.slug.padEnd(36)} ${what}${extra}${o.flagged ? '  [flagged: unreachable 3+ times in a row]' : ''}`;
}

/**
 * Checks upstream sources in the foreground, one line per dataset, then a summary. Exit 0
 * whatever the upstreams answered: only a failure of the command itself is non-zero.
 */
export async function checkUpdatesCommand(config: Config, args: string[]): Promise<number> {
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) throw new AppError('invalid_input', 'usage', `usage: ${CHECK_UPDATES_USAGE}`);
  const slug = args[0];
  if (slug !== undefined && !SLUG_PATTERN.test(slug)) throw new AppError('invalid_input', 'usage', `"${slug}" is not a dataset slug (lower-case letters, digits and single hyphens)`);
  const instance = await openInstance(config);
  try {
    const started = performance.now();
    const { results, counts } = await instance.services.updates.checkAll({ slug, onResult: (o) => console.log(line(o)) });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const flagged = results.filter((r) => r.flagged).length;
    console.log(`${results.length} checked in ${seconds} s: ${counts.changed} changed, ${counts.unchanged} unchanged, ${counts.unreachable} unreachable, ${counts.error} error${counts.skipped ? `, ${counts.skipped} skipped` : ''}${flagged ? `; ${flagged} flagged unreachable` : ''}`);
    return 0;
  } finally {
    await instance.close();
  }
}
