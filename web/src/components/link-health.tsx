import type { LinkHealth } from '../api/client.js';

const day = (iso: string) => iso.slice(0, 10);

/** Whether the dataset's source answered the update checks lately; a feed link to follow its changes. */
export function LinkHealthSection({ slug, health }: { slug: string; health?: LinkHealth }) {
  const feed = `/datasets/${encodeURIComponent(slug)}/feed.xml`;
  let text: string;
  if (!health || !health.last_checked_at) text = 'The source has not been checked by this server yet.';
  else if (health.last_verified_at) text = `Source last verified reachable on ${day(health.last_verified_at)} (last checked ${day(health.last_checked_at)}).`;
  else text = `The source has not answered any check yet (last checked ${day(health.last_checked_at)}).`;
  return (
    <section class="link-health" aria-labelledby="link-health-h">
      <h2 id="link-health-h">Source link</h2>
      {health?.flagged && (
        <p class="flag-unreachable" role="note">
          <strong>Source unreachable:</strong> the last {health.consecutive_failures} checks in a row could not reach it. The link may have moved or died.
        </p>
      )}
      <p>{text} <a href={feed} type="application/atom+xml">Follow updates (Atom feed)</a></p>
    </section>
  );
}
