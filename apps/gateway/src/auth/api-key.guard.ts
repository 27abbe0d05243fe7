import { CanActivate, ExecutionContext, ForbiddenException, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE } from '@omnibus/service-kit';
import { createHash } from 'node:crypto';
import { ApiKey, Principal, Role } from './api-keys';

const ROLES = 'omnibus:roles';

/** Only these roles may call the route (default: any valid key). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

export const API_KEYS = Symbol('API_KEYS');

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Checks `x-api-key` and the route's roles; puts the Principal on the request. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  // Looked up by digest, so comparing keys leaks no timing about their characters.
  private readonly byDigest: Map<string, Principal>;

  constructor(private readonly reflector: Reflector, keys: ApiKey[]) {
    this.byDigest = new Map(keys.map((k) => [digest(k.key), { role: k.role, channel: k.channel }]));
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const key = request.headers['x-api-key'];
    if (!key) throw new UnauthorizedException('send your API key in the x-api-key header');
    const principal = this.byDigest.get(digest(key));
    if (!principal) throw new UnauthorizedException('the API key is not valid');
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(principal.role)) throw new ForbiddenException(`this needs the ${roles.join(' or ')} role; your key has the ${principal.role} role`);
    request.principal = principal;
    return true;
  }
}
