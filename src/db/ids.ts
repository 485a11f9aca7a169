import { randomBytes } from 'node:crypto';

// Prefixed ids (PRODUCT.md): the prefix tells the type, so REST and GraphQL use them unchanged
// and `node(id)` can route without a lookup.
export const ID_PREFIX = {
  WorkQueue: 'wq_',
  Task: 'wt_',
  Team: 'team-',
  Message: 'msg_',
  Dispatch: 'dsp_',
  Schedule: 'sch_',
} as const;

export type IdType = keyof typeof ID_PREFIX;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** 16 base-36 characters (~82 bits) of randomness after the prefix. */
export function newId(type: IdType): string {
  const bytes = randomBytes(16);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % 36];
  return ID_PREFIX[type] + out;
}

export function idType(id: string): IdType | undefined {
  return (Object.keys(ID_PREFIX) as IdType[]).find((t) => id.startsWith(ID_PREFIX[t]));
}
