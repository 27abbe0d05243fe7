import { createHmac, timingSafeEqual } from 'node:crypto';
import { EnvVar, env } from './config';

/**
 * Customer tokens: JWT-compatible HS256 compact tokens that the customers service signs at login and the
 * gateway verifies locally (no NATS hop). Both read the shared secret from CUSTOMER_TOKEN_SECRET.
 */

/** What a customer token says about its holder. */
export interface CustomerTokenClaims {
  /** `cus_…` (JWT `sub`) */
  customerId: string;
  /** The customer group whose prices apply (JWT `grp`): the company's group for B2B members. */
  group: string;
  /** `cmp_…` when the customer is a member of a B2B company (JWT `cmp`). */
  companyId?: string;
  /** buyer, approver or admin (JWT `crl`). */
  companyRole?: string;
  /** Seconds since the epoch (JWT `iat`). */
  issuedAt: number;
  /** Seconds since the epoch (JWT `exp`); the token is refused from then on. */
  expiresAt: number;
}

/** A token that is malformed, forged or expired; `message` says which, never the token itself. */
export class CustomerTokenError extends Error {}

export const CUSTOMER_TOKEN_ISSUER = 'omnibus-customers';
/** Used only outside production when CUSTOMER_TOKEN_SECRET is unset; production refuses it. */
export const DEVELOPMENT_CUSTOMER_TOKEN_SECRET = 'omnibus-development-customer-token-secret-not-for-production';
export const MIN_CUSTOMER_TOKEN_SECRET_LENGTH = 32;
const MAX_TOKEN_LENGTH = 4096;
const CUSTOMER_ID = /^cus_[0-9a-z]{22}$/;
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** The variable both the customers service and the gateway read. Never parsed here: a parse error would echo it. */
export const customerTokenEnv = {
  CUSTOMER_TOKEN_SECRET: env.string(
    `HMAC-SHA256 secret of customer tokens, at least ${MIN_CUSTOMER_TOKEN_SECRET_LENGTH} characters, the same on the customers service and the gateway; unset outside production = a development secret`,
    { optional: true },
  ),
} satisfies Record<string, EnvVar<unknown>>;

/**
 * The secret in force: the configured one, or the development secret outside production (with a
 * warning to log). Throws, without echoing the value, when production has none or a weak one.
 */
export function resolveCustomerTokenSecret(nodeEnv: string, configured: string | undefined): { secret: string; warning?: string } {
  if (configured) {
    if (configured.length < MIN_CUSTOMER_TOKEN_SECRET_LENGTH) {
      const problem = `CUSTOMER_TOKEN_SECRET must be at least ${MIN_CUSTOMER_TOKEN_SECRET_LENGTH} characters (it has ${configured.length})`;
      if (nodeEnv === 'production') throw new Error(problem);
      return { secret: configured, warning: `${problem}: fine for a local run, refused in production` };
    }
    if (nodeEnv === 'production' && configured === DEVELOPMENT_CUSTOMER_TOKEN_SECRET) throw new Error('CUSTOMER_TOKEN_SECRET is the development secret; production refuses it');
    return { secret: configured };
  }
  if (nodeEnv === 'production') throw new Error('CUSTOMER_TOKEN_SECRET is required in production (NODE_ENV=production): customer tokens cannot be signed or verified without it');
  return { secret: DEVELOPMENT_CUSTOMER_TOKEN_SECRET, warning: 'CUSTOMER_TOKEN_SECRET is unset: customer tokens use the development secret (never do this in production)' };
}

/** Signs `claims` as an HS256 compact token. */
export function signCustomerToken(claims: CustomerTokenClaims, secret: string): string {
  const payload = base64url(
    JSON.stringify({
      iss: CUSTOMER_TOKEN_ISSUER,
      sub: claims.customerId,
      grp: claims.group,
      ...(claims.companyId ? { cmp: claims.companyId, crl: claims.companyRole } : {}),
      iat: claims.issuedAt,
      exp: claims.expiresAt,
    }),
  );
  return `${HEADER}.${payload}.${hmac(`${HEADER}.${payload}`, secret).toString('base64url')}`;
}

/** Checks the token's form, algorithm, signature (in constant time) and expiry; returns its claims or throws CustomerTokenError. */
export function verifyCustomerToken(token: string, secret: string, nowMs = Date.now()): CustomerTokenClaims {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw new CustomerTokenError('the customer token is not a token this API issued');
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) throw new CustomerTokenError('the customer token is not a token this API issued');
  const [header, payload, signature] = parts;
  // The algorithm is fixed: a token that names another (or "none") is refused before anything else.
  if (readJson(header)?.['alg'] !== 'HS256') throw new CustomerTokenError('the customer token is not signed with HS256');
  const expected = hmac(`${header}.${payload}`, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new CustomerTokenError('the customer token has an invalid signature');
  const body = readJson(payload);
  const { iss, sub, grp, cmp, crl, iat, exp } = body ?? {};
  if (
    iss !== CUSTOMER_TOKEN_ISSUER ||
    typeof sub !== 'string' ||
    !CUSTOMER_ID.test(sub) ||
    typeof grp !== 'string' ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    (cmp !== undefined && typeof cmp !== 'string') ||
    (crl !== undefined && typeof crl !== 'string')
  ) {
    throw new CustomerTokenError('the customer token does not carry the expected claims');
  }
  if (exp * 1000 <= nowMs) throw new CustomerTokenError('the customer token has expired: log in again');
  return { customerId: sub, group: grp, ...(cmp ? { companyId: cmp, companyRole: crl as string } : {}), issuedAt: iat, expiresAt: exp };
}

function hmac(data: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function readJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
