"""The redacting, expiring tracker store, driven directly with Rasa's own tracker objects."""

import asyncio
import json
import sqlite3
import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.names import ROOT


@pytest.fixture
def store(tmp_path, monkeypatch):
    from bot.store.database import migrate
    from bot.store.topic_broker import TopicLogBroker
    from bot.store.tracker_store import RedactingTrackerStore

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    monkeypatch.setenv("PROMISEBOT_DATABASE_URL", url)
    monkeypatch.delenv("PROMISEBOT_TRACKER_DATABASE_URL", raising=False)
    migrate(url)  # as the supervisor does before the services start
    store = RedactingTrackerStore(
        domain=Domain.load(str(ROOT / "domain.yml")), url=url, retention_days=30, event_broker=TopicLogBroker()
    )
    store.path = tmp_path / "db.sqlite"
    return store


def run(coroutine):
    return asyncio.run(coroutine)


def user(text, intent="topic_complaints", channel="webchat"):
    return UserUttered(
        text,
        intent={"name": intent, "confidence": 0.99},
        input_channel=channel,
        parse_data={"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": []},
    )


def conversation(store, sender, events) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events(sender, events, slots=store.domain.slots)
    run(store.save(tracker))
    return tracker


def stored_rows(store, sender):
    with sqlite3.connect(store.path) as db:
        return [
            json.loads(data)
            for (data,) in db.execute("select data from events where sender_id=? order by id", (sender,))
        ]


def dump(store) -> str:
    with sqlite3.connect(store.path) as db:
        return "\n".join(db.iterdump())


def test_messages_are_redacted_before_they_are_written(store):
    conversation(
        store,
        "s1",
        [
            SessionStarted(),
            ActionExecuted("action_listen"),
            user("my sw is Sarah Jones call me on 07700 900123 or jaz.k@hotmail.co.uk"),
            ActionExecuted("action_answer_topic"),
            BotUttered("Here is how complaints work."),
        ],
    )
    texts = [row.get("text") for row in stored_rows(store, "s1") if row["event"] == "user"]
    assert texts and "07700 900123" not in texts[0] and "jaz.k@hotmail.co.uk" not in texts[0]
    assert "[PHONE]" in texts[0] and "[EMAIL]" in texts[0]
    assert "900123" not in dump(store) and "hotmail" not in dump(store)


def test_a_name_or_number_given_when_asked_for_is_replaced_whole(store):
    conversation(
        store,
        "s2",
        [
            SessionStarted(),
            ActionExecuted("complaint_form"),
            ActiveLoop("complaint_form"),
            SlotSet("requested_slot", "known_name"),
            ActionExecuted("action_listen"),
            user("kaydee", intent="out_of_scope"),
            SlotSet("known_name", "kaydee"),
            SlotSet("requested_slot", "contact_detail"),
            ActionExecuted("action_listen"),
            user("o7700 9OO 123 (my aunties)", intent="out_of_scope"),
            SlotSet("contact_detail", "o7700 9OO 123 (my aunties)"),
            BotUttered("So your name is kaydee and we reply on o7700 9OO 123 (my aunties). Is that right?"),
        ],
    )
    rows = stored_rows(store, "s2")
    assert "kaydee" not in json.dumps(rows) and "9OO" not in json.dumps(rows)  # kept only as pending answers
    assert [r["text"] for r in rows if r["event"] == "user"] == ["[NAME]", "[CONTACT]"]
    assert [r["value"] for r in rows if r["event"] == "slot" and r["name"] in ("known_name", "contact_detail")] == [
        "[NAME]",
        "[CONTACT]",
    ]


def test_answers_to_a_request_being_filled_in_come_back_exactly_and_go_when_it_is_sent(store):
    words = "they read my diary and told my mum, call 07700 900555"
    conversation(
        store,
        "s3",
        [
            SessionStarted(),
            ActionExecuted("complaint_form"),
            ActiveLoop("complaint_form"),
            SlotSet("requested_slot", "complaint_about"),
            ActionExecuted("action_listen"),
            user(words),
            SlotSet("complaint_about", words),
        ],
    )
    assert "900555" not in json.dumps(stored_rows(store, "s3"))  # the conversation keeps a redacted copy
    reloaded = run(store.retrieve("s3"))
    assert reloaded.get_slot("complaint_about") == words  # what the request will carry
    reloaded.update(SlotSet("complaint_about", None))  # sent or cancelled: the answers are cleared
    run(store.save(reloaded))
    assert "900555" not in dump(store)
    assert run(store.retrieve("s3")).get_slot("complaint_about") is None


def test_each_turn_of_a_loaded_conversation_is_stored_once_without_counting_the_stored_events(store):
    """Rasa loads the conversation, adds the turn and saves it: the store knows how many events
    it loaded, so saving asks the database nothing before writing (one query fewer a turn)."""
    from sqlalchemy import event

    conversation(store, "s-turns", [SessionStarted(), ActionExecuted("action_listen")])
    statements = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    for turn in ("hi", "how do i complain", "thanks"):
        tracker = run(store.retrieve("s-turns"))
        tracker.update(user(turn, "greet"))
        tracker.update(ActionExecuted("utter_greet"))
        tracker.update(ActionExecuted("action_listen"))
        statements.clear()
        run(store.save(tracker))
        assert not [s for s in statements if s.lstrip().upper().startswith("SELECT")], statements
        tracker.update(ActionExecuted("action_listen"))  # saved again, as Rasa may: only the new event
        run(store.save(tracker))
    rows = stored_rows(store, "s-turns")
    assert [r["event"] for r in rows] == ["session_started", "action"] + ["user", "action", "action", "action"] * 3
    assert len(run(store.retrieve("s-turns")).events) == len(rows)


def test_asking_to_forget_deletes_the_conversation(store):
    tracker = conversation(
        store, "s4", [SessionStarted(), ActionExecuted("action_listen"), user("im 14", "inform_age")]
    )
    assert stored_rows(store, "s4")
    tracker.update(ActionExecuted("action_forget_conversation"))
    tracker.update(SlotSet("forget_conversation", True))
    run(store.save(tracker))
    assert stored_rows(store, "s4") == [] and run(store.retrieve("s4")) is None


def test_a_conversation_replaced_by_an_empty_one_is_deleted(store):
    conversation(store, "s5", [SessionStarted(), ActionExecuted("action_listen"), user("hello", "greet")])
    run(store.save(DialogueStateTracker.from_events("s5", [], slots=store.domain.slots)))  # what Rasa's API does
    assert stored_rows(store, "s5") == []


def test_conversations_older_than_the_retention_period_are_purged(store):
    from bot.store.retention import purge

    old = time.time() - 31 * 86400
    conversation(
        store,
        "old",
        [
            SessionStarted(timestamp=old),
            ActionExecuted("action_listen", timestamp=old),
            UserUttered("hi", intent={"name": "greet"}, timestamp=old),
        ],
    )
    conversation(store, "new", [SessionStarted(), ActionExecuted("action_listen"), user("hi", "greet")])
    purged = purge(conversation_days=30)
    assert purged.conversations == 1
    assert stored_rows(store, "old") == [] and stored_rows(store, "new")


def test_each_turn_writes_a_topic_row_and_unanswered_questions_are_kept_redacted(store):
    from bot.store.topic_log import counts_by, unanswered

    tracker = conversation(
        store,
        "s6",
        [
            SessionStarted(),
            ActionExecuted("action_listen"),
            user("what is an advocate", "topic_advocacy"),
            ActionExecuted("action_answer_topic"),
        ],
    )
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(user("can Callum Baxter at 07700 900777 come to my pep", "nlu_fallback", "telegram"))
    tracker.update(ActionExecuted("action_fallback"))
    run(store.save(tracker))
    rows = counts_by("topic", "channel", "outcome")
    assert ("topic_advocacy", "webchat", "answered", 1) in rows
    assert ("nlu_fallback", "telegram", "not understood", 1) in rows
    (question,) = unanswered()
    assert "07700" not in question.text and "[PHONE]" in question.text


def test_what_a_channel_sends_with_a_message_is_never_stored(store):
    """The Telegram bridge sends each message's chat, sealed, as metadata (bot.casework.reply_address)."""
    from rasa.shared.core.constants import SESSION_START_METADATA_SLOT

    sealed = {"reply_address": "gAAAAAB-sealed-chat-7001"}
    message = UserUttered(
        "hi",
        intent={"name": "greet"},
        input_channel="telegram",
        metadata=sealed,
        parse_data={"text": "hi", "intent": {"name": "greet"}, "entities": [], "metadata": sealed},
    )
    conversation(
        store,
        "s9",
        [SlotSet(SESSION_START_METADATA_SLOT, sealed), SessionStarted(), ActionExecuted("action_listen"), message],
    )
    assert "sealed-chat" not in dump(store)


def test_a_purged_request_takes_its_notes_news_and_emails_with_it(store):
    import datetime

    from bot.store.database import session
    from bot.store.models import Request, RequestNote, RequestUpdate, StaffEmail
    from bot.store.requests import NewRequest, add_note, add_update, save_request
    from bot.store.retention import purge

    reference = save_request(
        NewRequest("complaint", {"complaint_about": "x"}, contact_preference="chat"), inboxes=["complaints"]
    )
    add_note(reference, "caseworker", "rang the carer")
    add_update(reference, "caseworker", "reply", lambda row: "We have fixed it.")
    with session() as db:
        db.query(Request).update({Request.created_at: datetime.datetime.utcnow() - datetime.timedelta(days=800)})
        db.commit()
    assert purge().requests == 1
    with session() as db:
        assert [db.query(table).count() for table in (Request, RequestNote, RequestUpdate, StaffEmail)] == [0, 0, 0, 0]


def test_council4kidz_ratings_saved_tests_and_codes_are_kept_a_year(store):
    import datetime

    from bot.council4kidz.testers import issue_code, save_conversation, save_rating, start_testing, valid_code
    from bot.store.database import session
    from bot.store.models import AnswerRating, TesterCode, TesterConversation, TesterSession
    from bot.store.retention import purge

    old, recent = valid_code(issue_code("a year ago")), valid_code(issue_code("this month"))
    for code in (old, recent):
        start_testing(code, f"web-session-{code.id}")
        save_rating(code, "topics.yml advocacy", "An advocate is...", 1)
        save_conversation(code, "a test", "stories: []")
    long_ago = datetime.datetime.utcnow() - datetime.timedelta(days=400)
    with session() as db:
        db.query(TesterCode).filter_by(id=old.id).update({TesterCode.expires_at: long_ago})
        for table in (AnswerRating, TesterConversation):
            db.query(table).filter_by(tester_code_id=old.id).update({table.created_at: long_ago})
        db.commit()
    purged = purge()
    assert (purged.tester_ratings, purged.tester_conversations, purged.tester_codes) == (1, 1, 1)
    with session() as db:
        assert [
            db.query(table).filter_by(**{"id" if table is TesterCode else "tester_code_id": recent.id}).count()
            for table in (TesterCode, AnswerRating, TesterConversation, TesterSession)
        ] == [1, 1, 1, 1]
        assert db.query(TesterSession).count() == 1  # the old code's went with it


def test_the_supervisor_purges_at_start_and_then_once_an_hour(store):
    import datetime

    from bot.store.database import session
    from bot.store.models import PendingAnswer
    from bot.supervisor import PURGE_EVERY, purge_when_due

    def expired_answers(add: bool = False) -> int:
        with session() as db:
            if add:
                db.add(
                    PendingAnswer(
                        sender_id="s-purge",
                        slot="complaint_details",
                        value="x",
                        expires_at=datetime.datetime.utcnow() - datetime.timedelta(minutes=1),
                    )
                )
                db.commit()
            return db.query(PendingAnswer).filter_by(sender_id="s-purge").count()

    expired_answers(add=True)
    last = purge_when_due(None)  # at start
    assert expired_answers() == 0
    expired_answers(add=True)
    assert purge_when_due(last) == last and expired_answers() == 1  # not again within the hour
    assert purge_when_due(last - PURGE_EVERY) > last and expired_answers() == 0


def test_a_turn_that_quoted_one_promise_is_counted_under_it_and_a_list_of_promises_is_not(store):
    from bot.store.topic_log import counts_by

    quoted = "promises.yml 12_15 education: We will make sure you have a good education"
    tracker = conversation(
        store,
        "s-promise",
        [
            SessionStarted(),
            ActionExecuted("action_listen"),
            user("will they help me with school", "promise_question"),
            ActionExecuted("action_answer_promise"),
            BotUttered("We will make sure you have a good education.", data={"custom": {"source": quoted}}),
        ],
    )
    for event in (
        ActionExecuted("action_listen"),
        user("what are my education promises", "promises_education"),
        ActionExecuted("action_answer_promise"),
        BotUttered("Education: ...", data={"custom": {"source": "promises.yml 12_15 education"}}),
    ):
        tracker.update(event)
    run(store.save(tracker))  # the next turn
    rows = counts_by("topic", "answer_source")
    assert ("promise_question", quoted, 1) in rows
    assert ("promises_education", None, 1) in rows  # a theme's list is not one promise


def test_the_event_broker_gets_each_saved_turn_redacted_with_its_age_band_and_only_once(store):
    from rasa.shared.core.events import SlotSet

    from bot.names import TURN_KEY
    from bot.store.topic_broker import TopicLogBroker
    from bot.store.topic_log import counts_by

    published = []

    class Recording(TopicLogBroker):
        def publish(self, event):
            published.append(event)
            super().publish(event)

    store.event_broker = Recording()
    tracker = conversation(
        store,
        "s-broker",
        [SessionStarted(), ActionExecuted("action_listen"), user("im 13", "give_age"), SlotSet("age_band", "12_15")],
    )
    first_turn = len(published)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(user("ring me on 07700 900777 about my complaint", "nlu_fallback"))
    tracker.update(ActionExecuted("action_fallback"))
    run(store.save(tracker))
    second = published[first_turn:]
    assert [b["event"] for b in second] == ["action", "user", "action"]  # the new events only, in order
    assert all("07700" not in str(body) for body in published)  # as stored: redacted
    assert all(b[TURN_KEY]["age_band"] == "12_15" for b in second) and second[-1][TURN_KEY]["last"]
    assert ("12_15", "nlu_fallback", "not understood", 1) in counts_by("age_band", "topic", "outcome")


def test_the_broker_leaves_events_it_was_not_handed_as_a_saved_turn_alone(store):
    from bot.store.topic_broker import TopicLogBroker
    from bot.store.topic_log import counts_by

    TopicLogBroker().publish({"sender_id": "x", "event": "user", "text": "hi", "parse_data": {}})
    assert counts_by("topic") == []
