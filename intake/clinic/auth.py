"""Staff sign-in state with Flask-Login: every request checks its session in the database."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import LoginManager, current_user, login_required

from intake.clinic import services
from intake.services import is_reference

login_manager = LoginManager()
login_manager.login_view = "clinic.login"
login_manager.login_message = "Sign in to see this page."
login_manager.session_protection = None  # the server-side session record is the protection


@login_manager.user_loader
def load_user(session_token: str):
    return services.load_session_user(session_token)


def role_required(*roles: str, action: str | None = None):
    """Signed in with one of these roles; anyone else signed in gets 403, audited as `action`."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                if action:
                    reference = (kwargs.get("reference") or "").upper()
                    services.audit(
                        current_user,
                        action,
                        reference if is_reference(reference) else None,
                        "denied",
                    )
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
