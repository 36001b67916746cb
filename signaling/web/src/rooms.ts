// The room list shared by the list and the chat (which clears a room's badges when it marks it
// read), and its pure helpers: order, search, badges.
import { ref } from 'vue';
import type { Room } from './api/types';

export const rooms = ref<Room[]>([]);

/// Newest activity first, then by name.
export function sortRooms(list: readonly Room[]): Room[] {
  return [...list].sort((a, b) => b.lastActivity - a.lastActivity || roomTitle(a).localeCompare(roomTitle(b)));
}

export function roomTitle(r: Room): string {
  return r.displayName || r.name || r.token;
}

/// Rooms whose name contains every word of `query` (case and accents ignored).
export function filterRooms(list: readonly Room[], query: string): Room[] {
  const fold = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (!words.length) return [...list];
  return list.filter((r) => {
    const hay = fold(`${roomTitle(r)} ${r.name}`);
    return words.every((w) => hay.includes(w));
  });
}

export function markRoomRead(token: string, lastRead: number): void {
  rooms.value = rooms.value.map((r) =>
    r.token === token ? { ...r, unreadMessages: 0, unreadMention: false, unreadMentionDirect: false, lastReadMessage: Math.max(r.lastReadMessage, lastRead) } : r,
  );
}

export function upsertRoom(room: Room): void {
  const others = rooms.value.filter((r) => r.token !== room.token);
  rooms.value = [room, ...others];
}
