import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { PortalUser } from '../access/user.ts';

export interface KubeAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * One API server request with the portal's own credentials, impersonating the
 * signed-in developer (Impersonate-User and one Impersonate-Group per group), so
 * RBAC and admission decide as if they had made it. Only the team and approver
 * groups the portal mapped are passed on, never `system:` groups. 10 s at most.
 */
export async function kubeRequest(kc: KubeConfig, method: string, path: string, as: PortalUser | undefined, body?: unknown): Promise<KubeAnswer> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig names no cluster');
  const url = new URL(path, cluster.server);
  const options: https.RequestOptions = { method, headers: { accept: 'application/json' }, timeout: 10_000 };
  await kc.applyToHTTPSOptions(options);
  const headers = options.headers as Record<string, string | string[]>;
  if (as) {
    headers['Impersonate-User'] = as.id;
    // userFromClaims kept only the mapped groups; never a system: one, whatever the mapping.
    const groups = as.groups.filter((g) => !g.startsWith('system:'));
    if (groups.length) headers['Impersonate-Group'] = groups;
  }
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = https.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: Record<string, unknown> = {};
        try {
          parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          parsed = { message: text.slice(0, 500) };
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`the API server did not answer ${method} ${path} within 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}
