import { join } from 'node:path';
import { Command } from 'commander';
import { startExampleBackend } from '../../dev/example-backend.ts';
import { runDev } from '../../dev/run-dev.ts';
import { maxFileBytesOption } from './max-file-bytes-option.ts';
import { policyGatewayOptions, policyOptions, type PolicyCommandOptions } from './policy-options.ts';

export function registerDevCommand(program: Command): void {
  const command = program
    .command('dev')
    .description('serve a directory of Tollgate YAML on this machine: no cluster, no Redis; edits are live')
    .argument('<paths...>', 'files or directories of YAML to watch')
    .option('--port <port>', 'proxy port', (v) => Number(v), 8080)
    .option('--admin-port <port>', 'admin port (/metrics, /healthz, /readyz)', (v) => Number(v), 9090)
    .option('--host <address>', 'listen address', '127.0.0.1')
    .option('--state-dir <dir>', 'where generated credentials, first-seen times and the last good snapshot are kept', '.state/dev')
    .option('--environment <name>', 'the environment this gateway serves (e.g. test, prod)')
    .option('-n, --namespace <name>', 'namespace of objects that name none', 'default')
    .addOption(maxFileBytesOption())
    .option('--usage-database <url>', 'usage ledger: pglite:DIR (default: pglite:<state-dir>/usage) or postgres://...')
    .option('--no-usage', 'record no usage')
    .option('--portal-port <port>', 'developer portal port', (v) => Number(v), 8090)
    .option('--no-portal', 'do not start the developer portal')
    .option('--portal-dir <dir>', 'where the portal writes new Applications and Subscriptions (default: portal/ in the first watched directory)')
    .option('--with-example-backend [port]', 'also start the example backend the examples point at (port 8081)');
  for (const option of policyOptions()) command.addOption(option);
  command.action(async (paths: string[], opts: Record<string, string | number | boolean | undefined> & PolicyCommandOptions) => {
    if (opts.withExampleBackend !== undefined) {
      const port = opts.withExampleBackend === true ? 8081 : Number(opts.withExampleBackend);
      await startExampleBackend(port);
      console.log(`example backend on http://127.0.0.1:${port}`);
    }
    const dev = await runDev({
      paths,
      proxyPort: Number(opts.port),
      adminPort: Number(opts.adminPort),
      host: String(opts.host),
      stateDir: String(opts.stateDir),
      defaultNamespace: String(opts.namespace),
      maxFileBytes: Number(opts.maxFileBytes),
      ...(opts.environment ? { environment: String(opts.environment) } : {}),
      gatewayPolicies: policyGatewayOptions(opts),
      print: (line) => console.log(line),
      ...(opts.usage === false ? {} : { usageDatabase: opts.usageDatabase ? String(opts.usageDatabase) : `pglite:${join(String(opts.stateDir), 'usage')}` }),
      ...(opts.portal === false ? {} : { portal: { port: Number(opts.portalPort), ...(opts.portalDir ? { dir: String(opts.portalDir) } : {}) } }),
    });
    const stop = async () => {
      await dev.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });
}
