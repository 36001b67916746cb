// The chat as the view shows it, kept as pure functions over Talk's message objects: merging
// pages and long-poll answers by id, applying the system messages that only change another
// message (edits, deletions, reactions: their parent is the changed message), the text with its
// placeholders filled in, reactions, and what the viewer may do with a message.
import type { ChatMessage, ReactionMap, RichObject } from '../api/types';

/// System messages that change their parent and are not shown themselves.
const PARENT_UPDATES = new Set([
  'message_deleted',
  'message_edited',
  'reaction',
  'reaction_deleted',
  'reaction_revoked',
]);

export function updatesParent(m: ChatMessage): boolean {
  return PARENT_UPDATES.has(m.systemMessage);
}

/// Whether the timeline shows `m`: comments, deleted comments and the visible system messages.
export function isShown(m: ChatMessage): boolean {
  return !updatesParent(m);
}

/// `current` (ascending ids) with `incoming` merged in: new ids added, known ids replaced, the
/// parents of edits, deletions and reactions replaced by their new state. Ascending ids again.
export function mergeMessages(current: readonly ChatMessage[], incoming: readonly ChatMessage[]): ChatMessage[] {
  const byId = new Map<number, ChatMessage>();
  for (const m of current) byId.set(m.id, m);
  for (const m of incoming) {
    if (updatesParent(m)) {
      if (m.parent && byId.has(m.parent.id)) byId.set(m.parent.id, m.parent);
      continue;
    }
    byId.set(m.id, m);
  }
  // A reply's quoted parent follows its edits and deletions too.
  for (const [id, m] of byId) {
    if (m.parent && byId.has(m.parent.id)) {
      const parent = byId.get(m.parent.id)!;
      if (parent !== m.parent) byId.set(id, { ...m, parent });
    }
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

export function parameters(m: ChatMessage): Record<string, RichObject> {
  return m.messageParameters && !Array.isArray(m.messageParameters) ? m.messageParameters : {};
}

/// The text with {placeholders} replaced: mentions as "@name", other rich objects by name.
export function plainText(m: ChatMessage): string {
  const params = parameters(m);
  return m.message.replace(/\{([A-Za-z0-9_-]+)\}/g, (whole, key: string) => {
    const p = params[key];
    if (!p) return whole;
    const mention = p.type === 'user' || p.type === 'guest' || p.type === 'call' || p.type === 'user-group';
    return mention ? `@${p.name}` : p.name;
  });
}

export interface ReactionView {
  emoji: string;
  count: number;
  self: boolean;
}

export function reactionsOf(m: ChatMessage): ReactionView[] {
  if (!m.reactions || Array.isArray(m.reactions)) return [];
  const self = new Set(m.reactionsSelf ?? []);
  return Object.entries(m.reactions)
    .filter(([, count]) => count > 0)
    .map(([emoji, count]) => ({ emoji, count, self: self.has(emoji) }));
}

export interface Me {
  actorType: string;
  actorId: string;
}

/// `m` with the reactions of a reaction endpoint's answer.
export function withReactions(m: ChatMessage, map: ReactionMap, me: Me): ChatMessage {
  const reactions: Record<string, number> = {};
  const self: string[] = [];
  for (const [emoji, actors] of Object.entries(map)) {
    if (!actors.length) continue;
    reactions[emoji] = actors.length;
    if (actors.some((a) => a.actorType === me.actorType && a.actorId === me.actorId)) self.push(emoji);
  }
  return { ...m, reactions, reactionsSelf: self };
}

export function isOwn(m: ChatMessage, me: Me): boolean {
  return m.actorType === me.actorType && m.actorId === me.actorId;
}

export const EDIT_WINDOW_S = 24 * 3600;
export const DELETE_WINDOW_S = 6 * 3600;

/// Talk lets the author edit a comment for a day and delete it for six hours.
export function canEdit(m: ChatMessage, me: Me, nowS: number): boolean {
  return m.messageType === 'comment' && isOwn(m, me) && nowS - m.timestamp < EDIT_WINDOW_S;
}

export function canDelete(m: ChatMessage, me: Me, nowS: number): boolean {
  return m.messageType === 'comment' && isOwn(m, me) && nowS - m.timestamp < DELETE_WINDOW_S;
}

export function isDeleted(m: ChatMessage): boolean {
  return m.messageType === 'comment_deleted';
}

/// The newest id in `list`, 0 for none.
export function newestId(list: readonly ChatMessage[]): number {
  return list.reduce((max, m) => Math.max(max, m.id), 0);
}

export function oldestId(list: readonly ChatMessage[]): number {
  return list.reduce((min, m) => (min === 0 ? m.id : Math.min(min, m.id)), 0);
}
