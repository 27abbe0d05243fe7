import { Injectable } from '@nestjs/common';
import type { ContentField } from '@omnibus/contracts';
import { ContentTypesRepository } from './content-types.repository';

const MAX_CACHED = 10_000;

/**
 * Field definitions of a type version, for reading entries. Type versions never change once
 * written, so the cache needs no invalidation: a new version is a new key.
 */
@Injectable()
export class TypeDefinitions {
  private readonly cache = new Map<string, ContentField[]>();

  constructor(private readonly repository: ContentTypesRepository) {}

  async fieldsOf(code: string, version: number): Promise<ContentField[]> {
    const key = `${code}@${version}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const row = await this.repository.findVersion(this.repository.db, code, version);
    if (!row) throw new Error(`content type ${key} is missing`);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, row.fields);
    return row.fields;
  }
}
