"""The web chat in a real headless Chromium (Debian's chromium + chromedriver; .ci/run
installs them): typing, tapping, keyboard-only use, the help link, Rasa being down, and an
axe-core accessibility check against WCAG 2.2 AA."""

import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import pytest
import request_flows
from dashboard import csrf_of, new_staff_member
from fakes import FakeRasa, LocalServer

from bot.supervisor import free_port

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = (390, 844)  # a phone-sized window: the page must work there first

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.browser


def require(path: Path, how: str) -> None:
    if not Path(path).exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {path} is missing ({how})")
        pytest.skip(f"{path} is missing ({how})")


@pytest.fixture(scope="module")
def browser():
    require(CHROMIUM, "apt-get install chromium chromium-driver")
    require(CHROMEDRIVER, "apt-get install chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="promisebot-chromium-")
    # The closed network refuses Chromium's background connections: switch them all off.
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={PHONE[0]},{PHONE[1]}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def log_text(driver) -> str:
    return driver.find_element(By.ID, "log").text


def wait_for_text(driver, text: str, timeout: float = 30) -> None:
    try:
        WebDriverWait(driver, timeout).until(lambda d: text in log_text(d))
    except TimeoutException:
        pytest.fail(f"{text!r} never appeared; the chat shows:\n{log_text(driver)}")


def open_chat(driver, url: str) -> None:
    driver.get(url + "/")
    driver.execute_script("sessionStorage.clear()")  # a new young person each time
    driver.get(url + "/")
    wait_for_text(driver, "How old are you?")


def type_message(driver, text: str) -> None:
    box = driver.find_element(By.ID, "message")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def enabled_choice(driver, title: str):
    for button in driver.find_elements(By.CSS_SELECTOR, "button.choice"):
        if button.text == title and button.is_enabled():
            return button
    pytest.fail(f"no enabled button {title!r}")


def test_typing_a_message_shows_it_and_the_reply(browser, assistant):
    open_chat(browser, assistant.web_url)
    type_message(browser, "im 14")
    wait_for_text(browser, "promises for young people aged 12 to 15")
    assert "You: im 14" in browser.find_element(By.ID, "log").get_attribute("textContent")
    assert browser.find_element(By.ID, "message").get_attribute("value") == ""


def test_tapping_a_button_sends_it_and_retires_the_old_buttons(browser, assistant):
    open_chat(browser, assistant.web_url)
    enabled_choice(browser, "11 or under").click()
    wait_for_text(browser, "What would you like to see?")
    assert not any(
        b.is_enabled() for b in browser.find_elements(By.CSS_SELECTOR, "button.choice") if b.text == "12 to 15"
    ), "the age buttons should be retired once one was tapped"
    enabled_choice(browser, "Keeping you safe").click()
    wait_for_text(browser, "Keeping you safe: our promises to")


def test_the_chat_works_with_the_keyboard_alone(browser, assistant):
    open_chat(browser, assistant.web_url)
    order = []
    for _ in range(24):  # Tab through the page from its start, noting what gets focus
        ActionChains(browser).send_keys(Keys.TAB).perform()
        focused = browser.switch_to.active_element
        order.append(focused.get_attribute("id") or focused.text or focused.get_attribute("class"))
    assert order[0] == "Skip to the message box", order
    assert (
        order.index("Get help now")
        < order.index("exit-page")
        < order.index("log")
        < order.index("12 to 15")
        < order.index("message")
        < order.index("send")
        < order.index("forget")
    ), order
    # Back to the age buttons with Shift+Tab, and choose one with Enter.
    browser.find_element(By.ID, "message").click()
    for _ in range(10):
        browser.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)
        if browser.switch_to.active_element.text == "16 to 18":
            break
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for_text(browser, "promises for young people aged 16 to 18")
    assert browser.switch_to.active_element.get_attribute("id") == "message"  # ready to type next
    browser.switch_to.active_element.send_keys("what is an advocate", Keys.ENTER)
    wait_for_text(browser, "advocate", timeout=30)


def test_get_help_now_is_visible_at_once_and_lists_the_urgent_numbers(browser, assistant):
    open_chat(browser, assistant.web_url)
    link = browser.find_element(By.LINK_TEXT, "Get help now")
    top = link.location["y"] + link.size["height"]
    assert link.is_displayed() and top < PHONE[1] / 2, "the help link must be on screen without scrolling"
    link.click()
    section = browser.find_element(By.ID, "get-help")
    WebDriverWait(browser, 5).until(
        lambda d: section.location["y"] - d.execute_script("return window.scrollY") < PHONE[1]
    )
    numbers = {a.get_attribute("href") for a in section.find_elements(By.TAG_NAME, "a")}
    assert {"tel:999", "tel:08001111"} <= numbers


def axe_check(browser) -> dict:
    """Run axe-core on the page as it is now, for WCAG 2.2 AA."""
    require(AXE, "cd tests/browser && npm ci")
    browser.execute_script(AXE.read_text())
    return browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
           .then(r => done({violations: r.violations.map(v => ({id: v.id, help: v.help,
                                                                 nodes: v.nodes.map(n => n.target)})),
                            passes: r.passes.length}))
           .catch(e => done({error: String(e)}));""")


def test_the_page_passes_an_automated_wcag_2_2_aa_check(browser, assistant):
    open_chat(browser, assistant.web_url)
    type_message(browser, "what are my promises")
    wait_for_text(browser, "promises")
    result = axe_check(browser)
    assert "error" not in result, result
    assert result["violations"] == [], json.dumps(result["violations"], indent=1)
    assert result["passes"] > 10  # axe really looked at the page


def test_when_rasa_is_down_the_page_says_where_to_get_help_and_retries(browser, tmp_path):
    from bot.supervisor import Service, start_all, stop_all

    web_port = free_port()
    rasa = FakeRasa()  # not started yet: Rasa is down
    rasa_port = rasa.port
    web = Service(
        "webchat",
        [sys.executable, "-m", "bot.channels.webchat.server", "--port", str(web_port)],
        web_port,
        "/health",
        env={"PROMISEBOT_RASA_URL": f"http://127.0.0.1:{rasa_port}"},
    )
    start_all([web], log_dir=tmp_path)
    try:
        browser.get(f"http://127.0.0.1:{web_port}/")
        wait_for_text(browser, "having trouble", timeout=10)
        assert "999" in log_text(browser) and "0800 1111" in log_text(browser)
        rasa.start()  # the assistant comes back: the page's retry gets through
        wait_for_text(browser, "Hello again, I'm back.", timeout=30)
        assert log_text(browser).count("having trouble") == 1  # told once, not on every retry
    finally:
        rasa.stop()
        stop_all([web])


def test_a_council4kidz_tester_rates_an_answer_and_staff_see_it(browser, assistant):
    from bot.council4kidz.testers import issue_code
    from bot.staff.users import create_user

    code = issue_code("browser test session")
    open_chat(browser, assistant.web_url)
    browser.find_element(By.CSS_SELECTOR, "#testing summary").click()  # behind a small link
    browser.find_element(By.ID, "tester-code").send_keys(code)
    browser.find_element(By.CSS_SELECTOR, "#tester-form button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "test-mode").is_displayed())
    assert "browser test session" in browser.find_element(By.ID, "test-mode-label").text
    next(b for b in browser.find_elements(By.CSS_SELECTOR, "#test-ages button") if b.text == "12 to 15").click()
    wait_for_text(browser, "young people aged 12 to 15")
    type_message(browser, "what is an advocate")

    def advocacy_answer(driver):
        return next(
            (
                m
                for m in driver.find_elements(By.CSS_SELECTOR, ".msg.bot")
                if m.get_attribute("data-source") == "topics.yml advocacy"
            ),
            None,
        )

    try:
        answer = WebDriverWait(browser, 30).until(advocacy_answer)
    except TimeoutException:
        pytest.fail("no advocacy answer; the chat shows:\n" + log_text(browser)[-1500:])
    answer.find_element(By.CSS_SELECTOR, "button[aria-label='Not a good answer']").click()
    answer.find_element(By.CSS_SELECTOR, ".rating input").send_keys("Too many long words for me")
    answer.find_element(By.XPATH, ".//button[text()='Save rating']").click()
    WebDriverWait(browser, 10).until(lambda d: "Saved" in answer.text, message=answer.text)
    browser.find_element(By.ID, "test-title").send_keys("advocate answer too wordy")
    browser.find_element(By.ID, "save-test").click()
    WebDriverWait(browser, 30).until(lambda d: "Saved" in d.find_element(By.ID, "save-test-status").text)
    result = axe_check(browser)  # test mode is accessible too
    assert result.get("violations") == [], json.dumps(result, indent=1)

    name = f"c4k-analyst-{os.getpid()}"
    create_user(name, "correct horse battery staple", "analyst")
    browser.get(assistant.staff_url + "/login")
    browser.find_element(By.ID, "username").send_keys(name)
    browser.find_element(By.ID, "password").send_keys("correct horse battery staple", Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("/topics"))
    browser.get(assistant.staff_url + "/feedback")
    row = next(r for r in browser.find_elements(By.TAG_NAME, "tr") if "topics.yml advocacy" in r.text)
    assert "Too many long words for me" in row.text


# --- the request flows, driven to their reference by tapping ------------------------------------


def bot_messages(driver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, ".msg.bot")


def answer_after(driver, seen: int, expect: str, timeout: float = 30) -> str:
    """The bot's messages after the first `seen`, once one of them contains `expect`."""

    def new_text(d):
        text = "\n".join(m.text for m in bot_messages(d)[seen:])
        return text if expect in text else None

    try:
        return WebDriverWait(driver, timeout).until(new_text)
    except TimeoutException:
        pytest.fail(f"{expect!r} never came; the chat shows:\n{log_text(driver)}")


def send_in_the_page(browser, assistant, steps) -> str:
    """A young person going through `steps` on the page, tapping only buttons it shows; the
    bot's answer to the last step."""
    open_chat(browser, assistant.web_url)
    answer = ""
    for step in steps:
        time.sleep(request_flows.PAUSE)
        seen = len(bot_messages(browser))
        if step.tap:
            enabled_choice(browser, step.tap).click()
        else:
            type_message(browser, step.type)
        answer = answer_after(browser, seen, step.expect or "")
        assert "that button doesn't work" not in answer.lower(), answer
    return answer


@pytest.mark.parametrize("flow, contact", request_flows.FLOWS_AND_CHOICES)
def test_a_request_is_sent_by_tapping_every_button_the_bot_offers(browser, assistant, flow, contact):
    answer = send_in_the_page(browser, assistant, request_flows.script(flow, contact, age_button="12 to 15"))
    request_flows.assert_sent(answer, assistant.database_path, flow, contact)


def check_for_news(browser, reference: str, code: str) -> str:
    """Fill in "Check for news" as a young person would; the chat's answer to it."""
    time.sleep(1.3)  # not faster than a person: the page allows 8 messages in 10 s
    seen = len(bot_messages(browser))
    for field, value in (("news-reference", reference), ("news-code", code)):
        box = browser.find_element(By.ID, field)
        box.clear()
        box.send_keys(value)
    browser.find_element(By.ID, "check-news").click()
    WebDriverWait(browser, 30).until(lambda d: len(bot_messages(d)) > seen)
    time.sleep(0.3)  # the replies of one answer arrive together
    return "\n".join(m.text for m in bot_messages(browser)[seen:])


def test_a_child_who_asks_for_news_here_reads_the_councils_reply_with_their_reference_and_code(browser, assistant):
    steps = request_flows.script("advocacy", "Here in this chat", age_button="12 to 15")
    answer = send_in_the_page(browser, assistant, steps)
    request_flows.assert_sent(answer, assistant.database_path, "advocacy", "Here in this chat")
    shown = answer_after(browser, 0, "only show it once")
    reference = request_flows.REFERENCE.search(shown).group()
    code = re.search(r"this code: ([A-Z0-9]{4}-[A-Z0-9]{4})", shown).group(1)
    with sqlite3.connect(assistant.database_path) as db:  # the code is kept only as a hash
        stored = " ".join(
            str(v) for v in db.execute("select * from requests where reference = ?", (reference,)).fetchone()
        )
    assert code not in stored and code.replace("-", "") not in stored

    assert "Nobody has written back yet" in check_for_news(browser, reference, code)
    caseworker = new_staff_member(assistant.staff_url, "caseworker")
    page = assistant.staff_url + f"/requests/{reference}"
    for action, fields in [
        ("", {"status": "acknowledged"}),
        ("/reply", {"reply": "Hi, I'm Sam from Coram Voice's team. Can we meet on Tuesday?"}),
    ]:
        token = csrf_of(caseworker.get(page, timeout=10).text)
        assert caseworker.post(page + action, data={**fields, "csrf_token": token}, timeout=30).status_code == 200
    news = check_for_news(browser, reference.lower(), code.lower())  # as typed on a phone
    assert "someone is looking at it" in news and "Can we meet on Tuesday?" in news
    assert code not in log_text(browser).split("only show it once")[-1]  # never echoed back into the chat
    assert "NOT YET" not in caseworker.get(page, timeout=10).text  # read, and the dashboard shows when

    # Typed into the chat, the reference starts "Check for news": filled in, waiting for the code.
    time.sleep(1.3)
    type_message(browser, f"whats happening with {reference.lower()}")
    wait_for_text(browser, "I've put its reference under")
    assert browser.find_element(By.ID, "news-reference").get_attribute("value") == reference
    assert browser.switch_to.active_element.get_attribute("id") == "news-code"
    assert "Can we meet on Tuesday?" in check_for_news(browser, reference, code)

    wrong = [check_for_news(browser, reference, "AAAA-BBBB") for _ in range(5)]
    assert "don't match" in wrong[0] and "Can we meet" not in " ".join(wrong)
    assert "locked it for 15 minutes" in wrong[-1]
    assert "locked" in check_for_news(browser, reference, code)  # even the right code, until the lock ends


# --- safeguarding in the web chat: a frightened child, and a teenager asking ------------------


def asked_as(browser, web_url: str, age_button: str, message: str, expect: str):
    """A new young person taps their age, types `message`: the answer, and each reply's source."""
    open_chat(browser, web_url)
    enabled_choice(browser, age_button).click()
    wait_for_text(browser, "What would you like to see?")
    seen = len(bot_messages(browser))
    type_message(browser, message)
    answer = answer_after(browser, seen, expect)
    return answer, [m.get_attribute("data-source") for m in bot_messages(browser)[seen:]]


def test_a_frightened_ten_year_old_gets_the_urgent_answer(browser, assistant):
    answer, sources = asked_as(
        browser, assistant.web_url, "11 or under", "my mums boyfriend hurts me and im scared to go home", "999"
    )
    assert "not your fault" in answer and "0800 1111" in answer and "grown-up you trust" in answer
    assert sources[0].startswith("messages.yml safeguarding"), sources


def test_a_sixteen_year_old_asking_what_county_lines_is_gets_an_answer_not_an_alarm(browser, assistant):
    answer, sources = asked_as(browser, assistant.web_url, "16 to 18", "what is county lines?", "exploitation")
    assert "Thank you for telling me" not in answer
    assert sources[0] == "topics.yml sg_county_lines", sources
    assert enabled_choice(browser, "I'm not safe right now")  # a way to say it is happening to them


# --- understanding: when the bot is not sure, it asks, and the tap answers --------------------


def test_a_question_the_bot_is_not_sure_of_offers_a_choice_and_the_tap_answers_it(browser, assistant):
    answer, sources = asked_as(browser, assistant.web_url, "16 to 18", "where is my birth certificate", "Did you mean")
    assert sources[0] == "messages.yml did_you_mean", sources
    seen = len(bot_messages(browser))
    enabled_choice(browser, "Getting important documents").click()
    answer = answer_after(browser, seen, "help you to get important documents like passports")
    assert "that button doesn't work" not in answer.lower(), answer
    assert bot_messages(browser)[seen].get_attribute("data-source").startswith("promises.yml 16_18 keeping_safe")


# --- the staff dashboard: every page, for every role, on a tablet ---------------------------------

TABLET = (768, 1024)


@pytest.mark.parametrize(
    "role, paths",
    [
        ("analyst", ["/topics", "/flows", "/safeguarding", "/unanswered", "/feedback", "/account"]),
        ("caseworker", ["/requests", "REQUEST", "/account"]),
        ("admin", ["/users", "/testers", "/access-log", "/account"]),
    ],
)
def test_every_dashboard_page_passes_the_wcag_check_on_a_tablet(browser, assistant, role, paths):
    from bot.staff.users import create_user
    from bot.store.requests import NewRequest, save_request

    reference = save_request(
        NewRequest(kind="advocacy", details={"advocacy_reason": "axe check"}, contact_preference="social_worker")
    )
    name = f"axe-{role}-{os.getpid()}"
    create_user(name, "correct horse battery staple", role)
    browser.set_window_size(*TABLET)
    try:
        browser.delete_all_cookies()
        browser.get(assistant.staff_url + "/login")
        login = axe_check(browser)
        assert login.get("violations") == [], json.dumps(login, indent=1)
        browser.find_element(By.ID, "username").send_keys(name)
        browser.find_element(By.ID, "password").send_keys("correct horse battery staple", Keys.ENTER)
        WebDriverWait(browser, 10).until(lambda d: "/login" not in d.current_url)
        for path in paths:
            browser.get(assistant.staff_url + (f"/requests/{reference}" if path == "REQUEST" else path))
            result = axe_check(browser)
            assert "error" not in result, result
            assert result["violations"] == [], f"{path}: " + json.dumps(result["violations"], indent=1)
            width = browser.execute_script("return document.documentElement.scrollWidth")
            assert width <= TABLET[0], f"{path} is {width} px wide on a {TABLET[0]} px tablet"
    finally:
        browser.set_window_size(*PHONE)
        browser.delete_all_cookies()


# --- the chat as a messaging app: layout, exit, embedding, read-aloud, dark theme -------------


def rect(driver, css: str) -> dict:
    return driver.execute_script("return document.querySelector(arguments[0]).getBoundingClientRect().toJSON()", css)


def test_on_a_phone_it_looks_like_a_messaging_app(browser, assistant):
    open_chat(browser, assistant.web_url)
    type_message(browser, "im 14")
    wait_for_text(browser, "What would you like to see?")
    height, width = browser.execute_script("return [window.innerHeight, window.innerWidth]")
    assert browser.execute_script("return window.scrollY") == 0
    assert abs(rect(browser, "#composer")["bottom"] - height) <= 1, "the message box sits at the bottom"
    assert rect(browser, ".bar")["top"] == 0
    bot, mine = rect(browser, ".msg.bot p"), rect(browser, ".msg.user p")
    assert bot["left"] < width * 0.1 and mine["right"] > width * 0.85 and mine["left"] > width * 0.3, (bot, mine)
    chip = browser.find_element(By.CSS_SELECTOR, "button.choice")
    assert float(chip.value_of_css_property("border-top-left-radius").rstrip("px")) > 15  # a chip
    privacy = browser.find_element(By.CSS_SELECTOR, ".privacy").text
    assert "computer" in privacy and "days" in privacy and "Delete my chat" in privacy, privacy
    assert browser.find_element(By.ID, "message-hint").is_displayed()  # a keyboard: the hint helps
    browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    try:
        open_chat(browser, assistant.web_url)
        assert not browser.find_element(By.ID, "message-hint").is_displayed(), "no keyboard hints on a touch screen"
        box = browser.find_element(By.ID, "message")
        box.send_keys("line one", Keys.ENTER, "line two")  # on a phone Enter is a new line; Send sends
        assert box.get_attribute("value") == "line one\nline two"
        browser.find_element(By.ID, "send").click()
        wait_for_text(browser, "line two")
    finally:
        browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})


@pytest.fixture
def own_webchat(tmp_path):
    """A web chat of its own, answered by a fake Rasa, with the exit and embed settings set."""
    from bot.supervisor import Service, start_all, stop_all

    rasa = FakeRasa(answer="Hello, I can read this aloud.").start()
    host = FramingPage().start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "PROMISEBOT_RASA_URL": f"http://127.0.0.1:{rasa.port}",
        "PROMISEBOT_WEBCHAT_EXIT_URL": f"{url}/health",
        "PROMISEBOT_WEBCHAT_EMBED_ORIGINS": f"http://127.0.0.1:{host.port}",
    }
    web = Service(
        "webchat", [sys.executable, "-m", "bot.channels.webchat.server", "--port", str(port)], port, "/health", env=env
    )
    start_all([web], log_dir=tmp_path)
    host.chat_url = url
    yield url, host
    stop_all([web])
    host.stop()
    rasa.stop()


class FramingPage(LocalServer):
    """The council's site: a page that puts the web chat in a frame."""

    chat_url = ""

    def app(self):
        from aiohttp import web

        async def page(request):
            path = request.query.get("path", "/embed")
            return web.Response(
                content_type="text/html",
                text=f"<!doctype html><title>Council</title>"
                f'<iframe id="chat" title="Chat" src="{self.chat_url}{path}" width="390" height="700"></iframe>',
            )

        app = web.Application()
        app.router.add_get("/", page)
        return app


def test_exit_this_page_leaves_at_once_and_back_does_not_return(browser, own_webchat):
    url, _ = own_webchat
    browser.get(url + "/ready")  # the page before the chat
    browser.get(url + "/")
    wait_for_text(browser, "Hello, I can read this aloud.")
    exit_link = browser.find_element(By.ID, "exit-page")
    assert exit_link.is_displayed() and rect(browser, "#exit-page")["bottom"] < 120, "on screen at once"
    exit_link.click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url == url + "/health")
    browser.back()
    WebDriverWait(browser, 10).until(lambda d: d.current_url != url + "/health")
    assert browser.current_url == url + "/ready", "Back must not bring the chat back"
    # The shortcut: the Shift key 3 times.
    browser.get(url + "/")
    wait_for_text(browser, "Hello, I can read this aloud.")
    before = browser.execute_script("return sessionStorage.getItem('promises-session')")
    assert before
    for _ in range(3):
        ActionChains(browser).key_down(Keys.SHIFT).key_up(Keys.SHIFT).perform()
    WebDriverWait(browser, 10).until(lambda d: d.current_url == url + "/health")
    browser.get(url + "/")  # a new visit is a new conversation: the old session was forgotten
    wait_for_text(browser, "Hello, I can read this aloud.")
    assert browser.execute_script("return sessionStorage.getItem('promises-session')") not in (None, before)


def test_the_council_can_embed_the_chat_and_no_other_site_can(browser, own_webchat):
    url, host = own_webchat
    browser.get(f"http://127.0.0.1:{host.port}/?path=/embed")
    browser.switch_to.frame(browser.find_element(By.ID, "chat"))
    try:
        wait_for_text(browser, "Hello, I can read this aloud.")
        assert "embedded" in browser.find_element(By.TAG_NAME, "body").get_attribute("class")
        assert (
            browser.find_element(By.ID, "exit-page").get_attribute("target") == "_top"
        )  # leaves the council's page too
    finally:
        browser.switch_to.default_content()
    browser.get(f"http://127.0.0.1:{host.port}/?path=/")  # the full page may not be framed
    browser.switch_to.frame(browser.find_element(By.ID, "chat"))
    try:
        assert not browser.find_elements(By.ID, "log"), "the page must refuse to be framed"
    finally:
        browser.switch_to.default_content()
    import requests

    assert "frame-ancestors 'none'" in requests.get(url + "/", timeout=5).headers["Content-Security-Policy"]


FAKE_VOICES = """
  window.__spoken = [];
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };  // takes these fake voices
  const voices = [{name: "Online voice", lang: "en-GB", localService: false},
                  {name: "Device voice", lang: "en-GB", localService: %s}];
  Object.defineProperty(window, "speechSynthesis", {value: {
    getVoices: () => voices, cancel: () => {},
    speak: (u) => { window.__spoken.push({text: u.text, voice: u.voice.name}); if (u.onend) u.onend(); }}});
"""


@pytest.mark.parametrize("device_voice", [True, False])
def test_read_aloud_uses_only_a_voice_on_the_device(browser, own_webchat, device_voice):
    url, _ = own_webchat
    script = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": FAKE_VOICES % ("true" if device_voice else "false")}
    )
    try:
        browser.get(url + "/")
        wait_for_text(browser, "Hello, I can read this aloud.")
        listen = browser.find_element(By.CSS_SELECTOR, ".msg.bot button.listen")
        assert listen.text == "Read aloud"
        listen.click()
        spoken = browser.execute_script("return window.__spoken")
        if device_voice:
            assert spoken == [{"text": "Hello, I can read this aloud.", "voice": "Device voice"}]
        else:  # an online voice would send the words away: none is used
            assert spoken == []
            assert "no voice" in browser.find_element(By.ID, "status").text
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})


@pytest.mark.parametrize("scheme, size", [("dark", PHONE), ("light", (1280, 800)), ("dark", (1280, 800))])
def test_both_themes_pass_the_wcag_check_on_a_phone_and_a_desktop(browser, assistant, scheme, size):
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
    )
    browser.set_window_size(*size)
    try:
        open_chat(browser, assistant.web_url)
        type_message(browser, "im 12")
        wait_for_text(browser, "What would you like to see?")
        background = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert (background == "rgb(255, 255, 255)") == (scheme == "light"), background
        browser.find_element(By.CSS_SELECTOR, "#testing summary").click()
        result = axe_check(browser)
        assert "error" not in result, result
        assert result["violations"] == [], json.dumps(result["violations"], indent=1)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        browser.set_window_size(*PHONE)


def test_a_child_writing_in_arabic_gets_help_in_arabic_right_to_left_and_can_carry_on_in_english(browser, assistant):
    open_chat(browser, assistant.web_url)
    seen = len(bot_messages(browser))
    type_message(browser, "أنا خائف ولا أعرف ماذا أفعل")
    answer = answer_after(browser, seen, "999")
    message = bot_messages(browser)[seen]
    assert message.get_attribute("data-source") == "languages.yml ar"
    assert (
        browser.execute_script(
            "return getComputedStyle(arguments[0]).direction", message.find_element(By.TAG_NAME, "p")
        )
        == "rtl"
    )
    assert "0800 1111" in answer
    seen = len(bot_messages(browser))
    enabled_choice(browser, "المتابعة باللغة الإنجليزية / Carry on in English").click()
    answer_after(browser, seen, "Here's what I can help with")
