/**
 * The platform's usual download command, derived from the source URL only when
 * the URL has the platform's own shape; otherwise null (the link is enough).
 */
export function sourceCommand(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const parts = u.pathname.split('/').filter(Boolean);
  if (/(^|\.)kaggle\.com$/.test(u.hostname)) {
    if (parts[0] === 'datasets' && parts.length >= 3) return `kaggle datasets download -d ${parts[1]}/${parts[2]}`;
    if ((parts[0] === 'c' || parts[0] === 'competitions') && parts[1]) return `kaggle competitions download -c ${parts[1]}`;
  }
  if (/(^|\.)physionet\.org$/.test(u.hostname) && parts[0] === 'content' && parts[1] && parts[2]) {
    return `wget -r -N -c -np https://physionet.org/files/${parts[1]}/${parts[2]}/`;
  }
  if (u.hostname === 'zenodo.org' && parts[0] === 'records' && /^\d+$/.test(parts[1] ?? '')) {
    return `curl -L -o ${parts[1]}.json https://zenodo.org/api/records/${parts[1]}   # lists the files and their checksums`;
  }
  return null;
}
