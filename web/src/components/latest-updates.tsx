import type { UpdateEvent } from '../api/client.js';

/** Update events found by the upstream checks, newest first (text only: summaries come from the server as plain text). */
export function LatestUpdates({ events }: { events: UpdateEvent[] }) {
  if (!events.length) return <p class="muted">No upstream change has been detected by this server's checks yet.</p>;
  return (
    <ul class="updates update-events">
      {events.map((e) => (
        <li key={e.id}>
          <time dateTime={e.detected_at}>{e.detected_at.slice(0, 10)}</time>{' '}
          <a href={`/datasets/${e.slug}`}>{e.name ?? e.slug}</a>{' '}
          <span class={e.kind === 'unreachable' ? 'flag-unreachable' : 'muted'}>{e.summary}</span>
        </li>
      ))}
    </ul>
  );
}
