import { Command } from 'commander';
import { registerGatewayCommand } from './commands/gateway.ts';
import { registerCredentialsCommand } from './commands/credentials.ts';
import { registerDevCommand } from './commands/dev.ts';
import { registerOperatorCommand } from './commands/operator.ts';
import { registerPlanCommand } from './commands/plan.ts';
import { registerUsageCommand } from './commands/usage.ts';
import { registerValidateCommand } from './commands/validate.ts';

const program = new Command()
  .name('tollgate')
  .description('Kubernetes-native API management: APIs, products, applications and subscriptions as YAML')
  .showHelpAfterError();

registerValidateCommand(program);
registerPlanCommand(program);
registerDevCommand(program);
registerGatewayCommand(program);
registerOperatorCommand(program);
registerCredentialsCommand(program);
registerUsageCommand(program);

await program.parseAsync(process.argv);
