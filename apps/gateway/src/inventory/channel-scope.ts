import { ForbiddenException } from '@nestjs/common';
import { Principal } from '../auth/api-keys';

/**
 * The channel a call acts for: a channel key always acts for its own channel (naming another is
 * forbidden); an admin key for the channel it names, or for none (every location).
 */
export function channelScope(principal: Principal, requested: string | undefined): string | undefined {
  if (principal.role === 'admin') return requested;
  if (requested !== undefined && requested !== principal.channel) throw new ForbiddenException(`your key acts for the ${principal.channel} channel only`);
  return principal.channel;
}
