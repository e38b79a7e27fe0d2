"""The login and logout pages: CS3 username and password, checked by the gateway's basic auth.

The login page is Jupyter's login seam (`IdentityProvider.login_handler_class`): JupyterLab sends a
browser without a sign-in to `/login?next=…`, and back to `next` once it is signed in. The form
carries Jupyter's XSRF token like every cookie-authenticated POST.
"""

from __future__ import annotations

from html import escape

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.login import LoginFormHandler
from jupyter_server.base.handlers import JupyterHandler

from meshcollab.auth.signins import SignIn
from meshcollab.auth.throttle import TooManyAttempts

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} – meshcollab</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}}
label,input,button{{display:block;width:100%;margin:.3rem 0}}input,button{{padding:.5rem;box-sizing:border-box}}
.error{{color:#b00020}}.info{{color:#225}}</style></head>
<body><h1>{title}</h1>{body}</body></html>"""

FORM = """{message}<form method="post" action="{action}">{xsrf}
<input type="hidden" name="next" value="{next}">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" value="{username}" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>"""


def page(title: str, body: str) -> str:
    return PAGE.format(title=escape(title), body=body)


def message_html(text: str, kind: str = "error") -> str:
    return f'<p class="{kind}" role="alert">{escape(text)}</p>' if text else ""


class CS3LoginHandler(LoginFormHandler):
    """`/login`: sign in with CS3 credentials; a server-side sign-in behind a signed cookie."""

    def _render(self, message: str = "", username: str = "") -> None:
        next_url = self.get_argument("next", default=self.base_url)
        body = FORM.format(
            message=message_html(message),
            action=escape(self.request.path),
            xsrf=self.xsrf_form_html(),
            next=escape(next_url),
            username=escape(username),
        )
        self.write(page("Sign in to CS3 storage", body))

    @allow_unauthenticated
    def get(self) -> None:
        if self.current_user:
            self._redirect_safe(self.get_argument("next", default=self.base_url))
        else:
            self._render()

    @allow_unauthenticated
    async def post(self) -> None:
        username = self.get_argument("username", default="").strip()
        password = self.get_argument("password", default="")
        provider = self.identity_provider
        session = None
        if username:
            gateway = self.settings["meshcollab"].runtime.gateway
            session = await provider.check_password(self, gateway, username, password)
        if session is None:
            self.set_status(401)
            self._render("Wrong user name or password.", username)
            return
        sign_in = SignIn.of_user(session)
        provider.start_session(self, sign_in)
        self.log.info("%s signed in", username)
        self._redirect_safe(self.get_argument("next", default=self.base_url))

    def write_error(self, status_code: int, **kwargs) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, TooManyAttempts):
            self.set_header("Retry-After", str(error.retry_after))
            self._render(error.log_message)
            return
        super().write_error(status_code, **kwargs)


class CS3LogoutHandler(JupyterHandler):
    """`/logout`: the server-side sign-in ends (the cookie stops working everywhere), the cookie goes."""

    @allow_unauthenticated
    def get(self) -> None:
        self.identity_provider.clear_login_cookie(self)
        login = f"{self.base_url}login"
        body = f'<p class="info">You are signed out.</p><p><a href="{escape(login)}">Sign in again</a></p>'
        self.write(page("Signed out", body))

    @allow_unauthenticated
    def post(self) -> None:
        self.get()
