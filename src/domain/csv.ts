/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. Returns rows of fields. */
export function parseCsv(text: string, maxRows = 5_000_000): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      if (rows.length > maxRows) throw new Error(`more than ${maxRows} rows`);
    } else field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

/** Maps the path column to the label column; names the missing column when there is one. */
export function labelsFromCsv(text: string, pathColumn: string, labelColumn: string): Map<string, string> {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''));
  if (!header) throw new Error('the labels CSV is empty');
  const pi = header.indexOf(pathColumn);
  const li = header.indexOf(labelColumn);
  if (pi < 0) throw new Error(`the labels CSV has no column "${pathColumn}" (columns: ${header.join(', ')})`);
  if (li < 0) throw new Error(`the labels CSV has no column "${labelColumn}" (columns: ${header.join(', ')})`);
  const map = new Map<string, string>();
  for (const r of rows) {
    const p = r[pi]?.trim();
    const l = r[li]?.trim();
    if (p && l) map.set(p.replace(/\\/g, '/').replace(/^\.\//, ''), l);
  }
  return map;
}
