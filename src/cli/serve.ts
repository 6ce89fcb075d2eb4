import type { Config } from '../config.js';
import { startServer } from '../main.js';

export async function serveCommand(config: Config): Promise<void> {
  const { app, address, sync } = await startServer(config);
  console.log(`MedImg catalog synced: ${sync.inserted} added, ${sync.updated} updated, ${sync.removed} removed, ${sync.unchanged} unchanged`);
  console.log(`MedImg listening on ${address} (API reference at ${address}/api/docs)`);
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
