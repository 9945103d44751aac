import type { Api } from '../snapshot/types.ts';

/**
 * Deprecation (RFC 9745), Sunset (RFC 8594) and the deprecation Link for every
 * answer of a Deprecated or Retired API. RFC 9745 has no "date unknown" form, so
 * without `deprecatedAt` no Deprecation field is sent rather than a made-up date.
 */
export function lifecycleHeaders(api: Api): Record<string, string> {
  const headers: Record<string, string> = {};
  if (api.lifecycle !== 'Deprecated' && api.lifecycle !== 'Retired') return headers;
  const deprecatedAt = api.deprecatedAt === undefined ? NaN : Date.parse(api.deprecatedAt);
  if (Number.isFinite(deprecatedAt)) headers.deprecation = `@${Math.floor(deprecatedAt / 1000)}`;
  const sunset = api.sunset === undefined ? NaN : Date.parse(api.sunset);
  if (Number.isFinite(sunset)) headers.sunset = new Date(sunset).toUTCString();
  if (api.deprecationLink !== undefined) headers.link = `<${api.deprecationLink}>; rel="deprecation"; type="text/html"`;
  return headers;
}
