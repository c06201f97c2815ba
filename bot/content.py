"""Load and check `content/`: what the bot says about promises, topics and contacts.

`content/` is the single source of truth for the words a child sees. Staff and
Council4Kidz edit those YAML files, so every load is checked against a schema
(bot/content_schema.py) and a mistake is reported with the file, the line and the place in
it, never half-loaded.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple, Type, TypeVar, Union

import yaml
from pydantic import ValidationError

# The themes and the title limit are declared with the schema; the rest of the bot imports them from here.
from bot.content_schema import MAX_TITLE as MAX_TITLE
from bot.content_schema import THEME_IDS as THEME_IDS
from bot.content_schema import ContactsFile, FileShape, FlowsFile, MessagesFile, PromisesFile, PromiseShape, TopicsFile

# Shared names (bot.names); the rest of the bot imports them from here too.
from bot.names import BANDS as BANDS
from bot.names import CONTENT_DIR as CONTENT_DIR
from bot.names import PROMISE_BAND as PROMISE_BAND

logger = logging.getLogger(__name__)

# Topic answers have wording for under-11s, a default, and wording for 16 and over.
TOPIC_WORDING = {"up_to_11": "up_to_11", "12_15": "default", "16_18": "16_plus", "18_plus": "16_plus"}
THEME_INTENTS = {
    "promises_keeping_safe": "keeping_safe",
    "promises_education": "education",
    "promises_healthy": "healthy",
    "promises_keeping_in_touch": "keeping_in_touch",
}
CONTACT_PLACEHOLDER = re.compile(r"\{contact:([a-z0-9_]+)\}")


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


_Loc = Tuple[Union[int, str], ...]
_FileShapeT = TypeVar("_FileShapeT", bound=FileShape)

# libyaml's parser when PyYAML has it: the same values as the pure-Python parser, ten times sooner.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class _YamlFile:
    """A file of content/ as read: its values, and the YAML nodes that know each value's line."""

    name: str
    data: dict
    root: yaml.Node

    @classmethod
    def read(cls, path: Path) -> _YamlFile:
        try:
            text = path.read_text(encoding="utf-8")
            try:
                root, data = _parse(text, _YAML_LOADER)
            except yaml.YAMLError:
                # libyaml's error does not quote the faulty line; the pure-Python parser's does.
                root, data = _parse(text, yaml.SafeLoader)
        except (OSError, yaml.YAMLError) as error:
            raise ContentError(f"{path.name}: cannot be read: {error}") from error
        if not isinstance(data, dict):
            raise ContentError(f"{path.name}: needs `version: 1`")
        file = cls(path.name, data, root)
        # YAML keeps the last of two same keys silently: a copied message whose key was left the same, say.
        repeated = next(_repeated_keys(root), None)
        if repeated:
            loc, first, again = repeated
            raise ContentError(
                f"{file.name} line {again.start_mark.line + 1}, {file._place(loc)}: "
                f"is given twice (first on line {first.start_mark.line + 1}), and only one can count"
            )
        return file

    def validate(self, shape: Type[_FileShapeT]) -> _FileShapeT:
        """The file as `shape` declares it; or a ContentError with every fault, in the file's order."""
        try:
            return shape.parse_obj(self.data)
        except ValidationError as error:
            faults = []
            for fault in error.errors():
                # A validator's own fault is at its field (`__root__` for a whole mapping's), or below it by `at`.
                loc = tuple(step for step in fault["loc"] if step != "__root__") + fault.get("ctx", {}).get("at", ())
                faults.append((self._line(loc), self.says(loc, fault["msg"])))
            raise ContentError(
                "\n".join(said for _, said in sorted(faults, key=lambda numbered: numbered[0]))
            ) from None

    def fault(self, loc: _Loc, what: str) -> ContentError:
        return ContentError(self.says(loc, what))

    def says(self, loc: _Loc, what: str) -> str:
        """ "topics.yml line 12, topics[0] (why_in_care).sources: is missing" """
        return f"{self.name} line {self._line(loc)}, {self._place(loc)}: {what}"

    def _place(self, loc: _Loc) -> str:
        """`topics[3] (money).sources`: the keys and list places down to the value, with each item's id."""
        place = ""
        value: object = self.data  # the value at `place`, for its id
        for step in loc:
            if isinstance(step, int):
                value = value[step] if isinstance(value, list) and step < len(value) else None
                place += f"[{step}]" + (f" ({value['id']})" if isinstance(value, dict) and "id" in value else "")
            else:
                value = value.get(step) if isinstance(value, dict) else None
                place += f".{step}" if place else step
        return place

    def _line(self, loc: _Loc) -> int:
        """The line of the value at `loc`; for a missing key, of the mapping it is missing from."""
        node = self.root
        for step in loc:
            below = None
            if isinstance(node, yaml.MappingNode):
                below = next((value for key, value in node.value if key.value == str(step)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                below = node.value[step]
            if below is None:
                break
            node = below
        return node.start_mark.line + 1


def _parse(text: str, loader: Type[yaml.SafeLoader]) -> Tuple[yaml.Node, object]:
    """The document's root node and its values, as yaml.safe_load reads them."""
    parser = loader(text)
    try:
        root = parser.get_single_node()
        return root, parser.construct_document(root) if root is not None else None
    finally:
        parser.dispose()


def _repeated_keys(node: yaml.Node, loc: _Loc = ()) -> Iterator[Tuple[_Loc, yaml.Node, yaml.Node]]:
    """Each key given a second time in one mapping: where it is, its first key node and the repeat's."""
    if isinstance(node, yaml.MappingNode):
        first: Dict[str, yaml.Node] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in first:
                    yield (*loc, key.value), first[key.value], key
                first.setdefault(key.value, key)
            yield from _repeated_keys(value, (*loc, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _repeated_keys(item, (*loc, index))


def _texts(value: object, loc: _Loc = ()) -> Iterator[Tuple[_Loc, str]]:
    """Every text in a file's values, with where it is."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _texts(inner, (*loc, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _texts(inner, (*loc, index))


def _bands(promises: PromisesFile) -> Dict[str, Band]:
    bands = {}
    for band_id, band in promises.bands.given().items():
        themes = tuple(Theme(t.id, t.title, tuple(_promise(p) for p in t.promises)) for t in band.themes)
        bands[band_id] = Band(band_id, band.label, themes)
    return bands


def _promise(promise: PromiseShape) -> Promise:
    keywords = tuple(k.lower() for k in promise.keywords)
    return Promise(promise.text, keywords, promise.short, promise.plain or "")


def _topics(topics: TopicsFile) -> Dict[str, Topic]:
    return {
        topic.id: Topic(
            id=topic.id,
            intent=topic.intent,
            title=topic.title,
            sources=tuple(topic.sources),
            answers={wording: text.strip() for wording, text in topic.answer.given().items()},
            related=tuple(topic.related),
        )
        for topic in topics.topics
    }


def _contacts(contacts: ContactsFile) -> Dict[str, Contact]:
    return {
        contact.id: Contact(
            id=contact.id,
            name=contact.name,
            how=contact.how,
            when=contact.when,
            source=contact.source,
            hours=contact.hours.given() if contact.hours else None,
        )
        for contact in contacts.contacts
    }


def load_content(directory: Path = CONTENT_DIR) -> Content:
    """Read and check every file in `directory`. A ContentError says where each fault of the first
    faulty file is, or which rule between two files is broken."""
    files = {
        name: _YamlFile.read(directory / f"{name}.yml")
        for name in ("promises", "topics", "contacts", "messages", "flows")
    }
    promises = files["promises"].validate(PromisesFile)
    topics = _topics(files["topics"].validate(TopicsFile))
    contacts = _contacts(files["contacts"].validate(ContactsFile))
    messages = files["messages"].validate(MessagesFile)
    flows = files["flows"].validate(FlowsFile)

    # What the schema of one file cannot know: what the bot's code and the other files need of it.
    for required in CHANNEL_MESSAGES:
        if required not in messages.messages:
            raise files["messages"].fault(("messages",), f"is missing {required!r}")
    for required in ("emergency", "childline", "edt", "coram_voice", "samaritans", "shout", "kooth"):
        if required not in contacts:
            raise files["contacts"].fault(("contacts",), f"is missing {required!r}")
    for name, flow in flows.flows.given().items():
        if flow.offered_after_topic not in topics:
            raise files["flows"].fault(
                ("flows", name, "offered_after_topic"),
                f"must be a topic id, and topics.yml has no {flow.offered_after_topic!r}",
            )
    for file in files.values():
        for loc, text in _texts(file.data):
            for contact_id in CONTACT_PLACEHOLDER.findall(text):
                if contact_id not in contacts:
                    raise file.fault(loc, f"unknown contact {{contact:{contact_id}}}")

    return Content(
        flows=files["flows"].data["flows"],
        flow_common=files["flows"].data["common"],
        bands=_bands(promises),
        topics=topics,
        contacts=contacts,
        messages=dict(messages.messages),
        buttons={group: [(label, payload) for label, payload in rows] for group, rows in messages.buttons.items()},
        promise_source=promises.source,
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
