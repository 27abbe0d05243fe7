import { HttpException, HttpStatus, NotFoundException } from '@nestjs/common';
import { ADDRESS_ID_PATTERN, COMPANY_ID_PATTERN, CUS_ID_PATTERN, LoyaltyChange } from '@omnibus/contracts';
import { RemoteError } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { errorBody } from '../http/http-errors';

/** Ids in paths: anything that is not an id of the kind is simply not found. */
export function customerIdParam(id: string): string {
  if (!CUS_ID_PATTERN.test(id)) throw new NotFoundException(`no customer with id "${id.slice(0, 64)}"`);
  return id;
}

export function companyIdParam(id: string): string {
  if (!COMPANY_ID_PATTERN.test(id)) throw new NotFoundException(`no company with id "${id.slice(0, 64)}"`);
  return id;
}

export function addressIdParam(id: string): string {
  if (!ADDRESS_ID_PATTERN.test(id)) throw new NotFoundException(`you have no address "${id.slice(0, 64)}"`);
  return id;
}

/** Sets the ETag (the version) of what is returned. */
export function withEtag<T extends { version: number }>(reply: FastifyReply, value: T): T {
  void reply.header('etag', `"${value.version}"`);
  return value;
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

/** 201 when the ledger command was applied now, 200 when its idempotency key replayed an earlier one. */
export function ledgerStatus(reply: FastifyReply, change: LoyaltyChange): LoyaltyChange {
  void reply.status(change.replayed ? 200 : 201);
  return change;
}
