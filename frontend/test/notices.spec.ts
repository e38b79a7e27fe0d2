import { describe, expect, it } from 'vitest';
import { decodeRawJson, encodeRawJson, isStatusNotice, parseNotice } from '../src/notices';

describe('decodeRawJson', () => {
  it('reads the JSON of a RAW message', () => {
    const payload = { type: 'notice', code: 'saving', message: 'Saving to CS3…' };
    expect(decodeRawJson(encodeRawJson(payload))).toEqual(payload);
  });

  it('reads a payload longer than 127 bytes (multi-byte length)', () => {
    const payload = { type: 'notice', code: 'saved', message: 'x'.repeat(500) };
    const bytes = encodeRawJson(payload);
    expect(bytes[1]).toBeGreaterThan(0x7f);
    expect(decodeRawJson(bytes.buffer as ArrayBuffer)).toEqual(payload);
  });

  it('ignores sync and awareness messages', () => {
    expect(decodeRawJson(new Uint8Array([0, 0, 1, 0]))).toBeNull();
    expect(decodeRawJson(new Uint8Array([1, 1, 0]))).toBeNull();
  });

  it('never throws on broken input', () => {
    expect(decodeRawJson(new Uint8Array([]))).toBeNull();
    expect(decodeRawJson(new Uint8Array([2, 10, 123]))).toBeNull(); // length beyond the end
    expect(decodeRawJson(new Uint8Array([2, 2, 0xff, 0xfe]))).toBeNull(); // not UTF-8
    expect(decodeRawJson(new Uint8Array([2, 1, 0x7b]))).toBeNull(); // "{" is not JSON
    expect(decodeRawJson(new Uint8Array([2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBeNull();
  });
});

describe('parseNotice', () => {
  it('takes notices and keeps their details', () => {
    const notice = parseNotice({
      type: 'notice',
      code: 'save-blocked',
      message: 'Cannot save',
      reason: 'locked',
      holder: { app: 'office', user: 'marie', expires: null, advisory: false }
    });
    expect(notice?.code).toBe('save-blocked');
    expect((notice as any).holder.user).toBe('marie');
    expect(isStatusNotice(notice!)).toBe(true);
  });

  it('keeps unknown codes (newer servers) but not other messages', () => {
    expect(parseNotice({ type: 'notice', code: 'merged', message: 'Merged' })?.code).toBe('merged');
    expect(parseNotice({ type: 'notice', code: 'x' })?.message).toBe('');
    expect(parseNotice({ type: 'save', responseTo: 1, status: 'success' })).toBeNull();
    expect(parseNotice(null)).toBeNull();
    expect(parseNotice([1, 2])).toBeNull();
    expect(parseNotice('notice')).toBeNull();
  });

  it('tells lasting status from one-off notices', () => {
    expect(isStatusNotice({ type: 'notice', code: 'conflict-copy', message: '' })).toBe(false);
    expect(isStatusNotice({ type: 'notice', code: 'read-only', message: '' })).toBe(false);
  });
});
