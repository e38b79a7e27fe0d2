"""`/files/<path>`: a file's raw content, streamed from CS3 to the browser chunk by chunk.

The stock handler asks the contents manager for the whole file as a model (base64 in memory); this
one streams the download, so large files go through in bounded memory. It is the contents manager's
`files_handler_class` by default.
"""

from __future__ import annotations

import mimetypes
from contextlib import aclosing

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import JupyterHandler
from tornado import web
from tornado.iostream import StreamClosedError

from meshcollab.contents.errors import explained_http_error
from meshcollab.contents.paths import normalize
from meshcollab.cs3 import CS3Error


def _content_type(name: str) -> str:
    if name.lower().endswith(".ipynb"):
        return "application/x-ipynb+json"
    mime, encoding = mimetypes.guess_type(name)
    if encoding == "gzip":
        return "application/gzip"
    if encoding is not None or mime is None:
        return "application/octet-stream"
    if mime == "text/plain":
        return "text/plain; charset=UTF-8"
    return mime


class CS3FilesHandler(JupyterHandler):
    """Serve a file of the current user's CS3 storage."""

    auth_resource = "contents"

    @property
    def content_security_policy(self) -> str:
        # HTML or SVG served from here must not script the Jupyter origin.
        return super().content_security_policy + "; sandbox allow-scripts"

    @web.authenticated
    @authorized
    async def head(self, path: str) -> None:
        await self._serve(path, include_body=False)

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        await self._serve(path, include_body=True)

    async def _serve(self, path: str, *, include_body: bool) -> None:
        # /files/ requests must come from the same site, as the stock handler requires.
        self.check_xsrf_cookie()
        cm = self.contents_manager
        api_path = normalize(path)
        if not cm.allow_hidden and await cm.is_hidden(api_path):
            raise web.HTTPError(404)
        resource = await cm.resource(api_path)
        if not resource.is_file:
            raise web.HTTPError(400, f"{api_path!r} is a directory, not a file")
        name = api_path.rsplit("/", 1)[-1]
        if self.get_argument("download", None):
            self.set_attachment_header(name)
        self.set_header("Content-Type", _content_type(name))
        if not include_body:
            # Only for HEAD: the content streamed by GET may differ if the file changes meanwhile.
            self.set_header("Content-Length", str(resource.size))
        if resource.mtime:
            self.set_header("Last-Modified", resource.mtime)
        if resource.etag:
            self.set_header("Etag", '"' + resource.etag.strip('"') + '"')
        if not include_body:
            return
        session = cm.session()
        sent = False
        try:
            async with aclosing(session.files.read(resource)) as chunks:
                async for chunk in chunks:
                    self.write(chunk)
                    await self.flush()
                    sent = True
        except StreamClosedError:
            return  # the browser went away
        except CS3Error as error:
            if sent:
                # The status line is gone already; cutting the connection tells the browser it failed.
                self.log.warning("download of %s broke off: %s", api_path, error)
                self.request.connection.close()
                return
            raise await explained_http_error(
                error, path=api_path, action="read", session=session, target=None
            )
