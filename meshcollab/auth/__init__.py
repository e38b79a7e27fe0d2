"""Who a request is and what it may do: sign-in (login page, cookie, Basic, Bearer, share links),
the server-side sessions behind the cookie, the authorizer (code execution, link guests), and the
room members whose CS3 permissions are re-checked while they are in a room.

request ─► CS3IdentityProvider (meshcollab.identity_provider) ─► SignIn (signins.py) ─► CS3Session
                                    │                                   └► set_current_session
                                    └► CS3Authorizer (authorizer.py): kernels, terminals, guests
room websocket ─► RoomMembers (members.py): writer sessions for the room's files, permission re-checks

login.py: the login and logout pages; throttle.py: slowing down wrong passwords; guests.py: a link
guest's Jupyter paths (the linked resource only); page_config.py: JupyterLab's page config per user.
The sharing API and joining by link are in meshcollab.sharing (README.md there).
"""

from .authorizer import CS3Authorizer
from .members import RoomMembers
from .signins import SignIn, SignInKind, SignIns
from .throttle import Throttle

__all__ = ["CS3Authorizer", "RoomMembers", "SignIn", "SignInKind", "SignIns", "Throttle"]
