"""What the bot says, composed from `content/`: pure functions, no Rasa.

Each function returns a list of replies, each `{"text": ..., "buttons": [...]}`, which an
action hands to the dispatcher unchanged. Keeping the words out of the actions lets them be
tested without a tracker, and keeps one place that decides what a child sees.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

from bot.content import PROMISE_BAND, THEME_INTENTS, Band, Content, Promise, Theme
from bot.languages import help_in
from bot.safeguarding.judgement import ASKING_PREFIX, PAST_INTENT
from bot.understanding.finder import TOPIC_PREFIX, UNKNOWN_BAND

Reply = Dict[str, object]

# Text-speak and misspellings, rewritten before a question is matched to a promise.
SPELLINGS = {
    "skool": "school",
    "skul": "school",
    "scool": "school",
    "shool": "school",
    "unversity": "university",
    "colledge": "college",
    "collage": "college",
    "pasport": "passport",
    "passort": "passport",
    "licence": "licence",
    "lisence": "licence",
    "docter": "doctor",
    "doctr": "doctor",
    "docs": "doctors",
    "freinds": "friends",
    "frends": "friends",
    "famly": "family",
    "fam": "family",
    "mom": "mum",
    "mam": "mum",
    "toyz": "toys",
    "carers": "carers",
    "carer": "carer",
    "carrer": "carer",
    "carrers": "carers",
    "u": "you",
    "ur": "your",
    "r": "are",
    "wat": "what",
    "wot": "what",
    "cos": "because",
    "dont": "don't",
    "cant": "can't",
    "im": "i'm",
    "ill": "ill",
}
# The intent that starts each request flow (content/flows.yml), for its buttons.
FLOW_INTENT = {"complaint": "start_complaint", "advocacy": "request_advocate", "social_worker": "message_social_worker"}


def button_list(rows: Sequence[Tuple[str, str]]) -> List[Dict[str, str]]:
    return [{"title": title, "payload": payload} for title, payload in rows]


def _reply(text: str, buttons: Sequence[Tuple[str, str]] = (), source: Optional[str] = None) -> Reply:
    """One message; `source` names the content that produced it, for Council4Kidz's ratings."""
    return {"text": text, "buttons": button_list(buttons), "source": source}


def flow_message(text: str, source: str, buttons: Sequence[Tuple[str, str]] = ()) -> Reply:
    """A message of a request flow (content/flows.yml), built by actions/flows.py."""
    return _reply(text, buttons, source=f"flows.yml {source}")


def _said(content: Content, key: str, buttons: Sequence[Tuple[str, str]] = (), **values: object) -> Reply:
    """A message from content/messages.yml."""
    return _reply(content.message(key, **values), buttons, source=f"messages.yml {key}")


def band_label(content: Content, age_band: str) -> str:
    """Care leavers are shown the 16-18 promises, which the strategy makes to 16-18 year olds:
    the label says so, and never that they were made to care leavers."""
    return content.band_for(age_band).label


def theme_intent(theme_id: str) -> str:
    return next(intent for intent, theme in THEME_INTENTS.items() if theme == theme_id)


def theme_buttons(band: Band, leave_out: Optional[str] = None) -> List[Tuple[str, str]]:
    rows = [(t.title, f"/{theme_intent(t.id)}") for t in band.themes if t.id != leave_out]
    if leave_out is not None:
        rows.append(("All my promises", "/promises_all"))
    return rows


def _theme_text(content: Content, theme: Theme, label: str) -> str:
    lines = [content.message("theme_heading", title=theme.title, band=label)]
    lines += [f"• {p.text}" for p in theme.promises]
    return "\n".join(lines)


def ask_age(content: Content, first: bool = False) -> List[Reply]:
    key = "ask_age_first" if first else "ask_age"
    return [_said(content, key, content.buttons["age"])]


def introduction(content: Content) -> List[Reply]:
    """What the bot is, what it can do, and 999: said before its first answer to anyone."""
    return [_said(content, "welcome")]


def welcome(content: Content, age_band: Optional[str]) -> List[Reply]:
    replies = introduction(content)
    if age_band in PROMISE_BAND:
        replies.append(_said(content, "what_next", content.buttons["menu"]))
    else:
        replies += ask_age(content)
    return replies


def menu(content: Content) -> List[Reply]:
    return [
        _said(content, "menu", content.buttons["menu"]),
        _said(content, "menu_more"),
    ]


def forget_offer(content: Content) -> List[Reply]:
    return [_said(content, "forget_offer", content.buttons["forget"])]


def forgotten(content: Content) -> List[Reply]:
    return [_said(content, "channel_forgotten")]


def fallback(content: Content, meaning: Optional[Dict] = None, age_band: Optional[str] = None) -> List[Reply]:
    """The classifier was not sure: what the meaning finder is sure of (a short message is left
    to it here, not in NLU, so that right after a disclosure the safeguarding rules hear it
    first), else the closest promises or topics to choose from, else the menu."""
    if decision_for(meaning, age_band).get("answer") and age_band in PROMISE_BAND:
        return promise_question(content, age_band, "", meaning)
    choices = nearest(meaning, age_band)
    if choices:
        return did_you_mean(content, choices)
    return [_said(content, "fallback", content.buttons["menu"])]


def small_talk(
    content: Content, intent: str, meaning: Optional[Dict] = None, age_band: Optional[str] = None
) -> List[Reply]:
    """Chit-chat; something the bot does not cover offers the closest promises or topics, if any."""
    choices = nearest(meaning, age_band) if intent == "out_of_scope" else []
    if choices:  # never answered as a promise: the classifier was sure it is something else
        return did_you_mean(content, choices)
    buttons = content.buttons["menu"] if intent in ("thanks", "bot_challenge", "out_of_scope") else ()
    return [_said(content, intent, buttons)]


def promise_theme(content: Content, age_band: str, theme_id: str) -> List[Reply]:
    band = content.band_for(age_band)
    theme = band.theme(theme_id)
    text = _theme_text(content, theme, band_label(content, age_band))
    return [
        _reply(
            text,
            theme_buttons(band, leave_out=theme_id) + content.buttons["after_answer"],
            source=f"promises.yml {band.id} {theme_id}",
        )
    ]


def all_promises(content: Content, age_band: str) -> List[Reply]:
    band = content.band_for(age_band)
    label = band_label(content, age_band)
    count = sum(len(t.promises) for t in band.themes)
    replies = [_said(content, "promises_all_intro", count=count, band=label, themes=len(band.themes))]
    replies += [
        _reply(_theme_text(content, theme, label), source=f"promises.yml {band.id} {theme.id}") for theme in band.themes
    ]
    replies[-1]["buttons"] = button_list(content.buttons["menu"][1:])
    return replies


def _words(text: str) -> List[str]:
    words = re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))
    return [SPELLINGS.get(w, w) for w in words]


def _keyword_score(words: List[str], keyword: str) -> int:
    """How strongly `keyword` is in `words`: its length in words, or 0 if it is absent."""
    parts = keyword.split()

    def same(word: str, part: str) -> bool:
        return word == part or (len(part) >= 4 and word.startswith(part))

    for i in range(len(words) - len(parts) + 1):
        if all(same(words[i + j], part) for j, part in enumerate(parts)):
            return len(parts)
    return 0


def match_promise(band: Band, question: str) -> Optional[Tuple[Theme, Promise]]:
    """The promise in `band` that best fits a question like "can I keep my toys?"."""
    words = _words(question)
    best, best_score = None, 0
    for theme in band.themes:
        for promise in theme.promises:
            score = sum(_keyword_score(words, k) for k in promise.keywords)
            if score > best_score:
                best, best_score = (theme, promise), score
    return best


def quote_promise(content: Content, band: Band, theme: Theme, promise: Promise) -> Reply:
    text = "\n".join(
        [
            content.message("promise_found", band=band_label(content, band.id)),
            f"“{promise.text}”",
            *([promise.plain] if promise.plain else []),
            content.message("promise_found_part_of", title=theme.title),
        ]
    )
    buttons = [(f"See all: {theme.title}"[:40], f"/{theme_intent(theme.id)}"), ("All my promises", "/promises_all")]
    return _reply(text, buttons, source=f"promises.yml {band.id} {theme.id}: {promise.text[:60]}")


def decision_for(meaning: Optional[Dict], age_band: Optional[str]) -> Dict:
    """The meaning finder's decision (bot/understanding/finder.py) for this young person's band."""
    return (meaning or {}).get(PROMISE_BAND.get(age_band or "", UNKNOWN_BAND)) or {}


def nearest(meaning: Optional[Dict], age_band: Optional[str]) -> List[str]:
    """What the finder found close, best first: its answer, or its choices."""
    decision = decision_for(meaning, age_band)
    return ([decision["answer"]] if decision.get("answer") else []) + list(decision.get("choices") or [])


def closest_promise(meaning: Optional[Dict], age_band: Optional[str]) -> Optional[str]:
    """The band's promise closest to a topic question, to offer beside the topic's answer."""
    decision = decision_for(meaning, age_band)
    promises = [
        c for c in [decision.get("related"), *nearest(meaning, age_band)] if c and not c.startswith(TOPIC_PREFIX)
    ]
    return promises[0] if promises and age_band in PROMISE_BAND else None


def promise_button(content: Content, candidate: str, prefix: str = "") -> Tuple[str, str]:
    """A button that asks for one promise (`band/theme/index`, bot/understanding/finder.py)."""
    _, theme, promise = content.promise_by_id(candidate)
    return f"{prefix}{promise.short}", f'/promise_question{{"promise_id":"{candidate}"}}'


def meaning_button(content: Content, candidate: str) -> Tuple[str, str]:
    """A "did you mean" button: a promise of the child's band, or a topic."""
    if candidate.startswith(TOPIC_PREFIX):
        found = content.topics[candidate[len(TOPIC_PREFIX) :]]
        return found.title, f"/{found.intent}"
    return promise_button(content, candidate)


def did_you_mean(content: Content, choices: Sequence[str]) -> List[Reply]:
    """Several promises or topics are close: ask which, rather than guess."""
    return [_said(content, "did_you_mean", [meaning_button(content, c) for c in choices] + content.buttons["menu"][:1])]


def promise_question(
    content: Content, age_band: str, question: str, meaning: Optional[Dict] = None, promise_id: Optional[str] = None
) -> List[Reply]:
    """One promise: the one tapped, or the one the meaning finder is sure of, or a choice of
    the closest; failing those, the promise whose keywords the question uses."""
    band = content.band_for(age_band)
    decision = decision_for(meaning, age_band)
    chosen = promise_id or decision.get("answer")
    if chosen and chosen.startswith(TOPIC_PREFIX):
        return topic(content, content.topics[chosen[len(TOPIC_PREFIX) :]].intent, age_band)
    try:
        found_band, theme, promise = content.promise_by_id(chosen or "")
    except KeyError:  # none, or a button from before they changed their age
        found_band = None
    if found_band is not None and found_band.id == band.id:
        return [quote_promise(content, band, theme, promise)]
    if decision.get("choices"):
        return did_you_mean(content, decision["choices"])
    found = match_promise(band, question)
    if found is not None:
        return [quote_promise(content, band, *found)]
    label = band_label(content, age_band)
    for other in content.bands.values():
        if other.id == band.id:
            continue
        found = match_promise(other, question)
        if found is not None:
            text = "\n".join(
                [
                    content.message("promise_other_band", band=label, other_band=other.label),
                    f"“{found[1].text}”",
                ]
            )
            return [
                _reply(text, theme_buttons(band), source=f"promises.yml {other.id} {found[0].id}: {found[1].text[:60]}")
            ]
    return [
        _said(content, "promise_not_found", theme_buttons(band) + [("All my promises", "/promises_all")], band=label)
    ]


def promises(
    content: Content,
    intent: str,
    age_band: str,
    question: str,
    meaning: Optional[Dict] = None,
    promise_id: Optional[str] = None,
) -> List[Reply]:
    """Answer any promise intent for a known age band (`meaning` and `promise_id` as for
    promise_question)."""
    if intent == "promises_all":
        return all_promises(content, age_band)
    if intent in THEME_INTENTS:
        return promise_theme(content, age_band, THEME_INTENTS[intent])
    return promise_question(content, age_band, question, meaning, promise_id)


def age_confirmation(content: Content, age_band: str, changed: bool) -> Reply:
    label = band_label(content, age_band)
    if age_band == "18_plus":
        return _said(content, "age_care_leaver", band=label)
    return _said(content, "age_changed" if changed else "age_set", band=label)


def what_next(content: Content, age_band: str) -> List[Reply]:
    band = content.band_for(age_band)
    return [_said(content, "what_next", theme_buttons(band) + [("All my promises", "/promises_all")])]


def age_over_25(content: Content) -> List[Reply]:
    return [_said(content, "age_over_25", content.buttons["age"])]


def age_not_understood(content: Content) -> List[Reply]:
    return [_said(content, "age_not_understood", content.buttons["age"])]


def topic(content: Content, intent: str, age_band: Optional[str], meaning: Optional[Dict] = None) -> List[Reply]:
    """A topic's answer for the age band; with the band's promise about the same thing as a
    button when the meaning finder found one close (`meaning`, bot/understanding/finder.py)."""
    found = content.topic_for_intent(intent)
    if found is None:
        return fallback(content)
    offers = [
        (flow["button"], f"/{FLOW_INTENT[name]}")
        for name, flow in content.flows.items()
        if flow.get("offered_after_topic") == found.id
    ]
    promise = closest_promise(meaning, age_band)
    if promise:
        offers.append(promise_button(content, promise, prefix="Promise: "))
    buttons = offers + [(content.topics[r].title, f"/{content.topics[r].intent}") for r in found.related]
    if found.intent.startswith(ASKING_PREFIX):  # asked about harm: a way to say it is happening to them
        buttons = content.buttons["not_safe"] + buttons
    return [
        _reply(
            content.fill(found.answer_for(age_band)),
            buttons + content.buttons["after_answer"],
            source=f"topics.yml {found.id}",
        )
    ]


def other_language(content: Content, code: str) -> List[Reply]:
    """Help in the language the young person wrote in (content/languages.yml), then a way on in English."""
    text, carry_on = help_in(content, code)
    return [_reply(text, [(carry_on, "/help")], source=f"languages.yml {code}")]


def check_in(content: Content, asked: str, age_band: Optional[str], meaning: Optional[Dict] = None) -> List[Reply]:
    """It might be harm: answer what was asked (a topic, or a promise the meaning finder is
    sure of), or acknowledge it, then ask if they are safe right now, with buttons for both."""
    if content.topic_for_intent(asked) is not None:
        first = [dict(reply, buttons=[]) for reply in topic(content, asked, age_band)]
    elif age_band and decision_for(meaning, age_band).get("answer"):  # what the finder is sure they asked
        first = [dict(reply, buttons=[]) for reply in promise_question(content, age_band, "", meaning)]
    else:
        first = [_said(content, "check_in_past" if asked == PAST_INTENT else "check_in_lead")]
    return first + [_said(content, "check_in", content.buttons["check_in"])]


def safeguarding_follow_up(content: Content, age_band: Optional[str]) -> List[Reply]:
    """A short reply after an urgent answer or a check-in ("hes back", "no"): the urgent routes again."""
    if age_band == "up_to_11":
        return [_said(content, "safeguarding_up_to_11", content.buttons["check_in"][:1])]
    return [_said(content, "safeguarding_follow_up", content.buttons["check_in"][:1])]


def safe_now(content: Content) -> List[Reply]:
    return [_said(content, "safe_now", content.buttons["menu"])]


# Extra routes for some kinds of disclosure, on top of the ones every disclosure gets.
SAFEGUARDING_EXTRAS = {
    "suicide": "safeguarding_self_harm",
    "self_harm": "safeguarding_self_harm",
    "online_grooming": "safeguarding_online",
    "sexual_exploitation": "safeguarding_online",
    "nude_images": "safeguarding_images",
    "running_away": "safeguarding_running_away",
    "forced_marriage": "safeguarding_forced_marriage",
    "fgm": "safeguarding_fgm",
    "substances": "safeguarding_substances",
    "stranger": "safeguarding_stranger",
}


def safeguarding(content: Content, age_band: Optional[str], kind: Optional[str]) -> List[Reply]:
    """Reassure, be honest, give routes by urgency, and say what happens next.

    `kind` is what the detector recognised (None when only the classifier did): it adds
    the routes for that kind. Samaritans and Shout are given whenever the kind is not
    known, as a disclosure the detector missed may be about self-harm. Nothing here names
    the child's carer as the one to turn to: the disclosure may be about them.
    """
    extra = SAFEGUARDING_EXTRAS.get(kind or "", None if kind else "safeguarding_self_harm")
    if age_band == "up_to_11":
        replies = [_said(content, "safeguarding_up_to_11")]
        if extra and kind:
            replies.append(_said(content, extra))
        return replies
    replies = [_said(content, "safeguarding")]
    if extra:
        replies.append(_said(content, extra))
    if age_band == "18_plus":  # Childline is for under 19s
        replies.append(_said(content, "safeguarding_care_leaver"))
    offer = [(content.flows["social_worker"]["button"], f"/{FLOW_INTENT['social_worker']}")]
    replies.append(_said(content, "safeguarding_next", offer))
    return replies
