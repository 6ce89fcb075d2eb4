import { useEffect, useState } from 'preact/hooks';
import { api, type VocabulariesResponse } from '../api/client.js';

let cache: Promise<VocabulariesResponse> | undefined;

export type LabelFn = (vocabulary: string, code: string) => string;

/** Labels for codes (CT -> Computed tomography), fetched once from /api/v1/vocabularies. */
export function useLabels(): LabelFn {
  const [vocab, setVocab] = useState<VocabulariesResponse | null>(null);
  useEffect(() => {
    cache ??= api.vocabularies().catch((err) => { cache = undefined; throw err; });
    cache.then(setVocab, () => setVocab(null));
  }, []);
  return (vocabulary, code) => vocab?.[vocabulary]?.find((e) => e.code === code)?.label ?? code;
}

export const formatNumber = (n: number | null | undefined) => (n == null ? '—' : n.toLocaleString('en-US'));
