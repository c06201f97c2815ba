"""Local stand-ins for what the channels talk to: the Telegram Bot API and the Rasa server.

Each runs an aiohttp server on a thread of its own, on a free loopback port.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Callable, Dict, List, Optional

from aiohttp import web

from bot.supervisor import free_port


class LocalServer:
    """An aiohttp app served from a background thread until `stop()`."""

    def __init__(self, port: Optional[int] = None):
        self.port = port or free_port()
        self._loop = asyncio.new_event_loop()
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None

    def app(self) -> web.Application:
        raise NotImplementedError

    def start(self) -> "LocalServer":
        ready = threading.Event()

        async def serve():
            self._runner = web.AppRunner(self.app())
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
            ready.set()

        def run():
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        assert ready.wait(10), "local server did not start"
        return self

    def stop(self) -> None:
        async def shutdown():
            await self._runner.cleanup()
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]  # e.g. a long poll
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._runner = None


class FakeRasa(LocalServer):
    """Answers every message with `answer`, after `delay` seconds; counts what it received."""

    def __init__(self, port: Optional[int] = None, answer: str = "Hello again, I'm back.", delay: float = 0):
        super().__init__(port)
        self.answer, self.delay = answer, delay
        self.received: List[dict] = []

    def app(self) -> web.Application:
        async def webhook(request: web.Request) -> web.Response:
            self.received.append(await request.json())
            await asyncio.sleep(self.delay)
            return web.json_response([{"recipient_id": "x", "text": self.answer}])

        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", webhook)
        return app


BOT_USER = {
    "id": 4242,
    "is_bot": True,
    "first_name": "Promises",
    "username": "promises_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class FakeTelegram(LocalServer):
    """The Bot API methods the bridge uses, answering as Telegram does, recording every call.

    Tests play the young person: `user_sends`, `user_taps`, ... queue updates that the bridge
    collects with getUpdates; what the bridge sends back is read with `wait_for_messages`.
    """

    def __init__(self, token: str = "123456:TEST-TOKEN"):
        super().__init__()
        self.token = token
        self.calls: List[tuple] = []  # (method, params)
        self._updates: List[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = threading.Condition()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # --- the Bot API --------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        app.router.add_get("/bot{token}/{method}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params: Dict[str, object] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        method = request.match_info["method"]
        self._record(method, params)
        if method == "getUpdates":
            return self.ok(await self._get_updates(int(params.get("offset") or 0), float(params.get("timeout") or 0)))
        if method == "getMe":
            return self.ok(BOT_USER)
        if method == "sendMessage":
            markup = params.get("reply_markup")
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "from": BOT_USER,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params["text"],
            }
            if markup:
                message["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
            return self.ok(message)
        if method == "getWebhookInfo":
            return self.ok({"url": "", "has_custom_certificate": False, "pending_update_count": 0})
        if method in (
            "deleteWebhook",
            "setWebhook",
            "setMyCommands",
            "sendChatAction",
            "answerCallbackQuery",
            "editMessageReplyMarkup",
            "close",
            "logOut",
        ):
            return self.ok(True)
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    @staticmethod
    def ok(result: object) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    async def _get_updates(self, offset: int, timeout: float) -> List[dict]:
        deadline = time.monotonic() + min(timeout, 1.0)  # a short long-poll keeps the tests quick
        while True:
            with self._changed:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    return list(self._updates)
            await asyncio.sleep(0.05)

    def _record(self, method: str, params: dict) -> None:
        with self._changed:
            self.calls.append((method, params))
            self._changed.notify_all()

    # --- the young person ---------------------------------------------------------------
    def _push(self, update: dict) -> dict:
        update["update_id"] = next(self._update_ids)
        with self._changed:
            self._updates.append(update)
        return update

    @staticmethod
    def _message(chat_id: int, **fields) -> dict:
        user = {"id": chat_id, "is_bot": False, "first_name": "Test"}
        return {
            "message_id": int(time.time() * 1000) % 10**9,
            "date": int(time.time()),
            "from": user,
            "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
            **fields,
        }

    def user_sends(self, chat_id: int, text: str) -> None:
        entities = (
            [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
        )
        self._push({"message": self._message(chat_id, text=text, **({"entities": entities} if entities else {}))})

    def user_sends_other(self, chat_id: int, kind: str, caption: Optional[str] = None) -> None:
        media = {
            "sticker": {
                "sticker": {
                    "file_id": "s1",
                    "file_unique_id": "s1",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            },
            "photo": {"photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}]},
            "voice": {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3}},
            "document": {"document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "x.pdf"}},
            "location": {"location": {"latitude": 52.58, "longitude": -1.98}},
        }[kind]
        self._push({"message": self._message(chat_id, **media, **({"caption": caption} if caption else {}))})

    def user_edits(self, chat_id: int, text: str) -> None:
        self._push({"edited_message": {**self._message(chat_id, text=text), "edit_date": int(time.time())}})

    def user_taps(self, chat_id: int, callback_data: str) -> str:
        query_id = f"q{next(self._update_ids)}"
        bot_message = {**self._message(chat_id, text="..."), "from": BOT_USER}
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
                    "chat_instance": "ci",
                    "data": callback_data,
                    "message": bot_message,
                }
            }
        )
        return query_id

    # --- what the bridge did ------------------------------------------------------------
    def calls_to(self, method: str) -> List[dict]:
        with self._changed:
            return [params for m, params in self.calls if m == method]

    def messages_to(self, chat_id: int) -> List[dict]:
        return [p for p in self.calls_to("sendMessage") if int(p["chat_id"]) == chat_id]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 30, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out waiting for {what or condition}; calls: "
                        f"{[m for m, _ in self.calls if m not in ('getUpdates', 'sendChatAction')]}"
                    )
                self._changed.wait(min(remaining, 0.2))

    def wait_for_text(self, chat_id: int, text: str, timeout: float = 30) -> dict:
        """The first message to `chat_id` containing `text`, waiting for it if need be."""

        def found():
            return next((m for m in self.messages_to(chat_id) if text in m["text"]), None)

        self.wait_for(lambda: found() is not None, timeout, f"{text!r} sent to chat {chat_id}")
        return found()

    def texts_to(self, chat_id: int) -> str:
        return "\n".join(m["text"] for m in self.messages_to(chat_id))
