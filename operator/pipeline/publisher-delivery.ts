import type { Logger } from 'pino';
import { snapshotJsonBytes } from '../../gateway/snapshot/snapshot-json.ts';
import type { CompileResult } from '../compiler/compile.ts';
import type { SnapshotPublisher } from '../publish/snapshot-publisher.ts';
import type { Delivery } from './compile-and-deliver.ts';

/** The operator's delivery: the publisher hands the snapshot to every gateway that polls; true when it is new. */
export function publisherDelivery(publisher: SnapshotPublisher, logger: Logger): Delivery<boolean> {
  return {
    deliver({ snapshot }: CompileResult): boolean {
      if (publisher.currentVersion() === snapshot.version) return false;
      publisher.publish(snapshot, snapshotJsonBytes(snapshot));
      logger.info({ version: snapshot.version, routes: snapshot.routes.length, subscriptions: snapshot.subscriptions.length }, 'published snapshot');
      return true;
    },
  };
}
