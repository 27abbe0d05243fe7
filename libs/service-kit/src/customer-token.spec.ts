import { createHmac } from 'node:crypto';
import {
  CustomerTokenClaims,
  CustomerTokenError,
  DEVELOPMENT_CUSTOMER_TOKEN_SECRET,
  resolveCustomerTokenSecret,
  signCustomerToken,
  verifyCustomerToken,
} from './customer-token';

const SECRET = 'a-test-secret-that-is-long-enough-123456';
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const claims: CustomerTokenClaims = {
  customerId: 'cus_00mwsl5gj03jvyx6t27vbl',
  group: 'wholesale',
  companyId: 'cmp_00mwsl5gj03jvyx6t27vbm',
  companyRole: 'buyer',
  issuedAt: NOW / 1000,
  expiresAt: NOW / 1000 + 3600,
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const signRaw = (header: unknown, payload: unknown, secret = SECRET) => {
  const data = `${b64(header)}.${b64(payload)}`;
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`;
};

describe('customer tokens', () => {
  it('round-trips the claims of a JWT-compatible HS256 token', () => {
    const token = signCustomerToken(claims, SECRET);
    const [header, payload] = token.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toMatchObject({ sub: claims.customerId, grp: 'wholesale', cmp: claims.companyId, crl: 'buyer', exp: claims.expiresAt });
    expect(verifyCustomerToken(token, SECRET, NOW)).toEqual(claims);
    const retail = { ...claims, companyId: undefined, companyRole: undefined, group: 'retail' };
    expect(verifyCustomerToken(signCustomerToken(retail, SECRET), SECRET, NOW)).toEqual({ customerId: claims.customerId, group: 'retail', issuedAt: claims.issuedAt, expiresAt: claims.expiresAt });
  });

  it('refuses an expired token', () => {
    const token = signCustomerToken(claims, SECRET);
    expect(() => verifyCustomerToken(token, SECRET, claims.expiresAt * 1000)).toThrow(/expired/);
    expect(() => verifyCustomerToken(token, SECRET, claims.expiresAt * 1000 - 1)).not.toThrow();
  });

  it('refuses a token signed with another secret, or changed after signing', () => {
    const token = signCustomerToken(claims, SECRET);
    expect(() => verifyCustomerToken(token, 'another-secret-that-is-long-enough-000', NOW)).toThrow(/signature/);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${b64({ iss: 'omnibus-customers', sub: 'cus_00mwsl5gj03jvyx6t27vbz', grp: 'vip', iat: 1, exp: 9_999_999_999 })}.${signature}`;
    expect(() => verifyCustomerToken(forged, SECRET, NOW)).toThrow(CustomerTokenError);
  });

  it('refuses the "none" algorithm and other algorithms, whatever the signature', () => {
    const payload = { iss: 'omnibus-customers', sub: claims.customerId, grp: 'vip', iat: 1, exp: 9_999_999_999 };
    expect(() => verifyCustomerToken(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.x`, SECRET, NOW)).toThrow(/HS256/);
    expect(() => verifyCustomerToken(signRaw({ alg: 'HS512', typ: 'JWT' }, payload), SECRET, NOW)).toThrow(/HS256/);
  });

  it('refuses tokens of another issuer or without the expected claims, even when correctly signed', () => {
    const base = { iss: 'omnibus-customers', sub: claims.customerId, grp: 'retail', iat: 1, exp: 9_999_999_999 };
    const header = { alg: 'HS256', typ: 'JWT' };
    expect(verifyCustomerToken(signRaw(header, base), SECRET, NOW).customerId).toBe(claims.customerId);
    expect(() => verifyCustomerToken(signRaw(header, { ...base, iss: 'someone-else' }), SECRET, NOW)).toThrow(/claims/);
    expect(() => verifyCustomerToken(signRaw(header, { ...base, sub: 'adm_1' }), SECRET, NOW)).toThrow(/claims/);
    expect(() => verifyCustomerToken(signRaw(header, { ...base, exp: '9999999999' }), SECRET, NOW)).toThrow(/claims/);
  });

  it.each([['empty', ''], ['two parts', 'a.b'], ['bad characters', 'a.b.c d'], ['huge', 'a'.repeat(5000)]])('refuses a malformed token (%s)', (_what, token) => {
    expect(() => verifyCustomerToken(token, SECRET, NOW)).toThrow(CustomerTokenError);
  });
});

describe('the customer token secret', () => {
  it('uses the development secret outside production, with a warning', () => {
    expect(resolveCustomerTokenSecret('development', undefined)).toEqual({ secret: DEVELOPMENT_CUSTOMER_TOKEN_SECRET, warning: expect.stringMatching(/development secret/) });
    expect(resolveCustomerTokenSecret('development', 'short').warning).toMatch(/at least 32/);
  });

  it('stops production without a strong secret, never echoing it', () => {
    expect(() => resolveCustomerTokenSecret('production', undefined)).toThrow(/required in production/);
    expect(() => resolveCustomerTokenSecret('production', 'tooshort-secret')).toThrow(/at least 32 characters/);
    expect(() => resolveCustomerTokenSecret('production', 'tooshort-secret')).not.toThrow(/tooshort/);
    expect(() => resolveCustomerTokenSecret('production', DEVELOPMENT_CUSTOMER_TOKEN_SECRET)).toThrow(/development secret/);
    expect(resolveCustomerTokenSecret('production', SECRET)).toEqual({ secret: SECRET });
  });
});
