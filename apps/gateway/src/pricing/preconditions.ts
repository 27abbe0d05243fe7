import { HttpException, HttpStatus, NotFoundException } from '@nestjs/common';
import { RemoteError } from '@omnibus/service-kit';
import { errorBody } from '../http/http-errors';
import { versionFromIfMatch } from '../products/products.controller';

/** The version in If-Match, required on updates (428 when missing, 400 when malformed). */
export function requiredVersion(ifMatch: string | undefined, what: string): number {
  const version = versionFromIfMatch(ifMatch);
  if (version === undefined) throw new HttpException(errorBody(428, `send If-Match with the ETag of the ${what} you read`, [{ field: 'If-Match', problem: 'is required' }]), HttpStatus.PRECONDITION_REQUIRED);
  return version;
}

/** A stale If-Match is a failed precondition (412), not a plain conflict. */
export async function preconditioned<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof RemoteError && err.body.code === 'VERSION_CONFLICT') throw new HttpException(errorBody(412, err.body.message, err.body.details), HttpStatus.PRECONDITION_FAILED);
    throw err;
  }
}

/** 404 for a path id that cannot be one of ours, before any NATS hop. */
export function checkId(id: string, pattern: RegExp, what: string): void {
  if (!pattern.test(id)) throw new NotFoundException(`no ${what} with id "${id.slice(0, 64)}"`);
}

export function etag(entity: { version: number }): string {
  return `"${entity.version}"`;
}
