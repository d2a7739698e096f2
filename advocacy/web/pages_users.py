"""Users, for administrators: add, change a role, disable or enable, remove; the last enabled admin stays."""
from __future__ import annotations

from fastapi import APIRouter, Form, Request

from advocacy.web.accounts import ROLES
from advocacy.web.auth import accounts_of
from advocacy.web.context import Admin
from advocacy.web.errors import AccountError
from advocacy.web.i18n import language_of, translator
from advocacy.web.pages import error_text, redirect, render

router = APIRouter(include_in_schema=False)


def _users_page(request: Request, *, form: dict | None = None, error: str = "", status: int = 200):
    return render(request, "users.html", status=status, section="users", users=accounts_of(request).users(),
                  roles=ROLES, error=error,
                  form=form or {"username": "", "display_name": "", "role": "viewer"})


@router.get("/admin/users")
def users_page(request: Request, user: Admin):
    return _users_page(request)


@router.post("/admin/users")
def add_user(request: Request, user: Admin, username: str = Form("", max_length=200),
             display_name: str = Form("", max_length=200), role: str = Form("viewer", max_length=20),
             password: str = Form("", max_length=2000), password_again: str = Form("", max_length=2000)):
    t = translator(language_of(request))
    form = {"username": username, "display_name": display_name, "role": role}
    if password != password_again:
        return _users_page(request, form=form, error=t("users.passwords_differ"), status=400)
    try:
        accounts_of(request).add_user(username, password, role=role, display_name=display_name)
    except AccountError as exc:
        return _users_page(request, form=form, error=error_text(exc), status=409 if "exists" in str(exc) else 400)
    return redirect("/admin/users", notice="user_added")


@router.post("/admin/users/role")
def change_role(request: Request, user: Admin, username: str = Form("", max_length=200),
                role: str = Form("", max_length=20)):
    try:
        accounts_of(request).set_role(username, role)
    except AccountError as exc:
        return _users_page(request, error=error_text(exc), status=400)
    return redirect("/admin/users", notice="user_changed")


@router.post("/admin/users/state")
def change_state(request: Request, user: Admin, username: str = Form("", max_length=200),
                 disabled: str = Form("", max_length=10)):
    try:
        accounts_of(request).update_user(username, disabled=disabled == "1")
    except AccountError as exc:
        return _users_page(request, error=error_text(exc), status=400)
    return redirect("/admin/users", notice="user_changed")


@router.post("/admin/users/remove")
def remove_user(request: Request, user: Admin, username: str = Form("", max_length=200)):
    try:
        accounts_of(request).remove_user(username)
    except AccountError as exc:
        return _users_page(request, error=error_text(exc), status=400)
    return redirect("/admin/users", notice="user_removed")
