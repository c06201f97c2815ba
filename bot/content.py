"""Load and check `content/`: what the bot says about promises, topics and contacts.

`content/` is the single source of truth for the words a child sees. Staff and
Council4Kidz edit those YAML files, so every load is checked against a schema and a
mistake is reported with the file and the place, never half-loaded.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

logger = logging.getLogger(__name__)

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"

# Age bands as the bot stores them in the `age_band` slot. Care leavers (18+) are
# answered from the 16-18 promises, as the strategy has no separate set for them.
BANDS = ("up_to_11", "12_15", "16_18", "18_plus")
PROMISE_BAND = {"up_to_11": "up_to_11", "12_15": "12_15", "16_18": "16_18", "18_plus": "16_18"}
# Topic answers have wording for under-11s, a default, and wording for 16 and over.
TOPIC_WORDING = {"up_to_11": "up_to_11", "12_15": "default", "16_18": "16_plus", "18_plus": "16_plus"}
THEME_IDS = ("keeping_safe", "education", "healthy", "keeping_in_touch")
THEME_INTENTS = {
    "promises_keeping_safe": "keeping_safe",
    "promises_education": "education",
    "promises_healthy": "healthy",
    "promises_keeping_in_touch": "keeping_in_touch",
}
CONTACT_PLACEHOLDER = re.compile(r"\{contact:([a-z0-9_]+)\}")
MAX_TITLE = 28


# Said by bot/channels without the Rasa server, so they must always be there.
CHANNEL_MESSAGES = (
    "channel_trouble",
    "channel_gave_up",
    "channel_no_answer",
    "channel_empty",
    "channel_too_long",
    "channel_slow_down",
    "channel_button_refused",
    "channel_forgotten",
    "channel_forget_failed",
    "telegram_start",
    "telegram_not_text",
    "telegram_edited",
)


class ContentError(ValueError):
    """content/ has something missing or malformed; the message says where."""


@dataclass(frozen=True)
class Promise:
    text: str
    keywords: Tuple[str, ...]
    short: str  # a button's label when the bot asks "did you mean...?"
    plain: str = ""  # the promise in plain words, said after the verbatim quote when it is hard to read


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    promises: Tuple[Promise, ...]


@dataclass(frozen=True)
class Band:
    id: str
    label: str
    themes: Tuple[Theme, ...]

    def theme(self, theme_id: str) -> Theme:
        return next(t for t in self.themes if t.id == theme_id)


@dataclass(frozen=True)
class Topic:
    id: str
    intent: str
    title: str
    sources: Tuple[str, ...]
    answers: Dict[str, str]  # wording key (default, up_to_11, 16_plus) -> text
    related: Tuple[str, ...]

    def answer_for(self, age_band: Optional[str]) -> str:
        wording = TOPIC_WORDING.get(age_band or "", "default")
        return self.answers.get(wording, self.answers["default"])


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    how: str
    when: str
    source: str
    hours: Optional[Dict[str, str]] = None  # when it answers, if not always (bot/contact_hours.py)

    def when_said(self, open_now: str = "") -> str:
        """ "Free, any time, day or night." and, with hours, whether it is open now."""
        return " ".join(filter(None, [f"{self.when[:1].upper()}{self.when[1:]}.", open_now]))

    def render(self, open_now: str = "") -> str:
        """ "Childline: call 0800 1111. Free, any time, day or night." (and whether it is open now)."""
        return f"{self.name}: {self.how}. {self.when_said(open_now)}"


@dataclass(frozen=True)
class Content:
    bands: Dict[str, Band]  # keyed by promise band: up_to_11, 12_15, 16_18
    topics: Dict[str, Topic]  # keyed by id
    contacts: Dict[str, Contact]
    messages: Dict[str, str]
    buttons: Dict[str, List[Tuple[str, str]]]
    promise_source: str
    flows: Dict[str, dict]  # flows.yml: the complaint, advocacy and social worker flows
    flow_common: dict

    def band_for(self, age_band: str) -> Band:
        return self.bands[PROMISE_BAND[age_band]]

    def promise_by_id(self, candidate: str) -> Tuple[Band, Theme, Promise]:
        """`band/theme/index` (bot/understanding/finder.py) to the promise; KeyError if none."""
        try:
            band_id, theme_id, index = candidate.split("/")
            theme = self.bands[band_id].theme(theme_id)
            return self.bands[band_id], theme, theme.promises[int(index)]
        except (StopIteration, ValueError, IndexError):
            raise KeyError(candidate) from None

    def topic_for_intent(self, intent: str) -> Optional[Topic]:
        return next((t for t in self.topics.values() if t.intent == intent), None)

    def fill(self, text: str, **values: object) -> str:
        """Fill {contact:ID} from contacts.yml and {name} from `values`."""
        from bot.contact_hours import status  # it needs the council's calendar, which needs Content

        text = CONTACT_PLACEHOLDER.sub(
            lambda m: self.contacts[m.group(1)].render(status(self.contacts[m.group(1)], self)), text
        )
        return text.format(**values) if values else text

    def message(self, key: str, **values: object) -> str:
        return self.fill(self.messages[key], **values).strip()


def _require(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise ContentError(f"{where}: {what}")


def _text(value: object, where: str) -> str:
    _require(isinstance(value, str) and value.strip() != "", where, "must be non-empty text")
    return value  # type: ignore[return-value]


def _load_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path.name}: cannot be read: {error}") from error
    _require(isinstance(data, dict) and data.get("version") == 1, path.name, "needs `version: 1`")
    return data


def _load_promises(data: dict) -> Dict[str, Band]:
    bands_data = data.get("bands")
    _require(isinstance(bands_data, dict), "promises.yml", "needs `bands`")
    expected = sorted(set(PROMISE_BAND.values()))
    _require(sorted(bands_data) == expected, "promises.yml", f"bands must be exactly {expected}")
    bands = {}
    for band_id, band in bands_data.items():
        where = f"promises.yml bands.{band_id}"
        themes_data = band.get("themes") or []
        ids = [t.get("id") for t in themes_data]
        _require(tuple(ids) == THEME_IDS, where, f"themes must be {list(THEME_IDS)} in that order")
        themes = []
        for theme in themes_data:
            t_where = f"{where}.{theme['id']}"
            promises = []
            for i, p in enumerate(theme.get("promises") or []):
                p_where = f"{t_where}.promises[{i}]"
                keywords = p.get("keywords")
                _require(
                    isinstance(keywords, list) and keywords and all(isinstance(k, str) for k in keywords),
                    p_where,
                    "needs a list of `keywords`",
                )
                short = _text(p.get("short"), f"{p_where}.short")
                _require(len(short) <= 30, p_where, "`short` is a button label: at most 30 characters")
                plain = _text(p["plain"], f"{p_where}.plain") if "plain" in p else ""
                promises.append(
                    Promise(_text(p.get("text"), p_where), tuple(k.lower() for k in keywords), short, plain)
                )
            _require(bool(promises), t_where, "has no promises")
            themes.append(Theme(theme["id"], _text(theme.get("title"), t_where), tuple(promises)))
        bands[band_id] = Band(band_id, _text(band.get("label"), where), tuple(themes))
    return bands


def _load_topics(data: dict) -> Dict[str, Topic]:
    topics = {}
    for i, t in enumerate(data.get("topics") or []):
        where = f"topics.yml topics[{i}]"
        _require(isinstance(t, dict), where, "must be a mapping")
        topic_id = _text(t.get("id"), where)
        where = f"topics.yml {topic_id}"
        _require(topic_id not in topics, where, "id is used twice")
        _require(str(t.get("intent", "")).startswith("topic_"), where, "intent must start with topic_")
        title = _text(t.get("title"), where)
        _require(len(title) <= MAX_TITLE, where, f"title is over {MAX_TITLE} characters")
        sources = t.get("sources")
        _require(isinstance(sources, list) and len(sources) > 0, where, "needs a list of `sources`")
        answers = t.get("answer")
        _require(isinstance(answers, dict) and "default" in answers, where, "needs `answer.default`")
        unknown = set(answers) - {"default", "up_to_11", "16_plus"}
        _require(not unknown, where, f"unknown answer wordings {sorted(unknown)}")
        topics[topic_id] = Topic(
            id=topic_id,
            intent=t["intent"],
            title=title,
            sources=tuple(_text(s, where) for s in sources),
            answers={k: _text(v, f"{where}.answer.{k}").strip() for k, v in answers.items()},
            related=tuple(t.get("related") or ()),
        )
    _require(bool(topics), "topics.yml", "has no topics")
    intents = [t.intent for t in topics.values()]
    _require(len(intents) == len(set(intents)), "topics.yml", "two topics share an intent")
    for topic in topics.values():
        for related in topic.related:
            _require(related in topics, f"topics.yml {topic.id}", f"related topic {related!r} does not exist")
    return topics


def _load_contacts(data: dict) -> Dict[str, Contact]:
    contacts = {}
    for i, c in enumerate(data.get("contacts") or []):
        where = f"contacts.yml contacts[{i}]"
        fields = {f: _text(c.get(f), f"{where}.{f}") for f in ("id", "name", "how", "when", "source")}
        hours = c.get("hours")
        if hours is not None:
            times_ok = all(re.fullmatch(r"[0-2]\d:[0-5]\d", str(hours.get(k, ""))) for k in ("opens", "closes"))
            _require(
                isinstance(hours, dict)
                and (hours.get("days") == "council_closed" or (hours.get("days") == "working_days" and times_ok)),
                f"{where}.hours",
                "must be {days: council_closed} or {days: working_days, opens: HH:MM, closes: HH:MM}",
            )
        contacts[fields["id"]] = Contact(**fields, hours=hours)
    return contacts


def _text_group(common: dict, group: str, keys: Sequence[str]) -> Dict[str, str]:
    """A group of texts in flows.yml common, each of `keys` required, by where they are."""
    found = common.get(group) or {}
    for key in keys:
        _require(isinstance(found.get(key), str), f"flows.yml common.{group}", f"needs `{key}`")
    return {f"flows.yml common.{group}.{k}": v for k, v in found.items()}


def _check_placeholders(texts: Dict[str, str], contacts: Dict[str, Contact]) -> None:
    for where, text in texts.items():
        for contact_id in CONTACT_PLACEHOLDER.findall(text):
            _require(contact_id in contacts, where, f"unknown contact {{contact:{contact_id}}}")


def load_content(directory: Path = CONTENT_DIR) -> Content:
    """Read and check every file in `directory`; raise ContentError naming the first fault."""
    promises = _load_yaml(directory / "promises.yml")
    topics = _load_topics(_load_yaml(directory / "topics.yml"))
    contacts = _load_contacts(_load_yaml(directory / "contacts.yml"))
    messages_data = _load_yaml(directory / "messages.yml")
    messages = {k: _text(v, f"messages.yml {k}") for k, v in (messages_data.get("messages") or {}).items()}
    buttons = {
        group: [
            (_text(label, f"messages.yml buttons.{group}"), _text(payload, f"messages.yml buttons.{group}"))
            for label, payload in rows
        ]
        for group, rows in (messages_data.get("buttons") or {}).items()
    }
    for required in CHANNEL_MESSAGES:
        _require(required in messages, "messages.yml", f"is missing {required!r}")
    texts = {f"messages.yml {k}": v for k, v in messages.items()}
    texts.update({f"topics.yml {t.id}.{k}": a for t in topics.values() for k, a in t.answers.items()})
    for required in ("emergency", "childline", "edt", "coram_voice", "samaritans", "shout", "kooth"):
        _require(required in contacts, "contacts.yml", f"is missing {required!r}")
    flows_data = _load_yaml(directory / "flows.yml")
    flows = flows_data.get("flows") or {}
    _require(
        sorted(flows) == ["advocacy", "complaint", "social_worker"],
        "flows.yml",
        "needs flows complaint, advocacy and social_worker",
    )
    for name, flow in flows.items():
        for key in ("what", "start", "slots", "questions", "done", "button"):
            _require(key in flow, f"flows.yml {name}", f"needs `{key}`")
        _require(
            flow.get("offered_after_topic") in topics, f"flows.yml {name}", "offered_after_topic must be a topic id"
        )
        _require(
            "{acknowledge_by}" not in flow["done"] or "acknowledge" in (flow.get("timescales") or {}),
            f"flows.yml {name}",
            "says {acknowledge_by} but has no timescales.acknowledge",
        )
        for step, days in (flow.get("timescales") or {}).items():  # working days (bot/casework/timescales.py)
            _require(
                step in ("acknowledge", "answer", "answer_at_most"),
                f"flows.yml {name}.timescales",
                f"has an unknown step {step!r}",
            )
            _require(
                all(isinstance(d, int) and d >= 0 for d in (days.values() if isinstance(days, dict) else [days])),
                f"flows.yml {name}.timescales.{step}",
                "must be whole working days, or whole days by urgency",
            )
        texts.update({f"flows.yml {name}.{k}": v for k, v in flow.items() if isinstance(v, str)})
    common = flows_data.get("common") or {}
    for key in (
        "questions",
        "contact_choices",
        "urgency_choices",
        "yes_no",
        "confirm",
        "labels",
        "empty",
        "need_words",
        "too_long",
        "cancelled",
        "not_confirmed",
        "save_failed",
        "resume",
        "not_understood_choice",
        "chat_done",
        "chat_unreachable",
        "chat_done_webchat",
        "news_code_failed",
    ):
        _require(key in common, "flows.yml common", f"needs `{key}`")
    hours = common.get("office_hours") or {}
    for key in ("opens", "closes", "friday_closes"):  # HH:MM, compared as text
        _require(
            re.fullmatch(r"[0-2]\d:[0-5]\d", str(hours.get(key, ""))) is not None,
            "flows.yml common.office_hours",
            f"needs `{key}` as HH:MM",
        )
    _require(
        all(isinstance(d, datetime.date) for d in hours.get("bank_holidays") or []),
        "flows.yml common.office_hours",
        "bank_holidays must be dates (YYYY-MM-DD)",
    )
    texts.update({f"flows.yml common.{k}": v for k, v in common.items() if isinstance(v, str)})
    # The child's news (bot/casework/child_replies.py), where it comes (action_request_news), and
    # the web chat's "Check for news" (bot/casework/news_codes.py).
    texts.update(_text_group(common, "news", ("new", "acknowledged", "answered", "closed", "reply")))
    _require(
        "{reply}" in common["news"]["reply"], "flows.yml common.news.reply", "must show the caseworker's words: {reply}"
    )
    texts.update(_text_group(common, "news_where", ("telegram", "webchat", "webchat_reference", "other")))
    texts.update(_text_group(common, "news_check", ("wrong", "locked")))
    _check_placeholders(texts, contacts)
    return Content(
        flows=flows,
        flow_common=common,
        bands=_load_promises(promises),
        topics=topics,
        contacts=contacts,
        messages=messages,
        buttons=buttons,
        promise_source=_text(promises.get("source"), "promises.yml source"),
    )


_cache: Dict[Path, Tuple[float, Content]] = {}


def current_content(directory: Path = CONTENT_DIR) -> Content:
    """The content, reloaded when a file changes, so staff edits apply without a restart."""
    stamp = max(p.stat().st_mtime for p in directory.glob("*.yml"))
    cached = _cache.get(directory)
    if cached is None or cached[0] != stamp:
        try:
            _cache[directory] = (stamp, load_content(directory))
        except ContentError:
            if cached is None:
                raise
            # A bad edit must not silence the bot: keep answering from the last good copy.
            logger.exception("content/ has an error; still using the previous version")
            _cache[directory] = (stamp, cached[1])
    return _cache[directory][1]
