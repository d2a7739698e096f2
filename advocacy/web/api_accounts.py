"""Accounts through the API: every user manages their own API tokens; admins manage users."""
from __future__ import annotations

from fastapi import APIRouter, Path, Request, Response

from advocacy.web.accounts import check_password
from advocacy.web.auth import accounts_of
from advocacy.web.context import Admin, Viewer
from advocacy.web.schemas import NewTokenOut, TokenIn, TokenOut, UserIn, UserOut, UserPatch, errors

router = APIRouter()


@router.get("/tokens", response_model=list[TokenOut], tags=["accounts"], responses=errors())
def tokens(request: Request, user: Viewer):
    """Your API tokens (never the tokens themselves, which are not kept)."""
    return accounts_of(request).tokens(user.username)


@router.post("/tokens", response_model=NewTokenOut, status_code=201, tags=["accounts"], responses=errors(400, 409))
def add_token(request: Request, body: TokenIn, user: Viewer):
    """Make an API token for yourself. The answer holds the token: keep it, it is never shown again."""
    secret, token = accounts_of(request).add_token(user.username, body.name)
    return NewTokenOut(**token.__dict__, token=secret)


@router.delete("/tokens/{token_id}", status_code=204, tags=["accounts"], responses=errors(404))
def revoke_token(request: Request, user: Viewer, token_id: int = Path(ge=1, le=2 ** 62)):
    """Revoke one of your API tokens; programs using it are refused from now on."""
    accounts_of(request).revoke_token(token_id, username=user.username)
    return Response(status_code=204)


@router.get("/users", response_model=list[UserOut], tags=["accounts"], responses=errors())
def users(request: Request, user: Admin):
    """Every user, with their role. Admins only."""
    return accounts_of(request).users()


@router.post("/users", response_model=UserOut, status_code=201, tags=["accounts"], responses=errors(400, 409))
def add_user(request: Request, body: UserIn, user: Admin):
    """Create a user. Admins only."""
    return accounts_of(request).add_user(body.username, body.password, role=body.role,
                                         display_name=body.display_name)


@router.patch("/users/{username}", response_model=UserOut, tags=["accounts"], responses=errors(400, 404))
def update_user(request: Request, body: UserPatch, user: Admin, username: str = Path(max_length=64)):
    """Change a user's role, display name, password or disabled flag. A new password or disabling ends
    their sessions. The last enabled admin cannot be demoted or disabled. Admins only."""
    accounts = accounts_of(request)
    if body.password is not None:
        check_password(body.password, username)   # before any change, so a weak one changes nothing
    updated = accounts.update_user(username, role=body.role, display_name=body.display_name, disabled=body.disabled)
    if body.password is not None:
        accounts.set_password(username, body.password)
    return updated


@router.delete("/users/{username}", status_code=204, tags=["accounts"], responses=errors(400, 404))
def remove_user(request: Request, user: Admin, username: str = Path(max_length=64)):
    """Remove a user with their sessions and tokens. The last enabled admin cannot be removed. Admins only."""
    accounts_of(request).remove_user(username)
    return Response(status_code=204)
