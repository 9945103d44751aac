import { readFileSync } from 'node:fs';
import { Command } from 'commander';
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
  .showHelpAfterError();

registerValidateCommand(program);
registerPlanCommand(program);
registerDevCommand(program);
registerImportCommand(program);
registerGatewayCommand(program);
registerOperatorCommand(program);
registerPortalCommand(program);
registerCredentialsCommand(program);
registerUsageCommand(program);

await program.parseAsync(process.argv);
