import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDev } from '../../dev/run-dev.ts';
import { devOptions } from '../support/dev-options.ts';

// What `make run` shows: tollgate dev on a copy of examples/ prints the portal's URL, and its catalogue lists the examples' public products.
describe('the portal of tollgate dev on examples/', () => {
  it('prints its URL and lists the examples to an anonymous visitor; the private and internal ones stay out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-portal-examples-'));
    cpSync(join(import.meta.dirname, '../../examples'), join(dir, 'config'), { recursive: true });
    const printed: string[] = [];
    const dev = await runDev(devOptions(dir, { portal: { port: 0 }, print: (l) => printed.push(l) }));
    try {
      expect(printed).toContain(`portal on ${dev.portal!.url} (local sign-in, no identity provider; writes YAML to ${join(dir, 'config', 'portal')})`);
      const page = await (await fetch(dev.portal!.url)).text();
      for (const name of ['HelloWorld', 'Maps Basic', 'Maps Free', 'Maps Premium', 'Free API Product']) expect(page).toContain(`>${name}</a>`);
      expect(page).not.toContain('Weather for partners');
      // A second tollgate dev on the same portal port keeps its gateway and says why it has no portal.
      const port = Number(new URL(dev.portal!.url).port);
      const again: string[] = [];
      const second = await runDev(devOptions(join(dir, 'second'), { paths: [join(dir, 'config')], portal: { port }, print: (l) => again.push(l) }));
      try {
        expect(second.portal).toBeUndefined();
        expect(again).toContain(`portal not started: port ${port} is in use (--portal-port PORT, 0 for any free one, or --no-portal)`);
        expect((await fetch(`http://127.0.0.1:${second.gateway.proxyPort}/hello/1.0.0`)).status).toBe(401);
      } finally {
        await second.close();
      }
    } finally {
      await dev.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
