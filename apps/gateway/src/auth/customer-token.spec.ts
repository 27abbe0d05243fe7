import { ExecutionContext, ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { signCustomerToken } from '@omnibus/service-kit';
import { createHmac } from 'node:crypto';
import { ApiKeyGuard, CustomerOnly, Roles } from './api-key.guard';
import { DEVELOPMENT_KEYS, Principal } from './api-keys';

const SECRET = 'gateway-test-secret-that-is-long-enough';
const CUSTOMER = 'cus_00mwsl5gj03jvyx6t27vbl';

class Routes {
  products() {
    return 'products';
  }
  @CustomerOnly()
  me() {
    return 'me';
  }
  @Roles('admin')
  adminOnly() {
    return 'admin';
  }
}

function token(overrides: Partial<Parameters<typeof signCustomerToken>[0]> = {}, secret = SECRET): string {
  const now = Math.floor(Date.now() / 1000);
  return signCustomerToken({ customerId: CUSTOMER, group: 'vip', issuedAt: now, expiresAt: now + 600, ...overrides }, secret);
}

/** Runs the guard on a route of `Routes` with these headers; returns the principal it set. */
function check(route: keyof Routes, headers: Record<string, string>, guard = new ApiKeyGuard(new Reflector(), DEVELOPMENT_KEYS, SECRET)): Principal {
  const request: { headers: Record<string, string>; principal?: Principal } = { headers };
  const context = {
    getHandler: () => Routes.prototype[route],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  guard.canActivate(context);
  return request.principal as Principal;
}

describe('customer tokens at the gateway', () => {
  it('adds the verified customer to the principal of a channel key', () => {
    const principal = check('me', { 'x-api-key': 'dev-web', authorization: `Bearer ${token({ companyId: 'cmp_00mwsl5gj03jvyx6t27vbl', companyRole: 'buyer' })}` });
    expect(principal).toEqual({ role: 'channel', channel: 'web', customer: { id: CUSTOMER, group: 'vip', companyId: 'cmp_00mwsl5gj03jvyx6t27vbl', companyRole: 'buyer' } });
  });

  it('closes customer-only routes to requests without a token', () => {
    expect(() => check('me', { 'x-api-key': 'dev-web' })).toThrow(UnauthorizedException);
    expect(() => check('me', { 'x-api-key': 'dev-web' })).toThrow(/Authorization: Bearer/);
  });

  it('answers 401 to an expired, forged or malformed token, on any route', () => {
    const expired = token({ issuedAt: 1, expiresAt: Math.floor(Date.now() / 1000) - 1 });
    expect(() => check('me', { 'x-api-key': 'dev-web', authorization: `Bearer ${expired}` })).toThrow(/expired/);
    expect(() => check('products', { 'x-api-key': 'dev-web', authorization: `Bearer ${expired}` })).toThrow(UnauthorizedException);
    expect(() => check('me', { 'x-api-key': 'dev-web', authorization: `Bearer ${token({}, 'another-secret-that-is-long-enough-0000')}` })).toThrow(/signature/);
    expect(() => check('me', { 'x-api-key': 'dev-web', authorization: 'Basic dXNlcjpwYXNz' })).toThrow(/Bearer/);
    expect(() => check('me', { 'x-api-key': 'dev-web', authorization: 'Bearer not.a.token' })).toThrow(UnauthorizedException);
  });

  it('refuses an unsigned ("none") token that names another customer', () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: 'omnibus-customers', sub: 'cus_00mwsl5gj03jvyx6t27vbz', grp: 'vip', iat: 1, exp: 9_999_999_999 })}.`;
    expect(() => check('me', { 'x-api-key': 'dev-web', authorization: `Bearer ${unsigned}` })).toThrow(UnauthorizedException);
    const data = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iss: 'omnibus-customers', sub: 'cus_00mwsl5gj03jvyx6t27vbz', grp: 'vip', iat: 1, exp: 9_999_999_999 })}`;
    const resigned = `${data}.${createHmac('sha256', 'guessed-secret').update(data).digest('base64url')}`;
    expect(() => check('me', { 'x-api-key': 'dev-web', authorization: `Bearer ${resigned}` })).toThrow(/signature/);
  });

  it('still needs a valid key: a token alone opens nothing', () => {
    expect(() => check('me', { authorization: `Bearer ${token()}` })).toThrow(/x-api-key/);
    expect(() => check('me', { 'x-api-key': 'not-a-key', authorization: `Bearer ${token()}` })).toThrow(/not valid/);
  });

  it('does not make a channel key with a customer token an admin', () => {
    expect(() => check('adminOnly', { 'x-api-key': 'dev-web', authorization: `Bearer ${token()}` })).toThrow(ForbiddenException);
  });

  it('leaves requests without a token as they were (backwards compatible)', () => {
    expect(check('products', { 'x-api-key': 'dev-pos' })).toEqual({ role: 'channel', channel: 'pos' });
    expect(check('adminOnly', { 'x-api-key': 'dev-admin' })).toEqual({ role: 'admin', channel: undefined });
  });

  it('refuses tokens when the gateway has no secret', () => {
    const guard = new ApiKeyGuard(new Reflector(), DEVELOPMENT_KEYS);
    expect(() => check('me', { 'x-api-key': 'dev-web', authorization: `Bearer ${token()}` }, guard)).toThrow(/not accepted/);
    expect(check('products', { 'x-api-key': 'dev-web' }, guard)).toEqual({ role: 'channel', channel: 'web' });
  });
});
