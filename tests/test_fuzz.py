"""Bad input fuzzing of the three ways in: Rasa's REST channel, the web chat server and the
Telegram bridge, each running for real in front of the real assistant.

Hypothesis sends what a young person, a broken client or an attacker might: random Unicode
with control characters and emoji, 0 to 20,000 characters (4,096 on Telegram, its own
limit), payloads and button data that are not buttons, and bodies that are not JSON or are
JSON of the wrong shape. Whatever comes in, the answer must be the bot's answer or a clear
4xx, never a 500, an error hidden as "sorry, I couldn't answer", silence or a hang (every
request has a timeout). Runs are derandomized, so CI sees the same examples every time.

Rasa's REST channel (bot/channels/rasa_rest.py) is on loopback only, the channels being the
way in, but it must hold too: an answer to any text, a clear 400 for a body of the wrong
shape, never a 500, and never Rasa exiting.

The fuzzing has an assistant of its own, so the junk conversations it leaves, and a server
it manages to bring down, never reach the other tests.
"""

import itertools
import json
import time
import uuid

import pytest
import requests
from fakes import FakeTelegram
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_telegram import start_bridge

from bot.channels.webchat.server import MAX_BODY_BYTES

TIMEOUT = 60  # seconds for one request: longer is a hang


@pytest.fixture(scope="module")
def fuzzed(model_path):
    """The assistant's processes, as `make run` starts them, for these tests alone."""
    from bot.supervisor import throwaway_assistant

    with throwaway_assistant(model_path, names=("actions", "rasa", "webchat"), prefix="promisebot-fuzz-") as running:
        yield running


def assert_still_running(assistant, after, wait: float = 0) -> None:
    """Every process still up after `after` was sent (waiting up to `wait` seconds for one to go)."""

    def exited() -> str:
        return ", ".join(
            f"{s.name} exited (code {s.process.returncode})" for s in assistant.services if s.process.poll() is not None
        )

    deadline = time.monotonic() + wait
    while not exited() and time.monotonic() < deadline:
        time.sleep(0.2)
    gone = exited()
    assert not gone, f"{gone} after {after!r}; its log is in {assistant.workdir}"


def post(assistant, url: str, sent, **kwargs) -> requests.Response:
    """POST with a timeout (a hang fails); a dropped connection says which process went down."""
    try:
        return requests.post(url, timeout=TIMEOUT, **kwargs)
    except requests.ConnectionError as error:
        dropped = error
    assert_still_running(assistant, sent, wait=5)
    raise AssertionError(f"no answer to {sent!r}: {dropped}")


def fuzz_settings(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# --- what is sent ---------------------------------------------------------------------------

# Any character but a lone surrogate (no client can encode one as text: st.characters() would
# give them), with extra weight on control and format characters (NUL, bidi overrides,
# zero-width joiners, line separators) and emoji.
ANY_CHARACTER = st.characters(codec="utf-8")
ODD_CHARACTERS = st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn"])
EMOJI = st.characters(min_codepoint=0x1F000, max_codepoint=0x1FAFF)
CHARACTERS = st.one_of(ANY_CHARACTER, ODD_CHARACTERS, EMOJI)


def random_text(max_size: int) -> st.SearchStrategy[str]:
    """Mostly short messages, some long ones, some long ones made of one short piece repeated."""
    repeated = st.builds(
        lambda piece, size: (piece * (size // len(piece) + 1))[:size],
        st.text(CHARACTERS, min_size=1, max_size=12),
        st.integers(1000, max_size),
    )
    return st.one_of(st.text(CHARACTERS, max_size=50), st.text(CHARACTERS, min_size=1000, max_size=max_size), repeated)


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(ANY_CHARACTER, max_size=30),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(ANY_CHARACTER, max_size=10), inner, max_size=4),
    max_leaves=12,
)
# JSON nested deeper than a parser recurses: a classic way to crash one.
DEEP_JSON = st.builds(
    lambda opener, depth: opener * depth, st.sampled_from(["[", '{"a":', '[{"a":']), st.integers(100, 3_000)
)
SESSIONS = st.one_of(st.uuids().map(lambda u: u.hex), st.text(ANY_CHARACTER, max_size=80), JSON_VALUES)


def dumps(value) -> bytes:
    return json.dumps(value).encode()


def shaped_like(keys: dict) -> st.SearchStrategy[bytes]:
    """JSON objects with some of the expected keys, holding anything."""
    return st.fixed_dictionaries({}, optional=keys).map(dumps)


def malformed_bodies(keys: dict) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=300),
        JSON_VALUES.map(dumps),  # a list, a number, null, a string, an object without the keys
        shaped_like(keys),
        DEEP_JSON.map(str.encode),
        # JSON text that is not Unicode text: lone surrogates, as "\ud800" escapes.
        st.text(st.characters(categories=["Cs", "Cc"]), max_size=20).map(lambda s: dumps(dict.fromkeys(keys, s))),
    )


def post_bytes(assistant, url: str, body: bytes) -> requests.Response:
    return post(assistant, url, body[:120], data=body, headers={"Content-Type": "application/json"})


def channel_message(key: str) -> str:
    from bot.content import current_content

    return current_content().message(key)


# The channels' own notices that mean the bot did not answer (Rasa failed, or said nothing).
NOT_AN_ANSWER = ("channel_trouble", "channel_gave_up", "channel_no_answer")
# Shaped like a button's payload (an intent, maybe with entities), the way a forger would write one.
INTENT_SHAPED = r"^/[a-z_]{1,64}(\{[^{}]{0,200}\})?$"


# --- Rasa's REST channel ---------------------------------------------------------------------


@fuzz_settings(70)
@given(text=random_text(20_000))
@example(text="")
@example(text="\x00" * 20_000)
@example(text="\u202e\u200d\ufeff" * 6_000)
@example(text="🙂" * 4_096)
@example(text="i want to complain " * 1_052)  # 19,988 characters of words
def test_random_text_over_rest_always_gets_an_answer(fuzzed, text):
    response = post(fuzzed, fuzzed.rest_url, text[:80], json={"sender": f"fuzz-{uuid.uuid4().hex}", "message": text})
    assert response.status_code == 200, response.text[:300]
    replies = response.json()
    assert isinstance(replies, list) and any(isinstance(r.get("text"), str) and r["text"].strip() for r in replies), (
        f"no answer to {text[:80]!r} ({len(text)} characters): {replies!r}"
    )


# --- the web chat server ---------------------------------------------------------------------


def messages_with_words(response: requests.Response) -> list:
    messages = response.json()["messages"]
    assert messages and all(isinstance(m["text"], str) and m["text"].strip() for m in messages), messages
    return messages


def check_web_answer(response: requests.Response, sent) -> list:
    """A 200 with the bot's messages, each with words, none of them a notice that Rasa failed."""
    assert response.status_code == 200, f"{sent!r} -> {response.status_code} {response.text[:200]}"
    assert "json" in response.headers["Content-Type"]
    messages = messages_with_words(response)
    failed = {channel_message(key) for key in NOT_AN_ANSWER}
    assert not failed & {m["text"] for m in messages}, f"Rasa did not answer {sent!r}: {messages}"
    return messages


def check_web_refusal(response: requests.Response, sent) -> None:
    """A clear 4xx: JSON with an error a page can show."""
    assert 400 <= response.status_code < 500, f"{sent!r} -> {response.status_code} {response.text[:200]}"
    error = response.json()["error"]
    assert isinstance(error, str) and error.strip()


def check_web_answer_or_refusal(response: requests.Response, sent) -> None:
    assert response.status_code < 500, f"{sent[:120]!r} -> {response.status_code} {response.text[:200]}"
    if response.status_code == 200:
        messages_with_words(response)
    else:
        check_web_refusal(response, sent)


@fuzz_settings(100)
@given(text=random_text(20_000))
@example(text="")
@example(text="\x00\x7f\x9f" * 6_000)
@example(text="x" * 20_000)
@example(text="🙂" * 4_096)
@example(text="😭" * 20_000)  # 80 KB as UTF-8: over the body limit
def test_random_text_in_the_web_chat_always_gets_an_answer(fuzzed, text):
    # As the page sends it: JSON.stringify, so UTF-8 and not \u escapes.
    body = json.dumps({"session": uuid.uuid4().hex, "text": text}, ensure_ascii=False).encode()
    response = post_bytes(fuzzed, fuzzed.web_url + "/api/message", body)
    if len(body) > MAX_BODY_BYTES:  # more than the page can send (it stops at 4,096 characters)
        assert response.status_code == 413 and response.json()["error"]
    else:
        check_web_answer(response, text[:80])


@fuzz_settings(100)
@given(payload=st.one_of(st.text(CHARACTERS, max_size=300), st.from_regex(INTENT_SHAPED, fullmatch=True)))
@example(payload="")
@example(payload="/")
@example(payload="/help")  # a real button, but this conversation was never shown it
@example(payload='/inform_age{"age_band":"not_a_band"}')
@example(payload='/inform_age{"age_band":}')
@example(payload="/no_such_intent")
def test_random_payloads_in_the_web_chat_are_refused_kindly(fuzzed, payload):
    """A new conversation was shown no buttons, so every tap is refused: kindly, never silently,
    with buttons to tap instead."""
    response = post(
        fuzzed, fuzzed.web_url + "/api/message", payload, json={"session": uuid.uuid4().hex, "payload": payload}
    )
    (refusal,) = check_web_answer(response, payload)
    assert refusal["text"] == channel_message("channel_button_refused") and refusal["buttons"]


@fuzz_settings(300)
@given(body=malformed_bodies({"session": SESSIONS, "text": JSON_VALUES, "payload": JSON_VALUES}))
@example(body=b"[" * 1_000 + b"]" * 1_000)  # valid JSON, nested deeper than Python's recursion limit
@example(body=b'{"a":' * 1_000)
@example(body=b'{"session": "0123456789abcdef0123", "text": NaN}')
def test_malformed_bodies_to_the_web_chat_get_an_answer_or_a_clear_4xx(fuzzed, body):
    check_web_answer_or_refusal(post_bytes(fuzzed, fuzzed.web_url + "/api/message", body), body)


@fuzz_settings(150)
@given(body=malformed_bodies({"session": SESSIONS}))
@example(body=b"[" * 1_000 + b"]" * 1_000)
def test_malformed_bodies_to_forget_get_an_answer_or_a_clear_4xx(fuzzed, body):
    check_web_answer_or_refusal(post_bytes(fuzzed, fuzzed.web_url + "/api/forget", body), body)


# --- the Telegram bridge ---------------------------------------------------------------------

chat_ids = itertools.count(880_001)  # a new chat for every example: no example is rate limited


@pytest.fixture(scope="module")
def bridge(fuzzed, tmp_path_factory):
    """The real bridge in front of the real assistant, talking to a fake Bot API."""
    from bot.supervisor import stop_all

    telegram = FakeTelegram().start()
    process = start_bridge(telegram, fuzzed.rasa_url, tmp_path_factory.mktemp("telegram-fuzz"), fuzzed.rasa_token)
    yield telegram, process
    stop_all([process])
    telegram.stop()


def assert_alive(process, fuzzed, after) -> None:
    assert process.process.poll() is None, f"the bridge exited with code {process.process.returncode} after {after!r}"
    assert_still_running(fuzzed, after)


def telegram_text(max_size: int = 4096) -> st.SearchStrategy[str]:
    return st.one_of(random_text(max_size), st.text(CHARACTERS, max_size=40).map(lambda s: "/" + s))


@fuzz_settings(80)
@given(text=telegram_text())
@example(text="")
@example(text="\x00\x01\u200b")
@example(text="😭" * 4_096)
@example(text="/start@someone_else_bot")
def test_random_text_on_telegram_always_gets_an_answer(fuzzed, bridge, text):
    telegram, process = bridge
    chat = next(chat_ids)
    telegram.user_sends(chat, text)
    waiting = {channel_message("channel_trouble"), channel_message("channel_too_long")}

    def answered():
        return any(m["text"].strip() and m["text"] not in waiting for m in telegram.messages_to(chat))

    telegram.wait_for(answered, 30, f"an answer to {text[:80]!r} ({len(text)} characters)")
    texts = [m["text"] for m in telegram.messages_to(chat)]
    failed = {channel_message(key) for key in NOT_AN_ANSWER}
    assert not failed & set(texts), f"Rasa did not answer {text[:80]!r}: {texts}"
    assert_alive(process, fuzzed, text[:80])


def callback_data() -> st.SearchStrategy[str]:
    """What a button can carry: up to 64 bytes of UTF-8."""

    def fits(data: str) -> str:
        return data.encode()[:64].decode(errors="ignore")

    return st.one_of(
        st.text(CHARACTERS, max_size=64).map(fits),
        st.from_regex(INTENT_SHAPED, fullmatch=True).map(fits),
        st.text(ANY_CHARACTER, max_size=30).map(lambda s: fits("#" + s)),
    )


MENU = "Here's what I can help with"


def until_the_menu(telegram: FakeTelegram, chat: int) -> list:
    """What the chat was sent up to the /help menu: waits for the menu."""
    telegram.wait_for_text(chat, MENU)
    texts = [m["text"] for m in telegram.messages_to(chat)]
    return texts[: next(i for i, t in enumerate(texts) if MENU in t) + 1]


def tap_was_answered(telegram: FakeTelegram, query_id: str) -> bool:
    return any(p.get("callback_query_id") == query_id for p in telegram.calls_to("answerCallbackQuery"))


@pytest.fixture(scope="module")
def help_in_a_new_chat(bridge):
    """What a new chat is sent for /help: the introduction, then the menu."""
    telegram, _ = bridge
    chat = next(chat_ids)
    telegram.user_sends(chat, "/help")
    return until_the_menu(telegram, chat)


@fuzz_settings(60)
@given(data=callback_data())
@example(data="")
@example(data="#0123456789abcdef0123")  # a long payload's key this bridge never handed out
@example(data="/no_such_intent")
def test_random_button_data_on_telegram_is_refused_kindly_and_the_bridge_carries_on(
    fuzzed, bridge, help_in_a_new_chat, data
):
    telegram, process = bridge
    chat = next(chat_ids)
    query_id = telegram.user_taps(chat, data)
    telegram.wait_for(lambda: tap_was_answered(telegram, query_id), 30, f"the tap on {data!r} to be answered")
    refused = channel_message("channel_button_refused")
    telegram.wait_for_text(chat, refused)  # never silence: a new chat was offered no buttons
    telegram.user_sends(chat, "/help")  # the chat still works
    texts = until_the_menu(telegram, chat)
    # Nothing was sent to Rasa for the tap: after the refusal, just what a new chat gets for /help.
    assert texts == [refused] + help_in_a_new_chat, texts
    failed = {channel_message(key) for key in NOT_AN_ANSWER}
    assert not failed & set(texts), f"Rasa did not answer the tap on {data!r}: {texts}"
    assert_alive(process, fuzzed, data)


# --- Rasa's REST channel, wrong shapes (last: what brings Rasa down is found here) -----------


@fuzz_settings(300)
@given(
    body=malformed_bodies(
        {"sender": SESSIONS, "message": JSON_VALUES, "metadata": JSON_VALUES, "input_channel": JSON_VALUES}
    )
)
@example(body=b"")
@example(body=b"null")
@example(body=b"[1, 2]")
@example(body=b'"hello"')
@example(body=b"[" * 1_000 + b"]" * 1_000)
@example(body=b'{"sender": "\\ud800", "message": "hi"}')  # a sender id SQLite cannot store
def test_malformed_bodies_over_rest_get_a_clear_4xx_and_never_bring_rasa_down(fuzzed, body):
    response = post_bytes(fuzzed, fuzzed.rest_url, body)
    assert response.status_code < 500, f"{body[:120]!r} -> {response.status_code} {response.text[:200]}"
    if response.status_code == 200:  # a message after all (an object with a sender, and text or none)
        assert isinstance(response.json(), list)
    else:
        assert response.status_code >= 400 and response.json()["error"], response.text[:200]
    assert_still_running(fuzzed, body[:120])
