// The one API client of the page and who is logged in, shared by the views; and the text of a
// failed request for the views' error lines.
import { reactive } from 'vue';
import { Auth, type Identity } from './api/auth';
import { OcsClient, OcsError } from './api/ocs';
import { TalkApi } from './api/talk';
import { t, type MessageKey } from './i18n';

export const auth = new Auth();
export const api = new TalkApi(
  new OcsClient({ fetch: (input, init) => fetch(input, init), credentials: auth }),
);

export const session = reactive<{ identity: Identity }>({ identity: { kind: 'none' } });

export function syncIdentity(): void {
  session.identity = auth.identity;
}

/// The viewer as a chat actor.
export function me(): { actorType: string; actorId: string } {
  const id = session.identity;
  if (id.kind === 'user') return { actorType: 'users', actorId: id.userId };
  return { actorType: 'guests', actorId: '' };
}

/// "Sending the message failed: <the server's message>".
export function describeError(action: MessageKey, e: unknown): string {
  if (e instanceof OcsError) {
    if (e.kind === 'network') return t('error.network', { message: e.serverMessage });
    if (e.unauthorized && session.identity.kind === 'user') return t('error.unauthorized');
    return t('error.failed', { action: t(action), message: e.serverMessage });
  }
  return t('error.failed', { action: t(action), message: e instanceof Error ? e.message : String(e) });
}
