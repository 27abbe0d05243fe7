import { Inject, Injectable } from '@nestjs/common';
import { ChangePasswordRequest, Customer, CustomerSession, LoginReply, LoginRequest, RefreshTokenRequest, SignUpRequest } from '@omnibus/contracts';
import { RpcError, SERVICE_CONFIG, signCustomerToken } from '@omnibus/service-kit';
import { createHash, randomBytes } from 'node:crypto';
import { CustomersConfig, TOKEN_SECRET } from '../config';
import { CustomersRepository } from '../customers/customers.repository';
import { CustomersService, emailKeyOf } from '../customers/customers.service';
import { AuthRepository } from './auth.repository';
import { ThrottleDecision, claimLoginAttempt } from './login-throttle';
import { hashPassword, verifyPassword } from './passwords';

/** Throttle key of an email: its hash, so the table holds no personal data. */
export function emailHashOf(email: string): string {
  return createHash('sha256').update(emailKeyOf(email)).digest('hex');
}

/** Sign-up, login and passwords of storefront customers; tokens are signed here and verified by the gateway. */
@Injectable()
export class AuthService {
  // Checked when the email is unknown, so a miss takes as long as a wrong password.
  private readonly decoyHash = hashPassword(randomBytes(16).toString('hex'));

  constructor(
    private readonly customers: CustomersService,
    private readonly customerRows: CustomersRepository,
    private readonly repository: AuthRepository,
    @Inject(SERVICE_CONFIG) private readonly config: CustomersConfig,
    @Inject(TOKEN_SECRET) private readonly secret: string,
  ) {}

  async signUp(req: SignUpRequest): Promise<CustomerSession> {
    const passwordHash = await hashPassword(req.password);
    const customer = await this.customers.transaction({}, (tx) =>
      this.customers.insert(tx, {
        email: req.email,
        firstName: req.firstName,
        lastName: req.lastName,
        phone: req.phone,
        preferredLocale: req.preferredLocale,
        consents: req.consents,
        channel: req.channel,
        passwordHash,
      }),
    );
    return this.session(customer);
  }

  /** A session, or a refusal that reads the same for an unknown email and a wrong password. */
  async login(req: LoginRequest): Promise<LoginReply> {
    const emailHash = emailHashOf(req.email);
    const attempt = await this.claimAttempt(emailHash);
    if (!attempt.allowed) return { refusal: 'locked', retryAfterSeconds: attempt.retryAfterSeconds };
    const row = await this.customerRows.rowByEmailKey(this.customerRows.db, emailKeyOf(req.email));
    const matches = await verifyPassword(req.password, row?.passwordHash ?? (await this.decoyHash));
    if (!row?.passwordHash || !matches) return { refusal: 'invalid-credentials' };
    await this.repository.clearThrottle(this.repository.db, emailHash);
    const channel = req.channel;
    const customer = channel
      ? await this.customers.transaction({}, (tx) => this.customers.recordChannelIn(tx, row.id, channel))
      : await this.customers.view(this.customerRows.db, row.id);
    return { session: this.session(customer) };
  }

  /** A new token with the customer's current group and company (they may have changed since login). */
  async refresh(req: RefreshTokenRequest): Promise<CustomerSession> {
    const customer = await this.customerRows.view(this.customerRows.db, req.customerId);
    if (!customer || customer.erasedAt) throw new RpcError('NOT_FOUND', `no customer with id "${req.customerId}"`);
    return this.session(customer);
  }

  /** Needs the current password (throttled like a login); tokens issued before stay valid until they expire. */
  async changePassword(req: ChangePasswordRequest): Promise<{ changed: true }> {
    const row = await this.customerRows.row(this.customerRows.db, req.customerId);
    if (!row || row.erasedAt) throw new RpcError('NOT_FOUND', `no customer with id "${req.customerId}"`);
    if (!row.passwordHash) throw new RpcError('CONFLICT', 'this customer has no password yet', [{ field: 'currentPassword', problem: 'does not exist: the customer never signed up' }]);
    const emailHash = emailHashOf(row.email);
    const attempt = await this.claimAttempt(emailHash);
    if (!attempt.allowed) throw new RpcError('FORBIDDEN', `too many wrong passwords: try again in ${attempt.retryAfterSeconds} s`);
    if (!(await verifyPassword(req.currentPassword, row.passwordHash))) {
      throw new RpcError('VALIDATION', 'currentPassword: is not your current password', [{ field: 'currentPassword', problem: 'is not your current password' }]);
    }
    const passwordHash = await hashPassword(req.newPassword);
    await this.repository.db.transaction(async (tx) => {
      await this.customerRows.setPasswordHash(tx, row.id, passwordHash);
      await this.repository.clearThrottle(tx, emailHash);
    });
    return { changed: true };
  }

  private claimAttempt(emailHash: string): Promise<ThrottleDecision> {
    const now = new Date();
    return this.repository.db.transaction(async (tx) => {
      const state = await this.repository.lockThrottle(tx, emailHash, now);
      const decision = claimLoginAttempt(state, now, { maxFailures: this.config.LOGIN_MAX_FAILURES, lockMs: this.config.LOGIN_LOCK_SECONDS * 1000 });
      await this.repository.saveThrottle(tx, emailHash, decision.next);
      return decision;
    });
  }

  private session(customer: Customer): CustomerSession {
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = issuedAt + this.config.CUSTOMER_TOKEN_TTL_SECONDS;
    const token = signCustomerToken(
      {
        customerId: customer.id,
        group: customer.pricingGroup,
        ...(customer.company ? { companyId: customer.company.id, companyRole: customer.company.role } : {}),
        issuedAt,
        expiresAt,
      },
      this.secret,
    );
    return { token, tokenType: 'Bearer', expiresAt: new Date(expiresAt * 1000).toISOString(), customer };
  }
}
