import type { OpenApiResponse } from '../snapshot/types.ts';

/** What the client asked the mock for with `Prefer` (as Prism reads it): a status code and a named example. */
export interface MockPreference {
  code?: string;
  example?: string;
}

/** `Prefer: code=404, example=none` (one or several headers, any order). */
export function parsePrefer(header: string | string[] | undefined): MockPreference {
  const out: MockPreference = {};
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of text.split(/[,;]/)) {
    const m = /^\s*(code|example)\s*=\s*"?([^"]*)"?\s*$/i.exec(part);
    if (!m) continue;
    if (m[1]!.toLowerCase() === 'code') out.code = m[2]!;
    else out.example = m[2]!;
  }
  return out;
}

/** The declared response for a status code: exact, then its class (`4XX`), then `default`. */
export function responseFor(responses: readonly OpenApiResponse[], code: string | undefined): { response: OpenApiResponse; status: number } | undefined {
  if (code === undefined) {
    const first = responses[0];
    if (!first) return undefined;
    return { response: first, status: statusNumber(first.status) };
  }
  if (!/^[1-5][0-9][0-9]$/.test(code)) return undefined;
  const exact =
    responses.find((r) => r.status === code) ??
    responses.find((r) => r.status.toUpperCase() === `${code[0]}XX`) ??
    responses.find((r) => r.status === 'default');
  return exact ? { response: exact, status: Number(code) } : undefined;
}

/** `200` -> 200, `2XX` -> 200, `default` -> 200 (what a mock answers when nothing more is said). */
function statusNumber(status: string): number {
  if (/^[1-5][0-9][0-9]$/.test(status)) return Number(status);
  if (/^[1-5]XX$/i.test(status)) return Number(status[0]) * 100;
  return 200;
}

interface Range {
  type: string;
  q: number;
}

function ranges(accept: string | undefined): Range[] {
  if (!accept?.trim()) return [{ type: '*/*', q: 1 }];
  return accept.split(',').flatMap((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (!type) return [];
    const q = params.map((p) => /^q=([0-9.]+)$/.exec(p)?.[1]).find((v) => v !== undefined);
    return [{ type, q: q === undefined ? 1 : Number(q) }];
  });
}

/** How well a range fits a media type: -1 not at all, then `*\/*` < `type/*` < exact. */
function fit(range: string, mediaType: string): number {
  const type = mediaType.toLowerCase();
  if (range === type) return 3;
  if (range.endsWith('/*') && type.startsWith(range.slice(0, -1))) return 2;
  return range === '*/*' ? 1 : -1;
}

/**
 * The content of a response that best fits `Accept` (RFC 9110 §12.5.1: the most
 * specific range decides a type's quality; q=0 refuses it), preferring content
 * with an example to send; ties keep the document's order. None: 406.
 */
export function negotiate<T extends { mediaType: string; examples: readonly unknown[] }>(contents: readonly T[], accept: string | undefined): T | undefined {
  const accepted = ranges(accept);
  let best: { content: T; q: number; hasExample: boolean } | undefined;
  for (const content of contents) {
    let q = -1;
    let specificity = -1;
    for (const r of accepted) {
      const f = fit(r.type, content.mediaType);
      if (f > specificity) {
        specificity = f;
        q = r.q;
      }
    }
    if (specificity < 0 || q <= 0) continue;
    const hasExample = content.examples.length > 0;
    if (!best || (hasExample && !best.hasExample) || (hasExample === best.hasExample && q > best.q)) best = { content, q, hasExample };
  }
  return best?.content;
}
