/**
 * The small variable set policy values may use (no general scripting): a value is
 * literal text with `${name}` references, parsed once when the snapshot is applied.
 * `$${` is a literal `${`. An unknown variable is refused when the snapshot is
 * applied, so a typo never sends an empty header.
 */
export interface TemplateVariables {
  application: string;
  product: string;
  plan: string;
  api: string;
  clientIp: string;
  requestId: string;
  /** Claims of the caller's bearer token; empty for API keys and client certificates. */
  claims: Readonly<Record<string, unknown>> | undefined;
}

export const TEMPLATE_VARIABLES = ['application', 'product', 'plan', 'api', 'clientIp', 'requestId', 'claim.NAME'] as const;

type Part = string | { variable: Exclude<keyof TemplateVariables, 'claims'> } | { claim: string };

/** A parsed value; `constant` is set when it references nothing, so it costs nothing per request. */
export interface Template {
  readonly parts: readonly Part[];
  readonly constant: string | undefined;
}

const SIMPLE = new Set(['application', 'product', 'plan', 'api', 'clientIp', 'requestId']);
const CLAIM = /^claim\.([A-Za-z0-9_:.-]{1,128})$/;

export function parseTemplate(text: string): { ok: true; template: Template } | { ok: false; error: string } {
  const parts: Part[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      literal += text[i];
      i++;
      continue;
    }
    const end = text.indexOf('}', i + 2);
    if (end < 0) return { ok: false, error: `unclosed \${ in ${JSON.stringify(text)}` };
    const name = text.slice(i + 2, end);
    const claim = CLAIM.exec(name);
    if (!SIMPLE.has(name) && !claim) return { ok: false, error: `unknown variable \${${name}}: use one of ${TEMPLATE_VARIABLES.join(', ')}` };
    if (literal) parts.push(literal);
    literal = '';
    parts.push(claim ? { claim: claim[1]! } : { variable: name as Exclude<keyof TemplateVariables, 'claims'> });
    i = end + 1;
  }
  if (literal) parts.push(literal);
  // A header value is one line: a control character (tab aside) would split it or be refused on the wire.
  // oxlint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(text)) return { ok: false, error: `control characters in ${JSON.stringify(text)}` };
  const constant = parts.every((p) => typeof p === 'string') ? parts.join('') : undefined;
  return { ok: true, template: { parts, constant } };
}

/** The value for this request; control characters from a claim are dropped so a header stays one line. */
export function renderTemplate(template: Template, vars: TemplateVariables): string {
  if (template.constant !== undefined) return template.constant;
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') out += part;
    else if ('variable' in part) out += vars[part.variable];
    else out += claimText(vars.claims?.[part.claim]);
  }
  return out;
}

function claimText(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join(' ') : JSON.stringify(value);
  // oxlint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, '');
}
