import { describe, expect, it } from 'vitest';
import { Auth } from '../../src/api/auth';
import { OcsClient } from '../../src/api/ocs';
import { TalkApi } from '../../src/api/talk';
import { fakeFetch, ocsBody, type Answer } from './fake_fetch';

function talk(answers: Answer[]) {
  const f = fakeFetch(answers);
  return { api: new TalkApi(new OcsClient({ fetch: f.fetch, credentials: new Auth() })), calls: f.calls };
}

const ok = (data: unknown, status = 200, headers?: Record<string, string>): Answer => ({ status, body: ocsBody(status, data), ...(headers ? { headers } : {}) });

describe('TalkApi', () => {
  it('reads the capabilities', async () => {
    const { api, calls } = talk([ok({ capabilities: { spreed: { features: ['chat-v2'] } } })]);
    const c = await api.capabilities();
    expect(c.capabilities.spreed?.features).toContain('chat-v2');
    expect(calls[0]!.url).toBe('/ocs/v2.php/cloud/capabilities');
  });

  it('lists, gets and creates rooms (v4)', async () => {
    const room = { token: 'abc', type: 2, name: 'n', displayName: 'n' };
    const { api, calls } = talk([ok([room]), ok(room), ok(room, 201), ok(room, 201), ok(room, 200)]);
    expect(await api.listRooms()).toEqual([room]);
    expect(await api.getRoom('abc')).toEqual(room);
    await api.createRoom(2, 'Team');
    await api.createRoom(3, 'Open');
    await api.createOneToOne('bob');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /ocs/v2.php/apps/spreed/api/v4/room',
      'GET /ocs/v2.php/apps/spreed/api/v4/room/abc',
      'POST /ocs/v2.php/apps/spreed/api/v4/room',
      'POST /ocs/v2.php/apps/spreed/api/v4/room',
      'POST /ocs/v2.php/apps/spreed/api/v4/room',
    ]);
    expect(calls[2]!.body).toEqual({ roomType: 2, roomName: 'Team' });
    expect(calls[3]!.body).toEqual({ roomType: 3, roomName: 'Open' });
    expect(calls[4]!.body).toEqual({ roomType: 1, invite: 'bob', source: 'users' });
  });

  it('escapes tokens in paths', async () => {
    const { api, calls } = talk([ok({})]);
    await api.getRoom('a/b');
    expect(calls[0]!.url).toBe('/ocs/v2.php/apps/spreed/api/v4/room/a%2Fb');
  });

  it('joins with a password, leaves, lists participants, public and password', async () => {
    const { api, calls } = talk([ok({ token: 't' }), ok([]), ok([{ attendeeId: 1 }]), ok([]), ok([]), ok([]), ok([])]);
    await api.join('t', 'pw');
    await api.leave('t');
    expect(await api.participants('t')).toEqual([{ attendeeId: 1 }]);
    await api.makePublic('t');
    await api.makePrivate('t');
    await api.setPassword('t', 'secret');
    await api.setGuestName('t', 'Gus');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST /ocs/v2.php/apps/spreed/api/v4/room/t/participants/active',
      'DELETE /ocs/v2.php/apps/spreed/api/v4/room/t/participants/active',
      'GET /ocs/v2.php/apps/spreed/api/v4/room/t/participants',
      'POST /ocs/v2.php/apps/spreed/api/v4/room/t/public',
      'DELETE /ocs/v2.php/apps/spreed/api/v4/room/t/public',
      'PUT /ocs/v2.php/apps/spreed/api/v4/room/t/password',
      'POST /ocs/v2.php/apps/spreed/api/v1/guest/t/name',
    ]);
    expect(calls[0]!.body).toEqual({ force: true, password: 'pw' });
    expect(calls[5]!.body).toEqual({ password: 'secret' });
    expect(calls[6]!.body).toEqual({ displayName: 'Gus' });
  });

  it('reads a history page with X-Chat-Last-Given', async () => {
    const msgs = [{ id: 9 }, { id: 8 }];
    const { api, calls } = talk([ok(msgs, 200, { 'X-Chat-Last-Given': '8' })]);
    const page = await api.history('t', { lastKnownMessageId: 10, limit: 2, setReadMarker: false });
    expect(page).toEqual({ messages: msgs, lastGiven: 8, notModified: false });
    expect(calls[0]!.url).toBe('/ocs/v2.php/apps/spreed/api/v1/chat/t?lookIntoFuture=0&lastKnownMessageId=10&limit=2&setReadMarker=0');
  });

  it('long-polls with lookIntoFuture=1 and reads a 304 as nothing new', async () => {
    const { api, calls } = talk([{ status: 304, headers: { 'X-Chat-Last-Given': '5' } }, ok([{ id: 6 }], 200, { 'X-Chat-Last-Given': '6' })]);
    const none = await api.poll('t', { lastKnownMessageId: 5, timeout: 30 });
    expect(none.notModified).toBe(true);
    expect(none.messages).toEqual([]);
    const some = await api.poll('t', { lastKnownMessageId: 5, timeout: 30 });
    expect(some).toEqual({ messages: [{ id: 6 }], lastGiven: 6, notModified: false });
    expect(calls[0]!.url).toBe('/ocs/v2.php/apps/spreed/api/v1/chat/t?lookIntoFuture=1&lastKnownMessageId=5&timeout=30');
  });

  it('sends, edits, deletes and marks read', async () => {
    const { api, calls } = talk([ok({ id: 1 }, 201), ok({ id: 2, parent: { id: 1 } }), ok({ id: 3 }), ok({})]);
    await api.send('t', 'hello', { replyTo: 7, referenceId: 'r' });
    await api.edit('t', 1, 'hi');
    await api.remove('t', 1);
    await api.setReadMarker('t', 3);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST /ocs/v2.php/apps/spreed/api/v1/chat/t',
      'PUT /ocs/v2.php/apps/spreed/api/v1/chat/t/1',
      'DELETE /ocs/v2.php/apps/spreed/api/v1/chat/t/1',
      'POST /ocs/v2.php/apps/spreed/api/v1/chat/t/read',
    ]);
    expect(calls[0]!.body).toEqual({ message: 'hello', replyTo: 7, referenceId: 'r' });
    expect(calls[1]!.body).toEqual({ message: 'hi' });
    expect(calls[3]!.body).toEqual({ lastReadMessage: 3 });
  });

  it('reacts and unreacts, reading PHP empty arrays as no reactions', async () => {
    const map = { '👍': [{ actorType: 'users', actorId: 'a', actorDisplayName: 'A', timestamp: 1 }] };
    const { api, calls } = talk([ok(map, 201), ok([])]);
    expect(await api.react('t', 4, '👍')).toEqual(map);
    expect(await api.unreact('t', 4, '👍')).toEqual({});
    expect(calls[0]!.url).toBe('/ocs/v2.php/apps/spreed/api/v1/reaction/t/4');
    expect(calls[0]!.body).toEqual({ reaction: '👍' });
    expect(calls[1]!.method).toBe('DELETE');
    expect(calls[1]!.url).toBe(`/ocs/v2.php/apps/spreed/api/v1/reaction/t/4?reaction=${encodeURIComponent('👍')}`);
  });
});
