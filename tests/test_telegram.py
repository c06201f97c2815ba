"""The Telegram bridge end to end: the real bridge process, a local fake Bot API server reached
through the configurable base URL, and the real assistant (or a fake Rasa for faults)."""

import contextlib
import itertools
import json
import os
import socket
import sqlite3
import sys
import time

import pytest
import request_flows
import requests
from assistant_files import files_at_rest
from dashboard import csrf_of, new_staff_member
from fakes import FakeRasa, FakeTelegram

from bot.supervisor import free_port

chat_ids = itertools.count(7001)  # one chat per test: conversations never mix


def start_bridge(telegram: FakeTelegram, rasa_url: str, log_dir, rasa_token: str = "", **extra_env):
    from bot.supervisor import Service, start_all

    env = {
        "PROMISEBOT_TELEGRAM_TOKEN": telegram.token,
        "PROMISEBOT_TELEGRAM_API_URL": telegram.base_url,
        "PROMISEBOT_RASA_URL": rasa_url,
        "PROMISEBOT_RASA_TOKEN": rasa_token,
        "PROMISEBOT_SENDER_KEY": "test-sender-key",
        "PROMISEBOT_WEBCHAT_URL": "https://example.test/chat",
        **extra_env,
    }
    bridge = Service("telegram", [sys.executable, "-m", "bot.channels.telegram"], None, env=env)
    start_all([bridge], log_dir=log_dir)
    telegram.wait_for(lambda: telegram.calls_to("setMyCommands"), 60, "the bridge to start")
    return bridge


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listening on {port}")


@contextlib.contextmanager
def bridge_before(rasa: FakeRasa, log_dir, **extra_env):
    """A fake Telegram and the real bridge, in front of a fake Rasa; all stopped afterwards."""
    from bot.supervisor import stop_all

    telegram = FakeTelegram().start()
    try:
        bridge = start_bridge(telegram, f"http://127.0.0.1:{rasa.port}", log_dir, **extra_env)
        try:
            yield telegram
        finally:
            stop_all([bridge])
    finally:
        rasa.stop()
        telegram.stop()


@pytest.fixture(scope="module")
def telegram(assistant, fake_telegram, tmp_path_factory):
    """The real bridge in front of the assistant, on the session's fake Bot API: the staff
    process delivers the council's news there too."""
    from bot.supervisor import stop_all

    bridge = start_bridge(fake_telegram, assistant.rasa_url, tmp_path_factory.mktemp("telegram"), assistant.rasa_token)
    yield fake_telegram
    stop_all([bridge])


@pytest.fixture
def chat():
    return next(chat_ids)


def buttons_of(message: dict) -> dict:
    markup = message.get("reply_markup")
    markup = json.loads(markup) if isinstance(markup, str) else markup or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


def test_start_says_what_the_bot_is_who_telegram_is_for_and_asks_the_age(telegram, chat):
    telegram.user_sends(chat, "/start")
    intro = telegram.wait_for_text(chat, "aged 16 or over")
    assert "https://example.test/chat" in intro["text"] and "/forget" in intro["text"]
    ask_age = telegram.wait_for_text(chat, "How old are you?")
    assert buttons_of(ask_age)["12 to 15"] == '/inform_age{"age_band":"12_15"}'
    assert "not a person" in telegram.texts_to(chat)
    commands = json.loads(telegram.calls_to("setMyCommands")[0]["commands"])
    assert {c["command"] for c in commands} == {"start", "help", "age", "forget", "privacy"}


def test_privacy_says_what_is_kept_for_how_long_and_how_to_delete_it(telegram, chat):
    telegram.user_sends(chat, "/privacy")
    notice = telegram.wait_for_text(chat, "What happens to what you write here")["text"]
    assert "30 days" in notice and "2 years" in notice and "/forget" in notice and "Telegram's own" in notice


def test_a_text_message_gets_the_bots_answer(telegram, chat):
    telegram.user_sends(chat, "hi im 14")
    telegram.wait_for_text(chat, "young people aged 12 to 15")


def test_tapping_a_button_answers_the_tap_and_sends_its_payload(telegram, chat):
    telegram.user_sends(chat, "/age")
    ask_age = telegram.wait_for_text(chat, "How old are you?")
    query_id = telegram.user_taps(chat, buttons_of(ask_age)["16 to 18"])
    telegram.wait_for_text(chat, "young people aged 16 to 18")
    assert any(p["callback_query_id"] == query_id for p in telegram.calls_to("answerCallbackQuery"))
    assert telegram.calls_to("editMessageReplyMarkup"), "the tapped keyboard should be taken away"


@pytest.mark.parametrize(
    "data",
    ["not a payload", "/safeguarding_disclosure", '/inform_age{"age_band":"=1+1"}', "phone", "#0123456789abcdef0123"],
)
def test_a_tap_on_a_button_this_chat_was_not_shown_is_refused_kindly(telegram, chat, data):
    telegram.user_sends(chat, "what is an advocate")
    telegram.wait_for_text(chat, "advocate")
    query_id = telegram.user_taps(chat, data)
    refusal = telegram.wait_for_text(chat, "that button doesn't work")
    assert any(p["callback_query_id"] == query_id for p in telegram.calls_to("answerCallbackQuery"))
    again = buttons_of(refusal)
    assert again and data not in again.values()  # the buttons shown again
    before = len(telegram.messages_to(chat))
    telegram.user_taps(chat, next(iter(again.values())))  # and they work
    telegram.wait_for(lambda: len(telegram.messages_to(chat)) > before, 30, "an answer to the tap")
    assert "Thank you for telling me" not in telegram.texts_to(chat)
    assert telegram.texts_to(chat).count("that button doesn't work") == 1


def test_help_shows_the_menu(telegram, chat):
    telegram.user_sends(chat, "/help")
    menu = telegram.wait_for_text(chat, "Here's what I can help with")
    assert "Make a complaint" in buttons_of(menu)


def test_forget_deletes_the_conversation(telegram, chat):
    telegram.user_sends(chat, "im 15")
    telegram.wait_for_text(chat, "aged 12 to 15")
    telegram.user_sends(chat, "/forget")
    telegram.wait_for_text(chat, "I've deleted our conversation")
    telegram.user_sends(chat, "what are my promises")
    # A new conversation: the bot introduces itself again and asks the age it no longer knows.
    telegram.wait_for(lambda: telegram.texts_to(chat).count("not a person") == 2, 30, "a second introduction")
    telegram.wait_for(lambda: "how old are you?" in telegram.texts_to(chat).split("deleted our conversation")[-1])


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document", "location"])
def test_things_that_are_not_words_get_a_kind_answer(telegram, chat, kind):
    telegram.user_sends_other(chat, kind)
    reply = telegram.wait_for_text(chat, "I can only read typed words")
    assert "999" in reply["text"]


def test_words_written_with_a_photo_are_still_read(telegram, chat):
    telegram.user_sends_other(chat, "photo", caption="my foster carer hits me")
    telegram.wait_for_text(chat, "I can only read typed words")
    reply = telegram.wait_for_text(chat, "Thank you for telling me")
    assert "0800 1111" in reply["text"]


def test_an_edited_message_gets_a_kind_answer(telegram, chat):
    telegram.user_edits(chat, "actually im 12")
    telegram.wait_for_text(chat, "I can only read new messages")


def test_a_disclosure_on_telegram_gets_the_safeguarding_answer(telegram, chat):
    telegram.user_sends(chat, "someone at home keeps hurting me")
    reply = telegram.wait_for_text(chat, "Thank you for telling me")
    assert "999" in reply["text"] and "0800 1111" in reply["text"]


def test_a_flood_is_slowed_down_with_one_notice(telegram, chat):
    for i in range(14):
        telegram.user_sends(chat, f"hello {i}")
    notice = telegram.wait_for_text(chat, "sending messages very quickly")
    assert "999" in notice["text"]
    time.sleep(3)  # let the answers to the allowed messages arrive
    texts = telegram.texts_to(chat)
    assert texts.count("sending messages very quickly") == 1


def test_the_rasa_conversation_is_not_keyed_by_the_telegram_chat_id(telegram, assistant, chat):
    from bot.channels.senders import sender_id

    telegram.user_sends(chat, "im 13")
    telegram.wait_for_text(chat, "aged 12 to 15")
    api = f"{assistant.rasa_url}/conversations/{{}}/tracker?token={assistant.rasa_token}"
    hashed = requests.get(api.format(sender_id("tg", chat, b"test-sender-key")), timeout=10).json()
    raw = requests.get(api.format(chat), timeout=10).json()
    assert hashed["slots"]["age_band"] == "12_15" and raw["slots"]["age_band"] is None


@pytest.mark.slow
def test_when_rasa_is_down_the_child_is_told_at_once_and_the_message_is_retried(tmp_path):
    rasa = FakeRasa()  # not started: Rasa is down
    with bridge_before(rasa, tmp_path) as telegram:
        chat = next(chat_ids)
        sent = time.monotonic()
        telegram.user_sends(chat, "nobody listens to me at home")
        notice = telegram.wait_for_text(chat, "having trouble", timeout=10)
        assert "999" in notice["text"] and "0800 1111" in notice["text"]
        assert time.monotonic() - sent < 5, "the notice must come at once, not after the retries"
        rasa.start()  # the assistant comes back
        telegram.wait_for_text(chat, "Hello again, I'm back.", timeout=30)
        assert [m["message"] for m in rasa.received] == ["nobody listens to me at home"]
        assert telegram.texts_to(chat).count("having trouble") == 1


@pytest.mark.slow
def test_when_rasa_is_slow_the_child_is_told_and_still_gets_the_answer(tmp_path):
    rasa = FakeRasa(answer="Sorry that took a while.", delay=7).start()
    with bridge_before(rasa, tmp_path) as telegram:
        chat = next(chat_ids)
        telegram.user_sends(chat, "what are my rights")
        telegram.wait_for_text(chat, "having trouble", timeout=10)
        telegram.wait_for_text(chat, "Sorry that took a while.", timeout=30)
        assert len(rasa.received) == 1  # waited for, not sent twice


@pytest.mark.slow
def test_webhook_mode_accepts_only_calls_with_telegrams_secret_token(tmp_path):
    rasa, port = FakeRasa(answer="Webhook answer.").start(), free_port()
    with bridge_before(
        rasa,
        tmp_path,
        PROMISEBOT_TELEGRAM_WEBHOOK_URL="https://bot.example.test/telegram",
        PROMISEBOT_TELEGRAM_WEBHOOK_SECRET="s3cret-token",
        PROMISEBOT_TELEGRAM_WEBHOOK_PORT=str(port),
    ) as telegram:
        chat = next(chat_ids)
        telegram.wait_for(lambda: telegram.calls_to("setWebhook"), 30, "setWebhook")
        webhook = telegram.calls_to("setWebhook")[0]
        assert webhook["url"] == "https://bot.example.test/telegram" and webhook["secret_token"] == "s3cret-token"
        wait_for_port(port)  # Telegram is told the address just before the server listens
        update = {"update_id": 1, "message": FakeTelegram._message(chat, text="hello")}
        url = f"http://127.0.0.1:{port}/telegram"
        wrong = requests.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}, timeout=10)
        missing = requests.post(url, json=update, timeout=10)
        assert wrong.status_code == 403 and missing.status_code == 403
        assert not rasa.received
        right = requests.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}, timeout=10)
        assert right.status_code == 200
        telegram.wait_for_text(chat, "Webhook answer.")


def test_webhook_mode_without_a_secret_refuses_to_start():
    from bot.channels.telegram import TelegramSettings

    with pytest.raises(ValueError, match="SECRET"):
        TelegramSettings.from_env({"PROMISEBOT_TELEGRAM_TOKEN": "1:x", "PROMISEBOT_TELEGRAM_WEBHOOK_URL": "https://x"})


def test_long_replies_are_split_under_telegrams_limit_at_a_break():
    from bot.channels.telegram import split_for_telegram

    paragraph = ("word " * 150).strip()
    chunks = split_for_telegram("\n\n".join([paragraph] * 12))
    assert len(chunks) > 1 and all(len(c) <= 4096 for c in chunks)
    assert all(c.endswith("word") and c.startswith("word") for c in chunks)  # no word cut in half
    assert " ".join(chunks).split() == "\n\n".join([paragraph] * 12).split()
    assert split_for_telegram("x" * 9000) == ["x" * 4096, "x" * 4096, "x" * 808]


def test_long_button_payloads_fit_telegrams_64_bytes():
    from bot.channels.telegram import callback_data

    long = '/inform_age{"age_band":"' + "x" * 80 + '"}'
    assert len(callback_data(long).encode()) <= 64 and callback_data(long) == callback_data(long)
    assert callback_data("/help") == "/help"


@pytest.mark.slow
def test_a_wrong_bot_token_stops_the_bridge_with_a_clear_message():
    import subprocess

    telegram = FakeTelegram().start()
    try:
        env = {
            **os.environ,
            "PROMISEBOT_TELEGRAM_TOKEN": "999:WRONG",
            "PROMISEBOT_TELEGRAM_API_URL": telegram.base_url,
            "PROMISEBOT_SENDER_KEY": "k",
        }
        run = subprocess.run(
            [sys.executable, "-m", "bot.channels.telegram"], env=env, capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 2 and "refused the bot token" in run.stderr
    finally:
        telegram.stop()


# --- the request flows, driven to their reference by tapping ------------------------------------


def latest_buttons(telegram: FakeTelegram, chat: int) -> dict:
    """The inline keyboard of the last message that had one."""
    with_buttons = [m for m in telegram.messages_to(chat) if buttons_of(m)]
    return buttons_of(with_buttons[-1]) if with_buttons else {}


def send_on_telegram(telegram: FakeTelegram, chat: int, steps) -> str:
    """A young person going through `steps` on Telegram, tapping only inline buttons the bot
    just offered; what the bot showed after the last step."""
    telegram.user_sends(chat, "/start")
    telegram.wait_for_text(chat, "How old are you?")
    answer = ""
    for step in steps:
        time.sleep(request_flows.PAUSE)
        seen = len(telegram.messages_to(chat))
        if step.tap:
            data = latest_buttons(telegram, chat).get(step.tap)
            assert data, f"no button {step.tap!r} was offered: {telegram.texts_to(chat)[-1500:]}"
            telegram.user_taps(chat, data)
        else:
            telegram.user_sends(chat, step.type)
        expect = step.expect or ""

        def shown(seen=seen):  # the new messages' words and their buttons' titles
            return "\n".join(m["text"] + "\n" + "\n".join(buttons_of(m)) for m in telegram.messages_to(chat)[seen:])

        telegram.wait_for(lambda expect=expect: expect in shown(), 30, f"{expect!r} after {step}")
        answer = shown()
        assert "that button doesn't work" not in answer.lower(), answer
    return answer


@pytest.mark.parametrize("flow, contact", request_flows.FLOWS_AND_CHOICES)
def test_a_request_is_sent_by_tapping_every_inline_button_the_bot_offers(telegram, assistant, chat, flow, contact):
    answer = send_on_telegram(telegram, chat, request_flows.script(flow, contact, age_button="16 to 18"))
    request_flows.assert_sent(answer, assistant.database_path, flow, contact)


def test_a_child_who_asks_for_news_here_gets_the_councils_reply_in_this_chat(telegram, assistant, mailbox):
    from bot.casework.reply_address import unseal

    chat = 8123456789001  # a long id, so finding it in a file cannot be chance
    answer = send_on_telegram(telegram, chat, request_flows.script("complaint", "Here in this chat", "16 to 18"))
    request_flows.assert_sent(answer, assistant.database_path, "complaint", "Here in this chat")
    telegram.wait_for_text(chat, "will come here, in this chat")
    reference = request_flows.REFERENCE.search(answer).group()
    with sqlite3.connect(assistant.database_path) as db:
        [(sealed,)] = db.execute("select reply_address from requests where reference = ?", (reference,)).fetchall()
    assert str(chat) not in sealed and unseal(sealed) == ("telegram", str(chat))  # kept sealed, never in clear

    [(inboxes, email)] = mailbox.about(reference)  # the team is told, without the child's words
    assert inboxes == ["complaints@council.test"] and "keep moving me" not in email.get_content()

    caseworker = new_staff_member(assistant.staff_url, "caseworker")
    page = assistant.staff_url + f"/requests/{reference}"
    for action, fields in [
        ("/take", {}),
        ("", {"status": "acknowledged"}),
        ("/reply", {"reply": "Hi, I'm Jo from the complaints team. I'll ring your carer tomorrow."}),
        ("", {"status": "closed"}),
    ]:
        token = csrf_of(caseworker.get(page, timeout=10).text)
        assert caseworker.post(page + action, data={**fields, "csrf_token": token}, timeout=30).status_code == 200
    for words in (
        f"Walsall Council has got your complaint ({reference})",
        "I'll ring your carer tomorrow",
        f"Your complaint ({reference}) is now closed",
    ):
        telegram.wait_for_text(chat, words)

    def forgotten():  # closed and all its news delivered: the chat can no longer be reached
        with sqlite3.connect(assistant.database_path) as db:
            return (
                db.execute("select reply_address from requests where reference = ?", (reference,)).fetchone()[0] is None
            )

    telegram.wait_for(forgotten, 15, "the sealed chat to be removed")
    time.sleep(10)  # some time later (the bridge allows 8 messages in 10 s, and the flow was quick)
    telegram.user_sends(chat, f"any news on {reference}?")
    telegram.wait_for_text(chat, f"when you sent your request {reference}, news comes to this chat")
    detail = caseworker.get(page, timeout=10).text
    assert "NOT YET" not in detail and f"Owner: {caseworker.username}" in detail
    written = files_at_rest(assistant.workdir)  # databases and logs
    assert not [path.name for path, raw in written.items() if str(chat).encode() in raw], "a chat id in clear"


def test_a_question_the_bot_is_not_sure_of_offers_a_choice_and_the_tap_answers_it(telegram, chat):
    telegram.user_sends(chat, "/start")
    telegram.wait_for_text(chat, "How old are you?")
    telegram.user_taps(chat, latest_buttons(telegram, chat)["16 to 18"])
    telegram.wait_for_text(chat, "What would you like to see?")
    time.sleep(request_flows.PAUSE)
    telegram.user_sends(chat, "where is my birth certificate")
    telegram.wait_for_text(chat, "Did you mean")
    choice = latest_buttons(telegram, chat).get("Getting important documents")
    assert choice, f"not offered: {latest_buttons(telegram, chat)}"
    telegram.user_taps(chat, choice)
    reply = telegram.wait_for_text(chat, "help you to get important documents like passports")
    assert "that button doesn't work" not in reply["text"].lower()


def test_a_message_in_polish_gets_help_in_polish_and_the_tap_carries_on_in_english(telegram, chat):
    telegram.user_sends(chat, "potrzebuję pomocy, nie mówię po angielsku")
    help_in_polish = telegram.wait_for_text(chat, "999")
    assert "0800 1111" in help_in_polish["text"] and "Childline" in help_in_polish["text"]
    carry_on = buttons_of(help_in_polish)
    assert list(carry_on) == ["Kontynuuj po angielsku / Carry on in English"], carry_on
    telegram.user_taps(chat, carry_on["Kontynuuj po angielsku / Carry on in English"])
    telegram.wait_for_text(chat, "Here's what I can help with")
