import { decodeJwt } from 'jose';

/** Whether a token that was already verified carries the agent-token claims (see auth/tokens.ts). */
export function isAgentToken(token: string): boolean {
  try {
    return decodeJwt(token).agent !== undefined;
  } catch {
    return false;
  }
}
