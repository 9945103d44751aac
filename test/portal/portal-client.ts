/** A browser-less portal client for tests: keeps the session cookie, sends the CSRF token the way the pages and the API do. */
export class PortalClient {
  readonly base: string;
  private cookie = '';
  csrf = '';

  constructor(base: string) {
    this.base = base;
  }

  async request(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const res = await fetch(this.base + path, {
      method,
      redirect: 'manual',
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    return res;
  }

  /** Reads the CSRF token from /api/me (and starts a session). */
  async refreshCsrf(): Promise<void> {
    const me = (await (await this.request('GET', '/api/me')).json()) as { csrfToken: string };
    this.csrf = me.csrfToken;
  }

  async signInLocal(user: string, teams: string[], approver = false): Promise<void> {
    await this.refreshCsrf();
    const res = await this.form('/sign-in/local', { user, teams: teams.join(','), ...(approver ? { approver: 'yes' } : {}) });
    if (res.status !== 303) throw new Error(`local sign-in answered ${res.status}: ${await res.text()}`);
    await this.refreshCsrf();
  }

  form(path: string, fields: Record<string, string>, csrf = this.csrf): Promise<Response> {
    return this.request('POST', path, {
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  api(method: string, path: string, body?: unknown, csrf = this.csrf): Promise<Response> {
    return this.request(method, path, {
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    });
  }
}
