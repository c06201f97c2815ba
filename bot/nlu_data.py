"""Reading Rasa NLU training files: the phrasings and the intents they are examples of."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Tuple

import yaml

ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")  # "im [14](age)": the words, without the entity


def read_nlu_examples(path: Path) -> List[Tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = []
    for block in data.get("nlu") or []:
        if "intent" not in block:
            continue
        for line in (block.get("examples") or "").splitlines():
            text = line.strip()
            if text.startswith("- "):
                pairs.append((text[2:].strip(), block["intent"]))
    return pairs


def normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", re.sub(r"\s+", " ", text.lower())).strip()


def plain(text: str) -> str:
    """A phrasing as a young person would type it, without its entity annotations."""
    return ANNOTATION.sub(r"\1", text)
