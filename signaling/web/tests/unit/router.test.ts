import { describe, expect, it } from 'vitest';
import { hashOf, linkPathToken, parseHash, roomLink } from '../../src/router';
import { filterRooms, sortRooms } from '../../src/rooms';
import type { Room } from '../../src/api/types';

describe('router', () => {
  it('parses and writes the hash routes', () => {
    expect(parseHash('#/rooms/abc123')).toEqual({ name: 'chat', token: 'abc123' });
    expect(parseHash('#/call/abc123')).toEqual({ name: 'link', token: 'abc123' });
    expect(parseHash('#/login')).toEqual({ name: 'login' });
    expect(parseHash('')).toEqual({ name: 'rooms' });
    expect(parseHash('#/rooms/../x')).toEqual({ name: 'rooms' });
    for (const r of [parseHash('#/rooms/t1'), parseHash('#/call/t2'), parseHash('#/login')]) expect(parseHash(hashOf(r))).toEqual(r);
  });
  it("reads Talk's link form", () => {
    expect(linkPathToken('/call/abc')).toBe('abc');
    expect(linkPathToken('/index.php/call/abc/')).toBe('abc');
    expect(linkPathToken('/')).toBeNull();
    expect(linkPathToken('/call/a/b')).toBeNull();
    expect(roomLink('https://x.example', 'abc')).toBe('https://x.example/call/abc');
  });
});

describe('rooms', () => {
  const r = (token: string, displayName: string, lastActivity: number) => ({ token, displayName, name: displayName, lastActivity }) as Room;
  it('sorts by activity and filters by words, ignoring case and accents', () => {
    const list = [r('a', 'Café Team', 1), r('b', 'Ops', 5), r('c', 'team lunch', 3)];
    expect(sortRooms(list).map((x) => x.token)).toEqual(['b', 'c', 'a']);
    expect(filterRooms(list, 'cafe').map((x) => x.token)).toEqual(['a']);
    expect(filterRooms(list, 'TEAM').map((x) => x.token)).toEqual(['a', 'c']);
    expect(filterRooms(list, 'team lunch').map((x) => x.token)).toEqual(['c']);
    expect(filterRooms(list, '  ').length).toBe(3);
  });
});
