// The client's routes live in the URL's hash (#/rooms, #/rooms/TOKEN, #/call/TOKEN, #/login), so
// the server only has to answer "/" (and Talk's link form /call/TOKEN, which is turned into
// #/call/TOKEN here) with index.html.
import { ref } from 'vue';

export type Route =
  | { name: 'login' }
  | { name: 'rooms' }
  | { name: 'chat'; token: string }
  | { name: 'link'; token: string };

const TOKEN = '([A-Za-z0-9_-]{1,64})';

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '');
  let m = new RegExp(`^/rooms/${TOKEN}/?$`).exec(path);
  if (m?.[1]) return { name: 'chat', token: m[1] };
  m = new RegExp(`^/call/${TOKEN}/?$`).exec(path);
  if (m?.[1]) return { name: 'link', token: m[1] };
  if (path === '/login') return { name: 'login' };
  return { name: 'rooms' };
}

export function hashOf(route: Route): string {
  switch (route.name) {
    case 'login':
      return '#/login';
    case 'rooms':
      return '#/rooms';
    case 'chat':
      return `#/rooms/${route.token}`;
    case 'link':
      return `#/call/${route.token}`;
  }
}

/// Talk's conversation link /call/TOKEN (also under /index.php/) as a route, else null.
export function linkPathToken(pathname: string): string | null {
  const m = new RegExp(`^(?:/index\\.php)?/call/${TOKEN}/?$`).exec(pathname);
  return m?.[1] ?? null;
}

/// The link a guest can open.
export function roomLink(origin: string, token: string): string {
  return `${origin}/call/${token}`;
}

export const route = ref<Route>({ name: 'rooms' });

export function navigate(to: Route, replace = false): void {
  const hash = hashOf(to);
  if (replace) history.replaceState(null, '', hash);
  else if (location.hash !== hash) history.pushState(null, '', hash);
  route.value = to;
}

export function startRouter(): void {
  const token = linkPathToken(location.pathname);
  if (token) history.replaceState(null, '', `/${hashOf({ name: 'link', token })}`);
  route.value = parseHash(location.hash);
  window.addEventListener('popstate', () => {
    route.value = parseHash(location.hash);
  });
  window.addEventListener('hashchange', () => {
    route.value = parseHash(location.hash);
  });
}
