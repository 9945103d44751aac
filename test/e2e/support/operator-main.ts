// `runOperator` as its own process, for tests that kill it (SIGKILL, no goodbye)
// or run two. Options are runOperator's, as JSON in argv[2]; logs are pino JSON
// lines on stdout, the first of them "operator listening" with the ports.
import { pino } from 'pino';
import { runOperator, type OperatorOptions } from '../../../operator/run-operator.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as Omit<OperatorOptions, 'logger' | 'clock'>;
const logger = pino({ name: 'tollgate-operator', level: process.env.TOLLGATE_LOG_LEVEL ?? 'info' });
const operator = await runOperator({ ...options, logger });
logger.info({ publisherPort: operator.publisher.port, adminPort: operator.adminPort, identity: options.identity }, 'operator listening');
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await operator.close();
  process.exit(0);
};
// on, not once: a process-group SIGTERM arrives twice (directly and through the
// tether), and a second one with no listener left would kill before the Lease is released.
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
