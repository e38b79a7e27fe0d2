/**
 * The room status of one notebook as a pure reducer: notices from the room, the connection, local
 * edits and the file's permission go in; what the UI shows comes out. No JupyterLab imports.
 */

import { ILockHolder, RoomNotice, isStatusNotice } from './notices';

export type SaveState =
  /** No status notice received yet. */
  | { kind: 'unknown' }
  | { kind: 'saving' }
  | {
      kind: 'saved';
      /** null: the file in CS3 is as the room found it. */
      savedAt: Date | null;
      /** The storage has no locks: the room marks the file with an advisory lock. */
      advisoryLock: boolean;
    }
  | {
      kind: 'blocked';
      reason: string;
      /** The server's sentence, shown as is. */
      message: string;
      holder: ILockHolder | null;
      error: string;
      conflictCopy: string | null;
    };

export type ConnectionState = 'connecting' | 'online' | 'offline';

export interface IRoomStatus {
  save: SaveState;
  /** When the room last wrote the file (kept while a new save runs). */
  lastSavedAt: Date | null;
  readOnly: boolean;
  /** Why the user is read-only, from the server when it said so. */
  readOnlyMessage: string;
  connection: ConnectionState;
  /** Synced with the room since the last (re)connection. */
  synced: boolean;
  /** Local edits made since the room last had everything. */
  pendingEdits: number;
  /** Conflict copies that the room wrote while this notebook was open. */
  conflictCopies: string[];
  /** The last notice of any kind, for the details view. */
  lastNotice: { code: string; message: string } | null;
}

export type RoomEvent =
  | { type: 'notice'; notice: RoomNotice }
  | { type: 'connection'; state: ConnectionState }
  | { type: 'synced'; synced: boolean }
  | { type: 'local-edit' }
  /** The contents model's `writable`: false for a viewer. */
  | { type: 'writable'; writable: boolean };

export const INITIAL_STATUS: IRoomStatus = {
  save: { kind: 'unknown' },
  lastSavedAt: null,
  readOnly: false,
  readOnlyMessage: '',
  connection: 'connecting',
  synced: false,
  pendingEdits: 0,
  conflictCopies: [],
  lastNotice: null
};

function parseTime(value: unknown): Date | null {
  if (typeof value !== 'string' || value === '') {
    return null;
  }
  const date = new Date(value);
  return isNaN(date.getTime()) ? null : date;
}

function holderOf(value: unknown): ILockHolder | null {
  if (!value || typeof value !== 'object') {
    return null;
  }
  const holder = value as Partial<ILockHolder>;
  return {
    app: typeof holder.app === 'string' ? holder.app : '',
    user: typeof holder.user === 'string' ? holder.user : '',
    expires: typeof holder.expires === 'string' ? holder.expires : null,
    advisory: holder.advisory === true,
    name: typeof holder.name === 'string' && holder.name ? holder.name : null
  };
}

function reduceNotice(state: IRoomStatus, notice: RoomNotice): IRoomStatus {
  const next: IRoomStatus = {
    ...state,
    lastNotice: { code: notice.code, message: notice.message }
  };
  if (isStatusNotice(notice)) {
    if (notice.code === 'saving') {
      next.save = { kind: 'saving' };
    } else if (notice.code === 'saved') {
      const savedAt = parseTime((notice as any).saved_at);
      next.save = {
        kind: 'saved',
        savedAt,
        advisoryLock: (notice as any).lock === 'advisory'
      };
      next.lastSavedAt = savedAt ?? state.lastSavedAt;
    } else {
      const blocked = notice as any;
      const reason = typeof blocked.reason === 'string' ? blocked.reason : '';
      const conflictCopy =
        typeof blocked.conflict_copy === 'string' ? blocked.conflict_copy : null;
      next.save = {
        kind: 'blocked',
        reason,
        message: notice.message,
        holder: holderOf(blocked.holder),
        error: typeof blocked.error === 'string' ? blocked.error : '',
        conflictCopy
      };
      if (conflictCopy && !state.conflictCopies.includes(conflictCopy)) {
        next.conflictCopies = [...state.conflictCopies, conflictCopy];
      }
    }
    return next;
  }
  if (notice.code === 'read-only') {
    next.readOnly = true;
    next.readOnlyMessage = notice.message;
  } else if (notice.code === 'conflict-copy') {
    const path = (notice as any).path;
    if (typeof path === 'string' && !state.conflictCopies.includes(path)) {
      next.conflictCopies = [...state.conflictCopies, path];
    }
  }
  return next;
}

/** The next status after `event`; `state` is never changed. */
export function reduce(state: IRoomStatus, event: RoomEvent): IRoomStatus {
  switch (event.type) {
    case 'notice':
      return reduceNotice(state, event.notice);
    case 'connection': {
      if (event.state === state.connection) {
        return state;
      }
      // A new connection syncs again; until then local edits wait.
      return { ...state, connection: event.state, synced: false };
    }
    case 'synced': {
      if (event.synced && state.connection === 'online') {
        // Sync step 2 from the room: it has everything this client had.
        return { ...state, synced: true, pendingEdits: 0 };
      }
      return { ...state, synced: event.synced && state.synced };
    }
    case 'local-edit':
      if (state.connection === 'online' && state.synced) {
        return state; // sent at once over an open, synced connection
      }
      return { ...state, pendingEdits: state.pendingEdits + 1 };
    case 'writable': {
      // A read-only notice from the room outweighs the contents model.
      const readOnly = !event.writable || state.readOnlyMessage !== '';
      return readOnly === state.readOnly ? state : { ...state, readOnly };
    }
  }
}
