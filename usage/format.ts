/** Rows of named columns as an aligned text table, CSV (RFC 4180) or JSON. */
export type Format = 'table' | 'csv' | 'json';

export function formatRows(columns: readonly string[], rows: ReadonlyArray<Record<string, string | number>>, format: Format): string {
  if (format === 'json') return JSON.stringify(rows, null, 2) + '\n';
  const cells = rows.map((row) => columns.map((c) => String(row[c] ?? '')));
  if (format === 'csv') return [columns, ...cells].map((line) => line.map(csvField).join(',')).join('\r\n') + '\r\n';
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((line) => line[i]!.length)));
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[columns[i]!] === 'number'));
  const render = (line: readonly string[]) =>
    line
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.toUpperCase())), ...cells.map(render)].join('\n') + '\n';
}

function csvField(value: string): string {
  // A leading = + - @ would be a formula in a spreadsheet; a quote keeps it text.
  const guarded = /^[=+\-@\t\r]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** Cents as a decimal amount, `1234` -> `12.34`. */
export function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
