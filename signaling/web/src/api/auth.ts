// How this client proves who it is. The server has no login endpoint yet (its browser sessions,
// the cookie tern_session with a CSRF token, exist in the backend but nothing hands one out), so
// a user logs in with HTTP Basic: the name and password are checked once by listing the rooms
// and then kept in this module's memory only, never in localStorage or a cookie; a reload asks
// again. Those requests go without cookies (fetch's credentials 'omit'): then a 401 with
// WWW-Authenticate cannot make the browser ask with its own dialog. A guest sends no
// credentials but its cookie: the server knows it by the session of the room it joined.
// When the login endpoint lands, only this module changes (Credentials from ocs.ts).
import type { Credentials } from './ocs';

/// UTF-8 bytes in base64, as RFC 7617 asks with charset="UTF-8".
export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function basicHeader(user: string, password: string): string {
  return `Basic ${base64Utf8(`${user}:${password}`)}`;
}

export type Identity =
  | { kind: 'none' }
  | { kind: 'user'; userId: string }
  | { kind: 'guest'; displayName: string };

/// The caller's credentials, changed by login and logout.
export class Auth implements Credentials {
  private header: string | null = null;
  identity: Identity = { kind: 'none' };

  headers(): Record<string, string> {
    return this.header ? { Authorization: this.header } : {};
  }

  /// A user's requests carry their Authorization header and no cookies, so that a 401 with
  /// WWW-Authenticate (tern-signaling sends one) never opens the browser's login dialog; a guest
  /// needs the cookie of the room it joined.
  mode(): RequestCredentials {
    return this.identity.kind === 'guest' ? 'same-origin' : 'omit';
  }

  /// Sets a user's credentials (not yet checked: the caller verifies them with a request and
  /// calls logout() when that fails).
  useBasic(user: string, password: string): void {
    this.header = basicHeader(user, password);
    this.identity = { kind: 'user', userId: user };
  }

  useGuest(displayName: string): void {
    this.header = null;
    this.identity = { kind: 'guest', displayName };
  }

  logout(): void {
    this.header = null;
    this.identity = { kind: 'none' };
  }
}
