import type { Config } from '../config.js';
import { openInstance, startWorker } from '../main.js';

/** Works the job queue alone (the server also does), until SIGINT/SIGTERM. */
export async function workerCommand(config: Config): Promise<number> {
  const instance = await openInstance(config);
  const worker = startWorker(instance.services, (line) => console.log(line), config.updates.intervalMs);
  const stop = () => worker.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log('MedImg worker started; Ctrl-C to stop');
  await worker.loop();
  await instance.close();
  return 0;
}
