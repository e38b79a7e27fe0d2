/** JSON requests to the server's meshcollab API, with JupyterLab's settings (base URL, XSRF, auth). */

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The URL of an API endpoint; `path` (a Jupyter path) is appended with each part encoded. */
export function apiUrl(
  settings: ServerConnection.ISettings,
  endpoint: string,
  path?: string,
  query?: Record<string, string | undefined>
): string {
  let url = URLExt.join(settings.baseUrl, endpoint);
  if (path !== undefined) {
    url = URLExt.join(url, URLExt.encodeParts(path));
  }
  const params = Object.entries(query ?? {}).filter(
    (entry): entry is [string, string] => entry[1] !== undefined
  );
  return params.length ? url + URLExt.objectToQueryString(Object.fromEntries(params)) : url;
}

/**
 * Send a request and return its JSON answer (undefined for 204). A failure throws
 * `ServerConnection.ResponseError`, whose message is the server's own explanation.
 */
export async function requestJSON<T>(
  settings: ServerConnection.ISettings,
  url: string,
  method = 'GET',
  body?: unknown
): Promise<T> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'Content-Type': 'application/json' };
  }
  const response = await ServerConnection.makeRequest(url, init, settings);
  if (!response.ok) {
    throw await ServerConnection.ResponseError.create(response);
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** What to show a user of a failed request: the server's message, else the error's. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
