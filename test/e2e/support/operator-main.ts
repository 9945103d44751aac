// `runOperator` as its own process, for tests that kill it (SIGKILL, no goodbye)
// or run two. Options are runOperator's, as JSON in argv[2]; logs are pino JSON
// lines on stdout, the first of them "operator listening" with the ports.
import { pino } from 'pino';
import { runOperator, type OperatorOptions } from '../../../operator/run-operator.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as Omit<OperatorOptions, 'logger' | 'clock'>;
const logger = pino({ name: 'tollgate-operator', level: process.env.TOLLGATE_LOG_LEVEL ?? 'info' });
const operator = await runOperator({ ...options, logger });
logger.info({ publisherPort: operator.publisher.port, adminPort: operator.adminPort, identity: options.identity }, 'operator listening');
const stop = async (): Promise<void> => {
  await operator.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
