/** The upstream's `Vary` with the gateway's names added: replacing it would let caches mix up the upstream's variants. */
export function mergeVary(upstream: string | string[] | number | undefined, added: string): string {
  const names = (Array.isArray(upstream) ? upstream.join(',') : String(upstream ?? ''))
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  if (names.includes('*')) return '*';
  const seen = new Set(names.map((n) => n.toLowerCase()));
  for (const name of added.split(',').map((n) => n.trim())) {
    if (name === '' || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    names.push(name);
  }
  return names.join(', ');
}
