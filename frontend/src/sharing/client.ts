/** Sends the sharing API's requests with JupyterLab's server settings (its XSRF token and cookies). */

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { IRequest } from './requests';

/** A refusal by the server, with the message it gave (Jupyter's `{"message", "reason"}`). */
export class SharingError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
    this.name = 'SharingError';
  }
}

/** What to tell the user of a failed answer: the server's `message`, else its status. */
export function errorMessage(status: number, statusText: string, body: string): string {
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

export class SharingClient {
  constructor(readonly settings: ServerConnection.ISettings) {}

  /** The answer's JSON (undefined for 204); a SharingError when the server refuses. */
  async send<T>(request: IRequest): Promise<T> {
    const init: RequestInit = { method: request.method };
    if (request.body !== undefined) {
      init.body = JSON.stringify(request.body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    const response = await ServerConnection.makeRequest(
      URLExt.join(this.settings.baseUrl, request.url),
      init,
      this.settings
    );
    const text = await response.text();
    if (!response.ok) {
      throw new SharingError(response.status, errorMessage(response.status, response.statusText, text));
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
