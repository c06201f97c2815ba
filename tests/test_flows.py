"""The request flows: answers are checked kindly, read back, and saved before confirming."""

import datetime

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.flows import ActionAskQuestion, ActionCancelFlow, ActionSubmitRequest, ValidateComplaintForm
from bot import flows
from bot.content import load_content
from bot.store.database import migrate
from bot.store.requests import list_requests

CONTENT = load_content()


@pytest.mark.parametrize(
    "text,problem", [("", "empty"), ("   ", "empty"), ("x" * 2001, "too_long"), ("/affirm", "empty")]
)
def test_empty_or_over_long_answers_are_asked_again(text, problem):
    assert flows.check_text(text) == flows.Checked(None, problem)


@pytest.mark.parametrize("text", ["yes", "ok", "yeah start it", "no"])
def test_a_bare_yes_or_no_is_not_an_account_of_what_happened(text):
    assert flows.check_text(text, needs_words=True) == flows.Checked(None, "need_words")
    assert flows.check_text(text).value == text  # a name may be anything


def test_a_real_answer_is_kept_as_written():
    assert flows.check_text("  my room is freezing  ").value == "my room is freezing"


@pytest.mark.parametrize(
    "text,value",
    [
        ("Phone", "phone"),
        ("ring me", "phone"),
        ("email pls", "email"),
        ("thru my fc", "carer"),
        ("my sw", "social_worker"),
        ("dont contact me", "none"),
    ],
)
def test_contact_preference_from_buttons_or_words(text, value):
    assert flows.check_choice("contact_preference", text).value == value


@pytest.mark.parametrize(
    "intent,text,value",
    [
        ("affirm", "yh", True),
        ("deny", "nah", False),
        ("out_of_scope", "yes please", True),
        ("out_of_scope", "no", False),
        ("out_of_scope", "banana", None),
    ],
)
def test_yes_or_no(intent, text, value):
    assert flows.check_yes_no(intent, text).value == value


def test_contact_detail_is_asked_only_for_phone_or_email():
    assert "contact_detail" in flows.required_slots(CONTENT, "complaint", "phone")
    assert "contact_detail" not in flows.required_slots(CONTENT, "complaint", "carer")
    assert flows.required_slots(CONTENT, "complaint", None)[-1] == "confirm_request"


def test_office_hours_are_weekdays_nine_to_five_in_walsall_fridays_to_half_past_four_not_bank_holidays():
    def at(day, hour, minute=0):  # Walsall is on UTC in winter
        return flows.is_office_hours(
            CONTENT, datetime.datetime(2026, 12, day, hour, minute, tzinfo=datetime.timezone.utc)
        )

    assert at(7, 10) and at(7, 16, 59) and not at(7, 17) and not at(7, 8, 59)  # a Monday
    assert at(11, 16, 29) and not at(11, 16, 30)  # a Friday: the duty team from 4.30pm
    assert not at(12, 10)  # a Saturday
    assert not at(25, 10) and not at(28, 10)  # Christmas Day, and the Boxing Day holiday on the Monday


def form_tracker(
    text, intent="out_of_scope", confidence=0.9, slots=None, loop="complaint_form", channel=None, metadata=None
):
    events = [{"event": "user", "text": text, "input_channel": channel}] if channel else []
    return Tracker(
        "child",
        dict({"active_flow": "complaint", "requested_slot": None}, **(slots or {})),
        {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [],
            "metadata": metadata or {},
        },
        events,
        False,
        None,
        {"name": loop} if loop else {},
        "action_listen",
    )


def validate(slot, text, **kwargs):
    dispatcher = CollectingDispatcher()
    result = getattr(ValidateComplaintForm(), f"validate_{slot}")(text, dispatcher, form_tracker(text, **kwargs), {})
    return result, " ".join(m.get("text") or "" for m in dispatcher.messages)


def test_over_long_complaint_gets_a_kind_reask():
    result, said = validate("complaint_about", "a" * 3000)
    assert result == {"complaint_about": None} and "under 2,000" in said


def test_a_question_mid_form_is_answered_and_the_form_asks_again():
    result, said = validate("complaint_outcome", "what is an advocate?", intent="topic_advocacy", confidence=0.99)
    assert result == {"complaint_outcome": None}
    assert "advocate" in said.lower() and "carry on" in said


def test_an_answer_that_sounds_like_a_topic_is_still_an_answer():
    result, _ = validate(
        "complaint_about", "my social worker never visits me", intent="topic_social_worker", confidence=0.99
    )
    assert result == {"complaint_about": "my social worker never visits me"}


def test_a_message_for_the_social_worker_may_itself_be_a_question():
    dispatcher = CollectingDispatcher()
    text = "can i go to my friends party on saturday?"
    result = ValidateComplaintForm().validate_sw_message(
        text, dispatcher, form_tracker(text, "promise_question", 0.99), {}
    )
    assert result == {"sw_message": text}


def test_read_back_shows_every_answer_and_asks_to_confirm():
    slots = {
        "complaint_about": "cold room",
        "complaint_outcome": "a heater",
        "wants_advocate": True,
        "known_name": "Sam",
        "contact_preference": "phone",
        "contact_detail": "07700 900123",
    }
    dispatcher = CollectingDispatcher()
    ask = next(cls for cls in ActionAskQuestion.__subclasses__() if cls.slot == "confirm_request")()
    ask.run(dispatcher, form_tracker("x", slots=slots), {})
    text = dispatcher.messages[0]["text"]
    for value in ("cold room", "a heater", "Sam", "Phone", "07700 900123", "Advocate: Yes"):
        assert value in text
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/affirm", "/deny"]


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'flows.sqlite'}"
    migrate(url)
    monkeypatch.setenv("PROMISEBOT_DATABASE_URL", url)
    return url


def submit(slots, **kwargs):
    dispatcher = CollectingDispatcher()
    ActionSubmitRequest().run(dispatcher, form_tracker("yes", intent="affirm", slots=slots, loop=None, **kwargs), {})
    return " ".join(m.get("text") or "" for m in dispatcher.messages)


CONFIRMED = {
    "complaint_about": "cold room",
    "complaint_outcome": "a heater",
    "wants_advocate": False,
    "known_name": "Sam",
    "contact_preference": "social_worker",
    "confirm_request": True,
}


def test_a_confirmed_complaint_is_saved_then_confirmed_with_its_reference(database):
    said = submit(CONFIRMED)
    saved = list_requests("test", url=database)
    assert len(saved) == 1 and saved[0].reference in said and saved[0].reference.startswith("C-")
    assert saved[0].details["complaint_about"] == "cold room"
    assert "5 working days" in said


def test_nothing_is_saved_when_not_confirmed(database):
    said = submit(dict(CONFIRMED, confirm_request=False))
    assert list_requests("test", url=database) == [] and "haven't sent anything" in said


def test_when_the_database_fails_the_child_is_told_it_did_not_go_through(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMISEBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'no-tables.sqlite'}")  # not migrated
    said = submit(CONFIRMED)
    assert "did NOT go through" in said and "reference" not in said.lower() and "0800 1111" in said


def test_cancel_says_nothing_was_saved(database):
    dispatcher = CollectingDispatcher()
    events = ActionCancelFlow().run(dispatcher, form_tracker("stop", intent="cancel"), {})
    assert "Nothing was saved" in dispatcher.messages[0]["text"]
    assert {"event": "slot", "name": "complaint_about", "value": None, "timestamp": None} in events
    assert list_requests("test", url=database) == []


@pytest.mark.parametrize(
    "text,cancels",
    [
        ("stop", True),
        ("never mind", True),
        ("nvm", True),
        ("forget it", True),
        ("i changed my mind", True),
        ("i want it fixed this week", False),
        ("i dont want to live there anymore", False),
        ("stop them shouting at me every night and " + "really " * 10, False),
        ("i want them to stop", False),
        ("make him stop", False),
        ("stop them reading my diary", False),
        ("i want it to stop", False),
        ("pls stop", True),
        ("stop this", True),
        ("can we stop now", True),
    ],
)
def test_only_a_clear_stop_cancels_a_half_written_request(text, cancels):
    from bot.nlu.explicit_cancel import is_explicit_cancel

    assert is_explicit_cancel(text) is cancels


@pytest.mark.parametrize("channel, offered", [("telegram", True), ("webchat", True), ("rest", False), (None, False)])
def test_here_in_this_chat_is_offered_only_where_the_councils_news_can_reach_the_chat(channel, offered):
    titles = [title for title, _ in flows.contact_choices(CONTENT, {}, channel)]
    assert ("Here in this chat" in titles) is offered and "Phone" in titles
    result, _ = validate("contact_preference", "here in this chat pls", channel=channel)
    assert result == {"contact_preference": "chat" if offered else None}  # elsewhere: asked again, with buttons


def test_a_request_for_news_in_the_chat_keeps_the_sealed_chat_and_says_news_will_come_here(database):
    from bot.casework.reply_address import seal, unseal

    said = submit(
        {**CONFIRMED, "contact_preference": "chat"},
        channel="telegram",
        metadata={"reply_address": seal("telegram", 7123)},
    )
    [saved] = list_requests("test", url=database)
    assert unseal(saved.reply_address) == ("telegram", "7123") and "7123" not in saved.reply_address
    assert "will come here, in this chat" in said


def test_without_the_chats_address_the_child_is_told_the_council_cannot_reply_there(database):
    said = submit({**CONFIRMED, "contact_preference": "chat"}, channel="telegram")
    assert list_requests("test", url=database)[0].reply_address is None
    assert "can't reply to you here" in said and "will come here" not in said


@pytest.mark.parametrize(
    "about",
    [
        "my foster carer shouts at me",
        "the staff at my home took my phone",
        "my fc wont let me see my mates",
        "my key worker is never there",
    ],
)
def test_through_my_carer_is_not_offered_when_the_request_is_about_them(about):
    values = [value for _, value in flows.contact_choices(CONTENT, {"complaint_about": about}, "telegram")]
    assert "carer" not in values and "phone" in values


def test_through_my_carer_is_offered_otherwise():
    values = [
        value for _, value in flows.contact_choices(CONTENT, {"sw_message": "can i go on the school trip"}, "telegram")
    ]
    assert "carer" in values


def test_dont_contact_me_says_the_council_cannot_reply_and_how_to_follow_it_up(database):
    said = submit({**CONFIRMED, "contact_preference": "none"})
    assert "can't reply" in said and "your reference" in said and "0808 800 5792" in said
    assert "in the way you chose" not in said


# --- one source for the flows' questions: content/flows.yml ---------------------------------


def test_domain_forms_ask_exactly_the_questions_content_flows_lists():
    import yaml

    from bot.names import ROOT

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    content = load_content()
    assert set(domain["forms"]) == set(flows.FLOW_OF_FORM)
    for form, flow in flows.FLOW_OF_FORM.items():
        assert domain["forms"][form]["required_slots"] == content.flows[flow]["slots"] + [flows.CONFIRM_SLOT], form
    asked = {a[len("action_ask_") :] for a in domain["actions"] if a.startswith("action_ask_")}
    assert asked == set(flows.all_flow_slots(content))
    validated = {a for a in domain["actions"] if a.startswith("validate_")}
    assert validated == {f"validate_{form}" for form in flows.FLOW_OF_FORM}


def test_every_question_has_its_words_its_label_and_a_kind_of_answer():
    content = load_content()
    common = content.flow_common
    choices = set(flows.WORDS_FOR) | {"wants_advocate", flows.CONFIRM_SLOT}  # a choice, or yes / no
    for flow, spec in content.flows.items():
        for slot in spec["slots"]:
            assert slot in spec["questions"] or slot in common["questions"], f"{flow}: no question for {slot}"
            assert slot in common["labels"], f"no label to read {slot} back"
            kinds = [slot in flows.FREE_TEXT_SLOTS, slot in flows.SHORT_TEXT_SLOTS, slot in choices]
            assert kinds.count(True) == 1, f"{slot} must be exactly one of free text, short text or a choice"


def test_the_action_server_registers_only_real_actions():
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    assert "action_ask_" not in executor.actions and "validate_" not in executor.actions  # the abstract bases
    assert {f"action_ask_{slot}" for slot in flows.all_flow_slots(load_content())} <= set(executor.actions)
