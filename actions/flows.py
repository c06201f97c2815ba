"""Actions for the three request flows: start, ask, validate, confirm, save, cancel.

One validation base class serves all three forms (the financial-demo pattern), so a rule
about answers (too long, empty, a question asked mid-form) is written once.
"""

from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.actions import (
    PROMISE_INTENTS,
    answer,
    had_safeguarding_answer,
    intent_of,
    known_band,
    respond_to_disclosure,
    send,
    user_turns,
)
from bot import flows, replies
from bot.casework import BAND_NAMES
from bot.casework.mail import inboxes_for
from bot.casework.timescales import acknowledge_by
from bot.content import current_content
from bot.names import SAFEGUARDING_COUNT_SLOT
from bot.privacy.failures import log_failure
from bot.store.requests import NewRequest, now, save_request

logger = logging.getLogger(__name__)

# Every question any flow asks, from content/flows.yml (tests/test_flows.py checks domain.yml's
# forms against it), and the last: "is this right?".
FLOW_SLOTS = flows.all_flow_slots(current_content())
# Who the child is and how to reach them: cleared once the request is sent or cancelled, so
# only the request keeps them (the conversation keeps a redacted copy, bot.store.tracker_store).
IDENTITY_SLOTS = [s for s in FLOW_SLOTS if s in flows.IDENTITY_SLOTS]
# The rest are cleared when a flow starts, ends or is cancelled.
ANSWER_SLOTS = [s for s in FLOW_SLOTS if s not in flows.IDENTITY_SLOTS]
SIDE_QUESTION_CONFIDENCE = 0.8
# A message for a social worker is often a question for them, so it is never taken as a
# question for the bot.
NO_SIDE_QUESTIONS = {"sw_message"}


def clear_answers(identity: bool = False) -> List[EventType]:
    return [SlotSet(slot, None) for slot in ANSWER_SLOTS + (IDENTITY_SLOTS if identity else [])]


def active_flow(tracker: Tracker) -> Optional[str]:
    return flows.FLOW_OF_FORM.get(tracker.active_loop_name or "") or tracker.get_slot("active_flow")


class ActionStartFlow(Action):
    """Says what is about to happen; the rule then starts the form."""

    def name(self) -> str:
        return "action_start_flow"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        content = current_content()
        flow = flows.INTENT_FLOW[intent_of(tracker)]
        spec = content.flows[flow]
        topic = content.topics[spec["offered_after_topic"]]
        messages = []
        if spec.get("explain_first") and not user_turns(tracker, topic.intent):
            messages += [dict(m, buttons=[]) for m in replies.topic(content, topic.intent, known_band(tracker))]
        messages.append(replies.flow_message(content.fill(spec["start"]).strip(), f"{flow}.start"))
        answer(dispatcher, tracker, messages)
        return clear_answers() + [SlotSet("active_flow", flow)]


class ActionAskQuestion(Action, metaclass=ABCMeta):
    """`action_ask_<slot>`: one class per question, named by the slot it fills. Abstract, so
    rasa_sdk registers only the subclasses, never an `action_ask_` of its own."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this question fills."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        content = current_content()
        common = content.flow_common
        flow = active_flow(tracker)
        if flow is None:  # asked only by a flow's form, which sets it
            raise RuntimeError(f"{self.name()} ran with no flow active")
        if self.slot == flows.CONFIRM_SLOT:
            values = {s: tracker.get_slot(s) for s in content.flows[flow]["slots"]}
            text, source = f"{common['confirm']}\n{flows.summary(content, flow, values)}", "common.confirm"
            rows = common["yes_no"]
        else:
            own = content.flows[flow]["questions"].get(self.slot)
            text = own or common["questions"][self.slot]
            source = f"{flow}.questions.{self.slot}" if own else f"common.questions.{self.slot}"
            answers = {slot: tracker.get_slot(slot) for slot in flows.FREE_TEXT_SLOTS}
            rows = {
                "contact_preference": flows.contact_choices(content, answers, tracker.get_latest_input_channel()),
                "sw_urgency": common["urgency_choices"],
                "wants_advocate": common["yes_no"],
            }.get(self.slot, [])
        send(dispatcher, [replies.flow_message(content.fill(text), source, rows)])
        return []


ASK_ACTIONS = [type(f"ActionAsk_{slot}", (ActionAskQuestion,), {"slot": slot}) for slot in FLOW_SLOTS]


class ValidateRequestForm(FormValidationAction):
    """Checks every answer of every request form; subclasses only name their form. Abstract,
    so rasa_sdk never registers a `validate_` of its own."""

    @property
    @abstractmethod
    def form(self) -> str:
        """The form whose answers this checks (domain.yml)."""

    def name(self) -> str:
        return f"validate_{self.form}"

    async def required_slots(
        self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[str]:
        return flows.required_slots(
            current_content(), flows.FLOW_OF_FORM[self.form], tracker.get_slot("contact_preference")
        )

    # --- one method per slot, as FormValidationAction looks them up by name ---
    def validate_complaint_about(self, value, dispatcher, tracker, domain):
        return self._text("complaint_about", value, dispatcher, tracker)

    def validate_complaint_outcome(self, value, dispatcher, tracker, domain):
        return self._text("complaint_outcome", value, dispatcher, tracker)

    def validate_advocacy_help_with(self, value, dispatcher, tracker, domain):
        return self._text("advocacy_help_with", value, dispatcher, tracker)

    def validate_sw_message(self, value, dispatcher, tracker, domain):
        return self._text("sw_message", value, dispatcher, tracker)

    def validate_known_name(self, value, dispatcher, tracker, domain):
        return self._text("known_name", value, dispatcher, tracker, flows.MAX_SHORT_ANSWER)

    def validate_contact_detail(self, value, dispatcher, tracker, domain):
        return self._text("contact_detail", value, dispatcher, tracker, flows.MAX_SHORT_ANSWER)

    def validate_contact_preference(self, value, dispatcher, tracker, domain):
        checked = flows.check_choice("contact_preference", value)
        if checked.value == "chat" and not flows.can_reach_chat(tracker.get_latest_input_channel()):
            checked = flows.Checked(None, "not_understood_choice")  # nothing could bring news to this chat
        return self._checked("contact_preference", checked, dispatcher, tracker)

    def validate_sw_urgency(self, value, dispatcher, tracker, domain):
        return self._checked("sw_urgency", flows.check_choice("sw_urgency", value), dispatcher, tracker)

    def validate_wants_advocate(self, value, dispatcher, tracker, domain):
        return self._checked("wants_advocate", flows.check_yes_no(intent_of(tracker), value), dispatcher, tracker)

    def validate_confirm_request(self, value, dispatcher, tracker, domain):
        return self._checked(flows.CONFIRM_SLOT, flows.check_yes_no(intent_of(tracker), value), dispatcher, tracker)

    # --- shared checks ---
    def _text(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, limit: int = flows.MAX_ANSWER
    ) -> Dict[str, Any]:
        checked = flows.check_text(value, limit, needs_words=slot in flows.FREE_TEXT_SLOTS)
        return self._checked(slot, checked, dispatcher, tracker)

    def _checked(
        self, slot: str, checked: flows.Checked, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[str, Any]:
        also: Dict[str, Any] = {}
        if slot in flows.FREE_TEXT_SLOTS and intent_of(tracker) == "safeguarding_disclosure":
            # A disclosure in the child's own account: answer it at once, and keep their words
            # in the request they are writing (other answers are interrupted by the rules).
            also[SAFEGUARDING_COUNT_SLOT] = respond_to_disclosure(dispatcher, tracker)
        elif slot not in NO_SIDE_QUESTIONS and self._answered_side_question(dispatcher, tracker):
            return {slot: None}
        if checked.value is None and checked.problem:
            send(
                dispatcher,
                [replies.flow_message(current_content().flow_common[checked.problem], f"common.{checked.problem}")],
            )
        return {slot: checked.value, **also}

    @staticmethod
    def _answered_side_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """A question asked mid-form ("what is an advocate?") is answered; the form then asks again."""
        intent = tracker.latest_message.get("intent") or {}
        name, text = intent.get("name") or "", tracker.latest_message.get("text") or ""
        is_topic = name.startswith("topic_") or name in PROMISE_INTENTS or name == "bot_challenge"
        if not (
            is_topic and intent.get("confidence", 0) >= SIDE_QUESTION_CONFIDENCE and flows.looks_like_a_question(text)
        ):
            return False
        content = current_content()
        if name == "bot_challenge":
            answer = replies.small_talk(content, name)
        elif name in PROMISE_INTENTS:
            band = known_band(tracker)
            answer = (
                replies.promises(content, name, band, text, tracker.latest_message.get("meaning"))
                if band
                else replies.menu(content)[:1]
            )
        else:
            answer = replies.topic(content, name, known_band(tracker))
        send(
            dispatcher,
            [dict(a, buttons=[]) for a in answer]
            + [replies.flow_message(content.flow_common["resume"], "common.resume")],
        )
        return True


class ValidateComplaintForm(ValidateRequestForm):
    form = "complaint_form"


class ValidateAdvocacyForm(ValidateRequestForm):
    form = "advocacy_form"


class ValidateSocialWorkerForm(ValidateRequestForm):
    form = "social_worker_form"


def reply_address(tracker: Tracker) -> Optional[str]:
    """The sealed chat the council's news can reach, when the child chose "Here in this chat"
    (the bridge sends it with every message; bot.casework.reply_address)."""
    if tracker.get_slot("contact_preference") != "chat":
        return None
    sealed = ((tracker.latest_message or {}).get("metadata") or {}).get("reply_address")
    return sealed if isinstance(sealed, str) and 0 < len(sealed) <= 400 else None


class ActionSubmitRequest(Action):
    """Saves the confirmed request, and only then tells the child it has gone."""

    def name(self) -> str:
        return "action_submit_request"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        content = current_content()
        flow = tracker.get_slot("active_flow")
        done = clear_answers(identity=True) + [SlotSet("active_flow", None)]
        if flow not in content.flows:
            return done
        spec, common = content.flows[flow], content.flow_common
        if tracker.get_slot(flows.CONFIRM_SLOT) is not True:
            send(dispatcher, [replies.flow_message(common["not_confirmed"], "common.not_confirmed")])
            return done
        answers = {
            s: tracker.get_slot(s)
            for s in spec["slots"]
            if s not in ("known_name", "contact_preference", "contact_detail")
        }
        band = tracker.get_slot("age_band")
        band = band if isinstance(band, str) else None  # a slot can be set to anything by a crafted payload
        channel, preference, address = tracker.get_latest_input_channel(), tracker.get_slot("contact_preference"), None
        if preference == "chat":
            address = reply_address(tracker)
            if channel != "webchat" and not address:  # the chat's address did not come: nothing can reach it
                preference = "unreachable"
        request = NewRequest(
            kind=flow,
            details=answers,
            known_name=tracker.get_slot("known_name"),
            contact_preference="none" if preference == "unreachable" else preference,
            contact_detail=tracker.get_slot("contact_detail") if flows.needs_contact_detail(preference) else None,
            urgency=tracker.get_slot("sw_urgency"),
            channel=channel,
            age_band=band if band in BAND_NAMES else None,
            safeguarding=had_safeguarding_answer(tracker),
            reply_address=address,
        )
        try:
            reference = save_request(request, inboxes=inboxes_for(request))
        except Exception as error:  # the child must be told it did not go through, never that it did
            log_failure(logger, f"could not save a {flow} request", error)
            failed = content.fill(common["save_failed"]).format(what=spec["what"]).strip()
            send(dispatcher, [replies.flow_message(failed, "common.save_failed")])
            return done
        by = acknowledge_by(content, flow, request.urgency, now())
        done_text = content.fill(spec["done"]).format(reference=reference, acknowledge_by=by).strip()
        # Nobody can get in touch: say how to follow it up instead of "what happens next".
        no_way_back = {"none": "no_contact_done", "unreachable": "chat_unreachable"}.get(preference)
        if no_way_back:
            sent_line = done_text.splitlines()[0]
            messages = [
                replies.flow_message(f"{sent_line}\n{content.fill(common[no_way_back])}", f"common.{no_way_back}")
            ]
        else:
            messages = [replies.flow_message(done_text, f"{flow}.done")]
            if preference == "chat" and address:
                messages.append(replies.flow_message(common["chat_done"], "common.chat_done"))
        if flow == "social_worker" and not flows.is_office_hours(content):
            messages.append(replies.flow_message(content.fill(spec["out_of_hours"]), f"{flow}.out_of_hours"))
        send(dispatcher, messages)
        if preference == "chat" and channel == "webchat":  # the page shows the code to check for news (once)
            dispatcher.utter_message(json_message={"news_code_for": reference})
        return done + [SlotSet("request_reference", reference)]  # the topic log counts a completed flow


class ActionRequestNews(Action):
    """ "Any news on my complaint?", or a reference typed back: where news about a request
    already sent comes, in this channel. The bot never says more about a request than that:
    the chat does not know who is asking (bot.casework.news_codes shows news to the code)."""

    def name(self) -> str:
        return "action_request_news"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        content = current_content()
        reference = next(tracker.get_latest_entity_values("request_reference"), None)
        channel = tracker.get_latest_input_channel()
        where = channel if channel in flows.NEWS_CHANNELS else "other"
        if where == "webchat" and reference:  # the page puts the reference into "Check for news"
            where = "webchat_reference"
        text = content.fill(content.flow_common["news_where"][where]).format(
            request=f"your request {reference}" if reference else "it"
        )
        answer(dispatcher, tracker, [replies.flow_message(text, f"common.news_where.{where}", content.buttons["menu"])])
        if where == "webchat_reference":
            dispatcher.utter_message(json_message={"check_news_for": reference})
        return []


class ActionCancelFlow(Action):
    """ "stop", "cancel", "never mind": leave the flow; nothing is saved."""

    def name(self) -> str:
        return "action_cancel_flow"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        content = current_content()
        if tracker.active_loop_name in flows.FLOW_OF_FORM or tracker.get_slot("active_flow"):
            send(
                dispatcher,
                [replies.flow_message(content.flow_common["cancelled"], "common.cancelled", content.buttons["menu"])],
            )
        else:
            send(dispatcher, replies.menu(content))
        return clear_answers(identity=True) + [SlotSet("active_flow", None), SlotSet("requested_slot", None)]
