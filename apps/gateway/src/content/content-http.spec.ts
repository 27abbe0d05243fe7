import { ForbiddenException, HttpException } from '@nestjs/common';
import { RemoteError } from '@omnibus/service-kit';
import { changeCall, deliveryChannel, requireIfMatch } from './content-http';

describe('content routes', () => {
  it('reads a channel key in its own channel only, and lets admin keys preview any', () => {
    expect(deliveryChannel({ role: 'channel', channel: 'app' }, undefined)).toBe('app');
    expect(deliveryChannel({ role: 'channel', channel: 'app' }, 'app')).toBe('app');
    expect(() => deliveryChannel({ role: 'channel', channel: 'app' }, 'web')).toThrow(ForbiddenException);
    expect(deliveryChannel({ role: 'admin' }, undefined)).toBeUndefined();
    expect(deliveryChannel({ role: 'admin' }, 'pos')).toBe('pos');
  });

  it('names fields relative to the HTTP body, and turns a stale If-Match into 412', async () => {
    const failing = (code: 'VALIDATION' | 'VERSION_CONFLICT') => () =>
      Promise.reject(new RemoteError({ code, message: 'changes.fields.title.de: too long; changes.fields.x: unknown', details: [{ field: 'changes.fields.title.de', problem: 'too long' }] }));
    const validation = await changeCall(failing('VALIDATION'), true).catch((e) => e);
    expect(validation).toBeInstanceOf(RemoteError);
    expect(validation.body.details).toEqual([{ field: 'fields.title.de', problem: 'too long' }]);
    expect(validation.body.message).toBe('fields.title.de: too long; fields.x: unknown');
    const stale = await changeCall(failing('VERSION_CONFLICT'), true).catch((e) => e);
    expect(stale).toBeInstanceOf(HttpException);
    expect(stale.getStatus()).toBe(412);
    const conflict = await changeCall(failing('VERSION_CONFLICT'), false).catch((e) => e);
    expect(conflict).toBeInstanceOf(RemoteError);
    expect(() => requireIfMatch(undefined, 'entry')).toThrow(HttpException);
    expect(requireIfMatch(3, 'entry')).toBe(3);
  });
});
