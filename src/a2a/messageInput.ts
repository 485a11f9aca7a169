import type { Message } from '@a2a-js/sdk';
import { invalidParams } from './errors.js';

/** What a client's message says: its text parts, its data parts, and the tools named in its metadata. */
export interface MessageInput {
  text: string;
  data: unknown[];
  tools: string[] | undefined;
}

/**
 * The text and data parts of a message (file parts are refused: we store no files). Invalid
 * params name the field: `message`, `message.parts`, `message.parts[i]`, `message.metadata.tools`.
 */
export function messageInput(message: Message | undefined): MessageInput {
  if (!message) throw invalidParams('message', 'is required');
  if (!message.parts?.length) throw invalidParams('message.parts', 'must hold at least one text or data part');
  const texts: string[] = [];
  const data: unknown[] = [];
  message.parts.forEach((part, i) => {
    const content = part.content;
    if (content?.$case === 'text') texts.push(content.value);
    else if (content?.$case === 'data') data.push(content.value ?? null);
    else throw invalidParams(`message.parts[${i}]`, 'must be a text or data part (files are not accepted)');
  });
  const tools = (message.metadata as { tools?: unknown } | undefined)?.tools;
  if (tools !== undefined && (!Array.isArray(tools) || tools.some((t) => typeof t !== 'string'))) {
    throw invalidParams('message.metadata.tools', 'must be a list of tool names');
  }
  return { text: texts.join('\n\n'), data, tools: tools as string[] | undefined };
}

/** The instruction for the team: the text, then each data part as JSON on its own line. */
export function instructionOf(input: MessageInput): string {
  const lines = [input.text, ...input.data.map((d) => JSON.stringify(d))].filter((l) => l.length > 0);
  return lines.join('\n\n');
}

/** The answer to an input request, as provideInput stores it. */
export function answerOf(input: MessageInput, messageId: string): Record<string, unknown> {
  return { ...(input.text ? { text: input.text } : {}), ...(input.data.length ? { data: input.data } : {}), messageId };
}
