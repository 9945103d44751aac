/**
 * Block-style YAML for JSON-like data (what `tollgate dev` writes to
 * status.yaml), in one pass over the value: the general-purpose stringifier
 * builds a document tree first, which at 60,000 statuses took seconds and
 * most of a gigabyte. Strings that could read as anything but themselves are
 * double-quoted.
 */
export function toBlockYaml(value: unknown): string {
  const out: string[] = [];
  if (Array.isArray(value) && value.length) writeSeq(value, '', out);
  else if (isNonEmptyMap(value)) writeMap(value, '', '', out);
  else out.push(inline(value));
  return out.join('\n') + '\n';
}

// Starts with a letter, `_` or `/`; then only characters that are never YAML syntax, single spaces between words.
const PLAIN = /^[A-Za-z_/][\w./()+@-]*(?: [\w./()+@-]+)*$/;
// Words a YAML 1.1 reader (and some 1.2 ones) would take for a boolean or null.
const KEYWORD = /^(?:true|false|null|yes|no|on|off|y|n)$/i;
// Not printable in YAML (DEL, C1 controls, NEL, line/paragraph separators, BOM): escape what JSON leaves as is.
const UNPRINTABLE = /[\u007f-\u009f\u2028\u2029\ufeff]/g;

function scalar(s: string): string {
  if (PLAIN.test(s) && !KEYWORD.test(s)) return s;
  return JSON.stringify(s).replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function inline(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return scalar(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (v instanceof Date) return scalar(v.toISOString());
  return Array.isArray(v) ? '[]' : '{}';
}

function isNonEmptyMap(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) return false;
  for (const k in v) if ((v as Record<string, unknown>)[k] !== undefined) return true;
  return false;
}

function writeValue(key: string, v: unknown, lead: string, indent: string, out: string[]): void {
  if (Array.isArray(v) && v.length) {
    out.push(`${lead}${key}:`);
    writeSeq(v, indent + '  ', out);
  } else if (isNonEmptyMap(v)) {
    out.push(`${lead}${key}:`);
    writeMap(v, indent + '  ', indent + '  ', out);
  } else out.push(`${lead}${key}: ${inline(v)}`);
}

/** The first pair goes after `firstLead` (`- ` for a sequence item), the rest at `indent`. */
function writeMap(map: Record<string, unknown>, indent: string, firstLead: string, out: string[]): void {
  let lead = firstLead;
  for (const k of Object.keys(map)) {
    if (map[k] === undefined) continue;
    writeValue(scalar(k), map[k], lead, indent, out);
    lead = indent;
  }
}

function writeSeq(seq: unknown[], indent: string, out: string[]): void {
  for (const item of seq) {
    if (isNonEmptyMap(item)) writeMap(item, indent + '  ', indent + '- ', out);
    else if (Array.isArray(item) && item.length) {
      out.push(`${indent}-`);
      writeSeq(item, indent + '  ', out);
    } else out.push(`${indent}- ${inline(item)}`);
  }
}
