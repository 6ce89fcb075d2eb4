// Small helpers about mirrored files, shared by the file browser, samples, the file page and others.

/** The page of one file's viewer. */
export const fileHref = (slug: string, id: number) => `/datasets/${encodeURIComponent(slug)}/files/${id}`;

export const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

export const formatBytes = (n: number) =>
  (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
