/**
 * Block-style YAML for JSON-like data (what `tollgate dev` writes to
 * status.yaml), in one pass over the value: the general-purpose stringifier
 * builds a document tree first, which at 60,000 statuses took seconds and
 * most of a gigabyte. Strings that could read as anything but themselves are
 * double-quoted.
 */
export function toBlockYaml(value: unknown): string {
  const w = new BlockWriter();
  if (Array.isArray(value) && value.length) w.seq(value, '');
  else if (isNonEmptyMap(value)) w.map(value, '', '');
  else w.text += inline(value) + '\n';
  return w.text;
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

/** Appends to one string (no array of lines to join) and quotes each distinct string once: statuses repeat most of theirs. */
class BlockWriter {
  text = '';
  private readonly scalars = new Map<string, string>();

  /** The first pair goes after `firstLead` (`- ` for a sequence item), the rest at `indent`. */
  map(map: Record<string, unknown>, indent: string, firstLead: string): void {
    let lead = firstLead;
    const inner = indent + '  ';
    for (const k of Object.keys(map)) {
      const v = map[k];
      if (v === undefined) continue;
      const key = this.scalar(k);
      if (Array.isArray(v) && v.length) {
        this.text += lead + key + ':\n';
        this.seq(v, inner);
      } else if (isNonEmptyMap(v)) {
        this.text += lead + key + ':\n';
        this.map(v, inner, inner);
      } else this.text += lead + key + ': ' + this.inline(v) + '\n';
      lead = indent;
    }
  }

  seq(seq: unknown[], indent: string): void {
    const inner = indent + '  ';
    const dash = indent + '- ';
    for (const item of seq) {
      if (isNonEmptyMap(item)) this.map(item, inner, dash);
      else if (Array.isArray(item) && item.length) {
        this.text += indent + '-\n';
        this.seq(item, inner);
      } else this.text += dash + this.inline(item) + '\n';
    }
  }

  private inline(v: unknown): string {
    return typeof v === 'string' ? this.scalar(v) : inline(v);
  }

  private scalar(s: string): string {
    let out = this.scalars.get(s);
    if (out === undefined) {
      out = scalar(s);
      // Bounded: unique strings (messages naming objects) gain nothing from it.
      if (this.scalars.size < 10_000) this.scalars.set(s, out);
    }
    return out;
  }
}
