import { ApiError } from '../api/client.js';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return <p class="state state-loading" role="status" aria-live="polite"><span class="spinner" aria-hidden="true" />{label}</p>;
}

export function ErrorState({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const message = error instanceof ApiError ? error.message : 'Something went wrong while loading this page.';
  return (
    <div class="state state-error" role="alert">
      <p><strong>Could not load.</strong> {message}</p>
      {onRetry && <button type="button" onClick={onRetry}>Try again</button>}
    </div>
  );
}

export function Empty({ children }: { children: preact.ComponentChildren }) {
  return <div class="state state-empty">{children}</div>;
}
