import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/gateway-error.ts';
import { countRawHeader } from '../canonical/raw-headers.ts';

export interface PresentedKey {
  key: string;
  /** The query to forward: the key's parameter removed, the rest byte for byte. */
  query: string | undefined;
}

function decodeComponent(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * The API key of a request, from the API's header or, only where the API enables
 * it, its query parameter. Two keys (repeated, or header and query) are refused:
 * a gateway and an upstream could each believe a different one.
 */
export function presentedApiKey(req: IncomingMessage, header: string, queryParameter: string | undefined, query: string | undefined): PresentedKey | undefined {
  const headerCount = countRawHeader(req.rawHeaders, header);
  if (headerCount > 1) throw new GatewayError('duplicate-header', `${header} appears ${headerCount} times`);
  const fromHeader = headerCount === 1 ? req.headers[header] : undefined;

  let fromQuery: string | undefined;
  let rest = query;
  if (queryParameter && query) {
    const kept: string[] = [];
    let seen = 0;
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=');
      const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
      if (name === queryParameter) {
        seen++;
        fromQuery = decodeComponent(eq === -1 ? '' : pair.slice(eq + 1)) ?? '';
      } else {
        kept.push(pair);
      }
    }
    if (seen > 1) throw new GatewayError('ambiguous-credentials', `the ${queryParameter} query parameter appears ${seen} times`);
    if (seen === 1) rest = kept.length ? kept.join('&') : undefined;
  }
  if (typeof fromHeader === 'string' && fromQuery !== undefined) {
    throw new GatewayError('ambiguous-credentials', `an API key was sent both in ${header} and in ${queryParameter}`);
  }
  const key = typeof fromHeader === 'string' ? fromHeader : fromQuery;
  if (key === undefined) return undefined;
  return { key, query: rest };
}
