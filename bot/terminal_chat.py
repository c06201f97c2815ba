"""Chat with the running assistant in a terminal, over the same REST channel as everyone.

Buttons are shown numbered: type the number to tap one.
"""

from __future__ import annotations

import uuid
from typing import Dict, List

import requests


def send(url: str, sender: str, message: str) -> List[Dict]:
    response = requests.post(url, json={"sender": sender, "message": message}, timeout=30)
    response.raise_for_status()
    return response.json()


def chat(url: str = "http://127.0.0.1:5005/webhooks/rest/webhook") -> int:
    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    buttons: List[Dict] = []
    print("Type a message (or a button's number). Ctrl-D or /quit to leave.\n")
    while True:
        try:
            typed = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if typed == "/quit":
            return 0
        if typed.isdigit() and 1 <= int(typed) <= len(buttons):
            typed = buttons[int(typed) - 1]["payload"]
        try:
            replies = send(url, sender, typed)
        except requests.RequestException as error:
            print(f"(The assistant is not answering at {url}: is `make run` running? {error})")
            continue
        buttons = []
        for reply in replies:
            if reply.get("text"):
                print("bot> " + reply["text"].replace("\n", "\n     "))
            for button in reply.get("buttons") or []:
                buttons.append(button)
                print(f"     [{len(buttons)}] {button['title']}")
        if not replies:
            print("bot> (no answer)")
