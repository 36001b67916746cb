// The chat long poll loop: ask for messages after the newest known one, hand them over, and ask
// again at once; on a 304 ask again at once too; on an error wait (1 s, doubling up to 30 s)
// and report it, and clear the report on the next success. Stops when its signal aborts.
// Pure: the request and the sleep are injected.
import type { ChatPage } from '../api/talk';

export interface PollerDeps {
  poll(lastKnown: number, signal: AbortSignal): Promise<ChatPage>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  onMessages(page: ChatPage): void;
  /// An error (null once the poll works again) and the delay before the next try.
  onError(error: unknown | null, retryInMs: number): void;
}

export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 30000;

export function nextBackoff(previousMs: number): number {
  return previousMs === 0 ? BACKOFF_FIRST_MS : Math.min(previousMs * 2, BACKOFF_MAX_MS);
}

/// Runs until `signal` aborts; resolves then.
export async function runChatPoller(startAfter: number, deps: PollerDeps, signal: AbortSignal): Promise<void> {
  let lastKnown = startAfter;
  let backoff = 0;
  while (!signal.aborted) {
    try {
      const page = await deps.poll(lastKnown, signal);
      if (signal.aborted) return;
      if (backoff !== 0) {
        backoff = 0;
        deps.onError(null, 0);
      }
      if (!page.notModified) {
        const newest = page.messages.reduce((max, m) => Math.max(max, m.id), 0);
        lastKnown = Math.max(lastKnown, page.lastGiven ?? 0, newest);
        deps.onMessages(page);
      }
    } catch (e) {
      if (signal.aborted) return;
      backoff = nextBackoff(backoff);
      deps.onError(e, backoff);
      await deps.sleep(backoff, signal);
    }
  }
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
