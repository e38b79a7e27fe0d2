/**
 * Words and times for the room status. Every string goes through a translation bundle
 * (`ITranslator.load('meshcollab')` in JupyterLab; a stand-in in unit tests).
 */

import type { IRoomStatus, SaveState } from './status';
import type { ILockHolder, IMergedNotice, IRestoredNotice, RoomNotice } from './notices';

/** The part of JupyterLab's TranslationBundle used here. */
export interface ITrans {
  __(msgid: string, ...args: any[]): string;
  _n(msgid: string, msgidPlural: string, n: number, ...args: any[]): string;
}

export interface IFormatOptions {
  /** "just now", "5 min ago" instead of a clock time. */
  relative: boolean;
  /** Clock times with seconds (versions a few seconds apart). */
  seconds?: boolean;
  /** BCP 47 locale and time zone (defaults: the browser's). */
  locale?: string;
  timeZone?: string;
}

/** A clock time, with the date too when it is not today (in the given time zone). */
export function formatClock(date: Date, now: Date, options: IFormatOptions): string {
  const zone = options.timeZone ? { timeZone: options.timeZone } : {};
  const day = new Intl.DateTimeFormat(options.locale, { ...zone, dateStyle: 'short' });
  const time = new Intl.DateTimeFormat(options.locale, {
    ...zone,
    hour: '2-digit',
    minute: '2-digit',
    ...(options.seconds ? { second: '2-digit' } : {})
  }).format(date);
  return day.format(date) === day.format(now) ? time : `${day.format(date)} ${time}`;
}

/** When something happened: "just now", "3 min ago", or a clock time. */
export function formatWhen(
  date: Date,
  now: Date,
  trans: ITrans,
  options: IFormatOptions
): string {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  if (options.relative && seconds >= -5) {
    if (seconds < 10) {
      return trans.__('just now');
    }
    if (seconds < 60) {
      return trans.__('%1 s ago', seconds);
    }
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) {
      return trans._n('%1 min ago', '%1 min ago', minutes);
    }
  }
  return trans.__('at %1', formatClock(date, now, options));
}

/** Who holds a lock: "office (Marie Curie) until 10:30", or "(user <id>)" when no name is known. */
export function describeHolder(
  holder: ILockHolder,
  now: Date,
  trans: ITrans,
  options: IFormatOptions
): string {
  const app = holder.app || trans.__('another application');
  const user = holder.name
    ? trans.__(' (%1)', holder.name)
    : holder.user
      ? trans.__(' (user %1)', holder.user)
      : '';
  let until = '';
  if (holder.expires) {
    const expires = new Date(holder.expires);
    if (!isNaN(expires.getTime())) {
      until = trans.__(' until %1', formatClock(expires, now, options));
    }
  }
  return `${app}${user}${until}`;
}

export type Severity = 'ok' | 'busy' | 'warning' | 'error';

export interface ISaveSummary {
  /** Short, for the toolbar. */
  label: string;
  /** A sentence, for the tooltip, screen readers and the details. */
  detail: string;
  severity: Severity;
}

function blockedLabel(save: Extract<SaveState, { kind: 'blocked' }>, trans: ITrans): string {
  switch (save.reason) {
    case 'locked':
      return trans.__('Cannot save: locked');
    case 'lock-lost':
      return trans.__('Cannot save: lock lost');
    case 'read-only':
      return trans.__('Cannot save: read-only');
    case 'not-found':
      return trans.__('Cannot save: file gone');
    case 'unreachable':
      return trans.__('Cannot save: storage unreachable');
    case 'invalid-notebook':
      return trans.__('Cannot save: invalid notebook');
    case 'changed-outside':
      return trans.__('Saved as conflict copy');
    default:
      return trans.__('Cannot save');
  }
}

/** The save state in words. */
export function describeSave(
  status: IRoomStatus,
  now: Date,
  trans: ITrans,
  options: IFormatOptions
): ISaveSummary {
  const save = status.save;
  switch (save.kind) {
    case 'unknown':
      return {
        label: trans.__('Connecting…'),
        detail: trans.__('Waiting for the room to report its save state.'),
        severity: 'busy'
      };
    case 'saving':
      return {
        label: trans.__('Saving…'),
        detail: trans.__('Saving to CS3…'),
        severity: 'busy'
      };
    case 'saved': {
      const lock = save.advisoryLock
        ? trans.__('The storage has no file locks: the room marks the file with an advisory lock.')
        : trans.__('Lock held by meshcollab while the room is open.');
      if (save.savedAt === null) {
        return {
          label: trans.__('Saved'),
          detail: `${trans.__('The file in CS3 is up to date.')} ${lock}`,
          severity: 'ok'
        };
      }
      const when = formatWhen(save.savedAt, now, trans, options);
      return {
        label: trans.__('Saved %1', when),
        detail: `${trans.__('Saved to CS3 %1.', when)} ${lock}`,
        severity: 'ok'
      };
    }
    case 'blocked': {
      let detail = save.message;
      if (save.reason === 'locked' && save.holder) {
        detail = trans.__(
          'Cannot save to CS3: the file is locked by %1. Your edits are kept in the room and saved when the lock goes.',
          describeHolder(save.holder, now, trans, options)
        );
      } else if (save.reason === 'changed-outside' && save.conflictCopy) {
        detail = trans.__(
          'The file was changed outside this room and was not overwritten; the room saves to the conflict copy %1.',
          save.conflictCopy
        );
      } else if (!detail) {
        detail = trans.__('Cannot save to CS3 (%1).', save.reason || save.error);
      }
      return {
        label: blockedLabel(save, trans),
        detail,
        severity: save.reason === 'changed-outside' ? 'warning' : 'error'
      };
    }
  }
}

/** The connection in words: null when online with nothing waiting. */
export function describeConnection(status: IRoomStatus, trans: ITrans): string | null {
  if (status.connection === 'online' && status.pendingEdits === 0) {
    return null;
  }
  const waiting = trans._n(
    '%1 edit waiting to sync',
    '%1 edits waiting to sync',
    status.pendingEdits
  );
  if (status.connection === 'offline') {
    return status.pendingEdits > 0
      ? trans.__('Offline: %1', waiting)
      : trans.__('Offline');
  }
  if (status.connection === 'connecting') {
    return status.pendingEdits > 0
      ? trans.__('Reconnecting: %1', waiting)
      : trans.__('Connecting');
  }
  return waiting;
}

/** Initials for an avatar: given by the server, else from the name. */
export function initialsOf(name: string, given?: string): string {
  if (given) {
    return given.slice(0, 2).toUpperCase();
  }
  const parts = name.trim().split(/[\s._@-]+/).filter(Boolean);
  if (parts.length === 0) {
    return '?';
  }
  const letters = parts.length === 1 ? parts[0].slice(0, 2) : parts[0][0] + parts[parts.length - 1][0];
  return letters.toUpperCase();
}

/**
 * What to tell the people in a room when something changed its document as a whole: a merge (of
 * edits made offline, a conflict copy, a change made outside) or a restored version. Null for other
 * notices, and for what the user did themselves (they were told already).
 */
export function describeDocumentEvent(
  notice: RoomNotice,
  me: string,
  now: Date,
  trans: ITrans,
  options: IFormatOptions
): string | null {
  if (notice.code === 'restored') {
    const restored = notice as IRestoredNotice;
    if (restored.by === me) {
      return null;
    }
    const when = restored.version_modified ? new Date(restored.version_modified) : null;
    return when && !isNaN(when.getTime())
      ? trans.__('%1 restored the version of %2; the replaced content is kept as a version.', restored.by ?? trans.__('Someone'), formatClock(when, now, { ...options, seconds: true }))
      : trans.__('%1 restored an earlier version; the replaced content is kept as a version.', restored.by ?? trans.__('Someone'));
  }
  if (notice.code !== 'merged') {
    return null;
  }
  const merged = notice as IMergedNotice;
  if (merged.by && merged.by === me) {
    return null;
  }
  const what: Record<string, string> = {
    outside: trans.__('a change made to the file outside this room'),
    recovered: trans.__('edits made offline'),
    'conflict-copy': trans.__('a conflict copy'),
    upload: trans.__('an uploaded notebook'),
    version: trans.__('an earlier version of the file')
  };
  const source = what[merged.source] ?? merged.source;
  const conflicts = merged.conflicts ?? 0;
  const head = merged.by ? trans.__('%1 merged %2 into this notebook.', merged.by, source) : trans.__('Merged %1 into this notebook.', source);
  return conflicts
    ? `${head} ${trans._n('%1 conflict keeps both versions between markers: please resolve it.', '%1 conflicts keep both versions between markers: please resolve them.', conflicts)}`
    : head;
}
