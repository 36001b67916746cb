// Talk's objects as the API returns them (the fields this client reads; the server may send more).
// Numbers and names follow Talk's docs/constants.md.

export const RoomType = {
  OneToOne: 1,
  Group: 2,
  Public: 3,
  Changelog: 4,
  FormerOneToOne: 5,
  NoteToSelf: 6,
} as const;
export type RoomTypeValue = (typeof RoomType)[keyof typeof RoomType];

export const ParticipantType = {
  Owner: 1,
  Moderator: 2,
  User: 3,
  Guest: 4,
  UserSelfJoined: 5,
  GuestModerator: 6,
} as const;

export interface RichObject {
  type: string;
  id: string;
  name: string;
  [key: string]: unknown;
}

export interface ChatMessage {
  id: number;
  token: string;
  actorType: string;
  actorId: string;
  actorDisplayName: string;
  timestamp: number;
  message: string;
  messageParameters: Record<string, RichObject> | unknown[];
  systemMessage: string;
  messageType: string;
  isReplyable: boolean;
  referenceId?: string;
  reactions: Record<string, number> | unknown[];
  reactionsSelf?: string[];
  parent?: ChatMessage;
  lastEditActorId?: string;
  lastEditActorType?: string;
  lastEditTimestamp?: number;
}

export interface Room {
  id?: number;
  token: string;
  type: number;
  name: string;
  displayName: string;
  description?: string;
  participantType: number;
  actorType?: string;
  actorId?: string;
  hasPassword: boolean;
  unreadMessages: number;
  unreadMention: boolean;
  unreadMentionDirect?: boolean;
  lastActivity: number;
  lastReadMessage: number;
  lastMessage?: ChatMessage | unknown[];
  readOnly: number;
  lobbyState?: number;
  isFavorite?: boolean;
  canDeleteConversation?: boolean;
}

export interface Participant {
  attendeeId: number;
  actorType: string;
  actorId: string;
  displayName: string;
  participantType: number;
  inCall?: number;
  sessionIds?: string[];
}

export interface ReactionActor {
  actorType: string;
  actorId: string;
  actorDisplayName: string;
  timestamp: number;
}

/// Reactions of one message by emoji; the server sends [] for none (PHP's empty array).
export type ReactionMap = Record<string, ReactionActor[]>;

export interface Capabilities {
  version?: unknown;
  capabilities: {
    spreed?: {
      features?: string[];
      config?: Record<string, Record<string, unknown>>;
    };
    [app: string]: unknown;
  };
}
