import { describe, expect, it } from 'vitest';
import { buildQuery, OcsClient, OcsError } from '../../src/api/ocs';
import { Auth, base64Utf8, basicHeader } from '../../src/api/auth';
import { fakeFetch, ocsBody } from './fake_fetch';

function client(answers: Parameters<typeof fakeFetch>[0], auth = new Auth()) {
  const f = fakeFetch(answers);
  return { ocs: new OcsClient({ fetch: f.fetch, credentials: auth }), calls: f.calls };
}

describe('OcsClient', () => {
  it('sends the OCS headers and unwraps the envelope', async () => {
    const { ocs, calls } = client([{ status: 200, body: ocsBody(200, { a: 1 }) }]);
    const r = await ocs.request<{ a: number }>('/cloud/capabilities');
    expect(r.data).toEqual({ a: 1 });
    expect(r.status).toBe(200);
    expect(calls[0]!.url).toBe('/ocs/v2.php/cloud/capabilities');
    expect(calls[0]!.headers['OCS-APIRequest']).toBe('true');
    expect(calls[0]!.headers.Accept).toBe('application/json');
    expect(calls[0]!.headers.Authorization).toBeUndefined();
  });

  it('sends a JSON body and the query', async () => {
    const { ocs, calls } = client([{ status: 201, body: ocsBody(201, []) }]);
    await ocs.request('/x', { method: 'POST', query: { a: 1, b: true, c: undefined, d: 'x y' }, body: { m: 'hi' } });
    expect(calls[0]!.url).toBe('/ocs/v2.php/x?a=1&b=1&d=x%20y');
    expect(calls[0]!.method).toBe('POST');
    expect(calls[0]!.headers['Content-Type']).toBe('application/json');
    expect(calls[0]!.body).toEqual({ m: 'hi' });
  });

  it('turns an OCS failure into an OcsError with the server message and data', async () => {
    const { ocs } = client([{ status: 403, body: ocsBody(403, { error: 'password' }, 'wrong password') }]);
    const e = await ocs.request('/x').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OcsError);
    const err = e as OcsError;
    expect(err.kind).toBe('http');
    expect(err.status).toBe(403);
    expect(err.statuscode).toBe(403);
    expect(err.serverMessage).toBe('wrong password');
    expect(err.data).toEqual({ error: 'password' });
    expect(err.unauthorized).toBe(false);
  });

  it('treats a v1-style failure in an HTTP 200 as an error', async () => {
    const { ocs } = client([{ status: 200, body: ocsBody(404, [], 'not found') }]);
    await expect(ocs.request('/x')).rejects.toMatchObject({ statuscode: 404, serverMessage: 'not found' });
  });

  it('marks 401 as unauthorized, with the HTTP status text when there is no envelope', async () => {
    const { ocs } = client([{ status: 401, body: 'nope' }]);
    const e = (await ocs.request('/x').catch((x: unknown) => x)) as OcsError;
    expect(e.unauthorized).toBe(true);
    expect(e.serverMessage).not.toBe('');
  });

  it('reports a network failure', async () => {
    const { ocs } = client([new TypeError('Failed to fetch')]);
    await expect(ocs.request('/x')).rejects.toMatchObject({ kind: 'network', serverMessage: 'Failed to fetch' });
  });

  it('reports an answer that is no envelope', async () => {
    const { ocs } = client([{ status: 200, body: '<html>' }]);
    await expect(ocs.request('/x')).rejects.toMatchObject({ kind: 'format' });
  });

  it('returns 304 with no data', async () => {
    const { ocs } = client([{ status: 304 }]);
    const r = await ocs.request('/x');
    expect(r.status).toBe(304);
    expect(r.data).toBeNull();
  });

  it('reports an abort as aborted', async () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    const { ocs } = client([abort]);
    await expect(ocs.request('/x')).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('adds HTTP Basic credentials after a login and none after logout', async () => {
    const auth = new Auth();
    const { ocs, calls } = client([{ status: 200, body: ocsBody(200, []) }, { status: 200, body: ocsBody(200, []) }], auth);
    auth.useBasic('änne', 'pa:ss');
    await ocs.request('/x');
    auth.logout();
    await ocs.request('/x');
    expect(calls[0]!.headers.Authorization).toBe(basicHeader('änne', 'pa:ss'));
    expect(calls[0]!.credentials).toBe('omit'); // no browser dialog on a 401 challenge
    expect(calls[1]!.headers.Authorization).toBeUndefined();
  });

  it('sends cookies for a guest only', async () => {
    const auth = new Auth();
    const { ocs, calls } = client([{ status: 200, body: ocsBody(200, []) }, { status: 200, body: ocsBody(200, []) }], auth);
    await ocs.request('/x');
    auth.useGuest('Gus');
    await ocs.request('/x');
    expect(calls[0]!.credentials).toBe('omit');
    expect(calls[1]!.credentials).toBe('same-origin');
  });
});

describe('buildQuery', () => {
  it('is empty without parameters', () => {
    expect(buildQuery(undefined)).toBe('');
    expect(buildQuery({ a: undefined })).toBe('');
  });
  it('sends false as 0', () => {
    expect(buildQuery({ f: false })).toBe('?f=0');
  });
});

describe('auth', () => {
  it('encodes UTF-8 in base64', () => {
    expect(base64Utf8('admin:secret')).toBe('YWRtaW46c2VjcmV0');
    expect(base64Utf8('ä')).toBe('w6Q=');
    expect(basicHeader('a', 'b')).toBe('Basic YTpi');
  });
  it('keeps the identity', () => {
    const a = new Auth();
    expect(a.identity.kind).toBe('none');
    a.useBasic('alice', 'pw');
    expect(a.identity).toEqual({ kind: 'user', userId: 'alice' });
    a.useGuest('Bob');
    expect(a.headers()).toEqual({});
    expect(a.identity).toEqual({ kind: 'guest', displayName: 'Bob' });
  });
});
