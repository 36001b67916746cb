import { describe, expect, it } from 'vitest';
import { BACKOFF_MAX_MS, nextBackoff, runChatPoller } from '../../src/chat/poller';
import type { ChatPage } from '../../src/api/talk';
import type { ChatMessage } from '../../src/api/types';

const msg = (id: number) => ({ id }) as ChatMessage;

describe('runChatPoller', () => {
  it('re-polls at once after answers and 304s, advancing lastKnown, and backs off on errors', async () => {
    const stop = new AbortController();
    const asked: number[] = [];
    const sleeps: number[] = [];
    const errors: (unknown | null)[] = [];
    const got: number[][] = [];
    const script: (ChatPage | Error)[] = [
      { messages: [msg(11), msg(12)], lastGiven: 12, notModified: false },
      { messages: [], lastGiven: null, notModified: true },
      new Error('down'),
      new Error('still down'),
      { messages: [msg(14)], lastGiven: 15, notModified: false },
    ];
    await runChatPoller(
      10,
      {
        poll: async (lastKnown) => {
          asked.push(lastKnown);
          const next = script.shift();
          if (!next) {
            stop.abort();
            return { messages: [], lastGiven: null, notModified: true };
          }
          if (next instanceof Error) throw next;
          return next;
        },
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        onMessages: (p) => got.push(p.messages.map((m) => m.id)),
        onError: (e) => errors.push(e),
      },
      stop.signal,
    );
    expect(asked).toEqual([10, 12, 12, 12, 12, 15]);
    expect(got).toEqual([[11, 12], [14]]);
    expect(sleeps).toEqual([1000, 2000]);
    expect(errors.map((e) => (e instanceof Error ? e.message : e))).toEqual(['down', 'still down', null]);
  });

  it('stops when aborted during a poll', async () => {
    const stop = new AbortController();
    let calls = 0;
    await runChatPoller(
      1,
      {
        poll: async () => {
          calls++;
          stop.abort();
          throw new Error('aborted');
        },
        sleep: async () => {
          throw new Error('must not sleep');
        },
        onMessages: () => {},
        onError: () => {
          throw new Error('must not report');
        },
      },
      stop.signal,
    );
    expect(calls).toBe(1);
  });
});

describe('nextBackoff', () => {
  it('doubles from 1 s up to 30 s', () => {
    let b = 0;
    const seen: number[] = [];
    for (let i = 0; i < 7; i++) seen.push((b = nextBackoff(b)));
    expect(seen).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(nextBackoff(BACKOFF_MAX_MS)).toBe(BACKOFF_MAX_MS);
  });
});
