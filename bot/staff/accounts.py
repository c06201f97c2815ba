"""Staff accounts on the dashboard: admins create them, disable and re-enable them, change
their role and reset their password; everyone sets their own password through a one-time link
(admins never know it) and may add a second factor, a code from an authenticator app.

Every change is written to the access log. An admin cannot disable their own account or
change their own role, so there is always an admin who can put things right.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Optional

from aiohttp import web

from bot import settings
from bot.staff import users
from bot.staff.pages import Raw, csrf_field, esc, page, role_required, table
from bot.store.requests import record_access

LINK_COOKIE = "promisebot_link"  # the set-password form's double-submit CSRF cookie


class AccountPages:
    """Mixed into the Dashboard: uses its `_html` and its pre-sign-in form cookie."""

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
        token, me = request["who"].csrf_token, request["who"].username
        shown_once = (
            (
                f'<p class="status" role="status">Give this link to {esc(link_for)} now (it is shown once, '
                f"works once, for {users.SETUP_HOURS} hours): <code>{esc(link)}</code></p>"
            )
            if link
            else ""
        )
        error = f'<p class="error" role="alert">{esc(problem)}</p>' if problem else ""
        roles = "".join(f'<option value="{r}">{r}</option>' for r in users.ROLES)
        create = (
            f'<form method="post" action="/users">{csrf_field(token)}'
            '<label for="new-username">Username</label>'
            '<input id="new-username" name="username" required pattern="[a-z0-9._-]{3,64}" '
            'title="3-64 lowercase letters, digits, dots, dashes or underscores">'
            f'<label for="new-role">Role</label><select id="new-role" name="role">{roles}</select>'
            '<button type="submit">Create the account</button></form>'
        )

        def actions(user) -> Raw:
            if user.username == me:
                return Raw("(you)")
            name = esc(user.username)
            choose = "".join(
                f'<option value="{r}"{" selected" if r == user.role else ""}>{r}</option>' for r in users.ROLES
            )
            switch = "disable" if user.active else "enable"
            return Raw(
                f'<form method="post" action="/users/{name}">{csrf_field(token)}'
                f'<label for="role-{name}">Role of {name}</label><select id="role-{name}" name="role">{choose}</select>'
                f'<button type="submit" name="action" value="role">Change role</button>'
                f'<button type="submit" name="action" value="{switch}">{switch.title()} {name}</button>'
                f'<button type="submit" name="action" value="reset">Reset the password of {name}</button></form>'
            )

        rows = [
            (
                u.username,
                u.role,
                "active" if u.active else "disabled",
                "set" if u.password_hash != users.NO_PASSWORD else "waiting for the link",
                "on" if u.totp_on else "off",
                f"{u.created_at:%Y-%m-%d}",
                actions(u),
            )
            for u in await _in_thread(users.list_users)
        ]
        return self._html(
            "Users",
            shown_once
            + error
            + create
            + table(
                "Staff users", ["Username", "Role", "State", "Password", "Second factor", "Created", "Change"], rows
            ),
            request,
        )

    @role_required("admin")
    async def create_user(self, request: web.Request) -> web.Response:
        form, by = await request.post(), request["who"].username
        username, role = str(form.get("username", "")).strip().lower(), str(form.get("role", ""))
        try:
            await _in_thread(users.create_user, username, None, role)
        except ValueError as error:
            return await self.user_list(request, problem=str(error))
        link = await _in_thread(users.new_setup_link, username)
        await _in_thread(record_access, by, "staff account", None, f"created {username} ({role})")
        return await self.user_list(request, link_for=username, link=set_password_link(link))

    @role_required("admin")
    async def change_user(self, request: web.Request) -> web.Response:
        form, by = await request.post(), request["who"].username
        username, action = request.match_info["username"], str(form.get("action", ""))
        if username == by:
            return await self.user_list(request, problem="You cannot change your own account here: ask another admin.")
        try:
            if action in ("disable", "enable"):
                await _in_thread(users.set_active, username, action == "enable")
                detail = f"{action}d {username}"
            elif action == "role":
                role = str(form.get("role", ""))
                await _in_thread(users.set_role, username, role)
                detail = f"made {username} {role}"
            elif action == "reset":
                link = await _in_thread(users.new_setup_link, username)
                await _in_thread(record_access, by, "staff account", None, f"reset the password of {username}")
                return await self.user_list(request, link_for=username, link=set_password_link(link))
            else:
                raise web.HTTPBadRequest(text="Unknown change.")
        except LookupError:
            raise web.HTTPNotFound(text="No such user.")
        except ValueError as error:
            return await self.user_list(request, problem=str(error))
        await _in_thread(record_access, by, "staff account", None, detail)
        raise web.HTTPSeeOther("/users")

    # --- the one-time link: anyone holding it, signed in or not --------------------------
    async def set_password_page(
        self, request: web.Request, problem: str = "", status: int = 200, token: Optional[str] = None
    ) -> web.Response:
        link_csrf = secrets.token_urlsafe(32)
        error = f'<p class="error" role="alert">{esc(problem)}</p>' if problem else ""
        body = (
            f'{error}<form method="post" action="/set-password" class="login">'
            f'<input type="hidden" name="csrf_token" value="{esc(link_csrf)}">'
            f'<input type="hidden" name="token" value="{esc(token or request.query.get("token", ""))}">'
            f'<label for="password">New password ({users.MIN_PASSWORD} characters or more)</label>'
            '<input id="password" name="password" type="password" autocomplete="new-password" required>'
            '<label for="again">The same again</label>'
            '<input id="again" name="again" type="password" autocomplete="new-password" required>'
            '<button type="submit">Set my password</button></form>'
        )
        response = web.Response(text=page("Set your password", body), content_type="text/html", status=status)
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
            username = await _in_thread(users.set_password_with_link, link, password)
        except (LookupError, ValueError) as error:
            return await self.set_password_page(request, str(error).strip("'\""), 400, link)
        await _in_thread(record_access, username, "staff account", None, "set their password with a link")
        response = web.Response(
            text=page("Password set", '<p>Your password is set. <a href="/login">Sign in</a>.</p>'),
            content_type="text/html",
        )
        response.del_cookie(LINK_COOKIE)
        return response

    # --- everyone: their own second factor ------------------------------------------------
    @role_required(*users.ROLES)
    async def account(
        self, request: web.Request, secret: str = "", problem: str = "", status: str = ""
    ) -> web.Response:
        who = request["who"]
        user = next(u for u in await _in_thread(users.list_users) if u.username == who.username)
        token = csrf_field(who.csrf_token)
        error = f'<p class="error" role="alert">{esc(problem)}</p>' if problem else ""
        if secret:
            body = (
                f"<p>Add this account to your authenticator app (type in the key, or paste the link), then "
                f"type the code it shows.</p><p>Key: <code>{esc(secret)}</code></p>"
                f"<p>Link: <code>{esc(users.totp_uri(who.username, secret))}</code></p>"
                f'<form method="post" action="/account/second-factor">{token}'
                '<label for="code">Code from the app</label><input id="code" name="code" inputmode="numeric" '
                'autocomplete="one-time-code" required>'
                '<button type="submit" name="action" value="confirm">Turn it on</button></form>'
            )
        elif user.totp_on:
            body = (
                f"<p>Your second factor is on: signing in asks for a code from your authenticator app.</p>"
                f'<form method="post" action="/account/second-factor">{token}'
                '<label for="code">Code from the app, to turn it off</label><input id="code" name="code" '
                'inputmode="numeric" autocomplete="one-time-code" required>'
                '<button type="submit" name="action" value="off">Turn it off</button></form>'
            )
        else:
            body = (
                f"<p>A second factor makes your account safe even if your password is known: signing in "
                f"then also asks for a code from an authenticator app on your phone.</p>"
                f'<form method="post" action="/account/second-factor">{token}'
                '<button type="submit" name="action" value="start">Set up a second factor</button></form>'
            )
        return self._html("Your account", error + body, request, status)

    @role_required(*users.ROLES)
    async def second_factor(self, request: web.Request) -> web.Response:
        form, who = await request.post(), request["who"].username
        action = str(form.get("action", ""))
        if action == "start":
            return await self.account(request, secret=await _in_thread(users.start_totp, who))
        if action == "confirm":
            if not await _in_thread(users.confirm_totp, who, str(form.get("code", ""))):
                return await self.account(request, problem="That code was not right: start again.")
            await _in_thread(record_access, who, "staff account", None, "turned on a second factor")
            return await self.account(request, status="Your second factor is on.")
        if action == "off":
            if not await _in_thread(users.turn_off_totp, who, str(form.get("code", ""))):
                return await self.account(request, problem="That code was not right: it is still on.")
            await _in_thread(record_access, who, "staff account", None, "turned off their second factor")
            return await self.account(request, status="Your second factor is off.")
        raise web.HTTPBadRequest(text="Unknown change.")


def set_password_link(token: str) -> str:
    return f"{settings.text('PROMISEBOT_DASHBOARD_URL').rstrip('/')}/set-password?token={token}"


async def _in_thread(function, *args):
    """The database and password hashing block: never on the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)
