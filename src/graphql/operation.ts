import { getOperationAST, Kind, type DocumentNode } from 'graphql';

export interface OperationSummary {
  /** `mutation dequeueTask`: the type and root fields, bounded by the schema (metrics, logs). */
  label: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The name the client gave it, if any. */
  name: string | undefined;
}

/** What a document runs, for logs, metrics and spans; undefined when it names no single operation. */
export function summarizeOperation(document: DocumentNode, operationName?: string | null): OperationSummary | undefined {
  const op = getOperationAST(document, operationName);
  if (!op) return undefined;
  const fields = op.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : '…'));
  return { label: `${op.operation} ${[...new Set(fields)].sort().join(',')}`, type: op.operation, name: op.name?.value };
}
