import { Command } from 'commander';
import { registerDevCommand } from './commands/dev.ts';
import { registerPlanCommand } from './commands/plan.ts';
import { registerValidateCommand } from './commands/validate.ts';

const program = new Command()
  .name('tollgate')
  .description('Kubernetes-native API management: APIs, products, applications and subscriptions as YAML')
  .showHelpAfterError();

registerValidateCommand(program);
registerPlanCommand(program);
registerDevCommand(program);

await program.parseAsync(process.argv);
