import { Body, Controller, HttpCode, HttpException, Inject, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CustomerSession, CustomersSubjects, LoginInput, LoginReply, SignUpInput } from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { errorBody } from '../http/http-errors';
import { SERVICE_CLIENT } from '../tokens';

@ApiTags('customer sign-up and login')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@Controller('v1/customers')
export class CustomerAuthController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Post('sign-up')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Sign a customer up (channel key)',
    description: 'Creates the customer with a password and logs them in: send `token` as `Authorization: Bearer <token>` with your channel key. The channel of your key is recorded as used.',
  })
  @ApiResponse({ status: 201, type: CustomerSession })
  @ApiResponse({ status: 409, description: 'the email is already registered' })
  async signUp(@Body() body: SignUpInput, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<CustomerSession> {
    const session = await this.services.request<CustomerSession>(CustomersSubjects.signUp, { ...body, ...(principal.channel ? { channel: principal.channel } : {}) });
    void reply.header('location', '/v1/me');
    return session;
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log a customer in (channel key)',
    description: 'A wrong password and an unknown email get the same 401. After LOGIN_MAX_FAILURES failures within LOGIN_LOCK_SECONDS, the email is locked for LOGIN_LOCK_SECONDS (429 with Retry-After), whatever the password.',
  })
  @ApiResponse({ status: 200, type: CustomerSession })
  @ApiResponse({ status: 401, description: 'the email or the password is wrong' })
  @ApiResponse({ status: 429, description: 'too many failed logins for this email; see Retry-After' })
  async login(@Body() body: LoginInput, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<CustomerSession> {
    const answer = await this.services.request<LoginReply>(CustomersSubjects.login, { ...body, ...(principal.channel ? { channel: principal.channel } : {}) });
    if (answer.session) return answer.session;
    if (answer.refusal === 'locked') {
      void reply.header('retry-after', String(answer.retryAfterSeconds ?? 60));
      throw new HttpException(errorBody(429, `too many failed logins for this email: try again in ${answer.retryAfterSeconds ?? 60} s`), 429);
    }
    throw new HttpException(errorBody(401, 'the email or the password is wrong'), 401);
  }
}
