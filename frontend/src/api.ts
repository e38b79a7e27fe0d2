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

/** A refusal by the server, with the message it gave (Jupyter's `{"message", "reason"}`). */
export class APIError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
    this.name = 'APIError';
  }
}

/** What to tell the user of a refused request: the server's `message`, else its status. */
export function refusalMessage(status: number, statusText: string, body: string): string {
  try {
    const parsed = JSON.parse(body);
    if (parsed && typeof parsed.message === 'string' && parsed.message) {
      return parsed.message;
    }
  } catch {
    // Not JSON (a proxy's page): the status says what there is to say.
  }
  return `${status} ${statusText}`.trim();
}

/** Send a request; its JSON answer (undefined for 204), or an APIError when the server refuses. */
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
  const text = await response.text();
  if (!response.ok) {
    throw new APIError(response.status, refusalMessage(response.status, response.statusText, text));
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The message of anything thrown (the server's own words for an APIError). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
