"""The staff dashboard over HTTP: every page for every role, refused sign-ins, wrong roles,
missing CSRF tokens, small-number suppression, and the request access log."""

import os
import re
import uuid

import pytest
import requests
from dashboard import PASSWORD, csrf_of, signed_in_as


@pytest.fixture(scope="module")
def staff(assistant):
    """Users of each role, and data to look at, in the assistant's (throwaway) database."""
    from bot.staff.users import create_user
    from bot.store.database import session
    from bot.store.models import TopicTurn, UnansweredQuestion
    from bot.store.requests import NewRequest, save_request

    suffix = uuid.uuid4().hex[:6]
    names = {role: f"{role}-{suffix}" for role in ("analyst", "caseworker", "admin")}
    for role, name in names.items():
        create_user(name, PASSWORD, role)
    import datetime

    with session() as db:
        db.add_all(
            [
                TopicTurn(
                    iso_week="2026-W40", age_band="12_15", topic="topic_rare", channel="webchat", outcome="answered"
                )
                for _ in range(3)
            ]
            + [
                TopicTurn(
                    iso_week="2026-W40", age_band="12_15", topic="topic_common", channel="webchat", outcome="answered"
                )
                for _ in range(7)
            ]
            + [
                TopicTurn(
                    iso_week="2026-W40",
                    age_band="16_18",
                    topic="flow:complaint",
                    channel="telegram",
                    outcome="flow started",
                )
            ]
        )
        db.add(
            UnansweredQuestion(
                iso_week="2026-W40",
                age_band="16_18",
                channel="telegram",
                text="can [NAME] come to my pep",
                expires_at=datetime.datetime.utcnow() + datetime.timedelta(days=90),
            )
        )
        db.commit()
    reference = save_request(
        NewRequest(
            kind="complaint",
            details={"complaint_about": "my placement is too far from school"},
            known_name="Jaz",
            contact_preference="social_worker",
        )
    )
    return {"url": assistant.staff_url, "names": names, "reference": reference}


def signed_in(staff, role: str) -> requests.Session:
    return signed_in_as(staff["url"], staff["names"][role])


def test_strangers_are_sent_to_sign_in(staff):
    for path in ("/", "/topics", "/requests", "/users", "/export/topics.csv", f"/requests/{staff['reference']}"):
        response = requests.get(staff["url"] + path, timeout=10)
        assert response.url.endswith("/login") and "Sign in" in response.text, path


def test_a_wrong_password_or_unknown_user_is_refused(staff):
    browser = requests.Session()
    for username in (staff["names"]["analyst"], "nobody-here"):
        form = browser.get(staff["url"] + "/login", timeout=10)
        refused = browser.post(
            staff["url"] + "/login",
            data={"username": username, "password": "wrong password!!", "csrf_token": csrf_of(form.text)},
            timeout=30,
        )
        assert refused.status_code == 401 and "did not match" in refused.text
        assert "promisebot_staff" not in browser.cookies


def test_signing_in_without_the_forms_csrf_token_is_refused(staff):
    refused = requests.post(
        staff["url"] + "/login", data={"username": staff["names"]["analyst"], "password": PASSWORD}, timeout=10
    )
    assert refused.status_code == 403


def test_repeated_failures_lock_the_username_for_a_while(staff):
    from bot.staff.users import create_user

    name = f"locked-{uuid.uuid4().hex[:6]}"
    create_user(name, PASSWORD, "analyst")
    browser = requests.Session()
    statuses = []
    for password in ["wrong one 123"] * 5 + [PASSWORD]:
        form = browser.get(staff["url"] + "/login", timeout=10)
        statuses.append(
            browser.post(
                staff["url"] + "/login",
                data={"username": name, "password": password, "csrf_token": csrf_of(form.text)},
                timeout=30,
            ).status_code
        )
    assert statuses == [401] * 5 + [429]  # even the right password, until the window passes


def sign_in_status(staff, name, password=PASSWORD, address=None) -> int:
    browser = requests.Session()
    headers = {"X-Forwarded-For": address} if address else {}
    form = browser.get(staff["url"] + "/login", timeout=10)
    return browser.post(
        staff["url"] + "/login",
        headers=headers,
        timeout=30,
        data={"username": name, "password": password, "csrf_token": csrf_of(form.text)},
    ).status_code


def test_failures_counted_by_any_process_lock_the_username_and_the_address(staff):
    """The counts are in the database, so a second dashboard process (or a restart) sees them."""
    from bot.staff.users import create_user
    from bot.store.attempts import STAFF_ADDRESS, STAFF_USER

    name = f"elsewhere-{uuid.uuid4().hex[:6]}"
    create_user(name, PASSWORD, "analyst")
    for _ in range(5):
        STAFF_USER.failed(name)  # this test's process is not the dashboard's
    assert sign_in_status(staff, name) == 429
    # Many usernames tried from one address (through the council's proxy, as the proxy reports it)
    for _ in range(20):
        STAFF_ADDRESS.failed("203.0.113.7")
    other = staff["names"]["caseworker"]
    assert sign_in_status(staff, other, address="203.0.113.7") == 429
    assert sign_in_status(staff, other, address="203.0.113.8") == 200


def test_an_idle_session_ends_and_an_old_password_hash_is_remade_at_the_current_cost(staff):
    import datetime
    import hashlib
    import secrets

    from bot.staff.users import SCRYPT, create_user
    from bot.store.database import session
    from bot.store.models import StaffSession, StaffUser

    name = f"older-{uuid.uuid4().hex[:6]}"
    create_user(name, PASSWORD, "analyst")
    salt = secrets.token_bytes(16)  # as the dashboard hashed before: N = 2^14
    old = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    with session() as db:
        user = db.query(StaffUser).filter_by(username=name).one()
        user.password_hash = f"scrypt${2**14}$8$1${salt.hex()}${old.hex()}"
        db.commit()
    browser = requests.Session()
    form = browser.get(staff["url"] + "/login", timeout=10)
    browser.post(
        staff["url"] + "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        timeout=30,
    )
    assert browser.get(staff["url"] + "/topics", timeout=10).url.endswith("/topics")
    with session() as db:
        user = db.query(StaffUser).filter_by(username=name).one()
        assert user.password_hash.startswith(f"scrypt${SCRYPT['n']}$8$1$")
        db.query(StaffSession).filter_by(user_id=user.id).update(
            {StaffSession.last_seen_at: datetime.datetime.utcnow() - datetime.timedelta(minutes=31)}
        )
        db.commit()
    idle = browser.get(staff["url"] + "/topics", timeout=10)
    assert idle.url.endswith("/login") and "Sign in" in idle.text


def test_the_session_cookie_is_httponly_samesite_and_secure_behind_https(staff):
    browser = requests.Session()
    form = browser.get(staff["url"] + "/login", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    response = browser.post(
        staff["url"] + "/login",
        allow_redirects=False,
        headers={"X-Forwarded-Proto": "https"},
        data={"username": staff["names"]["analyst"], "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        timeout=30,
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" in cookie


@pytest.mark.parametrize(
    "path, text",
    [
        ("/topics", "Topics over time"),
        ("/topics", "Request: complaint"),
        ("/flows", "Requests started and sent"),
        ("/safeguarding", "Safeguarding counts"),
        ("/unanswered", "can [NAME] come to my pep"),
    ],
)
def test_analysts_see_the_anonymised_pages(staff, path, text):
    response = signed_in(staff, "analyst").get(staff["url"] + path, timeout=10)
    assert response.status_code == 200 and text in response.text


def test_counts_under_five_are_shown_as_fewer_than_five_on_pages_and_in_exports(staff):
    analyst = signed_in(staff, "analyst")
    page = analyst.get(staff["url"] + "/topics", timeout=10).text
    row = re.search(r"<tr><td>Topic rare</td>(.*?)</tr>", page).group(1)
    assert "fewer than 5" in row and ">3<" not in row
    assert re.search(r"<tr><td>Topic common</td>.*?<td>7</td>", page)
    export = analyst.get(staff["url"] + "/export/topics.csv", timeout=10)
    assert export.headers["Content-Type"].startswith("text/csv")
    assert "2026-W40,topic_rare,Topic rare,no,12_15,webchat,answered,fewer than 5" in export.text
    assert "2026-W40,topic_common,Topic common,no,12_15,webchat,answered,7" in export.text
    assert ",3\r\n" not in export.text


def test_a_spreadsheet_opening_an_export_shows_every_cell_and_runs_none(staff):
    """A topic or band that looks like a formula (=, +, -, @) is exported with a leading
    apostrophe: Excel runs a cell starting with them."""
    from bot.store.database import session
    from bot.store.models import TopicTurn

    with session() as db:
        db.add(
            TopicTurn(
                iso_week="2026-W41",
                age_band="-1+1",
                topic='=HYPERLINK("http://x.test")',
                channel="@webchat",
                outcome="answered",
            )
        )
        db.commit()
    export = signed_in(staff, "analyst").get(staff["url"] + "/export/topics.csv", timeout=10).text
    row = next(line for line in export.splitlines() if line.startswith("2026-W41"))
    assert row == (
        '2026-W41,"\'=HYPERLINK(""http://x.test"")","\'=HYPERLINK(""http://x.test"")",no,\'-1+1,'
        "'@webchat,answered,fewer than 5"
    )


@pytest.mark.parametrize(
    "role, forbidden",
    [
        ("analyst", ["/requests", "/users", "/access-log"]),
        ("caseworker", ["/topics", "/unanswered", "/export/topics.csv", "/users"]),
        ("admin", ["/topics", "/requests", "/export/safeguarding.csv"]),
    ],
)
def test_each_role_is_refused_the_other_roles_pages(staff, role, forbidden):
    browser = signed_in(staff, role)
    for path in forbidden:
        assert browser.get(staff["url"] + path, timeout=10).status_code == 403, (role, path)


def test_caseworkers_work_the_queue_and_every_look_is_logged(staff):
    caseworker = signed_in(staff, "caseworker")
    queue = caseworker.get(staff["url"] + "/requests", timeout=10)
    assert staff["reference"] in queue.text and "my placement is too far" not in queue.text  # details only when opened
    detail = caseworker.get(staff["url"] + f"/requests/{staff['reference']}", timeout=10)
    assert "my placement is too far from school" in detail.text and "Jaz" in detail.text
    no_token = caseworker.post(staff["url"] + f"/requests/{staff['reference']}", data={"status": "done"}, timeout=10)
    assert no_token.status_code == 403
    saved = caseworker.post(
        staff["url"] + f"/requests/{staff['reference']}",
        data={"status": "acknowledged", "csrf_token": csrf_of(detail.text)},
        timeout=10,
    )
    assert saved.status_code == 200 and "selected>acknowledged" in saved.text
    assert f"Owner: {staff['names']['caseworker']}" in saved.text
    noted = caseworker.post(
        staff["url"] + f"/requests/{staff['reference']}/notes",
        data={"note": "Spoke to the <b>school</b>", "csrf_token": csrf_of(saved.text)},
        timeout=10,
    )
    assert "Spoke to the &lt;b&gt;school&lt;/b&gt;" in noted.text  # shown escaped

    log = signed_in(staff, "admin").get(staff["url"] + "/access-log", timeout=10).text
    who = staff["names"]["caseworker"]
    for action in ("list", "view", "update", "note"):
        assert re.search(rf"<td>{who}</td><td>{action}</td>", log), action


def test_what_children_and_staff_write_is_shown_as_text_never_run(staff):
    """The pages' templates escape every value: a child's answer and name, and a staff note,
    that hold HTML are shown as they were written."""
    from bot.store.requests import NewRequest, save_request

    script = "<script>alert(1)</script>"
    reference = save_request(
        NewRequest(kind="complaint", details={"complaint_about": script}, known_name=script, contact_preference="chat")
    )
    caseworker = signed_in(staff, "caseworker")
    detail = caseworker.get(staff["url"] + f"/requests/{reference}", timeout=10)
    noted = caseworker.post(
        staff["url"] + f"/requests/{reference}/notes",
        data={"note": script, "csrf_token": csrf_of(detail.text)},
        timeout=10,
    )
    assert noted.status_code == 200
    assert noted.text.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3  # the answer, the name, the note
    assert "<script" not in noted.text


def test_admins_list_and_disable_users(staff):
    from bot.staff.users import create_user

    name = f"leaver-{uuid.uuid4().hex[:6]}"
    create_user(name, PASSWORD, "caseworker")
    admin = signed_in(staff, "admin")
    users_page = admin.get(staff["url"] + "/users", timeout=10)
    assert name in users_page.text
    disable = {"action": "disable"}
    assert admin.post(staff["url"] + f"/users/{name}", data=disable, timeout=10).status_code == 403  # no CSRF token
    admin.post(staff["url"] + f"/users/{name}", data={**disable, "csrf_token": csrf_of(users_page.text)}, timeout=10)
    assert sign_in_status(staff, name) == 401


def link_in(page_html: str) -> str:
    return re.search(r"<code>(http[^<]*/set-password\?token=[^<]+)</code>", page_html).group(1).replace("&amp;", "&")


def set_password_by_link(link: str, password: str) -> requests.Response:
    browser = requests.Session()
    form = browser.get(link, timeout=10)
    return browser.post(
        link.split("?")[0],
        timeout=30,
        data={
            "csrf_token": csrf_of(form.text),
            "token": link.split("token=")[1],
            "password": password,
            "again": password,
        },
    )


def test_admins_create_accounts_whose_holders_set_their_own_password_and_every_change_is_logged(staff):
    """An account made on the dashboard, a one-time link to set its password, a role change,
    a reset, disabling and enabling again: each in the access log."""
    admin = signed_in(staff, "admin")
    name, users_page = f"newcomer-{uuid.uuid4().hex[:6]}", admin.get(staff["url"] + "/users", timeout=10)
    made = admin.post(
        staff["url"] + "/users",
        timeout=30,
        data={"username": name, "role": "analyst", "csrf_token": csrf_of(users_page.text)},
    )
    link = link_in(made.text)
    assert link.startswith("http://127.0.0.1:8001/set-password?token=")  # PROMISEBOT_DASHBOARD_URL's default
    link = link.replace("http://127.0.0.1:8001", staff["url"])
    assert sign_in_status(staff, name) == 401  # no password until its holder sets one
    assert set_password_by_link(link, "short").status_code == 400
    assert "Your password is set" in set_password_by_link(link, "my own long passphrase").text
    assert "has been used" in set_password_by_link(link, "another long passphrase").text  # once only
    assert sign_in_status(staff, name, "my own long passphrase") == 200

    def change(action: str, **more) -> requests.Response:
        page = admin.get(staff["url"] + "/users", timeout=10)
        return admin.post(
            staff["url"] + f"/users/{name}",
            timeout=30,
            data={"action": action, "csrf_token": csrf_of(page.text), **more},
        )

    change("role", role="caseworker")
    reset = change("reset")
    assert sign_in_status(staff, name, "my own long passphrase") == 401  # a reset ends the old password
    set_password_by_link(link_in(reset.text).replace("http://127.0.0.1:8001", staff["url"]), "a newer passphrase!")
    change("disable")
    assert sign_in_status(staff, name, "a newer passphrase!") == 401
    change("enable")
    assert sign_in_status(staff, name, "a newer passphrase!") == 200
    me = staff["names"]["admin"]
    page = admin.get(staff["url"] + "/users", timeout=10)
    mine = admin.post(
        staff["url"] + f"/users/{me}", data={"action": "disable", "csrf_token": csrf_of(page.text)}, timeout=10
    )
    assert "cannot change your own account" in mine.text
    log = admin.get(staff["url"] + "/access-log", timeout=10).text
    for detail in (
        f"created {name} (analyst)",
        f"made {name} caseworker",
        f"reset the password of {name}",
        f"disabled {name}",
        f"enabled {name}",
    ):
        assert f"<td>{me}</td><td>staff account</td><td></td><td>{detail}</td>" in log, detail
    assert f"<td>{name}</td><td>staff account</td><td></td><td>set their password with a link</td>" in log


def wrong_code(secret: str) -> str:
    """A code that is not the app's now (nor a step either side)."""
    import time

    from bot.staff.users import totp_code

    now = int(time.time()) // 30
    valid = {totp_code(secret, step) for step in range(now - 2, now + 3)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def test_a_second_factor_is_asked_for_at_every_sign_in_once_it_is_on(staff):
    import base64
    import time

    from bot.staff.users import create_user, totp_code

    name = f"careful-{uuid.uuid4().hex[:6]}"
    create_user(name, PASSWORD, "caseworker")
    browser = signed_in_as(staff["url"], name)
    account = browser.get(staff["url"] + "/account", timeout=10)
    started = browser.post(
        staff["url"] + "/account/second-factor",
        timeout=10,
        data={"action": "start", "csrf_token": csrf_of(account.text)},
    )
    secret = re.search(r"Key: <code>([A-Z2-7=]+)</code>", started.text).group(1)
    assert len(base64.b32decode(secret)) == 20
    wrong = browser.post(
        staff["url"] + "/account/second-factor",
        timeout=10,
        data={"action": "confirm", "code": wrong_code(secret), "csrf_token": csrf_of(started.text)},
    )
    assert "not right" in wrong.text
    restarted = browser.post(
        staff["url"] + "/account/second-factor", timeout=10, data={"action": "start", "csrf_token": csrf_of(wrong.text)}
    )
    secret = re.search(r"Key: <code>([A-Z2-7=]+)</code>", restarted.text).group(1)
    step = int(time.time()) // 30
    confirmed = browser.post(
        staff["url"] + "/account/second-factor",
        timeout=10,
        data={"action": "confirm", "code": totp_code(secret, step), "csrf_token": csrf_of(restarted.text)},
    )
    assert "Your second factor is on" in confirmed.text

    def sign_in(code: str) -> int:
        fresh = requests.Session()
        form = fresh.get(staff["url"] + "/login", timeout=10)
        return fresh.post(
            staff["url"] + "/login",
            timeout=30,
            data={"username": name, "password": PASSWORD, "code": code, "csrf_token": csrf_of(form.text)},
        ).status_code

    assert sign_in("") == 401  # the password alone is no longer enough
    assert sign_in(totp_code(secret, step)) == 401  # a code already used, never twice
    assert sign_in(totp_code(secret, step + 1)) == 200
    account = browser.get(staff["url"] + "/account", timeout=10)
    kept = browser.post(
        staff["url"] + "/account/second-factor",
        timeout=10,
        data={"action": "off", "code": wrong_code(secret), "csrf_token": csrf_of(account.text)},
    )
    assert "still on" in kept.text  # a session alone cannot take it off


def test_signing_out_ends_the_session(staff):
    analyst = signed_in(staff, "analyst")
    page = analyst.get(staff["url"] + "/topics", timeout=10)
    old_cookie = analyst.cookies.get("promisebot_staff")
    analyst.post(staff["url"] + "/logout", data={"csrf_token": csrf_of(page.text)}, timeout=10)
    again = requests.get(staff["url"] + "/topics", cookies={"promisebot_staff": old_cookie}, timeout=10)
    assert again.url.endswith("/login")


def test_pages_forbid_scripts_and_framing(staff):
    response = signed_in(staff, "analyst").get(staff["url"] + "/topics", timeout=10)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "script-src" not in policy


def test_users_are_created_from_the_command_line_and_passwords_are_only_hashed(staff):
    import os
    import subprocess
    import sys

    from bot.staff.users import list_users

    name = f"cli-{uuid.uuid4().hex[:6]}"
    created = subprocess.run(
        [sys.executable, "-m", "bot.cli", "staff", "add", name, "--role", "caseworker", "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    too_short = subprocess.run(
        [sys.executable, "-m", "bot.cli", "staff", "add", name + "x", "--role", "admin", "--password-stdin"],
        input="short\n",
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
    )
    assert too_short.returncode == 1 and "at least 12" in too_short.stderr
    (user,) = [u for u in list_users() if u.username == name]
    assert user.role == "caseworker" and user.password_hash.startswith("scrypt$") and PASSWORD not in user.password_hash
    assert (
        signed_in(staff | {"names": {"caseworker": name}}, "caseworker").get(staff["url"] + "/requests").status_code
        == 200
    )


def test_analysts_see_council4kidz_ratings_worst_first(staff):
    from bot.council4kidz.testers import issue_code, save_rating, valid_code

    code = valid_code(issue_code("staff page test"))
    save_rating(code, "topics.yml family_time", "Family time is...", -1, "confusing")
    save_rating(code, "topics.yml family_time", "Family time is...", -1, "")
    save_rating(code, "topics.yml fostering", "Fostering is...", 1, "nice")
    page = signed_in(staff, "analyst").get(staff["url"] + "/feedback", timeout=10).text
    assert page.index("topics.yml family_time") < page.index("topics.yml fostering")
    assert "confusing" in page


def test_admins_issue_tester_codes_from_the_dashboard(staff):
    from bot.council4kidz.testers import valid_code

    admin = signed_in(staff, "admin")
    page = admin.get(staff["url"] + "/testers", timeout=10)
    assert admin.post(staff["url"] + "/testers", data={"label": "no token"}, timeout=10).status_code == 403
    issued = admin.post(
        staff["url"] + "/testers",
        data={"label": "Council4Kidz, December", "days": "14", "csrf_token": csrf_of(page.text)},
        timeout=10,
    )
    code = re.search(r"New code: <strong>(C4K-[A-Z0-9-]+)</strong>", issued.text).group(1)
    assert valid_code(code).label == "Council4Kidz, December"
    assert signed_in(staff, "analyst").get(staff["url"] + "/testers", timeout=10).status_code == 403


@pytest.mark.slow
def test_an_admin_locked_out_with_no_other_admin_gets_a_link_from_the_server(tmp_path):
    import subprocess
    import sys

    from bot.staff.users import create_user, set_password_with_link, sign_in
    from bot.store.requests import access_log

    url = f"sqlite:///{tmp_path / 'staff.sqlite'}"
    env = {**os.environ, "PROMISEBOT_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "bot.cli", "migrate"], env=env, check=True, capture_output=True, timeout=120)
    create_user("only.admin", PASSWORD, "admin", url=url)
    reset = subprocess.run(
        [sys.executable, "-m", "bot.cli", "staff", "reset", "only.admin"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert reset.returncode == 0, reset.stderr
    token = re.search(r"/set-password\?token=(\S+)", reset.stdout).group(1)
    assert sign_in("only.admin", PASSWORD, url=url) is None  # the old password stopped working
    assert set_password_with_link(token, "a brand new passphrase", url=url) == "only.admin"
    assert sign_in("only.admin", "a brand new passphrase", url=url) is not None
    assert access_log(url=url)[0].detail == "reset the password of only.admin"


def test_analysts_see_requests_against_their_timescales_for_the_dates_they_choose(staff):
    """Counts only, never a child's words: March 2025 has six complaints, five acknowledged
    within 5 working days and one after 10, none answered."""
    import datetime

    from bot.store.database import session
    from bot.store.models import Request
    from bot.store.requests import NewRequest, save_request

    made = datetime.datetime(2025, 3, 3, 10, 0)  # a Monday morning (UK time is UTC in March)
    references = [
        save_request(
            NewRequest(
                kind="complaint", details={"complaint_about": "timescale test"}, contact_preference="social_worker"
            )
        )
        for _ in range(6)
    ]
    with session() as db:
        for number, reference in enumerate(references):
            acknowledged = made + datetime.timedelta(days=14 if number == 0 else 2, hours=2)
            db.query(Request).filter_by(reference=reference).update(
                {Request.created_at: made, Request.acknowledged_at: acknowledged}
            )
        db.commit()
    analyst = signed_in(staff, "analyst")
    page = analyst.get(staff["url"] + "/flows?from=2025-03-01&to=2025-03-31", timeout=10).text
    assert "Requests made from 01 March 2025 to 31 March 2025" in page
    assert (
        "<tr><td>complaint</td><td>acknowledged</td><td>5</td><td>5</td><td>fewer than 5</td><td>0</td>"
        "<td>0</td><td>2</td></tr>"
    ) in page
    assert (
        "<tr><td>complaint</td><td>answered</td><td>10</td><td>0</td><td>0</td><td>6</td><td>0</td><td>-</td></tr>"
        in page
    )
    assert "timescale test" not in page
    elsewhere = analyst.get(staff["url"] + "/flows?from=2025-04-01&to=2025-04-30", timeout=10).text
    assert "<td>complaint</td><td>acknowledged</td>" not in elsewhere


def test_topics_are_shown_by_their_titles_and_using_the_chat_is_counted_apart(staff):
    """Greetings and ages are not topics; every row has a readable title, not an intent."""
    from bot.store.database import session
    from bot.store.models import TopicTurn

    with session() as db:
        db.add_all(
            [
                TopicTurn(iso_week="2026-W39", age_band="up_to_11", topic=topic, channel="webchat", outcome="answered")
                for topic in ["greet"] * 6 + ["topic_advocacy"] * 5 + ["promises_education"] * 5
            ]
        )
        db.commit()
    page = signed_in(staff, "analyst").get(staff["url"] + "/topics", timeout=10).text
    asked, chatting = page.split("<caption>Using the chat (greetings")
    assert "<td>Saying hello</td>" in chatting and "Saying hello" not in asked
    assert "<td>Getting an advocate</td>" in asked  # content/topics.yml's title
    assert "<td>Promises: Education</td>" in asked
    for internal in ("topic_advocacy", "promises_education", ">greet<", ">inform age<"):
        assert internal not in page


@pytest.mark.slow
def test_the_monthly_report_is_one_command_with_counts_only_and_nothing_from_1_to_4(tmp_path):
    import subprocess
    import sys

    from bot.content import current_content
    from bot.store.database import migrate, session
    from bot.store.models import SafeguardingCount, TopicTurn
    from bot.store.requests import NewRequest, save_request

    url = f"sqlite:///{tmp_path / 'report.sqlite'}"
    migrate(url)
    march, april = "2025-W11", "2025-W15"  # Thursday 13 March; Thursday 10 April
    turns = (
        [("topic_advocacy", march)] * 7
        + [("topic_complaints", march)] * 3
        + [("greet", march)] * 9
        + [("flow:complaint", march)] * 2
        + [("topic_advocacy", april)] * 11
    )
    theme = current_content().bands["16_18"].themes[0]
    with session(url) as db:
        db.add_all(
            TopicTurn(
                iso_week=week,
                age_band="12_15",
                topic=topic,
                channel="webchat",
                outcome="flow started" if topic.startswith("flow:") else "answered",
            )
            for topic, week in turns
        )
        db.add_all(
            TopicTurn(
                iso_week=march,
                age_band="16_18",
                topic="promise_question",
                channel="webchat",
                outcome="answered",
                answer_source=f"promises.yml 16_18 {theme.id}: {theme.promises[0].text[:60]}",
            )
            for _ in range(8)
        )
        db.add(SafeguardingCount(iso_week=march, age_band="12_15", kind="physical_abuse", channel="webchat", count=2))
        db.commit()
    save_request(NewRequest(kind="complaint", details={"complaint_about": "the report must never show this"}), url=url)
    out = tmp_path / "march.html"
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "report", "--month", "2025-03", "--out", str(out)],
        env={**os.environ, "PROMISEBOT_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    report = out.read_text()
    assert "Promises assistant: report for March 2025" in report
    assert "<tr><td>Getting an advocate</td><td>7</td></tr>" in report  # April's 11 are not March's
    assert "<tr><td>Making a complaint</td><td>fewer than 5</td></tr>" in report
    assert "<tr><td>physical abuse</td><td>fewer than 5</td></tr>" in report
    assert "<tr><td>12 to 15</td><td>21</td></tr>" in report and "<tr><td>16 to 18</td><td>8</td></tr>" in report
    promises = report.split("<caption>The promises young people aged 16 to 18 asked about most</caption>")[1]
    assert f"<td>{theme.promises[0].text}</td><td>8</td>" in promises.split("</table>")[0].replace("&#39;", "'")
    topics_table = report.split("<caption>Topics, most asked first</caption>")[1].split("</table>")[0]
    assert "Saying hello" not in topics_table  # using the chat is not a topic
    assert 'src="data:image/png;base64,' in report and "<script" not in report
    assert not re.search(r"<td>[1-4]</td>", report) and "never show this" not in report
    wrong = subprocess.run(
        [sys.executable, "-m", "bot.cli", "report", "--month", "March"],
        capture_output=True,
        text=True,
        env={**os.environ, "PROMISEBOT_DATABASE_URL": url},
        timeout=300,
    )
    assert wrong.returncode == 2 and wrong.stderr.strip() == "promisebot: a month is written like 2026-11, not 'March'"


def test_analysts_download_the_monthly_report_from_the_dashboard(staff):
    analyst = signed_in(staff, "analyst")
    report = analyst.get(staff["url"] + "/report?month=2026-10", timeout=60)
    assert report.status_code == 200 and "report for October 2026" in report.text
    assert report.headers["Content-Disposition"] == 'attachment; filename="promises-2026-10.html"'
    assert analyst.get(staff["url"] + "/report?month=2026-13", timeout=10).status_code == 400
    caseworker = signed_in(staff, "caseworker")
    assert caseworker.get(staff["url"] + "/report?month=2026-10", timeout=10).status_code == 403


def test_unanswered_questions_in_similar_words_are_grouped_and_download_as_a_phrasing_sheet(staff):
    import csv
    import datetime
    import io

    from bot.store.database import session
    from bot.store.models import UnansweredQuestion

    asked = [
        "can i get a bus pass",
        "how do i get a bus pass",
        "can i have a bus pass pls",
        "can i get a free bus pass for college",
        "=can i get a bus pass",
        "who is the mayor",
    ] + ["ok"] * 8
    with session() as db:
        db.add_all(
            UnansweredQuestion(
                iso_week="2026-W47",
                age_band="12_15",
                channel="webchat",
                text=text,
                expires_at=datetime.datetime.utcnow() + datetime.timedelta(days=90),
            )
            for text in asked
        )
        db.commit()
    analyst = signed_in(staff, "analyst")
    page = analyst.get(staff["url"] + "/unanswered", timeout=30).text
    themes = page.split("<caption>Asked in similar words, most first</caption>")[1].split("</table>")[0]
    # Other tests' questions are there too: find this group's row, and its link.
    bus = re.search(r'<tr><td>(\d+)</td><td>([^<]*bus pass[^<]*)</td><td>.*?</td><td><a href="([^"]+)"', themes)
    assert bus and int(bus.group(1)) >= 4 and "mayor" not in themes  # a question asked once is no theme
    link = bus.group(3).replace("&amp;", "&")
    sheet = analyst.get(staff["url"] + link, timeout=30)
    rows = list(csv.reader(io.StringIO(sheet.text)))
    assert rows[0] == ["phrasing", "topic", "approved"] and ["how do i get a bus pass", "", ""] in rows
    assert ["'=can i get a bus pass", "", ""] in rows  # a spreadsheet shows it, never runs it


def test_analysts_see_which_promises_each_age_band_asked_about_beside_the_month_before(staff):
    """Two clicks from signing in: Promises, then (if not last month) the month."""
    from bot.content import current_content
    from bot.store.counters import weeks_of_month
    from bot.store.database import session
    from bot.store.models import TopicTurn

    theme = current_content().bands["12_15"].themes[1]
    asked, seldom = theme.promises[0], theme.promises[1]

    def answered(promise, week, times):
        return [
            TopicTurn(
                iso_week=week,
                age_band="12_15",
                topic="promise_question",
                channel="webchat",
                outcome="answered",
                answer_source=f"promises.yml 12_15 {theme.id}: {promise.text[:60]}",
            )
            for _ in range(times)
        ]

    october, september = weeks_of_month(2025, 10), weeks_of_month(2025, 9)
    with session() as db:
        db.add_all(
            answered(asked, october[0], 4)
            + answered(asked, october[2], 5)
            + answered(asked, september[1], 6)
            + answered(seldom, october[1], 3)
        )
        db.commit()
    analyst = signed_in(staff, "analyst")
    page = analyst.get(staff["url"] + "/promises?month=2025-10", timeout=10).text
    section = page.split("<caption>Promises for young people aged 12 to 15")[1].split("</table>")[0]
    assert f"<tr><td>{theme.title}</td><td>{asked.text}</td><td>9</td><td>6</td><td>+3</td></tr>" in section.replace(
        "&#39;", "'"
    )
    assert (
        f"<tr><td>{theme.title}</td><td>{seldom.text}</td><td>fewer than 5</td><td>0</td><td>-</td></tr>"
        in section.replace("&#39;", "'")
    )
    chart = re.search(
        r'<svg role="img" aria-label="Promises asked about, by theme, in the 12 months to October 2025\.'
        r'([^"]*)"',
        page,
    ).group(1)
    all_bands = current_content().bands["up_to_11"].theme(theme.id).title  # the chart adds up every band
    assert f"{all_bands}: Nov 0, Dec 0," in chart and "Sep 6, Oct 12" in chart  # 9 + 3 in October
    first_row = re.search(r"<tbody><tr><td>[^<]*</td><td>([^<]*)</td>", section).group(1)
    assert first_row.replace("&#39;", "'") == asked.text  # most asked first
    assert "/promises" in analyst.get(staff["url"] + "/topics", timeout=10).text  # one click from any page


def test_topics_group_by_month_and_show_the_top_movers(staff):
    from bot.store.database import session
    from bot.store.models import TopicTurn

    def turns(topic, week, times):
        return [
            TopicTurn(iso_week=week, age_band="16_18", topic=topic, channel="telegram", outcome="answered")
            for _ in range(times)
        ]

    with session() as db:  # 2027: after every other test's weeks, so these are the newest months
        db.add_all(
            turns("topic_leaving_care", "2027-W01", 6)
            + turns("topic_leaving_care", "2027-W06", 9)
            + turns("topic_leaving_care", "2027-W07", 4)
            + turns("topic_fostering", "2027-W06", 3)
        )
        db.commit()
    analyst = signed_in(staff, "analyst")
    by_month = analyst.get(staff["url"] + "/topics?by=month", timeout=10).text
    assert '<th scope="col">2027-01</th><th scope="col">2027-02</th>' in by_month  # weeks 6 and 7 are February
    movers = by_month.split("<caption>Top movers: 2027-02 against the month before</caption>")[1].split("</table>")[0]
    assert "<tr><td>Leaving care</td><td>6</td><td>13</td><td>+7</td></tr>" in movers
    assert "oster" not in movers  # 3 in a month: no change can be shown
    by_week = analyst.get(staff["url"] + "/topics", timeout=10).text
    assert "Top movers: 2027-W07 against the week before" in by_week
    january = analyst.get(staff["url"] + "/topics?by=month&from=2027-01&to=2027-01", timeout=10).text
    assert '<th scope="col">2027-01</th></tr>' in january and "2027-02" not in january.split("<caption>By age band")[0]
    assert analyst.get(staff["url"] + "/topics?from=soon", timeout=10).status_code == 400


def test_a_lone_small_count_beside_a_total_is_protected_by_withholding_another():
    from bot.staff.pages import complementary

    assert complementary({"advocacy": 3, "complaints": 7, "family": 9}) == {"complaints"}  # 19 - 7 - 9 = 3 otherwise
    assert complementary({"advocacy": 3, "complaints": 2, "family": 9}) == set()  # two small: only their sum shows
    assert complementary({"advocacy": 3, "family": 0}) == set()  # nothing else to withhold: the total is small too
    assert complementary({"advocacy": 12, "family": 9}) == set()


def test_the_second_factors_codes_are_rfc_6238s():
    """RFC 6238's test vector (SHA-1, secret "12345678901234567890"), last six digits."""
    import base64

    from bot.staff.users import totp_code

    secret = base64.b32encode(b"12345678901234567890").decode()
    assert [totp_code(secret, t // 30) for t in (59, 1111111109, 1234567890, 2000000000)] == [
        "287082",
        "081804",
        "005924",
        "279037",
    ]
