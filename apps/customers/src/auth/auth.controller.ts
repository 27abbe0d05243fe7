import { MessagePattern, Payload } from '@nestjs/microservices';
import { ChangePasswordRequest, CustomersSubjects, LoginRequest, RefreshTokenRequest, SignUpRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { AuthService } from './auth.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @MessagePattern(CustomersSubjects.signUp)
  signUp(@Payload() req: SignUpRequest) {
    return this.auth.signUp(req);
  }

  @MessagePattern(CustomersSubjects.login)
  login(@Payload() req: LoginRequest) {
    return this.auth.login(req);
  }

  @MessagePattern(CustomersSubjects.refreshToken)
  refresh(@Payload() req: RefreshTokenRequest) {
    return this.auth.refresh(req);
  }

  @MessagePattern(CustomersSubjects.changePassword)
  changePassword(@Payload() req: ChangePasswordRequest) {
    return this.auth.changePassword(req);
  }
}
