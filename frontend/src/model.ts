/**
 * The live room status of one open notebook: binds the reducer (status.ts) to the notebook's
 * document provider (its y-websocket connection), its awareness and its contents model.
 */

import type { ICollaborativeContentProvider } from '@jupyter/collaborative-drive';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { INotebookModel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';
import { IDisposable } from '@lumino/disposable';
import { RoomNotice } from './notices';
import { INITIAL_STATUS, IRoomStatus, RoomEvent, reduce } from './status';
import { IPerson, peopleOf } from './presence';
import {
  IRoomSocketClose,
  observeRoomNotices,
  roomSocketClosed,
  roomSocketCreated
} from './roomsocket';
import { IRecoverAnswer, isUnknownSession, recover, sessionIdOf } from './recover';
import type { ServerConnection } from '@jupyterlab/services';
import { encodeStateAsUpdate } from 'yjs';

/** What we use of y-websocket's WebsocketProvider (`provider.wsProvider`). */
interface IYWebsocketProvider {
  ws: WebSocket | null;
  wsconnected: boolean;
  synced: boolean;
  on(event: 'status', f: (e: { status: string }) => void): void;
  on(event: 'sync', f: (synced: boolean) => void): void;
  off(event: string, f: (...args: any[]) => void): void;
}

/** What we use of jupyter-collaboration's WebSocketProvider. */
interface IDocProvider {
  readonly isDisposed: boolean;
  readonly wsProvider?: IYWebsocketProvider | null;
}

/** What we use of a Y.Doc. */
interface IYDoc {
  on(event: 'update', f: (update: Uint8Array, origin: unknown) => void): void;
  off(event: 'update', f: (update: Uint8Array, origin: unknown) => void): void;
}

/** How often to look for a provider's new connection when no socket event said so. */
const FALLBACK_POLL_MS = 1000;

export class RoomStatusModel implements IDisposable {
  constructor(
    private readonly _context: DocumentRegistry.IContext<INotebookModel>,
    private readonly _drive: ICollaborativeContentProvider | null,
    private readonly _localPath: (path: string) => string,
    private readonly _serverSettings?: ServerConnection.ISettings
  ) {
    const sharedModel = _context.model.sharedModel;
    this._awareness = sharedModel.awareness;
    this._awareness.on('change', this._onAwareness);
    this._onAwareness();
    // The shared model of a collaborative notebook is a YNotebook (jupyter-ydoc): it has a ydoc.
    this._ydoc = (sharedModel as unknown as { ydoc: IYDoc }).ydoc;
    this._ydoc.on('update', this._onUpdate);
    _context.fileChanged.connect(this._onFileChanged, this);
    this._onFileChanged();
    roomSocketCreated.connect(this._onSocketCreated, this);
    roomSocketClosed.connect(this._onSocketClosed, this);
    this._poll = window.setInterval(() => this._bind(), FALLBACK_POLL_MS);
    window.addEventListener('offline', this._onBrowserOnline);
    window.addEventListener('online', this._onBrowserOnline);
    this._bind();
  }

  /** The status now. */
  get status(): IRoomStatus {
    return this._status;
  }

  /** Everyone in the room (one entry per user). */
  get people(): IPerson[] {
    return this._people;
  }

  /** Emitted when the status or the people change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The local document went to the room's recover path (the room had lost its history). */
  get recovered(): ISignal<this, IRecoverAnswer | Error> {
    return this._recovered;
  }

  /** A notice arrived (for one-off messages such as conflict copies). */
  get noticeReceived(): ISignal<this, RoomNotice> {
    return this._noticeReceived;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    window.clearInterval(this._poll);
    window.removeEventListener('offline', this._onBrowserOnline);
    window.removeEventListener('online', this._onBrowserOnline);
    this._awareness.off('change', this._onAwareness);
    this._ydoc.off('update', this._onUpdate);
    this._unbindSocket();
    this._unbindProvider();
    Signal.clearData(this);
  }

  private _dispatch(event: RoomEvent): void {
    const next = reduce(this._status, event);
    if (next !== this._status) {
      this._status = next;
      this._changed.emit();
    }
  }

  /** The document provider of this notebook, from the collaborative drive. */
  private _provider(): IDocProvider | null {
    if (!this._drive) {
      return null;
    }
    const key = `json:notebook:${this._localPath(this._context.path)}`;
    const provider = this._drive.providers.get(key) as unknown as IDocProvider | undefined;
    return provider && !provider.isDisposed ? provider : null;
  }

  /** Follow the provider's current y-websocket provider and socket (they change on reconnect). */
  private _bind(): void {
    if (this._isDisposed) {
      return;
    }
    const wsProvider = this._provider()?.wsProvider ?? null;
    if (wsProvider !== this._wsProvider) {
      this._unbindProvider();
      this._wsProvider = wsProvider;
      if (wsProvider) {
        wsProvider.on('status', this._onStatus);
        wsProvider.on('sync', this._onSync);
      }
    }
    const ws = wsProvider?.ws ?? null;
    if (ws !== this._ws) {
      this._unbindSocket();
      this._ws = ws;
      if (ws) {
        this._stopNotices = observeRoomNotices(ws, this._onNotice);
      }
    }
    this._refreshConnection();
  }

  private _unbindProvider(): void {
    this._wsProvider?.off('status', this._onStatus);
    this._wsProvider?.off('sync', this._onSync);
    this._wsProvider = null;
  }

  private _unbindSocket(): void {
    this._stopNotices?.();
    this._stopNotices = null;
    this._ws = null;
  }

  private _refreshConnection(): void {
    const provider = this._wsProvider;
    let state: 'connecting' | 'online' | 'offline';
    if (!navigator.onLine) {
      state = 'offline';
    } else if (provider?.wsconnected) {
      state = 'online';
    } else {
      state = this._everConnected ? 'offline' : 'connecting';
    }
    if (state === 'online') {
      this._everConnected = true;
    }
    this._dispatch({ type: 'connection', state });
    if (state === 'online' && provider?.synced) {
      this._dispatch({ type: 'synced', synced: true });
    }
  }

  /**
   * The room closed us with 1003 unknown_session: the provider is about to ask for a reload and
   * drop the document (after its dialog). Send the document to the recover path first. Only once:
   * y-websocket keeps reconnecting (and is refused the same way) until the user answers.
   */
  private _onSocketClosed(_: object, closed: IRoomSocketClose): void {
    if (
      closed.socket !== this._ws ||
      this._recovering ||
      !isUnknownSession(closed) ||
      !this._serverSettings
    ) {
      return;
    }
    this._recovering = true;
    const update = encodeStateAsUpdate(this._ydoc as any);
    const path = this._localPath(this._context.path);
    recover(path, update, sessionIdOf(closed.socket.url), this._serverSettings)
      .then(answer => this._recovered.emit(answer))
      .catch(error =>
        this._recovered.emit(error instanceof Error ? error : new Error(String(error)))
      );
  }

  private _onSocketCreated(): void {
    // The provider stores the socket right after constructing it.
    window.setTimeout(() => this._bind(), 0);
  }

  private _onStatus = (): void => {
    this._bind();
  };

  private _onSync = (synced: boolean): void => {
    this._refreshConnection();
    this._dispatch({ type: 'synced', synced });
  };

  private _onBrowserOnline = (): void => {
    this._refreshConnection();
  };

  private _onNotice = (notice: RoomNotice): void => {
    this._dispatch({ type: 'notice', notice });
    this._noticeReceived.emit(notice);
  };

  private _onUpdate = (_update: Uint8Array, origin: unknown): void => {
    // Updates from the room carry the y-websocket provider as origin; the rest are this user's.
    if (origin !== this._wsProvider && origin !== this._provider()) {
      this._dispatch({ type: 'local-edit' });
    }
  };

  private _onFileChanged(): void {
    const writable = this._context.contentsModel?.writable;
    if (typeof writable === 'boolean') {
      this._dispatch({ type: 'writable', writable });
    }
  }

  private _onAwareness = (): void => {
    this._people = peopleOf(
      this._awareness.getStates() as Map<number, Record<string, any>>,
      this._awareness.clientID
    );
    this._changed.emit();
  };

  private _status: IRoomStatus = INITIAL_STATUS;
  private _people: IPerson[] = [];
  private _awareness: DocumentRegistry.IContext<INotebookModel>['model']['sharedModel']['awareness'];
  private _ydoc: IYDoc;
  private _wsProvider: IYWebsocketProvider | null = null;
  private _ws: WebSocket | null = null;
  private _stopNotices: (() => void) | null = null;
  private _everConnected = false;
  private _recovering = false;
  private _poll: number;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
  private _noticeReceived = new Signal<this, RoomNotice>(this);
  private _recovered = new Signal<this, IRecoverAnswer | Error>(this);
}
