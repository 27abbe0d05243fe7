import { CanActivate, ExecutionContext, ForbiddenException, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CustomerTokenError, PUBLIC_ROUTE, verifyCustomerToken } from '@omnibus/service-kit';
import { createHash } from 'node:crypto';
import { ApiKey, CustomerIdentity, Principal, Role } from './api-keys';

const ROLES = 'omnibus:roles';

/** Only these roles may call the route (default: any valid key). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

const CUSTOMER_ONLY = 'omnibus:customer-only';

/** Only a logged-in customer may call the route: a key and `Authorization: Bearer <customer token>`. */
export const CustomerOnly = () => SetMetadata(CUSTOMER_ONLY, true);

export const API_KEYS = Symbol('API_KEYS');

interface RouteRules {
  controller: object;
  public: boolean;
  roles: Role[] | undefined;
  customerOnly: boolean;
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Checks `x-api-key`, the customer token when one is sent (verified here, with the secret the customers
 * service signs with: no NATS hop), and the route's roles; puts the Principal on the request.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  // Looked up by digest, so comparing keys leaks no timing about their characters.
  private readonly byDigest: Map<string, Principal>;
  private readonly routes = new WeakMap<object, RouteRules>();

  /** Without `customerTokenSecret`, customer tokens are refused and customer-only routes are closed. */
  constructor(
    private readonly reflector: Reflector,
    keys: ApiKey[],
    private readonly customerTokenSecret?: string,
  ) {
    this.byDigest = new Map(keys.map((k) => [digest(k.key), { role: k.role, channel: k.channel }]));
  }

  canActivate(context: ExecutionContext): boolean {
    const route = this.routeOf(context);
    if (route.public) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const key = request.headers['x-api-key'];
    if (!key) throw new UnauthorizedException('send your API key in the x-api-key header');
    const principal = this.byDigest.get(digest(key));
    if (!principal) throw new UnauthorizedException('the API key is not valid');
    // A token that is sent is checked on every route: a stale one must not pass silently as "no customer".
    const customer = this.customerFrom(request.headers['authorization']);
    const roles = route.roles;
    if (roles && !roles.includes(principal.role)) throw new ForbiddenException(`this needs the ${roles.join(' or ')} role; your key has the ${principal.role} role`);
    if (!customer && route.customerOnly) {
      throw new UnauthorizedException('this needs a logged-in customer: send the token from POST /v1/customers/login as "Authorization: Bearer <token>"');
    }
    request.principal = customer ? { ...principal, customer } : principal;
    return true;
  }

  /** A route's metadata never changes: read once per handler, not on every request. */
  private routeOf(context: ExecutionContext): RouteRules {
    const handler = context.getHandler();
    const controller = context.getClass();
    let rules = this.routes.get(handler);
    if (rules?.controller !== controller) {
      const targets = [handler, controller];
      rules = {
        controller,
        public: !!this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets),
        roles: this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets),
        customerOnly: !!this.reflector.getAllAndOverride<boolean>(CUSTOMER_ONLY, targets),
      };
      this.routes.set(handler, rules);
    }
    return rules;
  }

  private customerFrom(authorization: string | undefined): CustomerIdentity | undefined {
    if (authorization === undefined) return undefined;
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match) throw new UnauthorizedException('the Authorization header must be "Bearer <customer token>"');
    if (!this.customerTokenSecret) throw new UnauthorizedException('customer tokens are not accepted here');
    try {
      const claims = verifyCustomerToken(match[1], this.customerTokenSecret);
      return { id: claims.customerId, group: claims.group, ...(claims.companyId ? { companyId: claims.companyId, companyRole: claims.companyRole } : {}) };
    } catch (err) {
      if (err instanceof CustomerTokenError) throw new UnauthorizedException(err.message);
      throw err;
    }
  }
}
