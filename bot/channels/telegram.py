"""The Telegram bridge: python-telegram-bot in front of the Rasa server.

Long polling by default, so it runs behind a council firewall with no public address;
webhook mode, with Telegram's secret-token check, when PROMISEBOT_TELEGRAM_WEBHOOK_URL is
set. Rasa's own Telegram channel is not used: it is webhook-only and does not check who is
calling. Run by `promisebot run` when PROMISEBOT_TELEGRAM_TOKEN is set, or on its own with
`python -m bot.channels.telegram`.

Each chat's messages go to Rasa one at a time, in order, from a queue of their own, so a
slow answer in one chat never holds up another, and a message that cannot reach Rasa is
retried rather than dropped while the young person is told at once what to do if in danger.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import Deque, Dict, List, Optional, Sequence

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, MessageLimit
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import logs, settings
from bot.casework.reply_address import seal
from bot.channels.offered import Taps
from bot.channels.rasa_client import RasaClient, RasaUnavailable, Reply, typed_text
from bot.channels.rate_limit import RateLimiter
from bot.channels.senders import sender_id, sender_key
from bot.content import current_content
from bot.privacy.notice import privacy_notice
from bot.store.database import StorageError

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
SLOW_AFTER = 4.0  # seconds without an answer before the young person is told there is trouble
RETRY_DELAYS = (2, 5, 10, 30, 60)  # then every 60 s ...
RETRY_FOR = 15 * 60  # ... for up to 15 minutes, then they are asked to send it again
COMMANDS = [  # shown in Telegram's command menu
    BotCommand("start", "Start, and what this chat is"),
    BotCommand("help", "What I can help with"),
    BotCommand("age", "Tell me your age"),
    BotCommand("forget", "Delete our conversation"),
    BotCommand("privacy", "What happens to what you write"),
]
PRIVATE = filters.ChatType.PRIVATE


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    api_url: str = "https://api.telegram.org/bot"  # or a self-hosted Bot API server
    webhook_url: Optional[str] = None  # public https address; polling when unset
    webhook_secret: Optional[str] = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webchat_url: Optional[str] = None  # where under-16s are sent instead

    @classmethod
    def from_env(cls, env=os.environ) -> "TelegramSettings":
        token = settings.text("PROMISEBOT_TELEGRAM_TOKEN", env)
        if not token:
            raise ValueError("PROMISEBOT_TELEGRAM_TOKEN is not set")
        webhook_url = settings.text("PROMISEBOT_TELEGRAM_WEBHOOK_URL", env) or None
        secret = settings.text("PROMISEBOT_TELEGRAM_WEBHOOK_SECRET", env) or None
        if webhook_url and not secret:
            raise ValueError("webhook mode needs PROMISEBOT_TELEGRAM_WEBHOOK_SECRET, so only Telegram can call it")
        return cls(
            token=token,
            api_url=settings.text("PROMISEBOT_TELEGRAM_API_URL", env),
            webhook_url=webhook_url,
            webhook_secret=secret,
            webhook_listen=settings.text("PROMISEBOT_TELEGRAM_WEBHOOK_LISTEN", env),
            webhook_port=settings.number("PROMISEBOT_TELEGRAM_WEBHOOK_PORT", env),
            webchat_url=settings.text("PROMISEBOT_WEBCHAT_URL", env) or None,
        )


def split_for_telegram(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> List[str]:
    """Split a long reply under Telegram's limit, at a paragraph, line or word break."""
    chunks = []
    while len(text) > limit:
        cut = max(text.rfind(sep, 0, limit) for sep in ("\n\n", "\n", " "))
        cut = cut if cut > limit // 2 else limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return chunks + [text] if text else chunks


CALLBACK_DATA_BYTES = 64  # Telegram's limit for a button's callback data


def callback_data(payload: str) -> str:
    """What a button carries back when tapped: its payload, or for a payload over Telegram's
    64 bytes a key made from it ("#" and a hash), which `Bridge.tapped_payload` looks up among
    the payloads that chat was offered. Nothing to keep, so it survives a restart."""
    if len(payload.encode()) <= CALLBACK_DATA_BYTES and not payload.startswith("#"):
        return payload
    return "#" + hashlib.sha256(payload.encode()).hexdigest()[:20]


def chat_of(update: Update) -> Optional[int]:
    """The chat an update came from; None for the few kinds of update that have none."""
    return update.effective_chat.id if update.effective_chat else None


class Bridge:
    def __init__(self, settings: TelegramSettings, rasa: RasaClient, key: bytes, limiter: Optional[RateLimiter] = None):
        self.settings, self.rasa, self.key = settings, rasa, key
        self.limiter = limiter or RateLimiter()
        self.taps = Taps(rasa)
        self._queues: Dict[int, Deque[str]] = {}

    # --- wiring -------------------------------------------------------------------------
    def build(self) -> Application:
        application = (
            ApplicationBuilder()
            .token(self.settings.token)
            .base_url(self.settings.api_url)
            .base_file_url(self.settings.api_url.replace("/bot", "/file/bot"))
            .post_init(self._on_started)
            .post_shutdown(self._on_stopped)
            .build()
        )
        application.add_handler(MessageHandler(filters.UpdateType.EDITED, self.on_edited))
        application.add_handler(CommandHandler("start", self.on_start, filters=PRIVATE))
        application.add_handler(CommandHandler("help", self.on_help, filters=PRIVATE))
        application.add_handler(CommandHandler("age", self.on_age, filters=PRIVATE))
        application.add_handler(CommandHandler("forget", self.on_forget, filters=PRIVATE))
        application.add_handler(CommandHandler("privacy", self.on_privacy, filters=PRIVATE))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(MessageHandler(PRIVATE & filters.TEXT, self.on_text))  # other commands too
        application.add_handler(MessageHandler(PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL, self.on_not_text))
        application.add_error_handler(self.on_error)
        return application

    async def _on_started(self, application: Application) -> None:
        await application.bot.set_my_commands(COMMANDS)

    async def _on_stopped(self, application: Application) -> None:
        await self.rasa.close()

    def sender(self, chat_id: int) -> str:
        return sender_id("tg", chat_id, self.key)

    # --- handlers -----------------------------------------------------------------------
    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = chat_of(update)
        if chat_id is None or not self._allowed(context, chat_id):
            return
        webchat = (
            f": {self.settings.webchat_url}"
            if self.settings.webchat_url
            else " (ask your carer or social worker for the link)"
        )
        await self.say(context, chat_id, [Reply(current_content().message("telegram_start", webchat=webchat))])
        self.relay(context, chat_id, "/greet")

    async def on_privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = chat_of(update)
        if chat_id is not None and self._allowed(context, chat_id):
            heading, *points = privacy_notice(current_content(), "telegram")
            await self.say(context, chat_id, [Reply("\n".join([heading + ":", *(f"- {point}" for point in points)]))])

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = chat_of(update)
        if chat_id is not None and self._allowed(context, chat_id):
            self.relay(context, chat_id, "/help")

    async def on_age(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = chat_of(update)
        if chat_id is None or not self._allowed(context, chat_id):
            return
        content = current_content()
        await self.say(context, chat_id, [Reply(content.message("ask_age"), tuple(content.buttons["age"]))])

    async def on_forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = chat_of(update)
        if chat_id is None:
            return
        self._queues.get(chat_id, deque()).clear()  # nothing still waiting is sent after this
        self.taps.forget(self.sender(chat_id))
        try:
            await self.rasa.forget(self.sender(chat_id))
            key = "channel_forgotten"
        except RasaUnavailable as error:
            logger.warning("could not delete a conversation: %s", error)
            key = "channel_forget_failed"
        await self.say(context, chat_id, [Reply(current_content().message(key))])

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = chat_of(update)
        if chat_id is None or not self._allowed(context, chat_id):
            return
        text, shortened = typed_text(update.effective_message.text or "" if update.effective_message else "")
        if not text:
            await self.say(context, chat_id, [Reply(current_content().message("channel_empty"))])
            return
        if shortened:
            await self.say(context, chat_id, [Reply(current_content().message("channel_too_long"))])
        self.relay(context, chat_id, text)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()  # stops the button's spinner
        except TelegramError:
            pass  # too old to answer; the tap itself still counts
        chat_id = chat_of(update)
        if chat_id is None or not self._allowed(context, chat_id):
            return
        try:  # the buttons have done their job; leaving them invites stale taps
            await query.edit_message_reply_markup(reply_markup=None)
        except TelegramError:
            pass
        payload = await self.tapped_payload(chat_id, query.data or "")
        if payload is None:  # never offered to this chat (forged, or too old to know): say so, never silence
            await self.say(context, chat_id, [self.taps.refused(self.sender(chat_id), current_content())])
            return
        self.relay(context, chat_id, payload)

    async def tapped_payload(self, chat_id: int, data: str) -> Optional[str]:
        """The payload of a button this chat was offered, from the tap's callback data; None if none."""
        sender = self.sender(chat_id)
        if data.startswith("#"):
            return await self.taps.find(sender, lambda payload: callback_data(payload) == data)
        return data if await self.taps.accepts(sender, data) else None

    async def on_not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = chat_of(update)
        if chat_id is None or not self._allowed(context, chat_id):
            return
        await self.say(context, chat_id, [Reply(current_content().message("telegram_not_text"))])
        caption, _ = typed_text(update.effective_message.caption or "" if update.effective_message else "")
        if caption:  # words written with a photo are still read
            self.relay(context, chat_id, caption)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat and update.effective_chat.type == "private":
            await self.say(context, update.effective_chat.id, [Reply(current_content().message("telegram_edited"))])

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The exception only: an update holds the young person's words, which never go to a log.
        logger.error("Telegram handler failed: %s", type(context.error).__name__)

    # --- relaying -----------------------------------------------------------------------
    def _allowed(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> bool:
        if self.limiter.allow(chat_id):
            return True
        if self.limiter.should_warn(chat_id):
            context.application.create_task(
                self.say(context, chat_id, [Reply(current_content().message("channel_slow_down"))])
            )
        return False

    def relay(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, message: str) -> None:
        """Queue a message for Rasa; the chat's worker sends its queue in order."""
        queue = self._queues.get(chat_id)
        if queue is not None:
            queue.append(message)
            return
        self._queues[chat_id] = deque([message])
        context.application.create_task(self._work(context, chat_id))

    async def _work(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
        queue = self._queues[chat_id]
        try:
            while queue:
                await self._deliver(context, chat_id, queue.popleft())
        finally:
            del self._queues[chat_id]

    async def _deliver(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, message: str) -> None:
        content = current_content()
        told = False
        give_up_at = time.monotonic() + RETRY_FOR
        attempt_number = 0
        while True:
            # The chat, sealed: a request sent with "Here in this chat" keeps it for the council's reply.
            metadata = {"reply_address": seal(CHANNEL, chat_id)}
            attempt = asyncio.ensure_future(self.rasa.send(self.sender(chat_id), message, CHANNEL, metadata))
            try:
                await self._typing(context, chat_id)
                done, _ = await asyncio.wait({attempt}, timeout=SLOW_AFTER)
                if not done and not told:
                    await self.say(context, chat_id, [Reply(content.message("channel_trouble"))])
                    told = True
                replies = await attempt
            except RasaUnavailable as error:
                delay = RETRY_DELAYS[min(attempt_number, len(RETRY_DELAYS) - 1)]
                attempt_number += 1
                logger.warning("Rasa unavailable (%s); %s", error, "will retry" if error.retry_safe else "not retrying")
                if not error.retry_safe or time.monotonic() + delay > give_up_at:
                    await self.say(context, chat_id, [Reply(content.message("channel_gave_up"))])
                    return
                if not told:
                    await self.say(context, chat_id, [Reply(content.message("channel_trouble"))])
                    told = True
                await asyncio.sleep(delay)
                continue
            # Rasa answers nothing when an action failed (the action server down, say): never silence.
            await self.say(context, chat_id, replies or [Reply(content.message("channel_no_answer"))])
            return

    async def _typing(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
        try:
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError:
            pass

    async def say(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, replies: Sequence[Reply]) -> None:
        self.taps.shown(self.sender(chat_id), replies)
        for reply in replies:
            if not reply.text and not reply.buttons:
                continue  # nothing to show (a web chat's news code, say)
            chunks = split_for_telegram(reply.text) or [""]
            for i, chunk in enumerate(chunks):
                last = i == len(chunks) - 1
                markup = None
                if last and reply.buttons:
                    markup = InlineKeyboardMarkup(
                        [
                            [InlineKeyboardButton(title, callback_data=callback_data(payload))]
                            for title, payload in reply.buttons
                        ]
                    )
                try:
                    await context.bot.send_message(chat_id, chunk or "\u2193", reply_markup=markup)
                except TelegramError as error:  # e.g. the young person blocked the bot
                    logger.warning("could not send to a chat: %s", type(error).__name__)
                    return


def main() -> int:
    logs.configure("telegram")
    # httpx logs every request's URL, and a Bot API URL contains the bot's token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        telegram = TelegramSettings.from_env()
    except ValueError as error:
        print(f"Telegram bridge: {error}", file=sys.stderr)
        return 2
    try:
        bridge = Bridge(telegram, RasaClient(), sender_key())
    except StorageError as error:
        print(f"Telegram bridge: {error}", file=sys.stderr)
        return 2
    delay = 5
    while True:  # a council network that drops out for a minute must not end Telegram for good
        application = bridge.build()
        try:
            if telegram.webhook_url:
                application.run_webhook(
                    listen=telegram.webhook_listen,
                    port=telegram.webhook_port,
                    url_path="telegram",
                    webhook_url=telegram.webhook_url,
                    secret_token=telegram.webhook_secret,
                    allowed_updates=Update.ALL_TYPES,
                )
            else:
                application.run_polling(allowed_updates=Update.ALL_TYPES)
            return 0
        except InvalidToken:
            print("Telegram bridge: Telegram refused the bot token (PROMISEBOT_TELEGRAM_TOKEN).", file=sys.stderr)
            return 2
        except NetworkError as error:
            logger.warning("cannot reach the Telegram Bot API (%s); trying again in %d s", error, delay)
            time.sleep(delay)
            delay = min(delay * 2, 300)
            asyncio.set_event_loop(asyncio.new_event_loop())  # the failed run closed its loop


if __name__ == "__main__":
    sys.exit(main())
