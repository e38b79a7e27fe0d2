import { describe, expect, it } from 'vitest';
import { INITIAL_STATUS, IRoomStatus, RoomEvent, reduce } from '../src/status';
import type { RoomNotice } from '../src/notices';

const notice = (fields: Record<string, unknown>): RoomEvent => ({
  type: 'notice',
  notice: { type: 'notice', message: '', ...fields } as RoomNotice
});

const run = (...events: RoomEvent[]): IRoomStatus => events.reduce(reduce, INITIAL_STATUS);

describe('save state from notices', () => {
  it('saving, then saved at a time; the last save time survives the next save', () => {
    const saved = run(notice({ code: 'saving' }), notice({ code: 'saved', saved_at: '2026-11-28T10:02:03Z', lock: 'cs3' }));
    expect(saved.save).toEqual({ kind: 'saved', savedAt: new Date('2026-11-28T10:02:03Z'), advisoryLock: false });
    const again = reduce(saved, notice({ code: 'saving' }));
    expect(again.save.kind).toBe('saving');
    expect(again.lastSavedAt).toEqual(new Date('2026-11-28T10:02:03Z'));
  });

  it('saved with saved_at null: as the room found it; an advisory lock is noted', () => {
    const status = run(notice({ code: 'saved', saved_at: null, lock: 'advisory' }));
    expect(status.save).toEqual({ kind: 'saved', savedAt: null, advisoryLock: true });
    expect(status.lastSavedAt).toBeNull();
  });

  it('locked by another application: reason and holder', () => {
    const status = run(
      notice({
        code: 'save-blocked',
        message: 'Cannot save to CS3: the file is locked by office.',
        reason: 'locked',
        edits_kept: true,
        holder: { app: 'office', user: 'marie', expires: '2026-11-28T11:00:00Z', advisory: false, name: 'Marie Curie' }
      })
    );
    expect(status.save).toMatchObject({
      kind: 'blocked',
      reason: 'locked',
      holder: { app: 'office', user: 'marie', expires: '2026-11-28T11:00:00Z', advisory: false, name: 'Marie Curie' },
      conflictCopy: null
    });
  });

  it('a malformed holder or time does not break the status', () => {
    const status = run(notice({ code: 'save-blocked', reason: 'lock-lost', holder: 'x' }), notice({ code: 'saved', saved_at: 'yesterday' }));
    expect(status.save).toEqual({ kind: 'saved', savedAt: null, advisoryLock: false });
    expect(run(notice({ code: 'save-blocked', holder: 7 })).save).toMatchObject({ reason: '', holder: null });
  });

  it('changed outside: the conflict copy is listed once', () => {
    const copy = '/home/einstein/nb.einstein.2026-11-28_10_02_03.conflict.ipynb';
    const status = run(
      notice({ code: 'save-blocked', reason: 'changed-outside', conflict_copy: copy }),
      notice({ code: 'conflict-copy', path: copy, file: '/home/einstein/nb.ipynb' })
    );
    expect(status.save).toMatchObject({ kind: 'blocked', reason: 'changed-outside', conflictCopy: copy });
    expect(status.conflictCopies).toEqual([copy]);
  });

  it('a one-off notice leaves the save state as it is', () => {
    const status = run(notice({ code: 'saved', saved_at: null }), notice({ code: 'merged', message: 'Merged 3 cells' }));
    expect(status.save.kind).toBe('saved');
    expect(status.lastNotice).toEqual({ code: 'merged', message: 'Merged 3 cells' });
  });

  it('never changes the state it is given', () => {
    const before = JSON.stringify(INITIAL_STATUS);
    run(notice({ code: 'conflict-copy', path: 'a' }), { type: 'local-edit' });
    expect(JSON.stringify(INITIAL_STATUS)).toBe(before);
  });
});

describe('read-only', () => {
  it('follows the contents model', () => {
    expect(run({ type: 'writable', writable: false }).readOnly).toBe(true);
    expect(run({ type: 'writable', writable: false }, { type: 'writable', writable: true }).readOnly).toBe(false);
  });

  it('a read-only notice from the room wins over a writable contents model', () => {
    const status = run(notice({ code: 'read-only', message: 'You can view this document but not edit it' }), {
      type: 'writable',
      writable: true
    });
    expect(status.readOnly).toBe(true);
    expect(status.readOnlyMessage).toMatch(/not edit/);
  });
});

describe('offline edits', () => {
  const online: RoomEvent[] = [{ type: 'connection', state: 'online' }, { type: 'synced', synced: true }];

  it('edits on a synced connection go at once', () => {
    expect(run(...online, { type: 'local-edit' }).pendingEdits).toBe(0);
  });

  it('edits made offline wait, and are cleared when the room has synced again', () => {
    const offline = run(...online, { type: 'connection', state: 'offline' }, { type: 'local-edit' }, { type: 'local-edit' });
    expect(offline.connection).toBe('offline');
    expect(offline.pendingEdits).toBe(2);
    const back = reduce(offline, { type: 'connection', state: 'online' });
    expect(back.pendingEdits).toBe(2); // connected, not yet synced
    expect(reduce(back, { type: 'synced', synced: true }).pendingEdits).toBe(0);
  });

  it('a sync event while offline clears nothing', () => {
    const status = run({ type: 'connection', state: 'offline' }, { type: 'local-edit' }, { type: 'synced', synced: true });
    expect(status.pendingEdits).toBe(1);
    expect(status.synced).toBe(false);
  });

  it('the same connection state twice is no change', () => {
    const status = run(...online);
    expect(reduce(status, { type: 'connection', state: 'online' })).toBe(status);
  });
});
