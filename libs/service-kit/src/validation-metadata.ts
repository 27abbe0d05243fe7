import { getMetadataStorage } from 'class-validator';

type Lookup = (target: unknown, schema: unknown, always: boolean, strictGroups: boolean, groups?: string[]) => unknown[];

interface Storage {
  getTargetValidationMetadatas: Lookup;
  addValidationMetadata(metadata: unknown): void;
  [MEMOIZED]?: true;
}

const MEMOIZED = Symbol('omnibus.memoized');

/**
 * Memoizes class-validator's look-up of a class's rules. It scans every class that has rules (the
 * inheritance check) for every object it validates: with all the contract classes loaded that scan was
 * most of the CPU of validating a payload (a 10-line cart: 12 objects). The rules are fixed once the
 * decorators have run; registering a new rule empties the memo, so results never differ.
 */
export function memoizeValidationMetadata(): void {
  const storage = getMetadataStorage() as unknown as Storage;
  if (storage[MEMOIZED]) return;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  const memo = new Map<unknown, Map<string, unknown[]>>();
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${String(schema)}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0001') ?? ''}`;
    let byOptions = memo.get(target);
    if (!byOptions) memo.set(target, (byOptions = new Map()));
    let found = byOptions.get(key);
    if (!found) byOptions.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found;
  };
  storage.addValidationMetadata = (metadata) => {
    memo.clear();
    add(metadata);
  };
  storage[MEMOIZED] = true;
}
