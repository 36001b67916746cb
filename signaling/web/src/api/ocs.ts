// The OCS transport: one request to Nextcloud's /ocs/v2.php/ API as Talk's clients make it
// (OCS-APIRequest: true, Accept: application/json), the envelope {"ocs":{"meta","data"}}
// unwrapped, and every failure turned into an OcsError carrying the server's own message.
// Pure: the fetch function and the credentials come from outside, so tests pass fakes.

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/// Where a failure came from: the network (no answer), the HTTP status or OCS status code of an
/// answer, or an answer that is not an OCS envelope.
export type OcsErrorKind = 'network' | 'http' | 'format' | 'aborted';

export class OcsError extends Error {
  override readonly name = 'OcsError';
  constructor(
    readonly kind: OcsErrorKind,
    /// The HTTP status (0 when there was no answer).
    readonly status: number,
    /// meta.statuscode of the envelope (0 when there was none).
    readonly statuscode: number,
    /// The server's meta.message, or what went wrong when there is none.
    readonly serverMessage: string,
    /// ocs.data of a failure (Talk puts details such as {"error":"password"} there).
    readonly data: unknown = null,
  ) {
    super(serverMessage || `${kind} ${status}`);
  }

  get unauthorized(): boolean {
    return this.status === 401 || this.statuscode === 997;
  }
}

/// What a caller's credentials add to each request.
export interface Credentials {
  /// Extra headers (Authorization for HTTP Basic, requesttoken for a cookie session).
  headers(): Record<string, string>;
  /// fetch's credentials mode: 'omit' keeps the browser from answering a 401's
  /// WWW-Authenticate challenge with its own login dialog (the Fetch standard prompts only when
  /// credentials are included), 'same-origin' when a cookie identifies the caller.
  mode(): RequestCredentials;
}

export interface OcsAnswer<T> {
  /// The HTTP status: 200, 201, or 304 (then data is null).
  status: number;
  data: T;
  headers: Headers;
}

export type QueryValue = string | number | boolean | undefined;

export interface OcsRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /// Query parameters; undefined ones are left out, booleans are sent as 1 or 0.
  query?: Record<string, QueryValue>;
  /// A JSON body.
  body?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface OcsClientOptions {
  /// The server's origin and prefix, "" for the page's own origin.
  baseUrl?: string;
  fetch: FetchLike;
  credentials: Credentials;
}

export function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(text)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

interface Envelope {
  ocs?: { meta?: { status?: string; statuscode?: number; message?: string }; data?: unknown };
}

export class OcsClient {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  credentials: Credentials;

  constructor(options: OcsClientOptions) {
    this.baseUrl = options.baseUrl ?? '';
    this.fetchFn = options.fetch;
    this.credentials = options.credentials;
  }

  /// `path` after /ocs/v2.php, e.g. "/apps/spreed/api/v4/room".
  async request<T>(path: string, req: OcsRequest = {}): Promise<OcsAnswer<T>> {
    const method = req.method ?? 'GET';
    const headers: Record<string, string> = {
      'OCS-APIRequest': 'true',
      Accept: 'application/json',
      // Nextcloud leaves out WWW-Authenticate for such requests, so no browser dialog pops up.
      'X-Requested-With': 'XMLHttpRequest',
      ...this.credentials.headers(),
    };
    const init: RequestInit = { method, headers, credentials: this.credentials.mode(), cache: 'no-store' };
    if (req.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(req.body);
    }
    if (req.signal) init.signal = req.signal;
    const url = `${this.baseUrl}/ocs/v2.php${path}${buildQuery(req.query)}`;

    let response: Response;
    try {
      response = await this.fetchFn(url, init);
    } catch (e) {
      if (isAbort(e)) throw new OcsError('aborted', 0, 0, 'aborted');
      throw new OcsError('network', 0, 0, e instanceof Error ? e.message : String(e));
    }
    if (response.status === 304) {
      return { status: 304, data: null as T, headers: response.headers };
    }
    let envelope: Envelope | null = null;
    try {
      const text = await response.text();
      envelope = text ? (JSON.parse(text) as Envelope) : null;
    } catch (e) {
      if (isAbort(e)) throw new OcsError('aborted', 0, 0, 'aborted');
      envelope = null;
    }
    const meta = envelope?.ocs?.meta;
    const statuscode = typeof meta?.statuscode === 'number' ? meta.statuscode : 0;
    const message = typeof meta?.message === 'string' ? meta.message : '';
    const okHttp = response.status >= 200 && response.status < 300;
    // v2 repeats the HTTP status in statuscode; v1's success is 100.
    const okOcs = statuscode === 100 || (statuscode >= 200 && statuscode < 300);
    if (!okHttp || (envelope?.ocs && !okOcs)) {
      throw new OcsError(
        'http',
        response.status,
        statuscode,
        message || response.statusText || `HTTP ${response.status}`,
        envelope?.ocs?.data ?? null,
      );
    }
    if (!envelope?.ocs) {
      throw new OcsError('format', response.status, 0, 'the answer is no OCS envelope');
    }
    return { status: response.status, data: envelope.ocs.data as T, headers: response.headers };
  }
}

function isAbort(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: string }).name === 'AbortError';
}
