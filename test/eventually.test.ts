import { describe, expect, it } from 'vitest';
import { eventually, waitFor } from './helpers/eventually.js';

describe('eventually', () => {
  it('retries a failing check until it passes and returns its value', async () => {
    let calls = 0;
    const value = await eventually(() => {
      calls++;
      expect(calls).toBeGreaterThanOrEqual(3);
      return calls;
    });
    expect(value).toBe(3);
  });

  it('fails after its bound with the last failure, saying what it waited for', async () => {
    const started = Date.now();
    await expect(eventually(() => expect(1).toBe(2), { timeoutMs: 100, intervalMs: 10, what: 'one to be two' })).rejects.toThrow(
      /one to be two not reached within 100 ms \(\d+ checks\): expected 1 to be 2/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let calls = 0;
    expect(await waitFor(() => (++calls === 3 ? 'ready' : undefined))).toBe('ready');
  });

  it('fails after its bound', async () => {
    await expect(waitFor(() => false, { timeoutMs: 50, what: () => 'never' })).rejects.toThrow('never not reached within 50 ms');
  });

  it('does not retry an exception', async () => {
    let calls = 0;
    await expect(
      waitFor(() => {
        calls++;
        throw new Error('broken');
      }),
    ).rejects.toThrow('broken');
    expect(calls).toBe(1);
  });
});
