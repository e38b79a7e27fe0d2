import { describe, expect, it } from 'vitest';
import { isUnknownSession, sessionIdOf, toBase64 } from '../src/session';

describe('the room closing an unknown session', () => {
  it('is 1003 with reason unknown_session', () => {
    const reason = JSON.stringify({ reason: 'unknown_session', sessionId: 'old', reloadable: true });
    expect(isUnknownSession({ code: 1003, reason })).toBe(true);
    expect(isUnknownSession({ code: 1003, reason: JSON.stringify({ reason: 'version_mismatch' }) })).toBe(false);
    expect(isUnknownSession({ code: 1003, reason: 'not json' })).toBe(false);
    expect(isUnknownSession({ code: 1000, reason })).toBe(false);
  });
});

describe('recover encodings', () => {
  it('base64 of any bytes, also large ones', () => {
    expect(toBase64(new Uint8Array([0, 1, 2, 250, 255]))).toBe(Buffer.from([0, 1, 2, 250, 255]).toString('base64'));
    const big = new Uint8Array(100_000).map((_, i) => i % 256);
    expect(toBase64(big)).toBe(Buffer.from(big).toString('base64'));
  });

  it('the sessionId a socket was opened with', () => {
    expect(sessionIdOf('ws://h/api/collaboration/room/json:notebook:x?sessionId=abc&token=t')).toBe('abc');
    expect(sessionIdOf('ws://h/api/collaboration/room/json:notebook:x')).toBeUndefined();
    expect(sessionIdOf('not a url')).toBeUndefined();
  });
});
