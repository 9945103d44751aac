import { readFileSync } from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';

/**
 * The HTTPS listener's certificates: each directory holds `tls.crt` and `tls.key`, the
 * layout of a mounted `kubernetes.io/tls` Secret (dev mode: any directory). The first is
 * the default; SNI picks the one whose DNS names (subjectAltName, exact or `*.` one label)
 * cover the requested host. Client certificates are requested on every handshake and
 * verified against `clientCa` when given; an unverified one can still match an
 * Application by fingerprint, never by subject (gateway/auth/client-certificate.ts).
 */
export interface TlsMaterial {
  defaultContext: SecureContext;
  /** Lower-case DNS name or `*.suffix` -> context. */
  byName: Map<string, SecureContext>;
  /** Options the server itself takes for the default context. */
  serverOptions: { cert: Buffer; key: Buffer; ca?: Buffer };
}

export function loadTlsMaterial(certDirs: readonly string[], clientCa: string | undefined): TlsMaterial {
  if (certDirs.length === 0) throw new Error('the HTTPS listener needs at least one certificate directory (tls.crt, tls.key)');
  const ca = clientCa === undefined ? undefined : readFileSync(clientCa);
  const byName = new Map<string, SecureContext>();
  let first: TlsMaterial | undefined;
  for (const dir of certDirs) {
    const cert = readFileSync(path.join(dir, 'tls.crt'));
    const key = readFileSync(path.join(dir, 'tls.key'));
    const context = createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
    for (const name of dnsNames(cert)) if (!byName.has(name)) byName.set(name, context);
    first ??= { defaultContext: context, byName, serverOptions: { cert, key, ...(ca ? { ca } : {}) } };
  }
  return first!;
}

/** The context for a requested server name, or the default one. */
export function contextFor(material: TlsMaterial, serverName: string): SecureContext {
  const name = serverName.toLowerCase();
  const exact = material.byName.get(name);
  if (exact) return exact;
  const dot = name.indexOf('.');
  return (dot > 0 ? material.byName.get('*' + name.slice(dot)) : undefined) ?? material.defaultContext;
}

function dnsNames(pem: Buffer): string[] {
  const certificate = new X509Certificate(pem);
  const names = (certificate.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
  return names;
}
