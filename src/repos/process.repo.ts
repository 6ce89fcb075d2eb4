import { hostname } from 'node:os';

/** Who this process is, as stored in a job's owner column. */
export const processOwner = () => `${hostname()}:${process.pid}`;

/** Whether the owner of a job is still running. Only answerable on the same host; elsewhere assume yes. */
export function ownerAlive(owner: string | null): boolean {
  if (!owner) return false;
  const [host, pid] = owner.split(':');
  if (host !== hostname()) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
