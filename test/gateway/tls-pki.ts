// Certificates for the gateway's HTTPS listener tests, made with the machine's openssl:
// one CA, server certificates (one per SNI name), and client certificates signed by the
// CA or self-signed. P-256 keys: milliseconds to make.
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('TLS tests: openssl is not installed (apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? String(err)}`);
  }
}

export interface Pair {
  dir: string;
  cert: Buffer;
  key: Buffer;
  /** `sha256:<hex>` of the DER, as an Application lists it. */
  fingerprint: string;
  /** As Node prints it, as an Application lists it. */
  subject: string;
}

function pair(dir: string): Pair {
  const cert = readFileSync(join(dir, 'tls.crt'));
  const x509 = new X509Certificate(cert);
  return {
    dir,
    cert,
    key: readFileSync(join(dir, 'tls.key')),
    fingerprint: 'sha256:' + x509.fingerprint256.replaceAll(':', '').toLowerCase(),
    subject: x509.subject,
  };
}

export async function makeCa(dir: string): Promise<{ cert: string; key: string }> {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, 'ca.crt');
  const key = join(dir, 'ca.key');
  await openssl(['req', '-x509', '-new', ...newKey, '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=tollgate-test-client-ca']);
  return { cert, key };
}

/** A leaf in `dir` (tls.crt, tls.key): signed by `ca`, or self-signed without one. */
export async function makeLeaf(dir: string, subject: string, extensions: string[], ca?: { cert: string; key: string }): Promise<Pair> {
  mkdirSync(dir, { recursive: true });
  const key = join(dir, 'tls.key');
  const crt = join(dir, 'tls.crt');
  const ext = join(dir, 'ext.cnf');
  writeFileSync(ext, ['basicConstraints=critical,CA:FALSE', ...extensions].join('\n') + '\n');
  if (!ca) {
    const added = ['basicConstraints=critical,CA:FALSE', ...extensions].flatMap((e) => ['-addext', e]);
    await openssl(['req', '-x509', '-new', ...newKey, '-keyout', key, '-out', crt, '-days', '2', '-subj', subject, ...added]);
    return pair(dir);
  }
  const csr = join(dir, 'tls.csr');
  await openssl(['req', '-new', ...newKey, '-keyout', key, '-out', csr, '-subj', subject]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-set_serial',
    `0x${randomBytes(16).toString('hex')}`,
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    crt,
  ]);
  return pair(dir);
}
