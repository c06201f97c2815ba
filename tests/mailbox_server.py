"""A real SMTP server for the tests (aiosmtpd), on a free port: the assistant's emails to staff
arrive here and are read back as the team inboxes would see them."""

import email
import email.policy
import threading
import time
from email.message import EmailMessage
from typing import Callable, List, Tuple

from aiosmtpd.controller import Controller

from bot.supervisor import free_port

INBOXES = {
    "complaints": "complaints@council.test",
    "advocacy": "advocacy@council.test",
    "social_work": "social-work@council.test",
    "duty": "duty@council.test",
}


class Mailbox:
    def __init__(self):
        self.received: List[Tuple[List[str], EmailMessage]] = []
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def start(self) -> "Mailbox":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def settings(self) -> dict:
        """The assistant's environment for sending here (README, "Telling staff")."""
        return {
            "PROMISEBOT_SMTP_HOST": "127.0.0.1",
            "PROMISEBOT_SMTP_PORT": str(self.port),
            "PROMISEBOT_SMTP_SECURITY": "none",
            "PROMISEBOT_MAIL_FROM": "promises@council.test",
            "PROMISEBOT_MAIL_EVERY_SECONDS": "0.5",
            **{f"PROMISEBOT_INBOX_{name.upper()}": address for name, address in INBOXES.items()},
        }

    def wait_for(
        self, matches: Callable[[List[str], EmailMessage], bool], timeout: float = 30
    ) -> List[Tuple[List[str], EmailMessage]]:
        """Every email received that `matches`, once there is at least one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [(to, m) for to, m in self.received if matches(to, m)]
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError("no such email arrived")

    def about(self, reference: str, timeout: float = 30) -> List[Tuple[List[str], EmailMessage]]:
        """The emails about one request; waits a moment more for a second inbox's."""
        self.wait_for(lambda to, m: reference in m["Subject"], timeout)
        time.sleep(1.5)
        with self._lock:
            return [(to, m) for to, m in self.received if reference in m["Subject"]]
