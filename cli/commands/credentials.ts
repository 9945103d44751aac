import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'yaml';
import { DevCredentialStore } from '../../dev/dev-credential-store.ts';
import { addCredential, findApplicationDocument, revokeCredential, saveApplicationDocument } from '../../operator/credentials/edit-application-yaml.ts';
import { namespacedId } from '../../operator/resources/object-key.ts';
import { addKubeFlags, type KubeFlags } from '../cluster/kube-flags.ts';

interface CredentialStatus {
  name: string;
  state: string;
  keyPrefix?: string;
  issuedAt?: string;
  expiresAt?: string;
}

const appId = (app: string, ns: string) => (app.includes('/') ? app : namespacedId(ns, app));

/** What the dev server last wrote for the application: credential states without any key. */
function statusOf(stateDir: string, id: string): CredentialStatus[] {
  const file = join(stateDir, 'status.yaml');
  if (!existsSync(file)) return [];
  const all = parse(readFileSync(file, 'utf8')) as Array<{ kind: string; namespace: string; name: string; status: { credentials?: CredentialStatus[] } }>;
  return all.find((s) => s.kind === 'Application' && namespacedId(s.namespace, s.name) === id)?.status.credentials ?? [];
}

function editYaml(paths: string[], id: string, ns: string, edit: (doc: NonNullable<ReturnType<typeof findApplicationDocument>>['doc']) => void): string {
  const found = findApplicationDocument(paths.length ? paths : ['.'], id, ns);
  if (!found) throw new Error(`no Application ${id} in ${paths.join(', ') || '.'}`);
  edit(found.doc);
  saveApplicationDocument(found);
  return found.file;
}

type ReadOptions = KubeFlags & { stateDir?: string; namespace?: string; reveal?: boolean };

const DEFAULT_STATE_DIR = '.state/dev';

/**
 * Where list and show read: tollgate dev's state directory when --state-dir is
 * given, or when `tollgate` (not `kubectl tollgate`) runs beside a dev state
 * directory and no kubeconfig flag says otherwise; else the cluster of the
 * kubeconfig context, as kubectl would.
 */
function devStateDir(o: ReadOptions): string | undefined {
  if (o.stateDir !== undefined) return o.stateDir;
  const asKubectl = process.env.TOLLGATE_KUBECTL_PLUGIN === '1' || o.kubeconfig !== undefined || o.context !== undefined;
  return !asKubectl && existsSync(DEFAULT_STATE_DIR) ? DEFAULT_STATE_DIR : undefined;
}

const cluster = () => import('../cluster/cluster-credentials.ts');

function printRows(rows: CredentialStatus[]): void {
  for (const c of rows)
    console.log(
      [c.name.padEnd(16), (c.keyPrefix ?? '-').padEnd(10), c.state.padEnd(8), c.issuedAt ?? '-', c.expiresAt ? `expires ${c.expiresAt}` : 'never expires'].join(
        '  ',
      ),
    );
}

async function list(app: string, o: ReadOptions): Promise<void> {
  const dir = devStateDir(o);
  if (dir === undefined) {
    const { id, rows } = await (await cluster()).clusterCredentials(o, app);
    if (!rows.length) console.log(`no credentials in the status of Application ${id} (has the operator written it?)`);
    printRows(rows);
    return;
  }
  const ns = o.namespace ?? 'default';
  const rows = statusOf(dir, appId(app, ns));
  if (!rows.length) console.log(`no credentials known for ${appId(app, ns)} (is tollgate dev running with --state-dir ${dir}?)`);
  printRows(rows);
}

const summary = (id: string, name: string, c: CredentialStatus) =>
  `${id} ${name}: ${c.state}, key ${c.keyPrefix ?? '-'}…, issued ${c.issuedAt ?? '-'}, ${c.expiresAt ? `expires ${c.expiresAt}` : 'never expires'}`;

async function show(app: string, name: string, o: ReadOptions): Promise<void> {
  const dir = devStateDir(o);
  if (dir === undefined) {
    const c = await cluster();
    const found = o.reveal ? await c.revealClusterCredential(o, app, name) : undefined;
    const id = found?.id ?? (await c.clusterCredentials(o, app)).id;
    const row = found?.row ?? (await c.clusterCredentials(o, app)).rows.find((r) => r.name === name);
    if (!row) throw new Error(`no credential ${name} for ${id}`);
    console.log(summary(id, name, row));
    if (found) {
      if (found.key === undefined) throw new Error(`no key for ${id} ${name} in Secret ${row.secretName ?? '(none yet)'}`);
      console.log(`consumer key:    ${found.key}\nconsumer secret: ${found.secret ?? '(none)'}`);
    }
    return;
  }
  const id = appId(app, o.namespace ?? 'default');
  const c = statusOf(dir, id).find((x) => x.name === name);
  if (!c) throw new Error(`no credential ${name} for ${id}`);
  console.log(summary(id, name, c));
  if (o.reveal) {
    const secret = new DevCredentialStore(dir).reveal(id, name);
    if (!secret) throw new Error(`no stored key for ${id} ${name} (bring-your-own keys stay where you keep them)`);
    console.log(`consumer key:    ${secret.consumerKey}\nconsumer secret: ${secret.consumerSecret}`);
  }
}

export function registerCredentialsCommand(program: Command): void {
  const cmd = program
    .command('credentials')
    .description(
      "list, show, rotate and revoke application credentials, of tollgate dev's state or (as kubectl tollgate) the cluster; keys are shown only on creation or with --reveal",
    )
    .argument('[app]', 'namespace/name, or name in -n: list its credentials')
    // Options belong to the command they follow: -n after `list APP` is list's, after `credentials APP` this one's.
    .enablePositionalOptions();
  const reads = (c: Command) =>
    addKubeFlags(
      c
        .option('--state-dir <dir>', `the tollgate dev state directory (default ${DEFAULT_STATE_DIR} when it exists; else the cluster is read)`)
        .option('-n, --namespace <name>', "namespace of APP when it names none (default: the context's, or default)"),
      false,
    );
  reads(cmd).action(async (app: string | undefined, o: ReadOptions) => {
    if (!app) return cmd.help({ error: true });
    await list(app, o);
  });

  reads(cmd.command('list').argument('<app>', 'namespace/name'))
    .description('credentials of an application: name, key prefix, state, issue and expiry times')
    .action((app: string, o: ReadOptions) => list(app, o));

  reads(cmd.command('show').argument('<app>', 'namespace/name').argument('<credential>', 'credential name'))
    .option('--reveal', 'print the consumer key and secret')
    .action((app: string, name: string, o: ReadOptions) => show(app, name, o));

  // Rotate and revoke edit the Application's YAML, which tollgate dev then applies.
  const common = (c: Command) =>
    c
      .option('--state-dir <dir>', 'the tollgate dev state directory', DEFAULT_STATE_DIR)
      .option('-n, --namespace <name>', 'namespace of APP when it names none', 'default');
  common(cmd.command('rotate').argument('<app>', 'namespace/name').argument('[paths...]', 'YAML files or directories holding the Application'))
    .option('--name <credential>', 'name of the new credential (default: rotated-<time>)')
    .action((app: string, paths: string[], o: { namespace: string; name?: string }) => {
      const name = o.name ?? `rotated-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').toLowerCase()}`;
      const file = editYaml(paths, appId(app, o.namespace), o.namespace, (doc) => addCredential(doc, name));
      console.log(`added credential ${name} to ${file}; tollgate dev prints its key once. Both keys work until you revoke the old one:`);
      console.log(`  tollgate credentials revoke ${appId(app, o.namespace)} <old-credential> ${paths.join(' ')}`);
    });

  common(
    cmd
      .command('revoke')
      .argument('<app>', 'namespace/name')
      .argument('<credential>', 'credential name')
      .argument('[paths...]', 'YAML files or directories holding the Application'),
  ).action((app: string, name: string, paths: string[], o: { namespace: string }) => {
    const file = editYaml(paths, appId(app, o.namespace), o.namespace, (doc) => revokeCredential(doc, name));
    console.log(`revoked ${name} in ${file}; requests with its key are refused once tollgate dev applies the change`);
  });
}
