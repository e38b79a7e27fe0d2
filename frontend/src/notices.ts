/**
 * The RAW messages a meshcollab room sends, decoded.
 *
 * On the room websocket (y-websocket protocol plus jupyter-collaboration's RAW messages), a RAW
 * message is a var-uint 2 followed by a var-string holding JSON. meshcollab sends notices
 * (`{"type": "notice", "code", "message", ...}`, see meshcollab/collab/status.py) and save answers.
 * This module has no JupyterLab imports so that it is unit-tested on its own.
 */

export const RAW_MESSAGE_TYPE = 2;

/** Who holds a lock that is not the room's. Times are ISO 8601 in UTC. */
export interface ILockHolder {
  app: string;
  /** The holder's user id (a user name for an advisory lock). */
  user: string;
  expires: string | null;
  advisory: boolean;
  /** The holder's display name, when the gateway gives it (older servers do not send it). */
  name?: string | null;
}

export interface INoticeBase {
  type: 'notice';
  code: string;
  /** A sentence for people, written by the server. */
  message: string;
}

export interface ISavingNotice extends INoticeBase {
  code: 'saving';
}

export interface ISavedNotice extends INoticeBase {
  code: 'saved';
  /** null: the file is as the room found it (nothing written yet). */
  saved_at: string | null;
  etag?: string | null;
  lock?: 'cs3' | 'advisory';
}

export interface ISaveBlockedNotice extends INoticeBase {
  code: 'save-blocked';
  reason: string;
  edits_kept?: boolean;
  holder?: ILockHolder | null;
  error?: string;
  conflict_copy?: string;
}

export interface IConflictCopyNotice extends INoticeBase {
  code: 'conflict-copy';
  path: string;
  file: string;
  file_etag?: string | null;
}

export interface IReadOnlyNotice extends INoticeBase {
  code: 'read-only';
}

/** Something was merged into the document (meshcollab/recovery/notices.py). */
export interface IMergedNotice extends INoticeBase {
  code: 'merged';
  source: string;
  by?: string | null;
  conflicts?: number;
}

/** The document became an earlier version of the file. */
export interface IRestoredNotice extends INoticeBase {
  code: 'restored';
  by?: string;
  version_modified?: string | null;
}

export type RoomNotice =
  | IMergedNotice
  | IRestoredNotice
  | ISavingNotice
  | ISavedNotice
  | ISaveBlockedNotice
  | IConflictCopyNotice
  | IReadOnlyNotice
  | INoticeBase;

/** The room's lasting status notices: the last one received describes the room now. */
export function isStatusNotice(
  notice: RoomNotice
): notice is ISavingNotice | ISavedNotice | ISaveBlockedNotice {
  return (
    notice.code === 'saving' ||
    notice.code === 'saved' ||
    notice.code === 'save-blocked'
  );
}

function readVarUint(data: Uint8Array, at: { pos: number }): number {
  let value = 0;
  let factor = 1;
  for (let i = 0; i < 8; i++) {
    if (at.pos >= data.length) {
      throw new Error('truncated var-uint');
    }
    const byte = data[at.pos++];
    value += (byte & 0x7f) * factor;
    if (byte < 0x80) {
      return value;
    }
    factor *= 128;
  }
  throw new Error('var-uint too long');
}

/**
 * The JSON payload of a RAW message, or null for any other message (sync, awareness), a RAW
 * message that is not JSON, or malformed bytes. Never throws: the room's socket carries
 * messages for others too.
 */
export function decodeRawJson(data: ArrayBuffer | Uint8Array): unknown {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const at = { pos: 0 };
  try {
    if (readVarUint(bytes, at) !== RAW_MESSAGE_TYPE) {
      return null;
    }
    const length = readVarUint(bytes, at);
    if (at.pos + length > bytes.length) {
      return null;
    }
    const text = new TextDecoder('utf-8', { fatal: true }).decode(
      bytes.subarray(at.pos, at.pos + length)
    );
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A notice, if the payload is one; unknown codes are kept (newer servers may send more). */
export function parseNotice(payload: unknown): RoomNotice | null {
  if (
    payload === null ||
    typeof payload !== 'object' ||
    Array.isArray(payload)
  ) {
    return null;
  }
  const candidate = payload as Record<string, unknown>;
  if (candidate.type !== 'notice' || typeof candidate.code !== 'string') {
    return null;
  }
  const message =
    typeof candidate.message === 'string' ? candidate.message : '';
  return { ...(candidate as object), message } as RoomNotice;
}

/** Encode a RAW JSON message (for tests and tools). */
export function encodeRawJson(payload: unknown): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(payload));
  const out: number[] = [RAW_MESSAGE_TYPE];
  let length = text.length;
  while (length > 0x7f) {
    out.push(0x80 | (length & 0x7f));
    length = Math.floor(length / 128);
  }
  out.push(length);
  const result = new Uint8Array(out.length + text.length);
  result.set(out, 0);
  result.set(text, out.length);
  return result;
}
