"""The declared shape of each YAML file in content/, as pydantic (1.10) models.

bot/content.py reads a file, validates it with its model here, and builds the bot's frozen
dataclasses from the result. A model lists every key a mapping may have (a misspelt key is
refused, never silently ignored), which of them are required, their types and their limits.
A broken rule is a Fault, or one of pydantic's own errors worded by Shape.Config, and
bot/content.py turns it into a ContentError naming the file, the line and the place. The few
rules that need two files at once (a {contact:ID} that exists, the topic a flow is offered
after) are checked there.
"""

import datetime
import re
from typing import Any, Callable, ClassVar, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from pydantic import BaseModel, Extra, Field, StrictBool, root_validator, validator
from pydantic.errors import PydanticValueError

THEME_IDS = ("keeping_safe", "education", "healthy", "keeping_in_touch")
MAX_TITLE = 28
MAX_BUTTON_LABEL = 30
CLOCK_TIME = re.compile(r"[0-2]\d:[0-5]\d")  # compared as text (bot/contact_hours.py, bot/casework/timescales.py)


class Fault(PydanticValueError):
    """A rule of content/ broken, in plain words; `at` leads from the value checked to the fault."""

    code = "content"
    msg_template = "{what}"


# --- values -------------------------------------------------------------------------------------


class Text(str):
    """Text with more than spaces in it, kept exactly as written."""

    longest: ClassVar[Optional[int]] = None
    shown_as: ClassVar[str] = ""  # what the text is, to say why it has a limit

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], str]]:
        yield cls.check

    @classmethod
    def check(cls, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise Fault(what="must be non-empty text")
        if cls.longest is not None and len(value) > cls.longest:
            raise Fault(what=f"is {len(value)} characters; {cls.shown_as} can be at most {cls.longest}")
        return value


class ButtonLabel(Text):
    longest = MAX_BUTTON_LABEL
    shown_as = "a button label"


class TopicTitle(Text):
    longest = MAX_TITLE
    shown_as = "a topic's title"


class TopicIntent(Text):
    @classmethod
    def check(cls, value: Any) -> str:
        if not super().check(value).startswith("topic_"):
            raise Fault(what="must start with topic_ (it is the intent's name in domain.yml)")
        return value


class ClockTime(Text):
    @classmethod
    def check(cls, value: Any) -> str:
        if not CLOCK_TIME.fullmatch(super().check(value)):
            raise Fault(what="must be a time as HH:MM, like 09:30")
        return value


class Day(datetime.date):
    """A date as YAML reads one (2026-12-25): not text that looks like a date."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], datetime.date]]:
        yield cls.check

    @classmethod
    def check(cls, value: Any) -> datetime.date:
        if not isinstance(value, datetime.date):
            raise Fault(what="must be a date as YYYY-MM-DD")
        return value


ButtonRow = Tuple[Text, Text]  # [label, payload or value]


# --- mappings -----------------------------------------------------------------------------------


class Shape(BaseModel):
    """A mapping in a content file: only its declared keys, each with a value."""

    class Config:
        extra = Extra.forbid  # the rule; known_keys_with_values says it in words staff can act on
        allow_mutation = False
        # pydantic's own errors in words staff can act on; bot/content.py adds where.
        error_msg_templates = {
            "value_error.missing": "is missing",
            "type_error.none.not_allowed": "is empty",
            "value_error.strictbool": "must be true or false",
            "type_error.list": "must be a list",
            "type_error.tuple": "must be a list like [label, value]",
            "value_error.tuple.length": "must be a pair like [label, value], not {actual_length} items",
            "type_error.dict": "must be a mapping of `key: value` lines",
            "value_error.list.min_items": "has nothing listed; it needs at least {limit_value}",
        }

    @root_validator(pre=True)
    def known_keys_with_values(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        keys = [field.alias for field in cls.__fields__.values()]
        for key, value in values.items():
            if key not in keys:
                raise Fault(what=f"unknown key {key!r} (misspelt?); the keys here are {', '.join(keys)}", at=(key,))
            # A key with nothing after it is a slip, even where the key may be left out.
            if value is None:
                raise Fault(what="is empty", at=(key,))
        return values

    def given(self) -> Dict[str, Any]:
        """The values the file gave, by their keys in the file (16_plus, not the attribute's name)."""
        return {
            field.alias: getattr(self, name) for name, field in self.__fields__.items() if name in self.__fields_set__
        }


class FileShape(Shape):
    version: int

    @validator("version", pre=True)  # before pydantic would read "1" as 1
    def version_is_1(cls, version: Any) -> int:
        if version != 1:
            raise Fault(what="must be 1")
        return version


def _unique(items: Sequence[Any], key: str, listed_as: str) -> None:
    """A Fault at the first item whose `key` an earlier item has."""
    first: Dict[Any, int] = {}
    for index, item in enumerate(items):
        value = getattr(item, key)
        if value in first:
            raise Fault(what=f"{value!r} is used twice (also by {listed_as}[{first[value]}])", at=(index, key))
        first[value] = index


# --- promises.yml -------------------------------------------------------------------------------


class PromiseShape(Shape):
    text: Text  # verbatim from the strategy
    short: ButtonLabel  # the label of its "did you mean...?" button
    keywords: List[Text] = Field(..., min_items=1)
    plain: Optional[Text] = None


class ThemeShape(Shape):
    id: Text
    title: Text
    promises: List[PromiseShape] = Field(..., min_items=1)


class BandShape(Shape):
    label: Text
    themes: List[ThemeShape]

    @validator("themes")
    def the_four_themes_in_order(cls, themes: List[ThemeShape]) -> List[ThemeShape]:
        ids = [theme.id for theme in themes]
        if tuple(ids) != THEME_IDS:
            raise Fault(what=f"must be {', '.join(THEME_IDS)}, in that order, not {', '.join(ids) or 'none'}")
        return themes


class Bands(Shape):
    """The strategy's three sets of promises; care leavers (18+) are answered from 16_18."""

    up_to_11: BandShape
    from_12_to_15: BandShape = Field(alias="12_15")
    from_16_to_18: BandShape = Field(alias="16_18")


class PromisesFile(FileShape):
    source: Text
    bands: Bands


# --- topics.yml ---------------------------------------------------------------------------------


class Answers(Shape):
    """A topic's answer in each wording: `default` for 12-15 and unknown ages."""

    default: Text
    up_to_11: Optional[Text] = None
    sixteen_plus: Optional[Text] = Field(None, alias="16_plus")


class TopicShape(Shape):
    id: Text
    intent: TopicIntent
    title: TopicTitle
    sources: List[Text] = Field(..., min_items=1)  # where each fact comes from, for staff to check
    answer: Answers
    related: List[Text] = []


class TopicsFile(FileShape):
    topics: List[TopicShape] = Field(..., min_items=1)

    @validator("topics")
    def ids_unique_and_related_known(cls, topics: List[TopicShape]) -> List[TopicShape]:
        _unique(topics, "id", "topics")
        _unique(topics, "intent", "topics")
        ids = {topic.id for topic in topics}
        for index, topic in enumerate(topics):
            for place, related in enumerate(topic.related):
                if related not in ids:
                    raise Fault(what=f"related topic {related!r} does not exist", at=(index, "related", place))
        return topics


# --- contacts.yml -------------------------------------------------------------------------------


class Hours(Shape):
    """When a contact answers, if not always (bot/contact_hours.py)."""

    days: Text
    opens: Optional[ClockTime] = None
    closes: Optional[ClockTime] = None

    @root_validator(skip_on_failure=True)
    def one_of_the_two_kinds(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        kind = values["days"], values["opens"] is not None, values["closes"] is not None
        if kind not in (("council_closed", False, False), ("working_days", True, True)):
            raise Fault(what="must be {days: council_closed} or {days: working_days, opens: HH:MM, closes: HH:MM}")
        return values


class ContactShape(Shape):
    id: Text
    name: Text
    how: Text
    when: Text
    source: Text
    checked: Optional[Day] = None  # when staff last checked it against `source`
    hours: Optional[Hours] = None


class ContactsFile(FileShape):
    contacts: List[ContactShape]

    @validator("contacts")
    def ids_unique(cls, contacts: List[ContactShape]) -> List[ContactShape]:
        _unique(contacts, "id", "contacts")
        return contacts


# --- messages.yml -------------------------------------------------------------------------------


class MessagesFile(FileShape):
    messages: Dict[str, Text]
    buttons: Dict[str, List[ButtonRow]] = {}


# --- flows.yml ----------------------------------------------------------------------------------


class Timescales(Shape):
    """Working days each step may take (bot/casework/timescales.py): one number, or one per urgency."""

    acknowledge: Union[int, Dict[str, int], None] = None
    answer: Union[int, Dict[str, int], None] = None
    answer_at_most: Union[int, Dict[str, int], None] = None

    @validator("*", pre=True)
    def whole_days(cls, days: Any) -> Any:
        counts = days.values() if isinstance(days, dict) else [days]
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts):
            raise Fault(what="must be whole working days, or whole days by urgency")
        return days


class FlowShape(Shape):
    what: Text
    offered_after_topic: Text  # a topic id (checked in bot/content.py)
    explain_first: Optional[StrictBool] = None
    button: Text
    start: Text
    slots: List[Text]
    timescales: Optional[Timescales] = None
    questions: Dict[str, Text]
    done: Text
    out_of_hours: Optional[Text] = None

    @root_validator(skip_on_failure=True)
    def acknowledge_by_has_its_timescale(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        timescales = values["timescales"]
        if "{acknowledge_by}" in values["done"] and (timescales is None or timescales.acknowledge is None):
            raise Fault(what="says {acknowledge_by} but has no timescales.acknowledge", at=("done",))
        return values


class Flows(Shape):
    complaint: FlowShape
    advocacy: FlowShape
    social_worker: FlowShape


class OfficeHours(Shape):
    opens: ClockTime
    closes: ClockTime
    friday_closes: ClockTime
    bank_holidays: List[Day] = []


class News(Shape):
    """What the child is sent when a caseworker moves their request on (bot/casework/child_replies.py)."""

    new: Text
    acknowledged: Text
    answered: Text
    closed: Text
    reply: Text

    @validator("reply")
    def shows_the_reply(cls, reply: str) -> str:
        if "{reply}" not in reply:
            raise Fault(what="must show the caseworker's words: {reply}")
        return reply


class NewsWhere(Shape):
    """Where the news about a request comes (action_request_news), by channel."""

    telegram: Text
    webchat: Text
    webchat_reference: Text
    other: Text


class NewsCheck(Shape):
    """What the web chat's "Check for news" says when it cannot show any (bot/casework/news_codes.py)."""

    wrong: Text
    locked: Text


class Common(Shape):
    office_hours: OfficeHours
    questions: Dict[str, Text]
    contact_choices: List[ButtonRow]
    urgency_choices: List[ButtonRow]
    yes_no: List[ButtonRow]
    confirm: Text
    labels: Dict[str, Text]
    empty: Text
    need_words: Text
    too_long: Text
    not_understood_choice: Text
    chat_done: Text
    chat_done_webchat: Text
    news_where: NewsWhere
    news_check: NewsCheck
    news_code_failed: Text
    news: News
    chat_unreachable: Text
    no_contact_done: Optional[Text] = None
    cancelled: Text
    not_confirmed: Text
    save_failed: Text
    resume: Text


class FlowsFile(FileShape):
    flows: Flows
    common: Common
