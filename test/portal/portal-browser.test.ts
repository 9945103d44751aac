import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.ts';
import { axeViolations, launchBrowser, screenshot, type TestBrowser } from './browser.ts';
import { startTestIdp, type TestIdp } from './oidc-provider.ts';
import { startPortalEstate, type PortalEstate } from './portal-estate.ts';

// The developer's whole journey in a real browser (Debian's Chromium), against a real
// `tollgate dev` (gateway and portal) and a real OpenID provider. Screenshots of each
// step go to test-artifacts/portal/; every portal page is checked with axe-core.
let idp: TestIdp;
let estate: PortalEstate;
let browser: TestBrowser;
const checked = new Map<string, string[]>();
const POLL = { timeout: 20_000, interval: 100 };

beforeAll(async () => {
  idp = await startTestIdp({
    alice: { email: 'alice@a.example', name: 'Alice', groups: ['tollgate:team:team-a'] },
    bob: { email: 'bob@b.example', name: 'Bob', groups: ['tollgate:team:team-b'] },
    carol: { email: 'carol@platform.example', name: 'Carol', groups: ['tollgate:approvers'] },
  });
  estate = await startPortalEstate({
    oidcOptions: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, groupsClaim: 'groups', scopes: 'openid email profile groups' },
    oidc: (portal) => idp.start(portal),
  });
  browser = await launchBrowser();
  // Generous: the full `make test` runs this beside everything else on two cores.
  browser.page.setDefaultTimeout(30_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await estate?.close();
  await idp?.close();
});

/** A portal page: screenshot, then axe-core (Swagger UI's own widget excluded: it is not the portal's markup). */
async function check(page: Page, name: string, exclude: string[] = []): Promise<void> {
  await screenshot(page, name);
  checked.set(name, await axeViolations(page, exclude));
}

async function signIn(page: Page, account: string): Promise<void> {
  await browser.context.clearCookies();
  await page.goto(`${estate.portalUrl}/sign-in`);
  await page.getByRole('link', { name: /identity provider/ }).click();
  await page.locator('input[name=login]').fill(account);
  await page.locator('input[name=password]').fill('any');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.waitForURL(`${estate.portalUrl}/`);
}

const callGateway = (path: string, key: string, method = 'GET') => fetch(`${estate.gatewayUrl}${path}`, { method, headers: { apikey: key } });

describe('the developer portal in a browser', () => {
  it('signs in, finds, creates, subscribes, shows the key, tries the API, counts the call and rotates', async () => {
    const { page } = browser;
    await page.goto(estate.portalUrl);
    await check(page, '01-catalogue-anonymous');
    // Keyboard: the first Tab lands on the skip link, and a search needs no mouse.
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to content');
    await page.getByLabel('Search products').focus();
    await page.keyboard.type('partners');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.cards h2').allTextContents(), POLL).toEqual(['Echo for Partners']);
    await signIn(page, 'alice');
    await expect.poll(() => page.locator('.who').textContent(), POLL).toContain('Alice');

    await page.getByLabel('Search products').fill('echo basic');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('.cards h2').allTextContents(), POLL).toEqual(['Echo Basic']);
    await check(page, '02-search');

    await page.getByRole('link', { name: 'My applications' }).click();
    await page.getByLabel(/^Name/).fill('shop');
    await page.getByLabel('Display name').fill('Shop');
    await page.getByRole('button', { name: 'Show YAML' }).click();
    await expect.poll(() => page.locator('pre.yaml').textContent(), POLL).toContain('kind: Application');
    await check(page, '03-create-yaml');
    await page.goBack();
    await page.getByLabel(/^Name/).fill('shop');
    await page.getByRole('button', { name: 'Create application' }).click();
    const key = (await page.locator('#consumer-key').textContent())!;
    expect(key).toMatch(/^tg_/);
    await check(page, '04-new-key');

    await page.goto(`${estate.portalUrl}/products/platform/echo-basic`);
    await check(page, '05-product');
    await page.getByLabel('Plan').selectOption('Basic');
    await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await page.waitForURL(`${estate.portalUrl}/apps/team-a/shop`);
    await expect.poll(() => page.locator('table').nth(1).textContent(), POLL).toContain('Active');
    // Shown once: the application page does not show the key again.
    expect(await page.locator('#consumer-key').count()).toBe(0);
    await check(page, '06-app-subscribed');

    await page.goto(`${estate.portalUrl}/apis/platform/echo`);
    await page.locator('.swagger-ui .btn.authorize').click();
    await page.locator('.modal-ux input[type=text]').first().fill(key);
    await page.locator('.modal-ux .btn.modal-btn.auth.authorize').first().click();
    await page.locator('.modal-ux .btn-done').first().click();
    const operation = page.locator('.opblock', { has: page.locator('.opblock-summary-path', { hasText: '/items/{id}' }) });
    await operation.locator('.opblock-summary-path').click();
    // The portal opens Swagger UI with try-out on (tryItOutEnabled), so the parameters are editable at once.
    await operation.locator('input[placeholder=id]').fill('42');
    await operation.locator('.btn.execute').click();
    await expect.poll(() => page.locator('.live-responses-table tr.response .response-col_status').first().textContent(), POLL).toContain('200');
    await expect.poll(() => page.locator('.live-responses-table tr.response .response-col_description').first().textContent(), POLL).toContain('/items/42');
    await check(page, '07-try-out');

    await page.goto(`${estate.portalUrl}/apps/team-a/shop`);
    await expect.poll(() => page.locator('.usage').first().textContent(), POLL).toBe('1 of 100');
    await check(page, '08-usage');

    await page
      .getByRole('button', { name: /Rotate/ })
      .first()
      .click();
    const rotated = (await page.locator('#consumer-key').textContent())!;
    expect(rotated).not.toBe(key);
    await check(page, '09-rotated');
    expect((await callGateway('/echo/v1/items/1', rotated)).status).toBe(200);
    expect((await callGateway('/echo/v1/items/1', key)).status).toBe(200);
  }, 120_000);

  it("keeps team B out of team A's application and keys, by URL and by API", async () => {
    const { page } = browser;
    await signIn(page, 'bob');
    const res = await page.goto(`${estate.portalUrl}/apps/team-a/shop`);
    expect(res!.status()).toBe(404);
    await check(page, '10-other-team-404');
    const api = await page.evaluate(async () => {
      const me = (await (await fetch('/api/me')).json()) as { csrfToken: string };
      const get = await fetch('/api/applications/team-a/shop');
      const rotate = await fetch('/api/applications/team-a/shop/credentials', { method: 'POST', headers: { 'x-csrf-token': me.csrfToken } });
      const list = (await (await fetch('/api/applications')).json()) as { applications: Array<{ id: string }> };
      return { get: get.status, rotate: rotate.status, apps: list.applications.map((a) => a.id) };
    });
    expect(api).toEqual({ get: 404, rotate: 404, apps: ['team-b/b-app'] });
  }, 60_000);

  it("shows a manual subscription as pending until an approver approves it; the app's next call passes", async () => {
    const { page } = browser;
    await signIn(page, 'alice');
    await page.goto(`${estate.portalUrl}/apps/team-a/shop`);
    await page.getByLabel('Product and plan').selectOption('platform/echo-partner|');
    await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await expect.poll(() => page.locator('table').nth(1).textContent(), POLL).toContain('Pending approval');
    await check(page, '11-pending');
    await page
      .getByRole('button', { name: /Rotate/ })
      .first()
      .click();
    const key = (await page.locator('#consumer-key').textContent())!;
    const pending = await callGateway('/echo/v1/orders', key, 'POST');
    expect([pending.status, ((await pending.json()) as { code?: string }).code]).toEqual([403, 'subscription-pending']);

    await signIn(page, 'carol');
    await page.getByRole('link', { name: 'Approvals' }).click();
    await check(page, '12-approvals');
    await page.getByLabel('Reason').fill('Partner contract signed');
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.locator('main').textContent(), POLL).toContain('No subscription waits for approval');
    await check(page, '13-approved');
    const passed = await eventually('the approved subscription at the gateway', async () => {
      const r = await callGateway('/echo/v1/orders', key, 'POST');
      return r.status === 200 ? r : undefined;
    });
    expect(((await passed.json()) as { product: string }).product).toBe('platform/echo-partner');
  }, 120_000);

  it('found no accessibility violation on any page and made no request beyond loopback from the portal', () => {
    expect([...checked.keys()].length).toBeGreaterThanOrEqual(13);
    // One finding is ours on purpose: Swagger UI renders a second <main>, which reference.js turns into a labelled
    // region so the page keeps one main landmark; axe-core flags the role on a <main> element. Nothing else.
    expect(Object.fromEntries([...checked].filter(([, v]) => v.length))).toEqual({ '07-try-out': ['aria-allowed-role: #operations'] });
    expect(browser.blocked.filter((u) => !u.includes('fonts.googleapis.com'))).toEqual([]);
  });
});
