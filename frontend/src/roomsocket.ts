/**
 * Seeing the RAW notices of a room from the moment its websocket opens.
 *
 * Why this module intercepts: the room sends its status (saved / saving / save-blocked) once, right
 * after a client joins. jupyter-collaboration's document provider (`@jupyter/docprovider`) offers
 * no token or signal for RAW messages; it creates its y-websocket provider only after an HTTP round
 * trip (the session request), and the status notice can arrive before any plugin could find that
 * provider and listen. The provider builds its socket with `serverSettings.WebSocket` (a documented
 * setting of `ServerConnection.ISettings`), so we give it a WebSocket subclass that records the
 * RAW notices of room sockets (URLs under `api/collaboration/room/`) from their first message.
 * Every other socket (kernels, terminals, events) is a plain WebSocket and is not looked at.
 * Nothing is changed on the wire: the subclass only listens.
 */

import { Signal, ISignal } from '@lumino/signaling';
import { RoomNotice, decodeRawJson, parseNotice, isStatusNotice } from './notices';

const ROOM_PATH = 'api/collaboration/room/';

interface ISocketRecord {
  /** The last lasting status and the read-only notice: what a late listener needs. */
  status: RoomNotice | null;
  readOnly: RoomNotice | null;
  listeners: Set<(notice: RoomNotice) => void>;
}

const records = new WeakMap<WebSocket, ISocketRecord>();
const socketCreated = new Signal<object, WebSocket>({});

/** Emitted when a room socket is created (the provider that owns it is assigned just after). */
export const roomSocketCreated: ISignal<object, WebSocket> = socketCreated;

export interface IRoomSocketClose {
  socket: WebSocket;
  code: number;
  reason: string;
}

const socketClosed = new Signal<object, IRoomSocketClose>({});

/**
 * Emitted when a room socket closes, before y-websocket's own close handler runs (this listener is
 * registered first): the document is still whole and the provider has not reacted yet.
 */
export const roomSocketClosed: ISignal<object, IRoomSocketClose> = socketClosed;

function record(ws: WebSocket, event: MessageEvent): void {
  if (!(event.data instanceof ArrayBuffer)) {
    return;
  }
  const notice = parseNotice(decodeRawJson(event.data));
  const entry = records.get(ws);
  if (!notice || !entry) {
    return;
  }
  if (isStatusNotice(notice)) {
    entry.status = notice;
  } else if (notice.code === 'read-only') {
    entry.readOnly = notice;
  }
  for (const listener of [...entry.listeners]) {
    listener(notice);
  }
}

/** Install the recording WebSocket into the server settings; false if they cannot take it. */
export function installRoomSocketRecorder(settings: { WebSocket: typeof WebSocket }): boolean {
  const Base = settings.WebSocket;
  if ((Base as any).__meshcollabRecorder) {
    return true;
  }
  class RecordingWebSocket extends Base {
    static __meshcollabRecorder = true;
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      if (String(url).includes(ROOM_PATH)) {
        records.set(this, { status: null, readOnly: null, listeners: new Set() });
        this.addEventListener('message', event => record(this, event));
        this.addEventListener('close', event =>
          socketClosed.emit({ socket: this, code: event.code, reason: event.reason })
        );
        socketCreated.emit(this);
      }
    }
  }
  try {
    (settings as { WebSocket: typeof WebSocket }).WebSocket = RecordingWebSocket;
  } catch {
    return false;
  }
  return settings.WebSocket === RecordingWebSocket;
}

/**
 * Call `listener` for every notice on `ws`: first the ones that describe the room now (when the
 * socket was recorded from its start), then each new one. Sockets the recorder did not see are
 * listened to directly from now on. Returns a function that stops listening.
 */
export function observeRoomNotices(
  ws: WebSocket,
  listener: (notice: RoomNotice) => void
): () => void {
  const entry = records.get(ws);
  if (entry) {
    for (const notice of [entry.status, entry.readOnly]) {
      if (notice) {
        listener(notice);
      }
    }
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
  }
  const onMessage = (event: MessageEvent) => {
    if (event.data instanceof ArrayBuffer) {
      const notice = parseNotice(decodeRawJson(event.data));
      if (notice) {
        listener(notice);
      }
    }
  };
  ws.addEventListener('message', onMessage);
  return () => ws.removeEventListener('message', onMessage);
}
