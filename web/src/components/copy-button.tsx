import { useState } from 'preact/hooks';

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API refused (insecure origin, permissions): fall back to a selection copy.
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}

export function CopyButton({ label, getText }: { label: string; getText: () => string | Promise<string> }) {
  const [status, setStatus] = useState('');
  return (
    <span class="copy">
      <button type="button" onClick={async () => {
        try {
          setStatus((await copy(await getText())) ? 'Copied' : 'Copy failed');
        } catch {
          setStatus('Copy failed');
        }
        setTimeout(() => setStatus(''), 2500);
      }}>{label}</button>
      <span class="copy-status" role="status" aria-live="polite">{status}</span>
    </span>
  );
}
