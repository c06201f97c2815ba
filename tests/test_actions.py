"""The actions, driven by tracker fixtures, asserting the words a child would see."""

from typing import Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (
    ActionAnswerPromises,
    ActionAnswerTopic,
    ActionFallback,
    ActionForgetConversation,
    ActionGreet,
    ActionSafeguarding,
    ActionSafeguardingCheckIn,
    ActionSafeguardingFollowUp,
    ActionSafeNow,
    ActionSetAge,
    ActionShowMenu,
    ActionSmallTalk,
)
from bot.content import THEME_INTENTS, load_content
from bot.names import COUNT_CHECK_IN, COUNT_FOLLOW_UP, COUNT_UNNAMED_KIND, SAFEGUARDING_COUNT_SLOT

CONTENT = load_content()
BANDS = ["up_to_11", "12_15", "16_18", "18_plus"]
PROMISE_BAND = {"up_to_11": "up_to_11", "12_15": "12_15", "16_18": "16_18", "18_plus": "16_18"}


def user_event(text: str, intent: str, entities=None) -> Dict:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []},
    }


def tracker(
    text: str,
    intent: str,
    age_band: Optional[str] = None,
    entities=None,
    events: Optional[List[Dict]] = None,
    pending: Optional[str] = None,
    ranking=None,
) -> Tracker:
    """A tracker as the action server receives it, just after the young person's message.

    By default the conversation is under way (the bot has spoken); `events=[]` makes this
    the first message of a conversation.
    """
    history = list(MID_CONVERSATION if events is None else events)
    history.append(user_event(text, intent, entities))
    if entities and any(e["entity"] == "age_band" for e in entities):
        history.append({"event": "slot", "name": "age_band", "value": age_band})
    return Tracker(
        sender_id="test-child",
        slots={"age_band": age_band, "pending_intent": pending},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.99},
            "entities": entities or [],
            "intent_ranking": [{"name": intent, "confidence": 1.0}, *(ranking or [])],
        },
        events=history,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


MID_CONVERSATION = [
    {"event": "user", "text": "hi", "parse_data": {"text": "hi", "intent": {"name": "greet"}, "entities": []}},
    {"event": "bot", "text": "Hi! I'm the Promises helper."},
]


def age_entity(band: str) -> List[Dict]:
    return [{"entity": "age_band", "value": band, "start": 0, "end": 2, "extractor": "AgeExtractor"}]


def run(action, tracker_: Tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker_, {})
    return dispatcher.messages, events


def said(messages) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def buttons(messages) -> List[str]:
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])]


def test_greeting_says_it_is_a_computer_and_gives_999_and_asks_age():
    messages, _ = run(ActionGreet(), tracker("hiya", "greet"))
    text = said(messages)
    assert "computer" in text and "not a person" in text
    assert "999" in text
    assert "How old are you?" in text
    assert '/inform_age{"age_band":"12_15"}' in buttons(messages)


def test_asking_straight_away_first_hears_what_the_bot_is():
    messages, _ = run(ActionAnswerPromises(), tracker("what are all my promises", "promises_all", events=[]))
    text = said(messages)
    assert text.index("not a person") < text.index("how old are you")
    assert "999" in text


def test_introduction_is_said_once_only():
    earlier = [user_event("hi", "greet"), {"event": "bot", "text": "Hi! I'm the Promises helper."}]
    messages, _ = run(ActionAnswerTopic(), tracker("what is an advocate", "topic_advocacy", events=earlier))
    assert "not a person" not in said(messages)
    t = tracker("im 14", "inform_age", age_band="12_15", entities=age_entity("12_15"), events=[])
    messages, _ = run(ActionSetAge(), t)
    assert said(messages).count("not a person") == 1


def test_greeting_does_not_ask_age_again_when_known():
    messages, _ = run(ActionGreet(), tracker("hello", "greet", age_band="12_15"))
    assert "How old" not in said(messages)
    assert "/promises_all" in buttons(messages)


@pytest.mark.parametrize("band", BANDS)
@pytest.mark.parametrize("intent,theme_id", sorted(THEME_INTENTS.items()))
def test_each_theme_quotes_every_promise_of_the_band_verbatim(band, intent, theme_id):
    messages, _ = run(ActionAnswerPromises(), tracker("promises", intent, age_band=band))
    text = said(messages)
    theme = CONTENT.bands[PROMISE_BAND[band]].theme(theme_id)
    assert theme.title in text
    for promise in theme.promises:
        assert promise.text in text
    other_themes = [t for t in CONTENT.bands[PROMISE_BAND[band]].themes if t.id != theme_id]
    for other in other_themes:  # one theme at a time ...
        assert other.promises[0].text not in text
    assert len(buttons(messages)) >= 3  # ... with buttons to go on


@pytest.mark.parametrize("band", BANDS)
def test_all_promises_come_one_theme_per_message(band):
    messages, _ = run(ActionAnswerPromises(), tracker("what are all my promises", "promises_all", age_band=band))
    promises = [p.text for t in CONTENT.bands[PROMISE_BAND[band]].themes for p in t.promises]
    assert len(messages) == 5
    assert all(p in said(messages) for p in promises)


@pytest.mark.parametrize(
    "band,question,expected",
    [
        ("up_to_11", "can I keep my toys?", "keep things that are important to you like your favourite toys."),
        ("12_15", "will I have to change school?", "make sure that you don’t have to change school"),
        ("16_18", "do I have to pay council tax?", "we promise to pay for your council tax"),
        ("16_18", "can I stay with my foster carers?", "stay with your foster carers if this is possible"),
        ("18_plus", "can u help me get a passport", "important documents like passports"),
        ("up_to_11", "can i still see my old foster carers", "stay in touch with foster carers"),
        ("12_15", "can i go on the skool trip", "school trips and fun activities"),
        ("16_18", "will u help me get into uni", "college or university"),
        ("up_to_11", "can i see a doctor wen im poorly", "see a doctor when you are poorly"),
    ],
)
def test_a_question_about_one_promise_gets_that_promise(band, question, expected):
    messages, _ = run(ActionAnswerPromises(), tracker(question, "promise_question", age_band=band))
    assert expected in said(messages)


def test_a_promise_from_another_age_band_is_labelled_as_theirs():
    messages, _ = run(
        ActionAnswerPromises(), tracker("do i have to pay council tax", "promise_question", age_band="up_to_11")
    )
    text = said(messages)
    assert "aged 16 to 18" in text and "council tax" in text


def test_a_promise_question_with_no_match_offers_the_themes():
    messages, _ = run(ActionAnswerPromises(), tracker("wat about the moon", "promise_question", age_band="12_15"))
    assert "not sure which promise" in said(messages)
    assert "/promises_keeping_safe" in buttons(messages)


def test_promises_before_age_is_known_asks_age_and_keeps_the_question():
    messages, events = run(ActionAnswerPromises(), tracker("can i keep my toys", "promise_question"))
    assert "how old are you" in said(messages).lower()
    assert SlotSet("pending_intent", "promise_question") in events


def test_giving_age_answers_the_question_that_was_waiting():
    earlier = MID_CONVERSATION + [user_event("can i keep my toys", "promise_question")]
    t = tracker(
        "im 8",
        "inform_age",
        age_band="up_to_11",
        entities=age_entity("up_to_11"),
        events=earlier,
        pending="promise_question",
    )
    messages, events = run(ActionSetAge(), t)
    text = said(messages)
    assert "children aged up to 11" in text
    assert "favourite toys" in text
    assert SlotSet("pending_intent", None) in events


def test_age_and_question_in_one_message_is_answered_and_remembered():
    t = tracker(
        "I'm 14, what do you promise about school?",
        "promises_education",
        age_band="12_15",
        entities=age_entity("12_15"),
    )
    messages, _ = run(ActionAnswerPromises(), t)
    text = said(messages)
    assert "aged 12 to 15" in text
    assert "we promise to try and make sure that you don’t have to change school" in text


def test_changing_age_says_so_and_answers_follow():
    earlier = MID_CONVERSATION + [
        user_event("im 14", "inform_age", age_entity("12_15")),
        {"event": "slot", "name": "age_band", "value": "12_15"},
    ]
    t = tracker("actually im 16", "inform_age", age_band="16_18", entities=age_entity("16_18"), events=earlier)
    messages, _ = run(ActionSetAge(), t)
    assert "changed" in said(messages) and "aged 16 to 18" in said(messages)
    messages, _ = run(ActionAnswerPromises(), tracker("keeping safe", "promises_keeping_safe", age_band="16_18"))
    assert "council tax" in said(messages)


def test_care_leaver_gets_the_16_to_18_promises_and_leaving_care():
    t = tracker("im 19", "inform_age", age_band="18_plus", entities=age_entity("18_plus"))
    messages, _ = run(ActionSetAge(), t)
    assert "care leaver" in said(messages) and "leaving care" in said(messages)


def test_age_we_could_not_read_is_asked_again_kindly():
    messages, events = run(ActionSetAge(), tracker("my age is old", "inform_age"))
    assert "didn't catch your age" in said(messages)
    assert len(buttons(messages)) == 4 and events == []


def test_over_25_is_told_who_the_chat_is_for():
    messages, events = run(
        ActionSetAge(), tracker("im 40", "inform_age", age_band="over_25", entities=age_entity("over_25"))
    )
    assert "up to 25" in said(messages)
    assert SlotSet("age_band", None) in events


@pytest.mark.parametrize("band", [None] + BANDS)
@pytest.mark.parametrize("topic_id", sorted(CONTENT.topics))
def test_every_topic_is_answered_in_words_for_the_band(topic_id, band):
    topic = CONTENT.topics[topic_id]
    messages, _ = run(ActionAnswerTopic(), tracker("question", topic.intent, age_band=band))
    assert said(messages).startswith(CONTENT.fill(topic.answer_for(band))[:60])
    assert "{" not in said(messages)
    assert "/help" in buttons(messages)


def test_under_11s_get_simpler_topic_words_than_teenagers():
    simpler = [t for t in CONTENT.topics.values() if "up_to_11" in t.answers]
    assert len(simpler) >= 10
    for topic in simpler:
        young, _ = run(ActionAnswerTopic(), tracker("q", topic.intent, age_band="up_to_11"))
        older, _ = run(ActionAnswerTopic(), tracker("q", topic.intent, age_band="12_15"))
        assert said(young) != said(older)


def test_fallback_says_it_did_not_understand_and_offers_the_menu():
    messages, _ = run(ActionFallback(), tracker("asdfgh", "nlu_fallback"))
    assert "didn't understand" in said(messages)
    assert "0800 1111" in said(messages)
    assert "/topic_complaints" in buttons(messages)


def test_menu_lists_the_ways_to_get_help():
    messages, _ = run(ActionShowMenu(), tracker("menu", "help"))
    assert {"/promises_all", "/topic_complaints", "/topic_advocacy", "/topic_social_worker"} <= set(buttons(messages))


@pytest.mark.parametrize(
    "intent,expected",
    [
        ("bot_challenge", "not a real person"),
        ("goodbye", "Bye"),
        ("thanks", "welcome"),
        ("out_of_scope", "not something I can help with"),
    ],
)
def test_small_talk(intent, expected):
    messages, _ = run(ActionSmallTalk(), tracker("x", intent))
    assert expected in said(messages)


def disclosure(kind: str) -> List[Dict]:
    return [{"entity": "disclosure_kind", "value": kind, "start": 0, "end": 3, "extractor": "SafeguardingDetector"}]


@pytest.mark.parametrize("band", [None, "up_to_11", "12_15", "16_18", "18_plus"])
def test_safeguarding_reply_reassures_is_honest_and_gives_routes(band):
    messages, _ = run(
        ActionSafeguarding(),
        tracker("my dad hits me", "safeguarding_disclosure", age_band=band, entities=disclosure("physical_abuse")),
    )
    text = said(messages)
    assert "You did the right thing" in text and "not your fault" in text
    assert "I'm a computer" in text and "nobody reads this" in text  # honest: no person is reading
    assert "secret" not in text  # neither promises secrecy nor claims to tell anyone
    assert "999" in text and "0800 1111" in text


def test_safeguarding_for_teenagers_says_what_happens_next_and_out_of_hours():
    messages, _ = run(
        ActionSafeguarding(),
        tracker("he hits me", "safeguarding_disclosure", age_band="12_15", entities=disclosure("physical_abuse")),
    )
    text = said(messages)
    assert "What happens next" in text and "0300 555 2922" in text and "social worker" in text


def test_under_11s_get_simpler_words():
    young, _ = run(
        ActionSafeguarding(),
        tracker("he hits me", "safeguarding_disclosure", age_band="up_to_11", entities=disclosure("physical_abuse")),
    )
    assert "grown-up you trust" in said(young)
    assert len(said(young)) < 450


@pytest.mark.parametrize("kind", ["suicide", "self_harm"])
def test_suicide_and_self_harm_add_samaritans_and_shout(kind):
    for band in ("up_to_11", "16_18"):
        messages, _ = run(
            ActionSafeguarding(), tracker("x", "safeguarding_disclosure", age_band=band, entities=disclosure(kind))
        )
        assert "116 123" in said(messages) and "85258" in said(messages)


def test_online_abuse_adds_ceop():
    messages, _ = run(
        ActionSafeguarding(),
        tracker("x", "safeguarding_disclosure", age_band="12_15", entities=disclosure("online_grooming")),
    )
    assert "CEOP" in said(messages)


def test_classifier_only_disclosure_still_gets_self_harm_routes():
    messages, _ = run(ActionSafeguarding(), tracker("something vague", "safeguarding_disclosure", age_band="12_15"))
    assert "116 123" in said(messages) and "0800 1111" in said(messages)


def test_each_safeguarding_answer_marks_what_staff_count_and_a_crafted_kind_is_not_one():
    """The event broker counts these once the turn is stored (bot/store/topic_log.py)."""
    named = tracker("he hits me", "safeguarding_disclosure", age_band="12_15", entities=disclosure("physical_abuse"))
    crafted = tracker("x", "safeguarding_disclosure", age_band="12_15", entities=disclosure("=crafted-kind"))
    check_in = tracker("he came back", "safeguarding_check_in", age_band="12_15")
    assert SlotSet(SAFEGUARDING_COUNT_SLOT, "physical_abuse") in run(ActionSafeguarding(), named)[1]
    assert SlotSet(SAFEGUARDING_COUNT_SLOT, COUNT_UNNAMED_KIND) in run(ActionSafeguarding(), crafted)[1]
    assert SlotSet(SAFEGUARDING_COUNT_SLOT, COUNT_CHECK_IN) in run(ActionSafeguardingCheckIn(), check_in)[1]


def test_delete_my_chat_asks_first_and_only_the_yes_button_deletes():
    messages, events = run(ActionForgetConversation(), tracker("delete my chat", "delete_my_chat"))
    assert "delete our conversation" in said(messages)
    assert buttons(messages) == ['/delete_my_chat{"confirm_delete":"yes"}', "/help"]
    assert events == []  # nothing is deleted yet
    confirmed = tracker(
        '/delete_my_chat{"confirm_delete":"yes"}',
        "delete_my_chat",
        entities=[{"entity": "confirm_delete", "value": "yes"}],
    )
    messages, events = run(ActionForgetConversation(), confirmed)
    assert "deleted our conversation" in said(messages)
    assert {"event": "slot", "timestamp": None, "name": "forget_conversation", "value": True} in events


# --- safeguarding: honest words, routes by kind, never the wrong adult, three answers -------

KIND_ROUTES = {
    "forced_marriage": "020 7008 0151",
    "fgm": "0800 028 3550",
    "substances": "111",
    "nude_images": "Report Remove",
    "stranger": "Don't go to meet them",
    "running_away": "116 000",
    "online_grooming": "CEOP",
    "suicide": "116 123",
}


@pytest.mark.parametrize("kind, route", KIND_ROUTES.items())
@pytest.mark.parametrize("band", ["up_to_11", "16_18"])
def test_each_kind_of_disclosure_adds_its_own_route(kind, route, band):
    messages, events = run(
        ActionSafeguarding(), tracker("x", "safeguarding_disclosure", age_band=band, entities=disclosure(kind))
    )
    assert route in said(messages)
    assert SlotSet("safeguarding_watch", True) in events  # short replies next are read as urgent


@pytest.mark.parametrize("kind", [None, *KIND_ROUTES])
@pytest.mark.parametrize("band", [None, *BANDS])
def test_the_urgent_answer_never_sends_the_child_to_their_carer(kind, band):
    # "my foster carer hits me": the answer must not suggest asking the person they named.
    messages, _ = run(
        ActionSafeguarding(),
        tracker(
            "my foster carer hits me",
            "safeguarding_disclosure",
            age_band=band,
            entities=disclosure(kind) if kind else None,
        ),
    )
    assert "carer" not in said(messages).lower()


def test_the_social_worker_button_says_when_the_message_is_read():
    messages, _ = run(
        ActionSafeguarding(),
        tracker("x", "safeguarding_disclosure", age_band="12_15", entities=disclosure("physical_abuse")),
    )
    assert "office hours" in said(messages) and "/message_social_worker" in buttons(messages)


def test_care_leavers_are_given_lines_for_over_19s():
    messages, _ = run(
        ActionSafeguarding(),
        tracker("x", "safeguarding_disclosure", age_band="18_plus", entities=disclosure("physical_abuse")),
    )
    assert "0800 023 2033" in said(messages) and "19 or over" in said(messages)


def test_a_check_in_answers_the_question_first_then_asks_if_they_are_safe():
    messages, events = run(
        ActionSafeguardingCheckIn(),
        tracker(
            "what is grooming",
            "safeguarding_check_in",
            age_band="12_15",
            ranking=[{"name": "topic_sg_grooming", "confidence": 0.7}],
        ),
    )
    assert messages[0]["custom"] == {"source": "topics.yml sg_grooming"}
    assert "are you safe right now?" in messages[-1]["text"]
    assert buttons(messages) == ["/safe_now", "/safeguarding_disclosure"]
    assert SlotSet("safeguarding_watch", True) in events


def test_a_check_in_on_something_past_is_kind_and_says_it_is_not_too_late_to_tell():
    messages, _ = run(
        ActionSafeguardingCheckIn(), tracker("i used to self harm but im ok now", "safeguarding_past", age_band="16_18")
    )
    assert "better now" in said(messages) and "not too late" in said(messages)
    assert "are you safe right now?" in said(messages)


@pytest.mark.parametrize("reply", ["hes back", "pls", "not really", "im scared he's outside"])
def test_a_short_reply_after_a_check_in_gets_the_urgent_answer(reply):
    messages, events = run(ActionSafeguardingFollowUp(), tracker(reply, "nlu_fallback", age_band="12_15"))
    assert messages[0]["custom"]["source"].startswith("messages.yml safeguarding")
    assert "999" in said(messages) and "0800 1111" in said(messages)
    assert events == [SlotSet(SAFEGUARDING_COUNT_SLOT, COUNT_FOLLOW_UP)]  # counted, and still watching


def test_a_longer_reply_after_a_check_in_is_answered_as_usual_and_the_watch_ends():
    messages, events = run(
        ActionSafeguardingFollowUp(),
        tracker("anyway what time does the youth club open on saturdays", "out_of_scope", age_band="12_15"),
    )
    assert not messages[0]["custom"]["source"].startswith("messages.yml safeguarding")
    assert SlotSet("safeguarding_watch", False) in events


def test_safe_now_ends_the_watch_and_says_how_to_get_help_if_that_changes():
    messages, events = run(ActionSafeNow(), tracker("im ok", "safe_now", age_band="12_15"))
    assert "glad" in said(messages) and "0800 1111" in said(messages)
    assert SlotSet("safeguarding_watch", False) in events
