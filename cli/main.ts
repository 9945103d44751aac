import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { KubeTargetError } from './cluster/kube-flags.ts';
import { registerGatewayCommand } from './commands/gateway.ts';
import { registerCredentialsCommand } from './commands/credentials.ts';
import { registerDevCommand } from './commands/dev.ts';
import { registerImportCommand } from './commands/import.ts';
import { registerOperatorCommand } from './commands/operator.ts';
import { registerPlanCommand } from './commands/plan.ts';
import { registerPortalCommand } from './commands/portal.ts';
import { registerUsageCommand } from './commands/usage.ts';
import { registerValidateCommand } from './commands/validate.ts';

const program = new Command()
  .name('tollgate')
  .description('Kubernetes-native API management: APIs, products, applications and subscriptions as YAML')
  .version((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version)
  .showHelpAfterError()
  // Each option belongs to the command it follows: `credentials APP -n x` and `credentials list APP -n x` both work.
  .enablePositionalOptions();

registerValidateCommand(program);
registerPlanCommand(program);
registerDevCommand(program);
registerImportCommand(program);
registerGatewayCommand(program);
registerOperatorCommand(program);
registerPortalCommand(program);
registerCredentialsCommand(program);
registerUsageCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // A kubeconfig or API server problem is the user's setup, not a crash: one line, exit 1.
  if (!(e instanceof KubeTargetError)) throw e;
  process.stderr.write(`error ${e.code}: ${e.message}\n`);
  // A request that timed out may still be open: do not wait for it.
  process.exit(1);
}
