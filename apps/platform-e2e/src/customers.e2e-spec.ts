import { ApiResponse, REPO_ROOT, waitFor } from '@omnibus/testing';
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Platform, startPlatform, streamMessages } from './platform';

const STREAM = 'CUSTOMERS_EVENTS';
const TOKEN_SECRET = `e2e-customer-token-secret-${randomBytes(8).toString('hex')}`;

/** Every password this file uses: none may ever show up in a response, an event or a log line. */
const passwords: string[] = [];
let counter = 0;

function newPassword(): string {
  const password = `Pw-${randomBytes(6).toString('hex')}-secret!`;
  passwords.push(password);
  return password;
}

function uniqueEmail(name = 'ann'): string {
  return `${name}.${Date.now().toString(36)}${(counter++).toString(36)}@example.com`;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

/** A token signed with the shared secret, for cases the customers service never issues (expired, forged). */
function handMadeToken(payload: Record<string, unknown>, secret = TOKEN_SECRET): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const data = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`;
}

/** Runs a built app that is expected to stop by itself (a bad configuration); its exit code and output. */
function runToExit(app: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/apps', app, 'main.js')], { env: { PATH: process.env['PATH'] ?? '', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${app} did not stop by itself within 30 s:\n${output.slice(-2000)}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

interface Shopper {
  email: string;
  password: string;
  token: string;
  id: string;
  /** Calls the gateway as this customer: their channel key plus their token. */
  call<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
}

describe('customers through the gateway (real NATS and PostgreSQL)', () => {
  let p: Platform;

  beforeAll(async () => {
    p = await startPlatform({
      only: ['customers'],
      serviceEnv: { customers: { CUSTOMER_TOKEN_SECRET: TOKEN_SECRET, LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '120', LOYALTY_EXPIRY_SWEEP_MS: '0', LOG_LEVEL: 'debug' } },
      // Requests queue on one customer's balance row and this machine is shared: a late answer must not pass for a refusal.
      gatewayEnv: { CUSTOMER_TOKEN_SECRET: TOKEN_SECRET, LOG_LEVEL: 'debug', NATS_REQUEST_TIMEOUT_MS: '15000' },
    });
  });
  afterAll(async () => {
    await p?.stop();
  });

  const db = () => p.databases.customers;

  const as = (key: string, token: string) =>
    <T = any>(method: string, path: string, body?: unknown) => p.admin.as(key).request<T>(method, path, body, { authorization: `Bearer ${token}` });

  async function signUp(key = 'dev-web', extra: Record<string, unknown> = {}): Promise<Shopper> {
    const email = uniqueEmail();
    const password = newPassword();
    const res = await p.admin.as(key).post('/v1/customers/sign-up', { email, password, firstName: 'Ann', lastName: 'Lee', ...extra });
    expect(res.status).toBe(201);
    return { email, password, token: res.body.token, id: res.body.customer.id, call: as(key, res.body.token) };
  }

  async function login(email: string, password: string, key = 'dev-web'): Promise<ApiResponse> {
    return p.admin.as(key).post('/v1/customers/login', { email, password });
  }

  it('signs a customer up and logs them in; the token opens their own profile', async () => {
    const email = uniqueEmail();
    const password = newPassword();
    const signedUp = await p.admin.as('dev-web').post('/v1/customers/sign-up', {
      email,
      password,
      firstName: 'Ann',
      preferredLocale: 'de-DE',
      consents: [{ purpose: 'email-marketing', granted: true }],
    });
    expect(signedUp.status).toBe(201);
    expect(signedUp.body).toMatchObject({ tokenType: 'Bearer', customer: { email, firstName: 'Ann', group: 'retail', pricingGroup: 'retail', channels: ['web'], hasPassword: true } });
    expect(signedUp.body.customer.id).toMatch(/^cus_[0-9a-z]{22}$/);
    expect(signedUp.body.customer.consents).toEqual([{ purpose: 'email-marketing', granted: true, changedAt: expect.any(String), channel: 'web' }]);
    expect(JSON.stringify(signedUp.body)).not.toContain(password);
    expect(JSON.stringify(signedUp.body)).not.toMatch(/passwordHash|scrypt/);
    const expiresIn = Date.parse(signedUp.body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(0);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    expect(claimsOf(signedUp.body.token)).toMatchObject({ sub: signedUp.body.customer.id, grp: 'retail' });

    const me = await as('dev-web', signedUp.body.token)('GET', '/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(signedUp.body.customer.id);

    // Logging in from another channel, with the email in another case: same customer, channel recorded.
    const loggedIn = await login(email.toUpperCase(), password, 'dev-app');
    expect(loggedIn.status).toBe(200);
    expect(loggedIn.body.customer.id).toBe(signedUp.body.customer.id);
    expect(loggedIn.body.customer.channels).toEqual(['web', 'app']);
    expect((await as('dev-app', loggedIn.body.token)('GET', '/v1/me')).body.channels).toEqual(['web', 'app']);

    // One profile per email, whatever its case.
    const again = await p.admin.as('dev-pos').post('/v1/customers/sign-up', { email: email.toUpperCase(), password: newPassword() });
    expect(again.status).toBe(409);
    expect(again.body.details).toEqual([{ field: 'email', problem: 'is already registered' }]);
  });

  it("opens only the token holder's data: another customer's ids give 403 or 404, never their data", async () => {
    const ann = await signUp();
    const bob = await signUp();
    const annAddress = await ann.call('POST', '/v1/me/addresses', { kind: 'shipping', line1: 'Main St 1', postalCode: '10115', city: 'Berlin', country: 'DE' });
    expect(annAddress.status).toBe(201);
    const addressId = annAddress.body.addresses[0].id;

    expect((await bob.call('GET', '/v1/me')).body.id).toBe(bob.id);
    const staffRoute = await bob.call('GET', `/v1/customers/${ann.id}`);
    expect(staffRoute.status).toBe(403);
    expect(JSON.stringify(staffRoute.body)).not.toContain(ann.email);
    for (const [method, body] of [['PUT', { kind: 'billing', line1: 'Stolen 1', postalCode: '1', city: 'X', country: 'FR' }], ['DELETE', undefined]] as const) {
      const res = await bob.call(method, `/v1/me/addresses/${addressId}`, body);
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('Main St');
    }
    expect((await bob.call('GET', `/v1/customers/${ann.id}/export`)).status).toBe(403);
    expect((await bob.call('GET', `/v1/customers/by-email/${encodeURIComponent(ann.email)}`)).status).toBe(403);
    expect((await bob.call('GET', '/v1/me/export')).body.customer.id).toBe(bob.id);
    const annNow = await ann.call('GET', '/v1/me');
    expect(annNow.body.addresses).toEqual([expect.objectContaining({ id: addressId, line1: 'Main St 1', isDefault: true })]);

    // A token must be the customers service's, unexpired and unchanged.
    expect((await p.web.get('/v1/me')).status).toBe(401);
    const [header, , signature] = bob.token.split('.');
    const swapped = `${header}.${Buffer.from(JSON.stringify({ ...claimsOf(bob.token), sub: ann.id })).toString('base64url')}.${signature}`;
    const forged = await as('dev-web', swapped)('GET', '/v1/me');
    expect(forged.status).toBe(401);
    expect(JSON.stringify(forged.body)).not.toContain(ann.email);
    const now = Math.floor(Date.now() / 1000);
    const expired = handMadeToken({ iss: 'omnibus-customers', sub: bob.id, grp: 'retail', iat: now - 7200, exp: now - 3600 });
    const late = await as('dev-web', expired)('GET', '/v1/me');
    expect(late.status).toBe(401);
    expect(late.body.message).toMatch(/expired/);
    const otherSecret = handMadeToken({ iss: 'omnibus-customers', sub: ann.id, grp: 'vip', iat: now, exp: now + 600 }, 'not-the-secret-of-this-platform-000000');
    expect((await as('dev-web', otherSecret)('GET', '/v1/me')).status).toBe(401);
    // A token does not replace the key.
    expect((await p.admin.as(undefined).request('GET', '/v1/me', undefined, { authorization: `Bearer ${bob.token}` })).status).toBe(401);
  });

  it('refuses logins the same way for unknown emails and wrong passwords, and locks an email after too many', async () => {
    const ann = await signUp();
    const unknown = uniqueEmail('nobody');
    for (let i = 0; i < 3; i++) {
      const wrong = await login(ann.email, `${ann.password}-wrong`);
      const missing = await login(unknown, `${ann.password}-wrong`);
      expect(wrong.status).toBe(401);
      expect(missing.status).toBe(401);
      expect(wrong.body).toEqual(missing.body);
    }
    // LOGIN_MAX_FAILURES=3: the next attempt is refused even with the right password, for both emails alike.
    const locked = await login(ann.email, ann.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    const lockedUnknown = await login(unknown, ann.password);
    expect(lockedUnknown.status).toBe(429);
    for (const res of [locked, lockedUnknown]) expect(res.body.message).toMatch(/^too many failed logins for this email: try again in \d+ s$/);
    // Another customer is not affected.
    const bob = await signUp();
    expect((await login(bob.email, bob.password)).status).toBe(200);
  });

  it('answers bad input with a 400 naming each field, never a 500', async () => {
    const signUpRes = await p.web.post('/v1/customers/sign-up', { email: 'not-an-email', password: 'short', shoeSize: 42 });
    expect(signUpRes.status).toBe(400);
    expect(signUpRes.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['email', 'password', 'shoeSize']);
    expect(JSON.stringify(signUpRes.body)).not.toContain('"short"');

    const ann = await signUp();
    const profile = await ann.call('PATCH', '/v1/me', { phone: '0301234', preferredLocale: 'german', group: 'vip' });
    expect(profile.status).toBe(400);
    expect(profile.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['group', 'phone', 'preferredLocale']);
    const address = await ann.call('POST', '/v1/me/addresses', { kind: 'home', line1: '', postalCode: '1', city: 'Berlin', country: 'Germany' });
    expect(address.status).toBe(400);
    expect(address.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['country', 'kind', 'line1']);
    const redeem = await ann.call('POST', '/v1/me/loyalty/redemptions', { points: 1.5, idempotencyKey: ' ' });
    expect(redeem.status).toBe(400);
    expect(redeem.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['idempotencyKey', 'points']);
    const company = await p.admin.post('/v1/companies', { name: 'ACME', taxId: 'X', spendingLimit: { amount: -1, currency: 'EURO' } });
    expect(company.status).toBe(400);
    expect(company.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['spendingLimit.amount', 'spendingLimit.currency', 'taxId']);
    const unknownGroup = await p.admin.patch(`/v1/customers/${ann.id}`, { group: 'no-such-group' });
    expect(unknownGroup.status).toBe(400);
    expect(unknownGroup.body.details).toEqual([{ field: 'group', problem: '"no-such-group" is not a customer group' }]);
    const password = await ann.call('POST', '/v1/me/password', { currentPassword: 'wrong-password', newPassword: newPassword() });
    expect(password.status).toBe(400);
    expect(password.body.details).toEqual([{ field: 'currentPassword', problem: 'is not your current password' }]);
    expect(p.services.customers.logs((l) => l['level'] === 'error')).toEqual([]);
  });

  it('keeps one default address per kind, consents with their time and channel, and changes passwords', async () => {
    const ann = await signUp();
    const first = await ann.call('POST', '/v1/me/addresses', { kind: 'shipping', line1: 'One 1', postalCode: '10115', city: 'Berlin', country: 'de' });
    expect(first.body.addresses[0]).toMatchObject({ isDefault: true, country: 'DE' });
    const second = await ann.call('POST', '/v1/me/addresses', { kind: 'shipping', isDefault: true, line1: 'Two 2', postalCode: '10117', city: 'Berlin', country: 'DE' });
    expect(second.body.addresses.map((a: { line1: string; isDefault: boolean }) => [a.line1, a.isDefault])).toEqual([
      ['One 1', false],
      ['Two 2', true],
    ]);
    const billing = await ann.call('POST', '/v1/me/addresses', { kind: 'billing', line1: 'Bill 3', postalCode: '20095', city: 'Hamburg', country: 'DE' });
    expect(billing.body.addresses.filter((a: { isDefault: boolean }) => a.isDefault)).toHaveLength(2);
    const removed = await ann.call('DELETE', `/v1/me/addresses/${first.body.addresses[0].id}`);
    expect(removed.body.addresses.map((a: { line1: string }) => a.line1)).toEqual(['Two 2', 'Bill 3']);

    const granted = await ann.call('PATCH', '/v1/me', { consents: [{ purpose: 'sms-marketing', granted: true }], phone: '+4930123456' });
    const withdrawn = await as('dev-app', ann.token)('PATCH', '/v1/me', { consents: [{ purpose: 'sms-marketing', granted: false }] });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.phone).toBe('+4930123456');
    const consent = withdrawn.body.consents.find((c: { purpose: string }) => c.purpose === 'sms-marketing');
    expect(consent).toMatchObject({ granted: false, channel: 'app' });
    expect(Date.parse(consent.changedAt)).toBeGreaterThanOrEqual(Date.parse(granted.body.consents[0].changedAt));

    const newPass = newPassword();
    expect((await ann.call('POST', '/v1/me/password', { currentPassword: ann.password, newPassword: newPass })).status).toBe(204);
    expect((await login(ann.email, ann.password)).status).toBe(401);
    expect((await login(ann.email, newPass)).status).toBe(200);
  });

  it('lets staff create customers and find them by id, email and external id; groups are data', async () => {
    const email = uniqueEmail('pos');
    const card = `CARD-${randomBytes(4).toString('hex')}`;
    const created = await p.admin.post('/v1/customers', { email, firstName: 'Pia', externalIds: [{ system: 'pos-loyalty', value: card }, { system: 'erp', value: `D-${card}` }], channel: 'pos' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ hasPassword: false, channels: ['pos'], externalIds: [{ system: 'erp', value: `D-${card}` }, { system: 'pos-loyalty', value: card }] });
    const id = created.body.id;
    expect((await p.admin.get(`/v1/customers/${id}`)).body.email).toBe(email);
    expect((await p.admin.get(`/v1/customers/by-email/${encodeURIComponent(email.toUpperCase())}`)).body.id).toBe(id);
    expect((await p.admin.get(`/v1/customers/by-external-id/pos-loyalty/${card}`)).body.id).toBe(id);
    expect((await p.admin.get(`/v1/customers/by-external-id/erp/D-${card}`)).body.id).toBe(id);
    expect((await p.admin.get('/v1/customers/by-external-id/pos-loyalty/NO-SUCH-CARD')).status).toBe(404);
    expect((await p.admin.get('/v1/customers/cus_0000000000000000000000')).status).toBe(404);
    expect((await p.admin.get('/v1/customers/not-an-id')).status).toBe(404);

    const other = await p.admin.post('/v1/customers', { email: uniqueEmail('other'), externalIds: [{ system: 'pos-loyalty', value: card }] });
    expect(other.status).toBe(409);
    expect(other.body.details).toEqual([{ field: 'externalIds.0.value', problem: 'is already linked to another customer' }]);

    const group = await p.admin.post('/v1/customer-groups', { code: `gold-${counter++}`, name: 'Gold' });
    expect(group.status).toBe(201);
    expect((await p.admin.post('/v1/customer-groups', { code: group.body.code, name: 'Again' })).status).toBe(409);
    expect((await p.web.post('/v1/customer-groups', { code: 'sneaky', name: 'Sneaky' })).status).toBe(403);
    expect((await p.web.get('/v1/customer-groups')).body.items.map((g: { code: string }) => g.code)).toEqual(expect.arrayContaining(['retail', 'vip', 'wholesale', group.body.code]));
    const moved = await p.admin.patch(`/v1/customers/${id}`, { group: group.body.code }, { 'if-match': `"${created.body.version}"` });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ group: group.body.code, pricingGroup: group.body.code, version: created.body.version + 1 });
    expect((await p.admin.patch(`/v1/customers/${id}`, { firstName: 'Late' }, { 'if-match': `"${created.body.version}"` })).status).toBe(412);
  });

  it("refuses a B2B member's order over the company's spending limit", async () => {
    const company = await p.admin.post('/v1/companies', {
      name: 'ACME GmbH',
      taxId: `DE${randomBytes(4).toString('hex')}`,
      spendingLimit: { amount: 50_000, currency: 'EUR' },
      addresses: [{ kind: 'billing', line1: 'Industriestr. 1', postalCode: '80331', city: 'München', country: 'DE' }],
    });
    expect(company.status).toBe(201);
    expect(company.body).toMatchObject({ group: 'wholesale', spendingLimit: { amount: 50_000, currency: 'EUR' } });
    const buyer = await signUp('dev-b2b');
    const approver = await signUp('dev-b2b');
    const outsider = await signUp('dev-b2b');
    expect((await p.admin.request('PUT', `/v1/companies/${company.body.id}/members/${buyer.id}`, { role: 'buyer' })).status).toBe(200);
    const team = await p.admin.request('PUT', `/v1/companies/${company.body.id}/members/${approver.id}`, { role: 'approver' });
    expect(team.body.members.map((m: { customerId: string; role: string }) => [m.customerId, m.role])).toEqual([
      [buyer.id, 'buyer'],
      [approver.id, 'approver'],
    ]);
    const elsewhere = await p.admin.post('/v1/companies', { name: 'Other AG', taxId: `AT${randomBytes(4).toString('hex')}` });
    const twice = await p.admin.request('PUT', `/v1/companies/${elsewhere.body.id}/members/${buyer.id}`, { role: 'buyer' });
    expect(twice.status).toBe(409);
    expect(twice.body.details).toEqual([{ field: 'customerId', problem: 'already belongs to another company' }]);

    // A new login carries the company and its group.
    const session = await login(buyer.email, buyer.password, 'dev-b2b');
    expect(session.body.customer).toMatchObject({ company: { id: company.body.id, role: 'buyer', group: 'wholesale' }, pricingGroup: 'wholesale' });
    expect(claimsOf(session.body.token)).toMatchObject({ sub: buyer.id, grp: 'wholesale', cmp: company.body.id, crl: 'buyer' });
    const member = as('dev-b2b', session.body.token);

    const over = await member('POST', '/v1/me/company/order-checks', { amount: { amount: 60_000, currency: 'EUR' } });
    expect(over.status).toBe(403);
    expect(over.body.message).toBe("the order total 600.00 EUR is over the company's per-order spending limit of 500.00 EUR");
    expect(over.body.details[0].field).toBe('amount.amount');
    expect(over.body).toMatchObject({ reason: 'over-limit', spendingLimit: { amount: 50_000, currency: 'EUR' } });
    const within = await member('POST', '/v1/me/company/order-checks', { amount: { amount: 50_000, currency: 'EUR' } });
    expect(within.status).toBe(200);
    expect(within.body).toMatchObject({ allowed: true, companyId: company.body.id, role: 'buyer' });
    const dollars = await member('POST', '/v1/me/company/order-checks', { amount: { amount: 100, currency: 'USD' } });
    expect(dollars.status).toBe(403);
    expect(dollars.body).toMatchObject({ reason: 'currency-mismatch', details: [{ field: 'amount.currency' }] });
    expect((await approver.call('POST', '/v1/me/company/order-checks', { amount: { amount: 100, currency: 'EUR' } })).body.reason).toBe('role-not-allowed');
    expect((await outsider.call('POST', '/v1/me/company/order-checks', { amount: { amount: 100, currency: 'EUR' } })).body.reason).toBe('not-a-member');
    // Staff (and the orders checkout over NATS) get the decision itself.
    const staff = await p.admin.post(`/v1/companies/${company.body.id}/order-checks`, { customerId: buyer.id, amount: { amount: 50_001, currency: 'EUR' } });
    expect(staff.status).toBe(200);
    expect(staff.body).toMatchObject({ allowed: false, reason: 'over-limit' });

    // The company's group is its members' pricing group; they learn of a change through their own event.
    expect((await p.admin.patch(`/v1/companies/${company.body.id}`, { group: 'vip' })).status).toBe(200);
    expect((await member('GET', '/v1/me')).body).toMatchObject({ group: 'retail', pricingGroup: 'vip' });
    await waitFor('an updated event with the new pricing group', async () =>
      (await streamMessages(p.nats.url, STREAM)).some((m) => m.subject === 'customers.customer.updated' && m.event.data.customer.id === buyer.id && m.event.data.customer.pricingGroup === 'vip'),
    );

    // Raising the limit applies to the next check; removing the member refuses them.
    await p.admin.patch(`/v1/companies/${company.body.id}`, { spendingLimit: { amount: 100_000, currency: 'EUR' } });
    expect((await member('POST', '/v1/me/company/order-checks', { amount: { amount: 60_000, currency: 'EUR' } })).status).toBe(200);
    await p.admin.request('DELETE', `/v1/companies/${company.body.id}/members/${buyer.id}`);
    expect((await member('POST', '/v1/me/company/order-checks', { amount: { amount: 100, currency: 'EUR' } })).body.reason).toBe('not-a-member');
  });

  it('leaves 0 points, never less, after 20 concurrent redemptions of 10 from a balance of 100', async () => {
    const ann = await signUp();
    const earned = await p.admin.post(`/v1/customers/${ann.id}/loyalty/earnings`, { points: 100, idempotencyKey: 'order-1-earn', orderId: 'ord_e2e_1' });
    expect(earned.status).toBe(201);
    expect(earned.body.balance).toBe(100);

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? as('dev-pos', ann.token) : ann.call)('POST', '/v1/me/loyalty/redemptions', { points: 10, idempotencyKey: `redeem-${i}` })),
    );
    expect(results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => [r.status, r.body])).toEqual([]);
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(10);
    for (const refused of results.filter((r) => r.status === 409)) expect(refused.body.details[0].field).toBe('points');
    expect(results.filter((r) => r.status === 201).map((r) => r.body.balance).sort((a, b) => a - b)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);

    const account = await ann.call('GET', '/v1/me/loyalty?limit=100');
    expect(account.body.balance).toBe(0);
    expect(account.body.entries.filter((e: { kind: string }) => e.kind === 'redeem')).toHaveLength(10);
    const [row] = await db().query<{ balance: string; sum: string; min: string }>(
      'select a.balance, (select sum(points) from loyalty_entries where customer_id = $1) as sum, (select min(balance_after) from loyalty_entries where customer_id = $1) as min from loyalty_accounts a where customer_id = $1',
      [ann.id],
    );
    expect(row).toEqual({ balance: '0', sum: '0', min: '0' });
    const nothingLeft = await ann.call('POST', '/v1/me/loyalty/redemptions', { points: 1, idempotencyKey: 'one-more' });
    expect(nothingLeft.status).toBe(409);
    expect(nothingLeft.body.details).toEqual([{ field: 'points', problem: 'is more than the balance of 0' }]);
  });

  it('applies a ledger command once per idempotency key, even when sent at once', async () => {
    const ann = await signUp();
    const first = await p.admin.post(`/v1/customers/${ann.id}/loyalty/earnings`, { points: 40, idempotencyKey: 'ord-7-earn', orderId: 'ord_7' });
    const retry = await p.admin.post(`/v1/customers/${ann.id}/loyalty/earnings`, { points: 40, idempotencyKey: 'ord-7-earn', orderId: 'ord_7' });
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect(retry.body).toMatchObject({ replayed: true, balance: 40, entry: { id: first.body.entry.id } });
    const reused = await p.admin.post(`/v1/customers/${ann.id}/loyalty/earnings`, { points: 41, idempotencyKey: 'ord-7-earn' });
    expect(reused.status).toBe(409);
    expect(reused.body.details).toEqual([{ field: 'idempotencyKey', problem: 'was already used for another command' }]);

    const burst = await Promise.all(Array.from({ length: 6 }, () => ann.call('POST', '/v1/me/loyalty/redemptions', { points: 5, idempotencyKey: 'checkout-42' })));
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(burst.map((r) => r.body.entry.id)).size).toBe(1);
    const adjusted = await p.admin.post(`/v1/customers/${ann.id}/loyalty/adjustments`, { points: -35, reason: 'goodwill reversal', idempotencyKey: 'adj-1' });
    expect(adjusted.status).toBe(201);
    expect(adjusted.body.balance).toBe(0);
    expect((await p.admin.post(`/v1/customers/${ann.id}/loyalty/adjustments`, { points: -1, reason: 'too much', idempotencyKey: 'adj-2' })).status).toBe(409);
    expect((await ann.call('GET', '/v1/me/loyalty')).body.balance).toBe(0);
  });

  it('expires points at their expiresAt, spending the soonest-expiring first', async () => {
    const ann = await signUp();
    const soon = new Date(Date.now() + 1500).toISOString();
    expect((await p.admin.post(`/v1/customers/${ann.id}/loyalty/earnings`, { points: 30, idempotencyKey: 'soon', expiresAt: soon })).status).toBe(201);
    expect((await p.admin.post(`/v1/customers/${ann.id}/loyalty/earnings`, { points: 20, idempotencyKey: 'later' })).status).toBe(201);
    // Spent from the lot that expires first: 20 of its 30 points are left to expire.
    expect((await ann.call('POST', '/v1/me/loyalty/redemptions', { points: 10, idempotencyKey: 'spend' })).body.balance).toBe(40);
    const past = await p.admin.post(`/v1/customers/${ann.id}/loyalty/earnings`, { points: 5, idempotencyKey: 'past', expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(past.status).toBe(400);
    expect(past.body.details).toEqual([{ field: 'expiresAt', problem: 'must be in the future' }]);

    const run = await waitFor('the first lot to expire', async () => {
      const res = await p.admin.post('/v1/loyalty/expiry-runs', { customerId: ann.id });
      return res.body.lotsExpired > 0 ? res.body : undefined;
    });
    expect(run).toEqual({ lotsExpired: 1, pointsExpired: 20, customers: 1 });
    const account = await ann.call('GET', '/v1/me/loyalty');
    expect(account.body.balance).toBe(20);
    expect(account.body.entries[0]).toMatchObject({ kind: 'expire', points: -20, balanceAfter: 20 });
    expect((await p.admin.post('/v1/loyalty/expiry-runs', { customerId: ann.id })).body.lotsExpired).toBe(0);
  });

  it('exports everything held about a customer, and erasure removes personal data but keeps anonymous order references', async () => {
    const ann = await signUp('dev-web', { phone: '+4930555000', consents: [{ purpose: 'email-marketing', granted: true }] });
    await ann.call('POST', '/v1/me/addresses', { kind: 'shipping', firstName: 'Ann', lastName: 'Lee', line1: 'Secret Lane 7', postalCode: '10115', city: 'Berlin', country: 'DE' });
    await p.admin.patch(`/v1/customers/${ann.id}`, { externalIds: [{ system: 'erp', value: `ERP-${ann.id}` }] });
    const company = await p.admin.post('/v1/companies', { name: 'Lee Trading', taxId: `DE${randomBytes(4).toString('hex')}` });
    await p.admin.request('PUT', `/v1/companies/${company.body.id}/members/${ann.id}`, { role: 'admin' });
    await p.admin.post(`/v1/customers/${ann.id}/loyalty/earnings`, { points: 70, idempotencyKey: 'ord-99-earn', orderId: 'ord_99', reason: 'order ord_99 for Ann Lee' });
    await ann.call('POST', '/v1/me/loyalty/redemptions', { points: 20, idempotencyKey: 'ord-100-redeem', orderId: 'ord_100' });

    const exported = await ann.call('GET', '/v1/me/export');
    expect(exported.status).toBe(200);
    expect(exported.body.customer).toMatchObject({
      id: ann.id,
      email: ann.email,
      firstName: 'Ann',
      lastName: 'Lee',
      phone: '+4930555000',
      channels: ['web'],
      addresses: [expect.objectContaining({ line1: 'Secret Lane 7' })],
      consents: [expect.objectContaining({ purpose: 'email-marketing', granted: true })],
      externalIds: [{ system: 'erp', value: `ERP-${ann.id}` }],
      company: { id: company.body.id, name: 'Lee Trading', role: 'admin', group: 'wholesale' },
    });
    expect(exported.body.loyalty).toMatchObject({ balance: 50, entries: [{ kind: 'earn', points: 70, orderId: 'ord_99' }, { kind: 'redeem', points: -20, orderId: 'ord_100' }] });
    expect(JSON.stringify(exported.body)).not.toContain(ann.password);
    expect(JSON.stringify(exported.body)).not.toMatch(/passwordHash|scrypt/);
    expect((await p.admin.get(`/v1/customers/${ann.id}/export`)).body.customer).toEqual(exported.body.customer);

    const erased = await p.admin.post(`/v1/customers/${ann.id}/erase`);
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({
      id: ann.id,
      email: `erased+${ann.id}@erased.invalid`,
      firstName: null,
      lastName: null,
      phone: null,
      preferredLocale: null,
      addresses: [],
      consents: [],
      externalIds: [],
      company: null,
      hasPassword: false,
    });
    expect(erased.body.erasedAt).toEqual(expect.any(String));
    expect((await p.admin.post(`/v1/customers/${ann.id}/erase`)).body.version).toBe(erased.body.version); // twice: nothing changes

    // The anonymous ledger stays: amounts and order references, without the free text.
    const after = await p.admin.get(`/v1/customers/${ann.id}/export`);
    expect(after.body.loyalty).toMatchObject({ balance: 50, entries: [{ points: 70, orderId: 'ord_99', reason: null }, { points: -20, orderId: 'ord_100' }] });
    expect((await login(ann.email, ann.password)).status).toBe(401);
    expect((await p.admin.get(`/v1/customers/by-email/${encodeURIComponent(ann.email)}`)).status).toBe(404);
    expect((await p.admin.get(`/v1/customers/by-external-id/erp/ERP-${ann.id}`)).status).toBe(404);
    expect((await ann.call('PATCH', '/v1/me', { firstName: 'Back' })).status).toBe(409);
    expect((await p.admin.get(`/v1/companies/${company.body.id}`)).body.members).toEqual([]);

    // No copy of the personal data is left in the database, the outbox included.
    const tables = ['customers', 'customer_addresses', 'customer_consents', 'customer_external_ids', 'company_members', 'loyalty_entries', 'outbox'];
    for (const table of tables) {
      const [hit] = await db().query<{ n: string }>(`select count(*) as n from ${table} t where t::text ilike $1 or t::text ilike $2 or t::text ilike $3`, [`%${ann.email}%`, '%Secret Lane%', '%4930555000%']);
      expect({ table, n: hit.n }).toEqual({ table, n: '0' });
    }
    const events = await waitFor('the erased event', async () => {
      const found = (await streamMessages(p.nats.url, STREAM)).filter((m) => m.subject === 'customers.customer.erased' && m.event.data.customerId === ann.id);
      return found.length ? found : undefined;
    });
    expect(events).toHaveLength(1);
    expect(events[0].event.data).toEqual({ customerId: ann.id, erasedAt: erased.body.erasedAt, version: erased.body.version });
  });

  it('stops the customers service and the gateway in production without a strong CUSTOMER_TOKEN_SECRET, never echoing it', async () => {
    const customers = await runToExit('customers', { NODE_ENV: 'production', NATS_URL: p.nats.url, DATABASE_URL: db().url });
    expect(customers.code).not.toBe(0);
    expect(customers.output).toContain('CUSTOMER_TOKEN_SECRET is required in production');
    const gateway = await runToExit('gateway', { NODE_ENV: 'production', NATS_URL: p.nats.url, API_KEYS: 'prod-admin-key-0001=admin', CUSTOMER_TOKEN_SECRET: 'weak-secret-x' });
    expect(gateway.code).not.toBe(0);
    expect(gateway.output).toContain('CUSTOMER_TOKEN_SECRET must be at least 32 characters');
    expect(gateway.output).not.toContain('weak-secret-x');
  });

  it('documents every customer route in the OpenAPI document, self-service under the customer token', async () => {
    const doc = (await p.web.get('/docs/openapi.json')).body;
    expect(doc.components.securitySchemes['customer-token']).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const path of ['/v1/customers/sign-up', '/v1/customers/login', '/v1/me', '/v1/me/addresses/{addressId}', '/v1/me/loyalty/redemptions', '/v1/me/export', '/v1/me/company/order-checks', '/v1/customers/{id}', '/v1/customers/by-external-id/{system}/{value}', '/v1/customers/{id}/erase', '/v1/customers/{id}/loyalty/adjustments', '/v1/loyalty/expiry-runs', '/v1/customer-groups', '/v1/companies/{id}/members/{customerId}']) {
      expect({ path, documented: path in doc.paths }).toEqual({ path, documented: true });
    }
    expect(doc.paths['/v1/me'].get.security).toEqual(expect.arrayContaining([{ 'customer-token': [] }]));
    expect(Object.keys(doc.components.schemas.Customer.properties)).toEqual(expect.arrayContaining(['email', 'pricingGroup', 'addresses', 'consents', 'externalIds', 'company']));
    expect(JSON.stringify(doc.components.schemas.Customer)).not.toMatch(/passwordHash/);
    expect(doc.components.schemas.SignUpInput.required).toEqual(expect.arrayContaining(['email', 'password']));
  });

  it('publishes created, updated, erased and loyalty events, and never a password in an event, a response or a log', async () => {
    const ann = await signUp();
    await ann.call('PATCH', '/v1/me', { lastName: 'Changed' });
    await p.admin.post(`/v1/customers/${ann.id}/loyalty/earnings`, { points: 12, idempotencyKey: 'evt-earn' });
    const mine = await waitFor('created, updated and loyalty events', async () => {
      const found = (await streamMessages(p.nats.url, STREAM)).filter((m) => (m.event.data.customer?.id ?? m.event.data.customerId) === ann.id);
      return found.length >= 3 ? found : undefined;
    });
    expect(mine.map((m) => m.subject)).toEqual(['customers.customer.created', 'customers.customer.updated', 'customers.loyalty.changed']);
    expect(mine[0].event.data.customer).toMatchObject({ id: ann.id, email: ann.email, group: 'retail', pricingGroup: 'retail', version: 1 });
    expect(mine[1].event.data.customer).toMatchObject({ lastName: 'Changed', version: 2 });
    expect(mine[2].event.data).toMatchObject({ customerId: ann.id, balance: 12, entry: { kind: 'earn', points: 12 } });
    for (const m of mine) expect(m).toMatchObject({ msgId: m.event.id, event: { source: 'customers', version: 1, type: m.subject } });

    // Every message, every log line of both processes, against every password this file used.
    const everything = [
      ...(await streamMessages(p.nats.url, STREAM)).map((m) => JSON.stringify(m)),
      ...p.services.customers.lines,
      ...p.gateway.lines,
    ];
    expect(everything.length).toBeGreaterThan(20);
    expect(passwords.length).toBeGreaterThan(10);
    for (const password of passwords) expect(everything.filter((line) => line.includes(password))).toEqual([]);
    expect(everything.filter((line) => /scrypt\$|passwordHash/.test(line))).toEqual([]);
  });
});
