import { useEffect } from 'preact/hooks';

export function NotFoundPage({ what }: { what?: string }) {
  useEffect(() => { document.title = 'Not found — MedImg'; }, []);
  return (
    <div class="not-found">
      <h1 tabIndex={-1}>Page not found</h1>
      <p>{what ?? 'There is no page at this address.'}</p>
      <p><a href="/search">Search the datasets</a> or <a href="/">go to the home page</a>.</p>
    </div>
  );
}
