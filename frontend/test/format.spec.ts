import { describe, expect, it } from 'vitest';
import { describeConnection, describeDocumentEvent, describeHolder, describeSave, formatClock, formatWhen, initialsOf } from '../src/format';
import { INITIAL_STATUS, IRoomStatus } from '../src/status';
import { trans } from './trans';

const utc = { relative: true, locale: 'en-GB', timeZone: 'UTC' };
const now = new Date('2026-11-28T10:30:00Z');

describe('times', () => {
  it('relative: just now, seconds, minutes, then a clock time', () => {
    expect(formatWhen(new Date('2026-11-28T10:29:55Z'), now, trans, utc)).toBe('just now');
    expect(formatWhen(new Date('2026-11-28T10:29:30Z'), now, trans, utc)).toBe('30 s ago');
    expect(formatWhen(new Date('2026-11-28T10:28:30Z'), now, trans, utc)).toBe('1 min ago');
    expect(formatWhen(new Date('2026-11-28T10:02:03Z'), now, trans, utc)).toBe('27 min ago');
    expect(formatWhen(new Date('2026-11-28T08:02:03Z'), now, trans, utc)).toBe('at 08:02');
  });

  it('absolute when asked, with the date when not today', () => {
    const absolute = { ...utc, relative: false };
    expect(formatWhen(new Date('2026-11-28T10:29:55Z'), now, trans, absolute)).toBe('at 10:29');
    expect(formatClock(new Date('2026-11-27T23:59:00Z'), now, absolute)).toBe('27/11/2026 23:59');
    // Versions saved seconds apart are told apart.
    expect(formatClock(new Date('2026-11-28T10:29:55Z'), now, { ...absolute, seconds: true })).toBe('10:29:55');
  });

  it('a clock slightly ahead of ours is still "just now"', () => {
    expect(formatWhen(new Date('2026-11-28T10:30:03Z'), now, trans, utc)).toBe('just now');
  });
});

describe('lock holder', () => {
  it('application, user and until when', () => {
    const holder = { app: 'office', user: 'marie', expires: '2026-11-28T11:15:00Z', advisory: false };
    expect(describeHolder(holder, now, trans, utc)).toBe('office (user marie) until 11:15');
    expect(describeHolder({ ...holder, name: 'Marie Curie' }, now, trans, utc)).toBe(
      'office (Marie Curie) until 11:15'
    );
  });

  it('unknown application, no expiry', () => {
    expect(describeHolder({ app: '', user: '', expires: null, advisory: true }, now, trans, utc)).toBe('another application');
  });
});

describe('save summary', () => {
  const status = (save: IRoomStatus['save']): IRoomStatus => ({ ...INITIAL_STATUS, save });

  it('saved: when, and the lock held by meshcollab', () => {
    const summary = describeSave(status({ kind: 'saved', savedAt: new Date('2026-11-28T10:29:58Z'), advisoryLock: false }), now, trans, utc);
    expect(summary).toEqual({
      label: 'Saved just now',
      detail: 'Saved to CS3 just now. Lock held by meshcollab while the room is open.',
      severity: 'ok'
    });
  });

  it('locked by another application: who and until when', () => {
    const summary = describeSave(
      status({
        kind: 'blocked',
        reason: 'locked',
        message: 'server sentence',
        holder: { app: 'office', user: 'marie', expires: '2026-11-28T11:15:00Z', advisory: false },
        error: '',
        conflictCopy: null
      }),
      now,
      trans,
      utc
    );
    expect(summary.label).toBe('Cannot save: locked');
    expect(summary.detail).toContain('locked by office (user marie) until 11:15');
    expect(summary.severity).toBe('error');
  });

  it('other reasons show the server sentence; changed outside names the conflict copy', () => {
    const blocked = { kind: 'blocked' as const, holder: null, error: 'timeout', conflictCopy: null };
    const unreachable = describeSave(status({ ...blocked, reason: 'unreachable', message: 'Cannot save to CS3: the storage does not answer.' }), now, trans, utc);
    expect(unreachable).toMatchObject({ label: 'Cannot save: storage unreachable', detail: 'Cannot save to CS3: the storage does not answer.' });
    const copy = describeSave(status({ ...blocked, reason: 'changed-outside', message: '', conflictCopy: '/home/e/nb.e.conflict.ipynb' }), now, trans, utc);
    expect(copy.detail).toContain('/home/e/nb.e.conflict.ipynb');
    expect(copy.severity).toBe('warning');
    expect(describeSave(status({ ...blocked, reason: 'read-only', message: '' }), now, trans, utc).label).toBe('Cannot save: read-only');
  });

  it('nothing heard yet', () => {
    expect(describeSave(INITIAL_STATUS, now, trans, utc).label).toBe('Connecting…');
  });
});

describe('connection', () => {
  it('nothing to say when online with nothing waiting', () => {
    expect(describeConnection({ ...INITIAL_STATUS, connection: 'online' }, trans)).toBeNull();
  });

  it('offline with edits waiting, singular and plural', () => {
    expect(describeConnection({ ...INITIAL_STATUS, connection: 'offline', pendingEdits: 1 }, trans)).toBe('Offline: 1 edit waiting to sync');
    expect(describeConnection({ ...INITIAL_STATUS, connection: 'offline', pendingEdits: 4 }, trans)).toBe('Offline: 4 edits waiting to sync');
    expect(describeConnection({ ...INITIAL_STATUS, connection: 'offline' }, trans)).toBe('Offline');
    expect(describeConnection({ ...INITIAL_STATUS, connection: 'connecting', pendingEdits: 2 }, trans)).toBe('Reconnecting: 2 edits waiting to sync');
  });
});

describe('initials', () => {
  it('from the server, else from the name', () => {
    expect(initialsOf('Albert Einstein', 'ae')).toBe('AE');
    expect(initialsOf('Albert Einstein')).toBe('AE');
    expect(initialsOf('marie')).toBe('MA');
    expect(initialsOf('  ')).toBe('?');
  });
});

describe('describeDocumentEvent', () => {
  const now = new Date('2026-11-28T10:30:00Z');
  const utc = { relative: false, locale: 'en-GB', timeZone: 'UTC' };
  const base = { type: 'notice' as const, message: 'server words' };

  it('tells the others who restored which version', () => {
    const notice = { ...base, code: 'restored', by: 'marie', version_modified: '2026-11-28T10:01:02Z' };
    expect(describeDocumentEvent(notice, 'einstein', now, trans, utc)).toBe(
      'marie restored the version of 10:01:02; the replaced content is kept as a version.'
    );
    expect(describeDocumentEvent(notice, 'marie', now, trans, utc)).toBeNull();
  });

  it('says what was merged, by whom, and asks to resolve conflicts', () => {
    const merged = { ...base, code: 'merged', source: 'conflict-copy', by: 'marie', conflicts: 2 };
    expect(describeDocumentEvent(merged, 'einstein', now, trans, utc)).toBe(
      'marie merged a conflict copy into this notebook. 2 conflicts keep both versions between markers: please resolve them.'
    );
    const outside = { ...base, code: 'merged', source: 'outside', by: null, conflicts: 0 };
    expect(describeDocumentEvent(outside, 'einstein', now, trans, utc)).toBe(
      'Merged a change made to the file outside this room into this notebook.'
    );
  });

  it('is silent about status notices', () => {
    expect(describeDocumentEvent({ ...base, code: 'saving' }, 'einstein', now, trans, utc)).toBeNull();
  });
});
