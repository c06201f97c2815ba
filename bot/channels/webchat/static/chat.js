// The web chat page: sends what the young person types (or taps) to /api/message and shows
// the answers. Everything is written with textContent, never as HTML. Nothing is stored
// except a random session id in this tab's sessionStorage, gone when the tab closes.
(function () {
  "use strict";

  var SLOW_AFTER_MS = 4000;                       // then say there is trouble, keep waiting
  var RETRY_DELAYS_S = [3, 5, 10, 20, 30, 30, 30]; // about two minutes of retries, then give up
  var SESSION_KEY = "promises-session";
  var TESTER_KEY = "promises-tester";               // a Council4Kidz tester code, this tab only
  var NEWS_CODE_SOURCE = "flows.yml common.chat_done_webchat";

  var log = document.getElementById("log");
  var conversation = document.getElementById("conversation");  // what scrolls
  var exitUrl = document.body.getAttribute("data-exit-url");
  // On a phone, Enter makes a new line and the Send button sends, as in messaging apps.
  var touchScreen = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  var canSpeak = "speechSynthesis" in window && typeof SpeechSynthesisUtterance === "function";
  var form = document.getElementById("composer");
  var input = document.getElementById("message");
  var sendButton = document.getElementById("send");
  var status = document.getElementById("status");
  var forgetButton = document.getElementById("forget");
  var troubleText = log.getAttribute("data-trouble");
  var gaveUpText = log.getAttribute("data-gave-up");
  var busy = false;
  var testerCode = null;   // set when a Council4Kidz tester code turns on test mode
  var testingAs = null;    // the age band a tester chose to test as

  function newSessionId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function session(renew) {
    var id = null;
    try { id = renew ? null : sessionStorage.getItem(SESSION_KEY); } catch (e) { /* storage blocked */ }
    if (!id) {
      id = newSessionId();
      try { sessionStorage.setItem(SESSION_KEY, id); } catch (e) { /* still works for this page */ }
    }
    return id;
  }
  var sessionId = session(false);

  // A button that sends its payload as if the young person had tapped it in the chat.
  function tapButton(button, className) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = button.title;
    b.addEventListener("click", function () { tap(button); });
    return b;
  }

  function addMessage(who, text, buttons) {
    var item = document.createElement("div");
    item.className = "msg " + who;
    var bubble = document.createElement("p");
    var speaker = document.createElement("span");
    speaker.className = "visually-hidden";
    speaker.textContent = who === "user" ? "You: " : "Promises helper: ";
    speaker.dir = "ltr";  // so the bubble's dir="auto" goes by the message, not this label
    bubble.appendChild(speaker);
    bubble.appendChild(document.createTextNode(text));
    bubble.dir = "auto";  // an answer in Arabic, Urdu, Pashto... reads right to left
    item.appendChild(bubble);
    if (who === "bot" && canSpeak && text) { item.appendChild(listenButton(text, item)); }
    if (buttons && buttons.length) {
      var group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Choices");
      buttons.forEach(function (b) { group.appendChild(tapButton(b, "choice")); });
      item.appendChild(group);
    }
    log.appendChild(item);
    conversation.scrollTop = conversation.scrollHeight;
    return item;
  }

  // --- Read aloud, with the device's own voices only: nothing is sent anywhere ----------------
  // A voice that is not `localService` (some browsers' online voices) would send the words away.
  function localVoice(lang) {
    var voices = window.speechSynthesis.getVoices().filter(function (v) { return v.localService; });
    return voices.filter(function (v) { return v.lang === lang; })[0] ||
      voices.filter(function (v) { return v.lang.slice(0, 2) === lang.slice(0, 2); })[0] || null;
  }

  // An answer's language: English, or the one a languages.yml answer is in ("languages.yml ar").
  function languageOf(item) {
    var source = item.dataset.source || "";
    return source.indexOf("languages.yml ") === 0 ? source.split(" ")[1].split("-")[0] : "en-GB";
  }

  function listenButton(text, item) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "listen";
    b.textContent = "Read aloud";
    b.setAttribute("aria-pressed", "false");
    b.addEventListener("click", function () {
      var speech = window.speechSynthesis;
      var playing = b.getAttribute("aria-pressed") === "true";
      speech.cancel();
      Array.prototype.forEach.call(log.querySelectorAll("button.listen"), function (other) {
        other.setAttribute("aria-pressed", "false");
      });
      if (playing) { return; }  // a second tap stops it
      var voice = localVoice(languageOf(item));
      if (!voice) { status.textContent = "This device has no voice I can use to read this aloud."; return; }
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.voice = voice;
      utterance.lang = voice.lang;
      utterance.onend = utterance.onerror = function () { b.setAttribute("aria-pressed", "false"); };
      b.setAttribute("aria-pressed", "true");
      speech.speak(utterance);
    });
    return b;
  }

  function showReplies(messages) {
    (messages || []).forEach(function (m) {
      var item = addMessage("bot", m.text || "", m.buttons || []);
      item.dataset.source = m.source || "";
      // The code to read a request's news is never sent anywhere, ratings included.
      if (testerCode && m.source !== NEWS_CODE_SOURCE) { addRating(item); }
    });
  }

  // --- Council4Kidz test mode: rate every answer, with an optional comment ---------------
  function addRating(item) {
    var bubble = item.querySelector("p");
    var answer = bubble.lastChild.textContent;
    var group = document.createElement("div");
    group.className = "rating";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Rate this answer");
    var chosen = 0;
    function choice(label, value, symbol) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = symbol;
      b.setAttribute("aria-label", label);
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {
        chosen = value;
        Array.prototype.forEach.call(group.querySelectorAll("button[aria-pressed]"), function (other) {
          other.setAttribute("aria-pressed", String(other === b));
        });
        comment.hidden = false;
        save.hidden = false;
        comment.focus();
      });
      return b;
    }
    var up = choice("Good answer", 1, "\uD83D\uDC4D");
    var down = choice("Not a good answer", -1, "\uD83D\uDC4E");
    var comment = document.createElement("input");
    comment.type = "text";
    comment.hidden = true;
    comment.setAttribute("aria-label", "What was good or wrong? (optional)");
    comment.placeholder = "What was good or wrong? (optional)";
    var save = document.createElement("button");
    save.type = "button";
    save.textContent = "Save rating";
    save.hidden = true;
    var done = document.createElement("span");
    done.className = "saved";
    done.setAttribute("role", "status");
    save.addEventListener("click", function () {
      if (!chosen) { return; }
      post("/api/feedback", { session: sessionId, code: testerCode, source: item.dataset.source, answer: answer,
                              rating: chosen, comment: comment.value, age_band: testingAs })
        .then(function (data) { done.textContent = data.saved ? "Saved - thank you!" : (data.messages[0] || {}).text; })
        .catch(function () { done.textContent = "Could not save that rating. Please try again."; });
    });
    [up, down, comment, save, done].forEach(function (el) { group.appendChild(el); });
    item.appendChild(group);
  }

  function startTestMode(code, data) {
    testerCode = code;
    try { sessionStorage.setItem(TESTER_KEY, code); } catch (e) { /* this page only */ }
    document.getElementById("testing").open = true;
    document.getElementById("test-mode").hidden = false;
    document.getElementById("tester-form").hidden = true;
    document.getElementById("test-mode-label").textContent =
      "Test mode (" + data.label + "): rate every answer. Choose an age to test as:";
    var ages = document.getElementById("test-ages");
    ages.textContent = "";
    (data.ages || []).forEach(function (a) { ages.appendChild(tapButton(a, "secondary")); });
    Array.prototype.forEach.call(log.querySelectorAll(".msg.bot"), function (item) {
      if (!item.querySelector(".rating") && item.dataset.source !== NEWS_CODE_SOURCE) { addRating(item); }
    });
  }

  document.getElementById("save-test").addEventListener("click", function () {
    var status = document.getElementById("save-test-status");
    post("/api/save-test", { session: sessionId, code: testerCode, title: document.getElementById("test-title").value })
      .then(function (data) {
        status.textContent = data.saved ? "Saved. Staff will add it to the bot's tests." : (data.messages[0] || {}).text;
      })
      .catch(function () { status.textContent = "Could not save it. Please try again."; });
  });

  document.getElementById("tester-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var code = document.getElementById("tester-code").value.trim();
    var error = document.getElementById("tester-error");
    error.textContent = "";
    if (!code) { return; }
    post("/api/tester", { session: sessionId, code: code }).then(function (data) {
      if (data.label) { startTestMode(code, data); } else { error.textContent = (data.messages[0] || {}).text; }
    }).catch(function () { error.textContent = "Could not check the code. Please try again."; });
  });

  // Old choices are switched off once the conversation moves on, so a stale tap can't send them.
  function retireChoices() {
    var old = log.querySelectorAll("button.choice");
    Array.prototype.forEach.call(old, function (b) { b.disabled = true; });
  }

  function setBusy(on) {
    busy = on;
    sendButton.disabled = on;
    status.textContent = on ? "The Promises helper is writing..." : "";
  }

  function wait(seconds) { return new Promise(function (resolve) { setTimeout(resolve, seconds * 1000); }); }

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          // A clear 4xx from our server: show its reason, not silence.
          return { messages: [{ text: data.error || gaveUpText }], retry: response.status >= 500 };
        }
        return data;
      });
    });
  }

  // Send one message; if the assistant is down, say so once, and keep trying for a while.
  function send(body) {
    setBusy(true);
    retireChoices();
    var toldTrouble = false;
    function tellTrouble() {
      if (!toldTrouble) { toldTrouble = true; addMessage("notice", troubleText); }
    }
    var slowTimer = setTimeout(tellTrouble, SLOW_AFTER_MS);
    var attempt = 0;
    function tryOnce() {
      return post("/api/message", body).catch(function () {
        return { retry: true, messages: [] };  // could not reach this server at all
      }).then(function (data) {
        if (data.retry && attempt < RETRY_DELAYS_S.length) {
          tellTrouble();
          var delay = RETRY_DELAYS_S[attempt];
          attempt += 1;
          return wait(delay).then(tryOnce);
        }
        if (data.retry) { return { messages: [{ text: gaveUpText }] }; }
        return data;
      });
    }
    return tryOnce().then(function (data) {
      clearTimeout(slowTimer);
      showReplies(data.messages);
      if (data.check_news_for) { startNewsCheck(data.check_news_for); }
    }).finally(function () { setBusy(false); });
  }

  function tap(button) {
    if (busy) { return; }
    var band = /"age_band":"([a-z0-9_]+)"/.exec(button.payload);
    if (band) { testingAs = band[1]; }
    addMessage("user", button.title);
    send({ session: sessionId, payload: button.payload }).then(function () { input.focus(); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (busy) { return; }
    if (!text.trim()) { input.focus(); return; }
    addMessage("user", text);
    input.value = "";
    send({ session: sessionId, text: text });
    input.focus();
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !touchScreen) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  // The message box grows with what is typed, up to a few lines.
  input.addEventListener("input", function () {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 4, 128) + "px";
  });

  // --- Exit this page (GOV.UK's pattern): the link, or the Shift key pressed 3 times ---------
  // The chat is wiped from the screen and this tab's session forgotten, then the page is
  // replaced, so Back does not bring it back. In a frame the link's target="_top" leaves the
  // council's page too.
  function exitPage(event) {
    if (window.speechSynthesis && canSpeak) { window.speechSynthesis.cancel(); }
    try { sessionStorage.removeItem(SESSION_KEY); sessionStorage.removeItem(TESTER_KEY); } catch (e) { /* blocked */ }
    document.title = "Loading";
    document.querySelector(".app").textContent = "";
    document.querySelector(".below").textContent = "";
    if (window.top === window.self) {
      if (event) { event.preventDefault(); }
      window.location.replace(exitUrl);
    } else if (!event) {
      window.top.location.href = exitUrl;  // the shortcut, inside the council's page
    }
  }
  document.getElementById("exit-page").addEventListener("click", exitPage);
  var shiftPresses = [];
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") { shiftPresses = []; return; }
    var now = Date.now();
    shiftPresses = shiftPresses.filter(function (t) { return now - t < 1000; }).concat([now]);
    if (shiftPresses.length >= 3) { exitPage(null); }
  });

  forgetButton.addEventListener("click", function () {
    if (busy) { return; }
    setBusy(true);
    post("/api/forget", { session: sessionId }).catch(function () {
      return { messages: [{ text: gaveUpText }] };
    }).then(function (data) {
      if (data.forgotten) {  // a fresh start: new id, empty screen
        log.textContent = "";
        sessionId = session(true);
      }
      showReplies(data.messages);
    }).finally(function () { setBusy(false); input.focus(); });
  });

  // A reference typed into the chat: "Check for news" is filled in with it, waiting for the code.
  function startNewsCheck(reference) {
    document.getElementById("news-reference").value = reference;
    var code = document.getElementById("news-code");
    code.scrollIntoView({ block: "center" });
    code.focus();
  }

  // News about a request sent from here: its reference and the code shown when it was sent.
  // The answer appears in the chat; the code itself is never shown there.
  document.getElementById("news-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var reference = document.getElementById("news-reference");
    var code = document.getElementById("news-code");
    if (busy || !reference.value.trim() || !code.value.trim()) { return; }
    setBusy(true);
    addMessage("user", "Check for news about " + reference.value.trim());
    post("/api/news", { session: sessionId, reference: reference.value.trim(), code: code.value.trim() })
      .catch(function () { return { messages: [{ text: gaveUpText }] }; })
      .then(function (data) { code.value = ""; showReplies(data.messages); })
      .finally(function () { setBusy(false); });
  });

  // Open with the welcome, as if the young person had said hello.
  send({ session: sessionId, start: true });
  try {  // a tester who reloads the page stays in test mode
    var savedCode = sessionStorage.getItem(TESTER_KEY);
    if (savedCode) {
      post("/api/tester", { session: sessionId, code: savedCode }).then(function (data) {
        if (data.label) { startTestMode(savedCode, data); }
      });
    }
  } catch (e) { /* storage blocked: test mode starts from the form */ }
})();
