// The PKI a test control plane needs, made with the machine's openssl: one CA
// that signs both the API server's serving certificate and the admin client
// certificate, and a separate key pair for signing service-account tokens.
// P-256 keys, because generating them takes milliseconds where RSA takes seconds.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLUSTER_DOMAIN, KUBERNETES_SERVICE_IP } from './service-range.ts';

const run = promisify(execFile);

export type Pki = {
  caCert: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
};

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('control plane: openssl is not installed (apt-get install openssl)');
    throw new Error(`control plane: openssl ${args[0]} failed: ${e.stderr ?? String(err)}`);
  }
}

const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

// Short-lived on purpose: these die with the test run.
const days = '2';

async function signedLeaf(dir: string, name: string, subject: string, extensions: string[]): Promise<[string, string]> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const crt = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, extensions.join('\n') + '\n');
  await openssl(['req', '-new', ...newKey, '-keyout', key, '-out', csr, '-subj', subject]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, 'ca.crt'),
    '-CAkey',
    join(dir, 'ca.key'),
    // A random serial rather than -CAcreateserial: leaves are signed in parallel
    // and would race on the serial file.
    '-set_serial',
    `0x${randomBytes(16).toString('hex')}`,
    '-days',
    days,
    '-extfile',
    ext,
    '-out',
    crt,
  ]);
  return [crt, key];
}

const apiserverNames = [
  'IP:127.0.0.1',
  'DNS:localhost',
  `IP:${KUBERNETES_SERVICE_IP}`,
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  `DNS:kubernetes.default.svc.${CLUSTER_DOMAIN}`,
].join(',');

export async function makePki(dir: string, adminUser: string): Promise<Pki> {
  const caCert = join(dir, 'ca.crt');
  await openssl([
    'req',
    '-x509',
    '-new',
    ...newKey,
    '-keyout',
    join(dir, 'ca.key'),
    '-out',
    caCert,
    '-days',
    days,
    '-subj',
    '/CN=tollgate-test-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const leafUsage = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature'];
  const saKey = join(dir, 'sa.key');
  const saPub = join(dir, 'sa.pub');
  const [[servingCert, servingKey], [adminCert, adminKey]] = await Promise.all([
    // Clients reach the server as 127.0.0.1 or localhost, and pods (in-cluster
    // clients) as the kubernetes Service: its ClusterIP and DNS names.
    signedLeaf(dir, 'apiserver', '/CN=kube-apiserver', [...leafUsage, 'extendedKeyUsage=serverAuth', `subjectAltName=${apiserverNames}`]),
    // The API server maps a client certificate's O to groups: system:masters is
    // the group that bypasses RBAC, which is what the test's own kubectl needs.
    signedLeaf(dir, 'admin', `/O=system:masters/CN=${adminUser}`, [...leafUsage, 'extendedKeyUsage=clientAuth']),
    (async () => {
      await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', saKey]);
      await openssl(['pkey', '-in', saKey, '-pubout', '-out', saPub]);
    })(),
  ]);
  return { caCert, servingCert, servingKey, adminCert, adminKey, saKey, saPub };
}
