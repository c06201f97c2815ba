"""Staff accounts on the dashboard: admins create them, disable and re-enable them, change
their role and reset their password; everyone sets their own password through a one-time link
(admins never know it) and may add a second factor, a code from an authenticator app.

Every change is written to the access log. An admin cannot disable their own account or
change their own role, so there is always an admin who can put things right.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING, Optional

from aiohttp import web

from bot import settings
from bot.staff import users
from bot.staff.pages import page, role_required
from bot.store.requests import record_access

LINK_COOKIE = "promisebot_link"  # the set-password form's double-submit CSRF cookie


class AccountPages:
    """Mixed into the Dashboard: uses its `_page` and its pre-sign-in form cookie."""

    if TYPE_CHECKING:  # the Dashboard's (bot/staff/server.py), declared for the type checker

        def _page(self, template: str, request: web.Request, status: str = "", **values) -> web.Response: ...

        def _give_form_cookie(self, request: web.Request, response: web.Response, cookie: str, token: str) -> None: ...

        @staticmethod
        def _form_cookie_matches(request: web.Request, form, cookie: str) -> bool: ...

    def add_account_routes(self, app: web.Application) -> None:
        app.router.add_get("/users", self.user_list)
        app.router.add_post("/users", self.create_user)
        app.router.add_post("/users/{username}", self.change_user)
        app.router.add_get("/set-password", self.set_password_page)
        app.router.add_post("/set-password", self.set_password)
        app.router.add_get("/account", self.account)
        app.router.add_post("/account/second-factor", self.second_factor)

    # --- admins -------------------------------------------------------------------------
    @role_required("admin")
    async def user_list(
        self, request: web.Request, link_for: str = "", link: str = "", problem: str = ""
    ) -> web.Response:
        accounts = [
            (
                u,
                (
                    u.username,
                    u.role,
                    "active" if u.active else "disabled",
                    "set" if u.password_hash != users.NO_PASSWORD else "waiting for the link",
                    "on" if u.totp_on else "off",
                    f"{u.created_at:%Y-%m-%d}",
                ),
            )
            for u in await asyncio.to_thread(users.list_users)
        ]
        return self._page(
            "users.html",
            request,
            link_for=link_for,
            link=link,
            setup_hours=users.SETUP_HOURS,
            problem=problem,
            roles=users.ROLES,
            accounts=accounts,
        )

    @role_required("admin")
    async def create_user(self, request: web.Request) -> web.Response:
        form, by = await request.post(), request["who"].username
        username, role = str(form.get("username", "")).strip().lower(), str(form.get("role", ""))
        try:
            await asyncio.to_thread(users.create_user, username, None, role)
        except ValueError as error:
            return await self.user_list(request, problem=str(error))
        link = await asyncio.to_thread(users.new_setup_link, username)
        await asyncio.to_thread(record_access, by, "staff account", None, f"created {username} ({role})")
        return await self.user_list(request, link_for=username, link=set_password_link(link))

    @role_required("admin")
    async def change_user(self, request: web.Request) -> web.Response:
        form, by = await request.post(), request["who"].username
        username, action = request.match_info["username"], str(form.get("action", ""))
        if username == by:
            return await self.user_list(request, problem="You cannot change your own account here: ask another admin.")
        try:
            if action in ("disable", "enable"):
                await asyncio.to_thread(users.set_active, username, action == "enable")
                detail = f"{action}d {username}"
            elif action == "role":
                role = str(form.get("role", ""))
                await asyncio.to_thread(users.set_role, username, role)
                detail = f"made {username} {role}"
            elif action == "reset":
                link = await asyncio.to_thread(users.new_setup_link, username)
                await asyncio.to_thread(record_access, by, "staff account", None, f"reset the password of {username}")
                return await self.user_list(request, link_for=username, link=set_password_link(link))
            else:
                raise web.HTTPBadRequest(text="Unknown change.")
        except LookupError:
            raise web.HTTPNotFound(text="No such user.") from None
        except ValueError as error:
            return await self.user_list(request, problem=str(error))
        await asyncio.to_thread(record_access, by, "staff account", None, detail)
        raise web.HTTPSeeOther("/users")

    # --- the one-time link: anyone holding it, signed in or not --------------------------
    async def set_password_page(
        self, request: web.Request, problem: str = "", status: int = 200, token: Optional[str] = None
    ) -> web.Response:
        link_csrf = secrets.token_urlsafe(32)
        body = page(
            "set_password.html",
            problem=problem,
            link_csrf=link_csrf,
            token=token or request.query.get("token", ""),
            min_password=users.MIN_PASSWORD,
        )
        response = web.Response(text=body, content_type="text/html", status=status)
        self._give_form_cookie(request, response, LINK_COOKIE, link_csrf)
        return response

    async def set_password(self, request: web.Request) -> web.Response:
        form = await request.post()
        link = str(form.get("token", ""))
        if not self._form_cookie_matches(request, form, LINK_COOKIE):
            return await self.set_password_page(request, "The form expired. Open the link again.", 403, link)
        password = str(form.get("password", ""))
        if password != str(form.get("again", "")):
            return await self.set_password_page(request, "The two passwords were not the same.", 400, link)
        try:
            username = await asyncio.to_thread(users.set_password_with_link, link, password)
        except (LookupError, ValueError) as error:
            return await self.set_password_page(request, str(error).strip("'\""), 400, link)
        await asyncio.to_thread(record_access, username, "staff account", None, "set their password with a link")
        response = web.Response(text=page("password_set.html"), content_type="text/html")
        response.del_cookie(LINK_COOKIE)
        return response

    # --- everyone: their own second factor ------------------------------------------------
    @role_required(*users.ROLES)
    async def account(
        self, request: web.Request, secret: str = "", problem: str = "", status: str = ""
    ) -> web.Response:
        who = request["who"]
        user = next(u for u in await asyncio.to_thread(users.list_users) if u.username == who.username)
        return self._page(
            "account.html",
            request,
            status,
            problem=problem,
            secret=secret,
            secret_link=users.totp_uri(who.username, secret) if secret else "",
            second_factor_on=user.totp_on,
        )

    @role_required(*users.ROLES)
    async def second_factor(self, request: web.Request) -> web.Response:
        form, who = await request.post(), request["who"].username
        action = str(form.get("action", ""))
        if action == "start":
            return await self.account(request, secret=await asyncio.to_thread(users.start_totp, who))
        if action == "confirm":
            if not await asyncio.to_thread(users.confirm_totp, who, str(form.get("code", ""))):
                return await self.account(request, problem="That code was not right: start again.")
            await asyncio.to_thread(record_access, who, "staff account", None, "turned on a second factor")
            return await self.account(request, status="Your second factor is on.")
        if action == "off":
            if not await asyncio.to_thread(users.turn_off_totp, who, str(form.get("code", ""))):
                return await self.account(request, problem="That code was not right: it is still on.")
            await asyncio.to_thread(record_access, who, "staff account", None, "turned off their second factor")
            return await self.account(request, status="Your second factor is off.")
        raise web.HTTPBadRequest(text="Unknown change.")


def set_password_link(token: str) -> str:
    return f"{settings.text('PROMISEBOT_DASHBOARD_URL').rstrip('/')}/set-password?token={token}"
