"""Signing in to the staff dashboard as a person does: the sign-in form, its CSRF token, a cookie."""

import re
import uuid

import requests

PASSWORD = "correct horse battery staple"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def new_staff_member(staff_url: str, role: str) -> requests.Session:
    """A new user of `role`, signed in."""
    from bot.staff.users import create_user

    name = f"{role}-{uuid.uuid4().hex[:6]}"
    create_user(name, PASSWORD, role)
    return signed_in_as(staff_url, name)


def signed_in_as(staff_url: str, name: str) -> requests.Session:
    browser = requests.Session()
    form = browser.get(staff_url + "/login", timeout=10)
    response = browser.post(
        staff_url + "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    browser.username = name
    return browser
