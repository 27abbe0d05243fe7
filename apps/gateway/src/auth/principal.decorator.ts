import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { CustomerIdentity, Principal } from './api-keys';

/** The caller, as the ApiKeyGuard found it. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest<{ principal: Principal }>().principal);

/** The logged-in customer of a `@CustomerOnly()` route. */
export const CurrentCustomer = createParamDecorator((_: unknown, ctx: ExecutionContext): CustomerIdentity => ctx.switchToHttp().getRequest<{ principal: Principal }>().principal.customer as CustomerIdentity);
