import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { Principal } from './api-keys';

/** The caller, as the ApiKeyGuard found it. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest<{ principal: Principal }>().principal);
