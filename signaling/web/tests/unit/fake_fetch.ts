// A fake fetch for the API tests: records each request and answers from a queue.
import type { FetchLike } from '../../src/api/ocs';

export interface Recorded {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

export type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

export function ocsBody(statuscode: number, data: unknown, message = 'OK'): unknown {
  return { ocs: { meta: { status: statuscode < 300 ? 'ok' : 'failure', statuscode, message }, data } };
}

export function fakeFetch(answers: Answer[]): { fetch: FetchLike; calls: Recorded[] } {
  const calls: Recorded[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({
      url,
      method: init.method ?? 'GET',
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      credentials: init.credentials,
    });
    const a = answers.shift();
    if (!a) throw new Error(`no answer queued for ${url}`);
    if (a instanceof Error) throw a;
    const text = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    return new Response(a.status === 304 ? null : text, { status: a.status, headers: a.headers ?? {} });
  };
  return { fetch, calls };
}
