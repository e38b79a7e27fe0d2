/** Sends the sharing API's requests with JupyterLab's server settings (its XSRF token and cookies). */

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { requestJSON } from '../api';
import { IRequest } from './requests';

export class SharingClient {
  constructor(readonly settings: ServerConnection.ISettings) {}

  /** The answer's JSON (undefined for 204); an APIError with the server's message when it refuses. */
  send<T>(request: IRequest): Promise<T> {
    return requestJSON<T>(this.settings, URLExt.join(this.settings.baseUrl, request.url), request.method, request.body);
  }
}
