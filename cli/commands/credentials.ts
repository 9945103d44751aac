import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'yaml';
import { DevCredentialStore } from '../../dev/dev-credential-store.ts';
import { addCredential, findApplicationDocument, revokeCredential, saveApplicationDocument } from '../../operator/credentials/edit-application-yaml.ts';
import { namespacedId } from '../../operator/resources/object-key.ts';

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

export function registerCredentialsCommand(program: Command): void {
  const cmd = program
    .command('credentials')
    .description('dev mode: list, show, rotate and revoke application credentials (keys are shown only on creation or with --reveal)');
  const common = (c: Command) =>
    c
      .option('--state-dir <dir>', 'the tollgate dev state directory', '.state/dev')
      .option('-n, --namespace <name>', 'namespace of APP when it names none', 'default');

  common(cmd.command('list').argument('<app>', 'namespace/name'))
    .description('credentials of an application: name, key prefix, state, issue and expiry times')
    .action((app: string, o: { stateDir: string; namespace: string }) => {
      const rows = statusOf(o.stateDir, appId(app, o.namespace));
      if (!rows.length) console.log(`no credentials known for ${appId(app, o.namespace)} (is tollgate dev running with --state-dir ${o.stateDir}?)`);
      for (const c of rows)
        console.log(
          [
            c.name.padEnd(16),
            (c.keyPrefix ?? '-').padEnd(10),
            c.state.padEnd(8),
            c.issuedAt ?? '-',
            c.expiresAt ? `expires ${c.expiresAt}` : 'never expires',
          ].join('  '),
        );
    });

  common(cmd.command('show').argument('<app>', 'namespace/name').argument('<credential>', 'credential name'))
    .option('--reveal', 'print the consumer key and secret')
    .action((app: string, name: string, o: { stateDir: string; namespace: string; reveal?: boolean }) => {
      const id = appId(app, o.namespace);
      const c = statusOf(o.stateDir, id).find((x) => x.name === name);
      if (!c) throw new Error(`no credential ${name} for ${id}`);
      console.log(
        `${id} ${name}: ${c.state}, key ${c.keyPrefix ?? '-'}…, issued ${c.issuedAt ?? '-'}, ${c.expiresAt ? `expires ${c.expiresAt}` : 'never expires'}`,
      );
      if (o.reveal) {
        const secret = new DevCredentialStore(o.stateDir).reveal(id, name);
        if (!secret) throw new Error(`no stored key for ${id} ${name} (bring-your-own keys stay where you keep them)`);
        console.log(`consumer key:    ${secret.consumerKey}\nconsumer secret: ${secret.consumerSecret}`);
      }
    });

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
