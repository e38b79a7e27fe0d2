import { describe, expect, it } from 'vitest';
import { installRoomSocketRecorder, observeRoomNotices, roomSocketCreated } from '../src/roomsocket';
import { encodeRawJson, RoomNotice } from '../src/notices';

/** A stand-in WebSocket: an EventTarget whose messages the test delivers. */
class FakeSocket extends EventTarget {
  constructor(public url: string | URL, public protocols?: string | string[]) {
    super();
  }
  deliver(data: unknown): void {
    this.dispatchEvent(new MessageEvent('message', { data }));
  }
}

const bytes = (payload: unknown) => encodeRawJson(payload).slice().buffer as ArrayBuffer;

describe('room socket recorder', () => {
  it('records the status of room sockets from their first message, for listeners who come later', () => {
    const settings = { WebSocket: FakeSocket as unknown as typeof WebSocket };
    expect(installRoomSocketRecorder(settings)).toBe(true);
    expect(installRoomSocketRecorder(settings)).toBe(true); // once only
    const created: unknown[] = [];
    roomSocketCreated.connect((_, ws) => created.push(ws));

    const ws = new settings.WebSocket('ws://h/api/collaboration/room/json:notebook:abc') as unknown as FakeSocket;
    expect(created).toEqual([ws]);
    ws.deliver(new Uint8Array([0, 0, 1, 0]).buffer); // sync step 1: not ours
    ws.deliver(bytes({ type: 'notice', code: 'saved', message: 'Saved', saved_at: null }));
    ws.deliver(bytes({ type: 'save', responseTo: 1, status: 'success' }));

    const seen: RoomNotice[] = [];
    const stop = observeRoomNotices(ws as unknown as WebSocket, n => seen.push(n));
    expect(seen.map(n => n.code)).toEqual(['saved']);
    ws.deliver(bytes({ type: 'notice', code: 'read-only', message: 'view only' }));
    expect(seen.map(n => n.code)).toEqual(['saved', 'read-only']);
    stop();
    ws.deliver(bytes({ type: 'notice', code: 'saving', message: '' }));
    expect(seen).toHaveLength(2);

    // A later listener gets the room as it is now: the last status and the read-only notice.
    const late: string[] = [];
    observeRoomNotices(ws as unknown as WebSocket, n => late.push(n.code));
    expect(late).toEqual(['saving', 'read-only']);
  });

  it('leaves other sockets alone; sockets it never saw are listened to directly', () => {
    const settings = { WebSocket: FakeSocket as unknown as typeof WebSocket };
    installRoomSocketRecorder(settings);
    const kernel = new settings.WebSocket('ws://h/api/kernels/1/channels') as unknown as FakeSocket;
    const seen: string[] = [];
    observeRoomNotices(kernel as unknown as WebSocket, n => seen.push(n.code));
    kernel.deliver(bytes({ type: 'notice', code: 'saving', message: '' }));
    expect(seen).toEqual(['saving']);
  });

  it('frozen settings: reports that it could not install', () => {
    const settings = Object.freeze({ WebSocket: FakeSocket as unknown as typeof WebSocket });
    expect(installRoomSocketRecorder(settings)).toBe(false);
  });
});
