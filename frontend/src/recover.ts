/**
 * Never losing local edits: when the room closes this client with 1003 `unknown_session` (its Y
 * history was reset, or the document is of another history), jupyter-collaboration's provider asks
 * to reload and throws the document away. Before that, send the whole local document to the room's
 * recover path (meshcollab/recovery/README.md), which merges it into the live room cell by cell.
 *
 * No base is sent: the room then merges from its last snapshot (the file as it last wrote or read
 * it), which is safe (README: a base that is too old is safe; one with unsaved edits is not).
 */

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
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
  const url = URLExt.join(
    settings.baseUrl,
    'api/meshcollab/recover',
    URLExt.encodeParts(path)
  );
  const body = JSON.stringify({
    document: { update: toBase64(update) },
    ...(sessionId ? { sessionId } : {})
  });
  const response = await ServerConnection.makeRequest(
    url,
    { method: 'POST', body },
    settings
  );
  if (!response.ok) {
    throw await ServerConnection.ResponseError.create(response);
  }
  return (await response.json()) as IRecoverAnswer;
}
