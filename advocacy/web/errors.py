"""Exceptions of the web application. Each one says what the person who meets it can do next; the HTTP
status each becomes is decided in one place, :mod:`advocacy.web.handlers`."""


class WebError(Exception):
    """Base class of the web application's errors."""


class InvalidInput(WebError, ValueError):
    """A value the request sent cannot be used (an unknown theme or template, say); the message names it
    and what is accepted."""


class NotFound(WebError):
    """What the request names (an article, a saved search, a user, a token) does not exist."""


class Conflict(WebError):
    """The request cannot be carried out in the present state: a name already taken, an article the ledger
    does not hold. The message says what to do instead."""


class Unavailable(WebError):
    """Something the server needs is missing or broken (the index, the ledger, the configuration,
    LibreOffice for PDF). Nothing the user sent is wrong; the message tells the administrator what to fix."""


class AccountError(WebError, ValueError):
    """An account cannot be created or changed as asked: unknown role, weak password, malformed username,
    or removing, demoting or disabling the last administrator. The message says what to change."""


class AccountNotFound(AccountError, NotFound):
    """No user or API token of that name or id."""


class AccountExists(AccountError, Conflict):
    """A user of that name, or a token of that name for that user, exists already."""


class SignInError(WebError):
    """Wrong username or password. The message is the same whichever was wrong, so that it tells nobody
    which usernames exist; a disabled account is reported as such only after its password was right."""


class TooManyAttempts(SignInError):
    """Too many failed sign-ins for this username or from this address in the recent window.
    ``retry_after`` is the number of seconds until the next attempt will be considered."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class NotSignedIn(WebError):
    """The request carries no valid session cookie or API token. Pages answer with a redirect to /login,
    the API with 401."""


class Forbidden(WebError):
    """The signed-in user's role is too low for what was asked (the message names the role needed)."""


class CsrfError(Forbidden):
    """A cookie-authenticated request that changes something came without the session's CSRF token, or
    with a wrong one: it may have been sent by another web site in the user's browser."""


class RemoteServingRefused(WebError):
    """`advocacy serve` was asked to listen on an address other machines can reach without --allow-remote."""
