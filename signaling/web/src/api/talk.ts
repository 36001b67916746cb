// Talk's REST endpoints over the OCS transport (ocs.ts): capabilities, rooms (API v4),
// participants, chat (API v1) with its long poll, reactions and read markers. Each method is
// one request; paths and parameters as Talk's docs (conversation.md, participant.md, chat.md,
// reaction.md) name them.
import { OcsClient, type OcsAnswer } from './ocs';
import type { Capabilities, ChatMessage, Participant, ReactionMap, Room } from './types';

const ROOM = '/apps/spreed/api/v4/room';
const CHAT = '/apps/spreed/api/v1/chat';
const REACTION = '/apps/spreed/api/v1/reaction';
const GUEST = '/apps/spreed/api/v1/guest';

/// One page of chat messages and the id the server gave last (X-Chat-Last-Given): the oldest of
/// a history page, the newest of a long poll's answer. `messages` is empty on 304.
export interface ChatPage {
  messages: ChatMessage[];
  lastGiven: number | null;
  /// 304: nothing new before the timeout.
  notModified: boolean;
}

export interface ReceiveOptions {
  /// Newest id the client has (future) or oldest (history).
  lastKnownMessageId?: number;
  limit?: number;
  /// Seconds the server may hold a long poll (Talk's default is 30).
  timeout?: number;
  setReadMarker?: boolean;
  includeLastKnown?: boolean;
  signal?: AbortSignal;
}

const seg = (s: string | number): string => encodeURIComponent(String(s));

/// A PHP empty array where an object was expected.
export function objectOrEmpty<T extends object>(value: T | unknown[] | null | undefined): T | Record<string, never> {
  if (!value || Array.isArray(value)) return {};
  return value;
}

export class TalkApi {
  constructor(readonly ocs: OcsClient) {}

  async capabilities(): Promise<Capabilities> {
    return (await this.ocs.request<Capabilities>('/cloud/capabilities')).data;
  }

  // --- rooms (API v4) ---

  async listRooms(signal?: AbortSignal): Promise<Room[]> {
    const r = await this.ocs.request<Room[]>(ROOM, signal ? { signal } : {});
    return Array.isArray(r.data) ? r.data : [];
  }

  async getRoom(token: string): Promise<Room> {
    return (await this.ocs.request<Room>(`${ROOM}/${seg(token)}`)).data;
  }

  /// A group (2) or public (3) room named `roomName`.
  async createRoom(roomType: 2 | 3, roomName: string): Promise<Room> {
    return (await this.ocs.request<Room>(ROOM, { method: 'POST', body: { roomType, roomName } })).data;
  }

  /// The one-to-one room with user `userId` (the existing one when there is one: 200, else 201).
  async createOneToOne(userId: string): Promise<Room> {
    const body = { roomType: 1, invite: userId, source: 'users' };
    return (await this.ocs.request<Room>(ROOM, { method: 'POST', body })).data;
  }

  async makePublic(token: string): Promise<void> {
    await this.ocs.request(`${ROOM}/${seg(token)}/public`, { method: 'POST' });
  }

  async makePrivate(token: string): Promise<void> {
    await this.ocs.request(`${ROOM}/${seg(token)}/public`, { method: 'DELETE' });
  }

  async setPassword(token: string, password: string): Promise<void> {
    await this.ocs.request(`${ROOM}/${seg(token)}/password`, { method: 'PUT', body: { password } });
  }

  // --- participants ---

  async participants(token: string): Promise<Participant[]> {
    const r = await this.ocs.request<Participant[]>(`${ROOM}/${seg(token)}/participants`);
    return Array.isArray(r.data) ? r.data : [];
  }

  /// Joins the room (a session in it); `password` for a public room that has one.
  async join(token: string, password?: string): Promise<Room> {
    const body: Record<string, unknown> = { force: true };
    if (password !== undefined && password !== '') body.password = password;
    return (await this.ocs.request<Room>(`${ROOM}/${seg(token)}/participants/active`, { method: 'POST', body })).data;
  }

  async leave(token: string): Promise<void> {
    await this.ocs.request(`${ROOM}/${seg(token)}/participants/active`, { method: 'DELETE' });
  }

  /// A guest's display name in the room it joined.
  async setGuestName(token: string, displayName: string): Promise<void> {
    await this.ocs.request(`${GUEST}/${seg(token)}/name`, { method: 'POST', body: { displayName } });
  }

  // --- chat (API v1) ---

  /// History before `lastKnownMessageId` (newest first), or the latest page without it.
  async history(token: string, o: ReceiveOptions = {}): Promise<ChatPage> {
    return this.receive(token, false, o);
  }

  /// The long poll: messages after `lastKnownMessageId` (oldest first), held up to `timeout`
  /// seconds; notModified when none came.
  async poll(token: string, o: ReceiveOptions): Promise<ChatPage> {
    return this.receive(token, true, o);
  }

  private async receive(token: string, future: boolean, o: ReceiveOptions): Promise<ChatPage> {
    const r: OcsAnswer<ChatMessage[] | null> = await this.ocs.request<ChatMessage[] | null>(`${CHAT}/${seg(token)}`, {
      query: {
        lookIntoFuture: future,
        lastKnownMessageId: o.lastKnownMessageId,
        limit: o.limit,
        timeout: o.timeout,
        setReadMarker: o.setReadMarker,
        includeLastKnown: o.includeLastKnown,
      },
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const header = r.headers.get('X-Chat-Last-Given');
    const lastGiven = header !== null && /^\d+$/.test(header) ? Number(header) : null;
    if (r.status === 304) return { messages: [], lastGiven, notModified: true };
    return { messages: Array.isArray(r.data) ? r.data : [], lastGiven, notModified: false };
  }

  async send(token: string, message: string, opts: { replyTo?: number; referenceId?: string; actorDisplayName?: string } = {}): Promise<ChatMessage> {
    const body: Record<string, unknown> = { message };
    if (opts.replyTo) body.replyTo = opts.replyTo;
    if (opts.referenceId) body.referenceId = opts.referenceId;
    if (opts.actorDisplayName) body.actorDisplayName = opts.actorDisplayName;
    return (await this.ocs.request<ChatMessage>(`${CHAT}/${seg(token)}`, { method: 'POST', body })).data;
  }

  /// Edits a message; the answer is the system message whose parent is the edited message.
  async edit(token: string, id: number, message: string): Promise<ChatMessage> {
    return (await this.ocs.request<ChatMessage>(`${CHAT}/${seg(token)}/${seg(id)}`, { method: 'PUT', body: { message } })).data;
  }

  /// Deletes a message; the answer is the system message whose parent is the deleted one.
  async remove(token: string, id: number): Promise<ChatMessage> {
    return (await this.ocs.request<ChatMessage>(`${CHAT}/${seg(token)}/${seg(id)}`, { method: 'DELETE' })).data;
  }

  async setReadMarker(token: string, lastReadMessage: number): Promise<void> {
    await this.ocs.request(`${CHAT}/${seg(token)}/read`, { method: 'POST', body: { lastReadMessage } });
  }

  // --- reactions ---

  async react(token: string, id: number, reaction: string): Promise<ReactionMap> {
    const r = await this.ocs.request<ReactionMap | unknown[]>(`${REACTION}/${seg(token)}/${seg(id)}`, { method: 'POST', body: { reaction } });
    return objectOrEmpty<ReactionMap>(r.data);
  }

  async unreact(token: string, id: number, reaction: string): Promise<ReactionMap> {
    const r = await this.ocs.request<ReactionMap | unknown[]>(`${REACTION}/${seg(token)}/${seg(id)}`, { method: 'DELETE', query: { reaction } });
    return objectOrEmpty<ReactionMap>(r.data);
  }
}
