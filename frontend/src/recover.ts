/**
 * Never losing local edits: when the room closes this client with 1003 `unknown_session` (its Y
 * history was reset, or the document is of another history), jupyter-collaboration's provider asks
 * to reload and throws the document away. Before that, send the whole local document to the room's
 * recover path (meshcollab/recovery/README.md), which merges it into the live room cell by cell.
 *
 * No base is sent: the room then merges from its last snapshot (the file as it last wrote or read
 * it), which is safe (README: a base that is too old is safe; one with unsaved edits is not).
 */

import { ServerConnection } from '@jupyterlab/services';
import { apiUrl, requestJSON } from './api';
import { toBase64 } from './session';

export { isUnknownSession, sessionIdOf } from './session';

export interface IRecoverAnswer {
  method: 'merge' | 'crdt';
  changed: boolean;
  conflicts: unknown[];
  sessionId?: string;
}

/** POST the document to the recover path of the notebook at `path` (a Jupyter path). */
export async function recover(
  path: string,
  update: Uint8Array,
  sessionId: string | undefined,
  settings: ServerConnection.ISettings
): Promise<IRecoverAnswer> {
  const body = {
    document: { update: toBase64(update) },
    ...(sessionId ? { sessionId } : {})
  };
  return requestJSON<IRecoverAnswer>(
    settings,
    apiUrl(settings, 'api/meshcollab/recover', path),
    'POST',
    body
  );
}
