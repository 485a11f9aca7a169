import type { Prisma } from '../generated/prisma/client.js';
import type { Db } from './client.js';

/** A client or an open transaction: domain statements run on either. */
export type Tx = Db | Prisma.TransactionClient;
