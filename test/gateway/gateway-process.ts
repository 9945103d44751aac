// `tollgate gateway` as its own process, for tests that send it real signals.
import { Command } from 'commander';
import { registerGatewayCommand } from '../../cli/commands/gateway.ts';

const program = new Command('tollgate');
registerGatewayCommand(program);
await program.parseAsync(['node', 'tollgate', 'gateway', ...process.argv.slice(2)]);
