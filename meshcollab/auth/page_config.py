"""JupyterLab's page config, per signed-in user (jupyterlab_server's `page_config_hook`).

- No token: JupyterLab would put Jupyter's token into every page and send it with every request, so
  every signed-in user would hold it (in single-user mode, the server's CS3 user's powers). Pages
  authenticate with their login cookie instead.
- Users who may not run code (`MeshCollab.code_execution_users`, link guests) get notebooks that
  open without starting a kernel and no terminals, instead of an error dialog at every open.
- Link guests cannot share (the sharing API refuses them): `meshcollabMayShare` is "false", and the
  frontend shows no share command.
"""

from __future__ import annotations

from collections.abc import Callable

PageConfigHook = Callable[[object, dict], dict]


def page_config_hook(previous: PageConfigHook | None = None) -> PageConfigHook:
    def hook(handler, page_config: dict) -> dict:
        from meshcollab.identity_provider import sign_in_of

        if previous is not None:
            page_config = previous(handler, page_config)
        page_config = {**page_config, "token": ""}
        sign_in = sign_in_of(handler)
        authorizer = handler.settings.get("authorizer")
        may_run_code = sign_in is not None and (
            authorizer.may_run_code(handler, sign_in) if hasattr(authorizer, "may_run_code") else True
        )
        if not may_run_code:
            page_config["notebookStartsKernel"] = "false"
            page_config["terminalsAvailable"] = False
        page_config["meshcollabMayShare"] = "false" if sign_in is None or sign_in.is_guest else "true"
        return page_config

    return hook
