// An admin kubeconfig with the certificates inlined, so the file alone is enough
// for kubectl, @kubernetes/client-node or a copy pasted into a terminal.
import { readFile, writeFile } from 'node:fs/promises';
import type { Pki } from './certs.ts';

export async function writeKubeconfig(path: string, server: string, pki: Pki, user: string): Promise<void> {
  const b64 = async (file: string): Promise<string> => (await readFile(file)).toString('base64');
  // JSON is YAML, and needs no YAML library to write correctly.
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'tollgate-test', cluster: { server, 'certificate-authority-data': await b64(pki.caCert) } }],
    users: [
      {
        name: user,
        user: {
          'client-certificate-data': await b64(pki.adminCert),
          'client-key-data': await b64(pki.adminKey),
        },
      },
    ],
    contexts: [{ name: 'tollgate-test', context: { cluster: 'tollgate-test', user, namespace: 'default' } }],
    'current-context': 'tollgate-test',
    preferences: {},
  };
  await writeFile(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
}
