import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/api/types';
import {
  canDelete,
  canEdit,
  isShown,
  mergeMessages,
  newestId,
  oldestId,
  plainText,
  reactionsOf,
  withReactions,
} from '../../src/chat/timeline';

function m(id: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id,
    token: 't',
    actorType: 'users',
    actorId: 'alice',
    actorDisplayName: 'Alice',
    timestamp: 1000,
    message: `m${id}`,
    messageParameters: [],
    systemMessage: '',
    messageType: 'comment',
    isReplyable: true,
    reactions: [],
    ...extra,
  };
}

const alice = { actorType: 'users', actorId: 'alice' };

describe('mergeMessages', () => {
  it('adds pages in id order without duplicates', () => {
    const a = mergeMessages([], [m(3), m(2)]);
    const b = mergeMessages(a, [m(1), m(3, { message: 'new' })]);
    expect(b.map((x) => x.id)).toEqual([1, 2, 3]);
    expect(b[2]!.message).toBe('new');
  });

  it('applies edits, deletions and reactions to their parent and hides the system message', () => {
    const list = mergeMessages([], [m(1), m(2, { parent: m(1) })]);
    const edited = m(5, { systemMessage: 'message_edited', messageType: 'system', parent: m(1, { message: 'fixed', lastEditTimestamp: 2000 }) });
    const after = mergeMessages(list, [edited]);
    expect(after.map((x) => x.id)).toEqual([1, 2]);
    expect(after[0]!.message).toBe('fixed');
    expect(after[1]!.parent!.message).toBe('fixed'); // the reply's quote follows
    const deleted = m(6, { systemMessage: 'message_deleted', messageType: 'system', parent: m(2, { messageType: 'comment_deleted', message: 'Message deleted by you' }) });
    const gone = mergeMessages(after, [deleted]);
    expect(gone[1]!.messageType).toBe('comment_deleted');
    expect(isShown(edited)).toBe(false);
    expect(isShown(m(7, { systemMessage: 'conversation_created', messageType: 'system' }))).toBe(true);
  });

  it('ignores updates of messages it does not hold', () => {
    const out = mergeMessages([m(5)], [m(9, { systemMessage: 'reaction', parent: m(1) })]);
    expect(out.map((x) => x.id)).toEqual([5]);
  });
});

describe('plainText', () => {
  it('fills mentions and rich objects in', () => {
    const x = m(1, {
      message: 'hi {mention-user1}, see {file}; {missing}',
      messageParameters: {
        'mention-user1': { type: 'user', id: 'bob', name: 'Bob' },
        file: { type: 'file', id: '3', name: 'plan.pdf' },
      },
    });
    expect(plainText(x)).toBe('hi @Bob, see plan.pdf; {missing}');
  });
});

describe('reactions', () => {
  it('lists counts and own reactions, from the endpoint answer too', () => {
    const x = m(1, { reactions: { '👍': 2, '🎉': 0 }, reactionsSelf: ['👍'] });
    expect(reactionsOf(x)).toEqual([{ emoji: '👍', count: 2, self: true }]);
    expect(reactionsOf(m(2))).toEqual([]);
    const y = withReactions(m(2), {
      '❤️': [
        { actorType: 'users', actorId: 'alice', actorDisplayName: 'A', timestamp: 1 },
        { actorType: 'guests', actorId: 'g', actorDisplayName: 'G', timestamp: 1 },
      ],
      '😮': [{ actorType: 'users', actorId: 'bob', actorDisplayName: 'B', timestamp: 1 }],
    }, alice);
    expect(y.reactions).toEqual({ '❤️': 2, '😮': 1 });
    expect(y.reactionsSelf).toEqual(['❤️']);
  });
});

describe('rights', () => {
  it('lets the author edit for a day and delete for six hours', () => {
    const x = m(1, { timestamp: 0 });
    expect(canEdit(x, alice, 3600)).toBe(true);
    expect(canDelete(x, alice, 3600)).toBe(true);
    expect(canDelete(x, alice, 7 * 3600)).toBe(false);
    expect(canEdit(x, alice, 25 * 3600)).toBe(false);
    expect(canEdit(x, { actorType: 'users', actorId: 'bob' }, 10)).toBe(false);
    expect(canEdit(m(2, { messageType: 'comment_deleted', timestamp: 0 }), alice, 10)).toBe(false);
  });
});

describe('ids', () => {
  it('finds the newest and oldest', () => {
    expect(newestId([m(3), m(9), m(4)])).toBe(9);
    expect(oldestId([m(3), m(9), m(4)])).toBe(3);
    expect(newestId([])).toBe(0);
    expect(oldestId([])).toBe(0);
  });
});
