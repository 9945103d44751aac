import { describe, expect, it } from 'vitest';
import { portalProduct } from '../../test/portal/portal-product.ts';
import { html } from '../html/html.ts';
import { productPage } from './catalogue-pages.ts';

const product = portalProduct('platform', 'weather-alerts', {
  displayName: 'Weather alerts',
  plans: [{ name: '', displayName: 'Default', inWords: 'no limits' }],
});
const frame = { user: undefined, csrf: 'x', dev: true };

describe('the product page', () => {
  it('lists the MCP endpoint and tools, marking the ones that change data and their scope, escaped', () => {
    const page = productPage(
      frame,
      {
        ...product,
        mcp: {
          endpoint: 'http://127.0.0.1:8080/mcp/platform/weather-alerts',
          tools: [
            { name: 'forecast', description: 'Tomorrow <b>forecast</b>', destructive: false },
            { name: 'raise_alert', description: 'Raise an alert.', destructive: true, scope: 'alerts:write' },
          ],
        },
      },
      [],
      html``,
    ).toString();
    expect(page).toContain('<h2>MCP tools</h2>');
    expect(page).toContain('<code>http://127.0.0.1:8080/mcp/platform/weather-alerts</code>');
    expect(page).toContain('Tomorrow &lt;b&gt;forecast&lt;/b&gt;');
    expect(page).toMatch(/<code>raise_alert<\/code>.*changes data.*Raise an alert\. \(needs scope <code>alerts:write<\/code>\)/s);
  });

  it('has no MCP section for a product without MCP', () => {
    expect(productPage(frame, product, [], html``).toString()).not.toContain('MCP tools');
  });
});
