// A STAND-IN for tern-signaling in the browser test: it serves dist/ with the headers the real
// server sends (signaling/net/static_files: the same Content-Security-Policy, nosniff,
// no-referrer) and fakes the part of Talk's OCS API the client uses this step (rooms v4,
// participants, guests, chat v1 with its long poll, reactions, read markers), in memory, with
// HTTP Basic users alice/bob (password "secret") and guests known by a cookie. It is no
// reference of Talk's behaviour: the journey against the real server, once the REST API is wired
// into tern-signaling, replaces it.
//
// Test hooks under /__test/: axe.js (axe-core for the scans), post (a message from someone
// else, to see the long poll deliver it), state (read markers, for assertions).
import { createServer } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, normalize, extname } from 'node:path';

export const CSP =
  "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; " +
  "media-src 'self' blob:; style-src 'self'; script-src 'self'; object-src 'none'; " +
  "base-uri 'none'; frame-ancestors 'none'";

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
};

const USERS = { alice: 'Alice Liddell', bob: 'Bob Builder', carol: 'Carol Danvers' };
const PASSWORD = 'secret';

export function startFakeServer({ dist, axePath, port = 0 }) {
  let nextId = 1;
  let nextGuest = 1;
  const rooms = new Map();
  const waiters = new Map(); // token -> Set of () => void
  const now = () => Math.floor(Date.now() / 1000);
  const key = (a) => `${a.actorType}/${a.actorId}`;

  function addRoom(token, type, name, members, password = '') {
    const room = { token, type, name, members: new Map(), messages: [], password, created: now() };
    for (const [actorId, participantType] of members) {
      room.members.set(`users/${actorId}`, { actorType: 'users', actorId, displayName: USERS[actorId], participantType, lastRead: 0 });
    }
    rooms.set(token, room);
    return room;
  }

  function post(room, actor, text, extra = {}) {
    const m = {
      id: nextId++,
      token: room.token,
      actorType: actor.actorType,
      actorId: actor.actorId,
      actorDisplayName: actor.displayName,
      timestamp: now(),
      message: text,
      messageParameters: extra.messageParameters ?? [],
      systemMessage: extra.systemMessage ?? '',
      messageType: extra.messageType ?? 'comment',
      isReplyable: (extra.messageType ?? 'comment') === 'comment',
      referenceId: extra.referenceId ?? '',
      reactions: new Map(),
      parentId: extra.parentId ?? null,
      lastEditTimestamp: 0,
      lastEditActorId: '',
    };
    room.messages.push(m);
    for (const wake of waiters.get(room.token) ?? []) wake();
    return m;
  }

  // Seed: a busy team room (enough for two history pages, a mention of alice), a one-to-one
  // with an unread message, a public room with a password.
  const team = addRoom('team0001', 2, 'Team', [['alice', 3], ['bob', 1]]);
  const bob = { actorType: 'users', actorId: 'bob', displayName: USERS.bob };
  for (let i = 1; i <= 60; i++) post(team, bob, `Team update number ${i}`);
  team.members.get('users/alice').lastRead = team.messages[56].id;
  post(team, bob, 'Can you look at this, {mention-user1}?', {
    messageParameters: { 'mention-user1': { type: 'user', id: 'alice', name: USERS.alice } },
  });
  const dm = addRoom('dmbob001', 1, 'bob', [['alice', 1], ['bob', 1]]);
  post(dm, bob, 'Hi Alice!');
  const town = addRoom('town0001', 3, 'Town hall', [['alice', 1]], 'letmein');
  post(town, { actorType: 'users', actorId: 'alice', displayName: USERS.alice }, 'Welcome to the town hall.');

  function viewMessage(m, viewer, room, withParent = true) {
    const reactions = {};
    const self = [];
    for (const [emoji, actors] of m.reactions) {
      if (!actors.size) continue;
      reactions[emoji] = actors.size;
      if (viewer && actors.has(key(viewer))) self.push(emoji);
    }
    const out = {
      id: m.id, token: m.token, actorType: m.actorType, actorId: m.actorId,
      actorDisplayName: m.actorDisplayName, timestamp: m.timestamp, message: m.message,
      messageParameters: m.messageParameters, systemMessage: m.systemMessage,
      messageType: m.messageType, isReplyable: m.isReplyable, referenceId: m.referenceId,
      reactions: Object.keys(reactions).length ? reactions : [], reactionsSelf: self,
      markdown: true,
    };
    if (m.lastEditTimestamp) {
      out.lastEditTimestamp = m.lastEditTimestamp;
      out.lastEditActorId = m.lastEditActorId;
      out.lastEditActorType = 'users';
    }
    if (withParent && m.parentId) {
      const parent = room.messages.find((x) => x.id === m.parentId);
      if (parent) out.parent = viewMessage(parent, viewer, room, false);
    }
    return out;
  }

  function viewRoom(room, viewer) {
    const me = viewer ? room.members.get(key(viewer)) : undefined;
    const visible = room.messages.filter((m) => m.messageType !== 'system' || !['message_edited', 'message_deleted', 'reaction', 'reaction_revoked'].includes(m.systemMessage));
    const unread = me ? visible.filter((m) => m.id > me.lastRead && key(m) !== key(me) && m.messageType === 'comment') : [];
    const last = visible[visible.length - 1];
    let displayName = room.name;
    if (room.type === 1 && viewer) {
      const other = [...room.members.values()].find((p) => key(p) !== key(viewer));
      displayName = other?.displayName ?? room.name;
    }
    return {
      id: 1, token: room.token, type: room.type, name: room.name, displayName,
      description: '', participantType: me?.participantType ?? 0,
      actorType: me?.actorType ?? '', actorId: me?.actorId ?? '',
      hasPassword: room.password !== '', unreadMessages: unread.length,
      unreadMention: unread.some((m) => JSON.stringify(m.messageParameters).includes(`"id":"${me?.actorId}"`)),
      unreadMentionDirect: false, lastActivity: last?.timestamp ?? room.created,
      lastReadMessage: me?.lastRead ?? 0, readOnly: 0, lobbyState: 0,
      lastMessage: last ? viewMessage(last, viewer, room) : [],
    };
  }

  function send(res, status, body, headers = {}) {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
    res.end(text);
  }
  const ocs = (res, status, data, headers = {}, message = 'OK') =>
    send(res, status, { ocs: { meta: { status: status < 300 ? 'ok' : 'failure', statuscode: status, message }, data } }, headers);
  // A 401 carries the challenge as tern-signaling's does today (rest_router: WWW-Authenticate
  // Basic); a browser with a window may then show its own login dialog (see the README).
  const fail = (res, status, message, data = []) =>
    ocs(res, status, data, status === 401 ? { 'WWW-Authenticate': 'Basic realm="tern", charset="UTF-8"' } : {}, message);

  function caller(req) {
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      if (USERS[user] && rest.join(':') === PASSWORD) return { actorType: 'users', actorId: user, displayName: USERS[user] };
      return null;
    }
    const m = /(?:^|;\s*)fake_guest=([a-z0-9]+)/.exec(req.headers.cookie ?? '');
    if (m) return { actorType: 'guests', actorId: m[1], displayName: '' };
    return undefined;
  }

  async function body(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) : {};
  }

  async function api(req, res, url) {
    if (req.headers['ocs-apirequest'] !== 'true') return fail(res, 401, 'CSRF check failed');
    const path = url.pathname.replace(/^\/ocs\/v2\.php/, '');
    const q = url.searchParams;
    const b = req.method === 'GET' ? {} : await body(req);
    if (path === '/cloud/capabilities') {
      return ocs(res, 200, { version: {}, capabilities: { spreed: { features: ['chat-v2', 'reactions', 'edit-messages'], config: {} } } });
    }
    let who = caller(req);
    if (who === null) return fail(res, 401, 'wrong user name or password');
    let m;
    if ((m = /^\/apps\/spreed\/api\/v4\/room$/.exec(path))) {
      if (!who || who.actorType !== 'users') return fail(res, 401, 'log in first');
      if (req.method === 'GET') return ocs(res, 200, [...rooms.values()].filter((r) => r.members.has(key(who))).map((r) => viewRoom(r, who)));
      if (b.roomType === 1) {
        if (!USERS[b.invite]) return fail(res, 404, `user ${b.invite} not found`);
        const existing = [...rooms.values()].find((r) => r.type === 1 && r.members.has(key(who)) && r.members.has(`users/${b.invite}`));
        if (existing) return ocs(res, 200, viewRoom(existing, who));
        const r = addRoom(`dm${nextId}x${rooms.size}`, 1, b.invite, [[who.actorId, 1], [b.invite, 1]]);
        return ocs(res, 201, viewRoom(r, who));
      }
      if (b.roomType !== 2 && b.roomType !== 3) return fail(res, 400, 'roomType must be 1, 2 or 3');
      if (!b.roomName) return fail(res, 400, 'roomName is missing');
      const r = addRoom(`r${String(nextId).padStart(7, '0')}${rooms.size}`, b.roomType, b.roomName, [[who.actorId, 1]]);
      post(r, who, 'You created the conversation', { messageType: 'system', systemMessage: 'conversation_created' });
      return ocs(res, 201, viewRoom(r, who));
    }
    if ((m = /^\/apps\/spreed\/api\/v1\/guest\/([^/]+)\/name$/.exec(path))) {
      const r = rooms.get(m[1]);
      const p = r && who && r.members.get(key(who));
      if (!p) return fail(res, 404, 'not in this conversation');
      p.displayName = String(b.displayName ?? '');
      return ocs(res, 200, []);
    }
    if ((m = /^\/apps\/spreed\/api\/v4\/room\/([^/]+)(\/participants(\/active)?)?$/.exec(path))) {
      const r = rooms.get(m[1]);
      if (!r) return fail(res, 404, 'conversation not found');
      if (m[3]) {
        if (req.method === 'DELETE') return ocs(res, 200, []);
        const headers = {};
        if (!who) {
          if (r.type !== 3) return fail(res, 404, 'conversation not found');
          who = { actorType: 'guests', actorId: `g${nextGuest++}`, displayName: '' };
          headers['Set-Cookie'] = `fake_guest=${who.actorId}; Path=/; HttpOnly; SameSite=Lax`;
        }
        if (!r.members.has(key(who))) {
          if (r.type !== 3) return fail(res, 404, 'conversation not found');
          if (r.password && b.password !== r.password) return fail(res, 403, 'wrong password', { error: 'password' });
          r.members.set(key(who), { ...who, participantType: who.actorType === 'guests' ? 4 : 5, lastRead: 0 });
        }
        return ocs(res, 200, viewRoom(r, who), headers);
      }
      if (!who || !r.members.has(key(who))) {
        if (r.type === 3 && req.method === 'GET' && !m[2]) return ocs(res, 200, viewRoom(r, who));
        return fail(res, 404, 'conversation not found');
      }
      if (m[2]) return ocs(res, 200, [...r.members.values()].map((p, i) => ({ attendeeId: i + 1, actorType: p.actorType, actorId: p.actorId, displayName: p.displayName, participantType: p.participantType })));
      return ocs(res, 200, viewRoom(r, who));
    }
    if ((m = /^\/apps\/spreed\/api\/v1\/(chat|reaction)\/([^/]+)(?:\/(read|\d+))?$/.exec(path))) {
      const r = rooms.get(m[2]);
      const me = r && who ? r.members.get(key(who)) : undefined;
      if (!r || !me) return fail(res, 404, 'conversation not found');
      const actor = { actorType: me.actorType, actorId: me.actorId, displayName: me.displayName };
      if (m[1] === 'reaction') {
        const target = r.messages.find((x) => x.id === Number(m[3]));
        if (!target || target.messageType !== 'comment') return fail(res, 404, 'message not found');
        const emoji = req.method === 'DELETE' ? q.get('reaction') : b.reaction;
        if (!emoji) return fail(res, 400, 'reaction is missing');
        let set = target.reactions.get(emoji);
        if (!set) target.reactions.set(emoji, (set = new Map()));
        let status = 200;
        if (req.method === 'POST' && !set.has(key(actor))) {
          set.set(key(actor), { ...actor, timestamp: now() });
          status = 201;
          post(r, actor, '{actor} reacted with {reaction}', { messageType: 'system', systemMessage: 'reaction', parentId: target.id });
        } else if (req.method === 'DELETE' && set.delete(key(actor))) {
          post(r, actor, 'Reaction deleted by author', { messageType: 'system', systemMessage: 'reaction_revoked', parentId: target.id });
        }
        const map = {};
        for (const [e, actors] of target.reactions) {
          if (actors.size) map[e] = [...actors.values()].map((a) => ({ actorType: a.actorType, actorId: a.actorId, actorDisplayName: a.displayName, timestamp: a.timestamp }));
        }
        return ocs(res, status, Object.keys(map).length ? map : []);
      }
      if (m[3] === 'read') {
        const last = r.messages[r.messages.length - 1]?.id ?? 0;
        me.lastRead = Math.min(Number(b.lastReadMessage ?? last), last);
        return ocs(res, 200, viewRoom(r, who));
      }
      if (m[3]) {
        const target = r.messages.find((x) => x.id === Number(m[3]));
        if (!target) return fail(res, 404, 'message not found');
        if (target.messageType !== 'comment') return fail(res, 405, 'this message cannot be changed');
        if (key(target) !== key(actor)) return fail(res, 403, 'only the author may change a message');
        if (req.method === 'PUT') {
          target.message = String(b.message ?? '');
          target.lastEditTimestamp = now();
          target.lastEditActorId = actor.actorId;
          const sys = post(r, actor, 'You edited a message', { messageType: 'system', systemMessage: 'message_edited', parentId: target.id });
          return ocs(res, 200, viewMessage(sys, who, r));
        }
        target.messageType = 'comment_deleted';
        target.message = 'Message deleted by you';
        target.isReplyable = false;
        target.reactions = new Map();
        const sys = post(r, actor, 'You deleted a message', { messageType: 'system', systemMessage: 'message_deleted', parentId: target.id });
        return ocs(res, 200, viewMessage(sys, who, r));
      }
      if (req.method === 'POST') {
        const text = String(b.message ?? '').trim();
        if (!text) return fail(res, 400, 'message is empty');
        if (me.actorType === 'guests' && b.actorDisplayName) me.displayName = String(b.actorDisplayName);
        actor.displayName = me.displayName;
        const parent = b.replyTo ? r.messages.find((x) => x.id === Number(b.replyTo)) : undefined;
        const msg = post(r, actor, text, { referenceId: b.referenceId, parentId: parent?.id });
        return ocs(res, 201, viewMessage(msg, who, r));
      }
      const future = q.get('lookIntoFuture') === '1';
      const lastKnown = Number(q.get('lastKnownMessageId') ?? 0);
      const limit = Math.min(Number(q.get('limit') ?? 100), 200);
      if (!future) {
        const older = r.messages.filter((x) => !lastKnown || x.id < lastKnown).slice(-limit).reverse();
        const headers = older.length ? { 'X-Chat-Last-Given': String(older[older.length - 1].id) } : {};
        return ocs(res, 200, older.map((x) => viewMessage(x, who, r)), headers);
      }
      const timeout = Math.min(Number(q.get('timeout') ?? 30), 30) * 1000;
      const newer = () => r.messages.filter((x) => x.id > lastKnown).slice(0, limit);
      let got = newer();
      if (!got.length) {
        await new Promise((resolve) => {
          const set = waiters.get(r.token) ?? new Set();
          waiters.set(r.token, set);
          const done = () => {
            clearTimeout(timer);
            set.delete(done);
            resolve();
          };
          const timer = setTimeout(done, timeout);
          set.add(done);
          req.on('close', done);
        });
        got = newer();
      }
      if (res.destroyed) return;
      if (!got.length) {
        res.writeHead(304, { 'Cache-Control': 'no-store' });
        return res.end();
      }
      return ocs(res, 200, got.map((x) => viewMessage(x, who, r)), { 'X-Chat-Last-Given': String(got[got.length - 1].id) });
    }
    return fail(res, 404, `no route ${req.method} ${path}`);
  }

  function serveFile(res, file) {
    const bytes = readFileSync(file);
    const isAsset = file.includes(`${join(dist, 'assets')}`);
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': bytes.length,
      'Cache-Control': isAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(bytes);
  }

  const server = createServer(async (req, res) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (url.pathname.startsWith('/ocs/')) return await api(req, res, url);
      if (url.pathname === '/__test/axe.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
        return res.end(readFileSync(axePath));
      }
      if (url.pathname === '/__test/post' && req.method === 'POST') {
        const b = await body(req);
        const r = rooms.get(b.token);
        if (!r) return send(res, 404, { error: 'no room' });
        const m = post(r, { actorType: 'users', actorId: b.actorId, displayName: USERS[b.actorId] ?? b.actorId }, b.message);
        return send(res, 200, { id: m.id });
      }
      if (url.pathname === '/__test/state') {
        const out = {};
        for (const r of rooms.values()) out[r.token] = { name: r.name, type: r.type, readMarkers: Object.fromEntries([...r.members].map(([k, p]) => [k, p.lastRead])), last: r.messages[r.messages.length - 1]?.id ?? 0 };
        return send(res, 200, out);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' });
        return res.end();
      }
      const path = decodeURIComponent(url.pathname);
      if (path === '/' || /^\/call\/[A-Za-z0-9_-]+\/?$/.test(path)) return serveFile(res, join(dist, 'index.html'));
      const file = normalize(join(dist, path));
      if (!file.startsWith(dist + '/') || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        return res.end('not found\n');
      }
      return serveFile(res, file);
    } catch (e) {
      if (!res.headersSent) send(res, 500, { error: String(e) });
      else res.end();
    }
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => resolve({ server, port: server.address().port }));
  });
}
