/* 扶贫政策小助手 — web chat page.
 * Plain ES2019, no dependencies. Every piece of server text goes into the page
 * through textContent (never innerHTML).
 */
(function () {
  "use strict";

  var SESSION_KEY = "policybot-session";
  var ASK_TIMEOUT_MS = 25000;
  var TEXT = {
    pending: "正在查…",
    networkError: "网络不好，没发出去，请再点一次发送。",
    menuLoading: "正在加载菜单…",
    menuFailed: "菜单没有加载出来，可能是网络不好。",
    retry: "再试一次",
    menuHeading: "请点您想了解的政策：",
    questionsHeading: "请点您想问的问题：",
    back: "« 返回菜单",
    menu: "菜单",
    followUps: "您还可以问：",
    suggestions: "您是不是想问：",
    sourcePrefix: "来源：",
    basis: "枣庄2017–2018年的政策，依据枣庄日报的报道和公开资料",
    version: "资料版本：",
    feedbackHeading: "这个回答对您有用吗？",
    feedbackUp: "👍 有用",
    feedbackDown: "👎 没用",
    feedbackError: "网络不好，评价没发出去，请再点一次。",
    tooFast: "您问得太快了，请等 {n} 秒再问。问题还在框里，到时点一下发送就行。",
    tooFastFeedback: "您点得太快了，请等 {n} 秒再点。",
    askPrefix: "着急的话，请问",
    askSuffix: "。",
    askPerson: "村扶贫专干或您家的帮扶干部", // the booklet's ask_person, when /api/topics has it
    details: "详细说说",
    detailsClose: "收起",
    listen: "听一听",
    listenIcon: "🔊",
    stop: "停",
    stopIcon: "⏸",
    youSaid: "您说",
    botSaid: "小助手说"
  };

  /* The wait message for a 429 (the bot's limit), or null for any other error. */
  function waitMessage(err, template) {
    if (!err || !err.retryAfter) return null;
    return template.replace("{n}", String(err.retryAfter));
  }

  /* Seconds from a Retry-After header: a number of seconds, or an HTTP date. */
  function retrySeconds(header) {
    var value = String(header || "").trim();
    if (/^[0-9]+$/.test(value)) return Math.max(1, parseInt(value, 10));
    var when = Date.parse(value);
    if (!isNaN(when)) return Math.max(1, Math.ceil((when - Date.now()) / 1000));
    return 60;
  }

  var els = {};
  var state = {
    topics: [],          // topics from /api/topics (the menu's: no help topic)
    menuIntent: "",      // the booklet's "菜单" answer (roles.menu)
    intents: {},         // intent id -> {intent, title, follow_ups, topic}
    loaded: false,
    loading: false,
    busy: false,
    session: null,
    lastTopic: null,     // topic id whose questions were last opened
    feedbackCount: 0,    // for unique ids of the 👍/👎 groups and the details
    cardsShown: {},      // topic id -> its picture card was shown
    askPerson: "",       // whom to ask (the booklet's, else TEXT.askPerson)
    audio: null,         // the one <audio> element: one answer is heard at a time
    playing: null,       // the 听一听 button whose answer is playing
    plays: 0             // counts plays, so a late failure of an earlier one is ignored
  };

  /* ---------- small DOM helpers ---------- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function button(className, text) {
    var b = el("button", className, text);
    b.type = "button";
    return b;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function str(value) {
    return typeof value === "string" ? value : "";
  }

  /* Scroll the chat so that `node` is visible: the whole node if it fits
   * (with what came before it above), otherwise its top, so reading starts
   * at the beginning of a long answer. `context` (the question just asked)
   * is kept in view above a long answer when there is room for it. */
  function reveal(node, context) {
    var chat = els.chat;
    if (!node || !chat) return;
    var base = chat.getBoundingClientRect().top - chat.scrollTop;
    var rect = node.getBoundingClientRect();
    var top = rect.top - base - 8;
    var bottom = rect.bottom - base + 8;
    var view = chat.clientHeight;
    if (bottom - top <= view) {
      chat.scrollTop = Math.max(0, bottom - view);
      return;
    }
    if (context) {
      var ctop = context.getBoundingClientRect().top - base - 8;
      if (top - ctop < view * 0.35) top = ctop;
    }
    chat.scrollTop = Math.max(0, top);
  }

  function focusQuietly(node) {
    if (!node) return;
    try {
      node.focus({ preventScroll: true });
    } catch (e) {
      node.focus();
    }
  }

  function isTouch() {
    return !!(window.matchMedia && window.matchMedia("(pointer: coarse)").matches);
  }

  /* ---------- session ---------- */

  function newSessionId() {
    var bytes = new Uint8Array(16);
    var cryptoObj = window.crypto || window.msCrypto;
    if (cryptoObj && cryptoObj.getRandomValues) {
      cryptoObj.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    var out = "";
    for (var j = 0; j < bytes.length; j++) out += (bytes[j] + 256).toString(16).slice(1);
    return out;
  }

  function sessionId() {
    if (state.session) return state.session;
    var id = null;
    try {
      id = window.localStorage.getItem(SESSION_KEY);
    } catch (e) {
      id = null;
    }
    if (!id || !/^[A-Za-z0-9_-]{8,128}$/.test(id)) {
      id = newSessionId();
      try {
        window.localStorage.setItem(SESSION_KEY, id);
      } catch (e) {
        /* private mode or storage full: keep the id for this visit only */
      }
    }
    state.session = id;
    return id;
  }

  /* ---------- topics and the menu ---------- */

  function indexTopics(data) {
    var topics = data && Array.isArray(data.topics) ? data.topics : null;
    if (!topics) throw new Error("bad topics data");
    var intents = {};
    var clean = [];
    topics.forEach(function (t) {
      if (!t || typeof t.topic !== "string") return;
      var list = Array.isArray(t.intents) ? t.intents : [];
      var items = [];
      list.forEach(function (i) {
        if (!i || typeof i.intent !== "string" || typeof i.title !== "string") return;
        var item = {
          intent: i.intent,
          title: i.title,
          follow_ups: Array.isArray(i.follow_ups) ? i.follow_ups.filter(function (f) {
            return typeof f === "string";
          }) : [],
          topic: t.topic
        };
        intents[i.intent] = item;
        items.push(item);
      });
      clean.push({ topic: t.topic, title: str(t.title) || t.topic, summary: str(t.summary), intents: items });
    });
    state.topics = clean;
    state.intents = intents;

    var booklet = data.booklet || {};
    if (typeof booklet.title === "string" && booklet.title) {
      els.booklet.textContent = TEXT.basis;
    }
    state.version = typeof booklet.version === "string" ? booklet.version : "";
    // the answer that asks for the menu ("菜单"), named by the booklet, not by the page
    state.menuIntent = typeof booklet.menu === "string" ? booklet.menu : "";
    state.askPerson = str(booklet.ask_person).trim();
  }

  function loadTopics(scrollAfter) {
    if (state.loading) return Promise.resolve();
    state.loading = true;
    renderMenuStatus(TEXT.menuLoading, false);
    return fetch("/api/topics", { cache: "no-cache" })
      .then(function (res) {
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.json();
      })
      .then(function (data) {
        indexTopics(data);
        state.loaded = true;
        state.loading = false;
        showTopics(!!scrollAfter);
      })
      .catch(function (err) {
        state.loading = false;
        if (window.console) console.warn("topics:", err);
        renderMenuStatus(TEXT.menuFailed, true);
      });
  }

  function renderMenuStatus(message, withRetry) {
    var menu = els.menu;
    clear(menu);
    menu.appendChild(el("p", "menu-status", message));
    if (withRetry) {
      var b = button("retry-button", TEXT.retry);
      b.addEventListener("click", function () {
        loadTopics(true);
      });
      menu.appendChild(b);
    }
  }

  function showMenu() {
    els.menu.hidden = false;
  }

  function hideMenu() {
    els.menu.hidden = true;
  }

  /* The list of topics. `scroll` brings the menu into view; `fromTopic`
   * (the way back from a topic's questions) brings that topic's button. */
  // a topic of the menu (/api/topics leaves out the booklet's help topic): its answers
  // have a picture card and 👍/👎; the help answers (greeting, menu) have neither
  function onMenu(topicId) {
    return state.topics.some(function (t) { return t.topic === topicId; });
  }

  function showTopics(scroll, fromTopic) {
    if (!state.loaded) {
      showMenu();
      if (scroll) reveal(els.menu);
      loadTopics(scroll);
      return;
    }
    var menu = els.menu;
    clear(menu);
    var heading = el("h2", "menu-heading", TEXT.menuHeading);
    heading.tabIndex = -1;
    menu.appendChild(heading);
    var list = el("div", "topic-list");
    var returnTo = null;
    state.topics.forEach(function (t) {
      var b = button("topic-button");
      b.setAttribute("data-topic", t.topic);
      b.appendChild(el("span", "topic-title", t.title));
      if (t.summary) b.appendChild(el("span", "topic-summary", t.summary));
      b.addEventListener("click", function () {
        showQuestions(t.topic);
      });
      if (fromTopic && t.topic === state.lastTopic) returnTo = b;
      list.appendChild(b);
    });
    menu.appendChild(list);
    if (state.version) menu.appendChild(el("p", "menu-version", TEXT.version + state.version));
    showMenu();
    if (scroll) {
      if (returnTo) {
        reveal(returnTo);
        focusQuietly(returnTo);
      } else {
        reveal(menu);
        focusQuietly(heading);
      }
    }
  }

  /* One topic's questions, with the way back. */
  function showQuestions(topicId) {
    var topic = null;
    state.topics.forEach(function (t) {
      if (t.topic === topicId) topic = t;
    });
    if (!topic) return;
    state.lastTopic = topicId;
    var menu = els.menu;
    clear(menu);
    var heading = el("h2", "menu-heading topic-heading", topic.title);
    heading.tabIndex = -1;
    menu.appendChild(heading);
    if (topic.summary) menu.appendChild(el("p", "topic-intro", topic.summary));
    menu.appendChild(el("p", "menu-hint", TEXT.questionsHeading));
    var list = el("div", "question-list");
    topic.intents.forEach(function (i) {
      var b = button("question-button", i.title);
      b.setAttribute("data-intent", i.intent);
      b.addEventListener("click", function () {
        ask(i.title, "button");
      });
      list.appendChild(b);
    });
    menu.appendChild(list);
    var back = button("back-button", TEXT.back);
    back.id = "back-to-menu";
    back.addEventListener("click", function () {
      showTopics(true, true);
    });
    menu.appendChild(back);
    showMenu();
    reveal(menu);
    focusQuietly(heading);
  }

  /* ---------- chat messages ---------- */

  /* One message of the chat: whose it is is said by its label, and by a hidden
   * "您说：" / "小助手说：" before its text (read out by the log as it comes). */
  function message(className, who) {
    var node = el("article", className);
    node.setAttribute("aria-label", who);
    node.appendChild(el("span", "visually-hidden", who + "："));
    return node;
  }

  function addUserMessage(text) {
    var node = message("user-message", TEXT.youSaid);
    node.appendChild(el("span", "user-text", text));
    els.messages.appendChild(node);
    return node;
  }

  /* A new answer takes the focus (a screen reader reads it; Tab goes on to its
   * buttons) without scrolling: reveal() has already put it in view. */
  function focusAnswer(card) {
    card.tabIndex = -1;
    focusQuietly(card);
  }

  function askLine() {
    return TEXT.askPrefix + (state.askPerson || TEXT.askPerson) + TEXT.askSuffix;
  }

  /* ---------- 听一听: the short answer read aloud ---------- */

  /* The answer's recording, if the server gave one on this site (else ""). */
  function speechUrl(value) {
    if (typeof value !== "string" || !value.trim()) return "";
    try {
      var url = new URL(value.trim(), window.location.href);
      return url.origin === window.location.origin ? url.href : "";
    } catch (e) {
      return "";
    }
  }

  function showListen(b, playing) {
    clear(b);
    var icon = el("span", "button-icon", playing ? TEXT.stopIcon : TEXT.listenIcon);
    icon.setAttribute("aria-hidden", "true");
    b.appendChild(icon);
    b.appendChild(document.createTextNode(" " + (playing ? TEXT.stop : TEXT.listen)));
    b.classList.toggle("playing", playing);
  }

  /* The button that was playing shows 听一听 again (the sound ended, stopped or failed). */
  function stopped() {
    var b = state.playing;
    state.playing = null;
    if (b) showListen(b, false);
  }

  function player() {
    if (state.audio) return state.audio;
    var audio = document.createElement("audio");
    audio.preload = "none";
    audio.className = "speech";
    var done = function () {
      // a pause queued by an earlier stop must not stop the recording playing now
      if (audio.paused || audio.ended) stopped();
    };
    audio.addEventListener("ended", done);
    audio.addEventListener("pause", done);
    audio.addEventListener("error", function () {
      stopped();
    });
    document.body.appendChild(audio);
    state.audio = audio;
    return audio;
  }

  function stopSpeech() {
    var audio = state.audio;
    stopped();
    if (audio && !audio.paused) audio.pause();
  }

  function toggleSpeech(b, url) {
    var mine = state.playing === b;
    stopSpeech();
    if (mine) return; // ⏸ 停
    var audio = player();
    var play = ++state.plays;
    audio.src = url;
    state.playing = b;
    showListen(b, true);
    var failed = function (err) {
      if (window.console) console.warn("speech:", err);
      if (state.plays === play && state.playing === b) stopSpeech();
    };
    try {
      var started = audio.play();
      if (started && typeof started.catch === "function") started.catch(failed);
    } catch (e) {
      failed(e);
    }
  }

  function listenButton(url) {
    var b = button("listen-button");
    showListen(b, false);
    b.addEventListener("click", function () {
      toggleSpeech(b, url);
    });
    return b;
  }

  /* 详细说说: the rest of the answer, shown in the same card (no new request). */
  function detailsButton(details) {
    var b = button("details-button", TEXT.details);
    details.id = "answer-details-" + (++state.feedbackCount);
    b.setAttribute("aria-controls", details.id);
    b.setAttribute("aria-expanded", "false");
    b.addEventListener("click", function () {
      var open = details.hidden;
      details.hidden = !open;
      b.setAttribute("aria-expanded", open ? "true" : "false");
      b.textContent = open ? TEXT.detailsClose : TEXT.details;
      if (open) reveal(details);
    });
    return b;
  }

  function addPending() {
    var node = el("div", "pending", TEXT.pending);
    node.setAttribute("role", "status");
    els.messages.appendChild(node);
    return node;
  }

  function menuButton() {
    var b = button("menu-button", TEXT.menu);
    b.addEventListener("click", function () {
      showTopics(true);
    });
    return b;
  }

  function questionButtons(card, headingText, className, items) {
    if (!items.length) return;
    var group = el("div", "reply-group");
    group.appendChild(el("p", "reply-heading", headingText));
    items.forEach(function (item) {
      var b = button(className, item.title);
      if (item.intent) b.setAttribute("data-intent", item.intent);
      b.addEventListener("click", function () {
        ask(item.title, "button");
      });
      group.appendChild(b);
    });
    card.appendChild(group);
  }

  /* 👍/👎 under an answer. `question` is the text that produced the reply.
   * One vote per answer: both buttons are disabled once a vote has gone
   * through, and enabled again if it could not be sent. */
  function feedbackButtons(card, question, intent) {
    var group = el("div", "feedback-group");
    var heading = el("p", "feedback-heading", TEXT.feedbackHeading);
    heading.id = "feedback-heading-" + (++state.feedbackCount);
    group.setAttribute("role", "group");
    group.setAttribute("aria-labelledby", heading.id);
    group.appendChild(heading);
    var row = el("div", "feedback-buttons");
    var up = button("feedback-up", TEXT.feedbackUp);
    var down = button("feedback-down", TEXT.feedbackDown);
    var voted = false;

    function lock(locked, chosen) {
      [up, down].forEach(function (b) {
        b.disabled = locked;
        var isChosen = locked && b === chosen;
        b.classList.toggle("chosen", isChosen);
        b.setAttribute("aria-pressed", isChosen ? "true" : "false");
      });
    }

    function vote(helpful, chosen) {
      if (voted || state.busy) return;
      voted = true;
      lock(true, chosen);
      sendFeedback(question, intent, helpful, function () {
        voted = false;
        lock(false, null);
      });
    }

    up.setAttribute("aria-pressed", "false");
    down.setAttribute("aria-pressed", "false");
    up.addEventListener("click", function () {
      vote(true, up);
    });
    down.addEventListener("click", function () {
      vote(false, down);
    });
    row.appendChild(up);
    row.appendChild(down);
    group.appendChild(row);
    card.appendChild(group);
  }

  function addReply(data, question) {
    var card = message("bot-message", TEXT.botSaid);
    var matched = data.matched === true;
    var title = str(data.title);
    if (matched && title) card.appendChild(el("p", "answer-title", title));
    // the short answer first; the rest (details) and its recording (speech) on request
    card.appendChild(el("div", "answer-text", str(data.answer)));
    var details = str(data.details).trim();
    var speech = speechUrl(data.speech);
    var more = details ? el("div", "answer-details", details) : null;
    if (speech || more) {
      var parts = el("div", "answer-parts");
      if (speech) parts.appendChild(listenButton(speech));
      if (more) parts.appendChild(detailsButton(more));
      card.appendChild(parts);
    }
    if (more) {
      more.hidden = true;
      card.appendChild(more);
    }
    var sourceLine = str(data.source_line).trim();
    if (!sourceLine) {
      var source = str(data.source).trim();
      if (source) sourceLine = TEXT.sourcePrefix + source;
    }
    if (sourceLine) card.appendChild(el("p", "answer-source", sourceLine));

    // a topic's first answer on this page shows its picture card
    var topicId = typeof data.topic === "string" ? data.topic : "";
    if (matched && /^[a-z][a-z0-9_]*$/.test(topicId) && onMenu(topicId) &&
        !state.cardsShown[topicId]) {
      state.cardsShown[topicId] = true;
      var img = document.createElement("img");
      img.className = "answer-card";
      img.src = "/cards/" + topicId + ".png";
      img.alt = (title || "") + " 图片";
      img.loading = "lazy";
      img.addEventListener("error", function () { img.remove(); });
      card.appendChild(img);
    }

    if (matched) {
      var info = typeof data.intent === "string" ? state.intents[data.intent] : null;
      var follow = [];
      if (info) {
        info.follow_ups.forEach(function (id) {
          var f = state.intents[id];
          if (f && id !== data.intent) follow.push({ intent: f.intent, title: f.title });
        });
      }
      questionButtons(card, TEXT.followUps, "follow-up", follow);
      if (typeof data.intent === "string" && data.intent &&
          (!state.loaded || onMenu(data.topic))) {
        feedbackButtons(card, String(question || ""), data.intent);
      }
    } else {
      var sugg = (Array.isArray(data.suggestions) ? data.suggestions : []).filter(function (s) {
        return s && typeof s.title === "string" && s.title;
      }).map(function (s) {
        return { intent: typeof s.intent === "string" ? s.intent : "", title: s.title };
      });
      questionButtons(card, TEXT.suggestions, "suggestion", sugg);
    }

    var actions = el("div", "reply-actions");
    actions.appendChild(menuButton());
    card.appendChild(actions);
    els.messages.appendChild(card);
    return card;
  }

  /* A message that went wrong: what to do, whom to ask, and the way to the menu. */
  function addError(text) {
    var card = message("bot-message error-message", TEXT.botSaid);
    card.appendChild(el("div", "answer-text", text || TEXT.networkError));
    card.appendChild(el("p", "error-ask", askLine()));
    var actions = el("div", "reply-actions");
    actions.appendChild(menuButton());
    card.appendChild(actions);
    els.messages.appendChild(card);
    return card;
  }

  /* ---------- asking ---------- */

  /* POST a JSON body; resolves with a reply object (it must have an `answer`). */
  function postReply(url, payload) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () {
      controller.abort();
    }, ASK_TIMEOUT_MS) : null;
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
      signal: controller ? controller.signal : undefined
    }).then(function (res) {
      if (!res.ok) {
        var failure = new Error("HTTP " + res.status);
        if (res.status === 429) {
          // over the bot's limit, not a network fault: say how long to wait
          failure.retryAfter = retrySeconds(res.headers.get("Retry-After"));
        }
        throw failure;
      }
      return res.json();
    }).then(function (data) {
      if (!data || typeof data !== "object" || typeof data.answer !== "string") {
        throw new Error("bad answer data");
      }
      return data;
    }).finally(function () {
      if (timer) clearTimeout(timer);
    });
  }

  function postAsk(text) {
    // "page": the details and the plain source line come with the answer
    return postReply("/api/ask", { text: text, session: sessionId(), page: true });
  }

  function postFeedback(question, intent, helpful) {
    return postReply("/api/feedback", {
      question: question,
      intent: intent,
      helpful: helpful,
      session: sessionId()
    });
  }

  function setBusy(busy) {
    state.busy = busy;
    els.send.classList.toggle("busy", busy);
    els.send.setAttribute("aria-busy", busy ? "true" : "false");
  }

  /* origin: "input" (typed) or "button" (a menu, follow-up or suggestion button) */
  function ask(rawText, origin) {
    var text = String(rawText || "").trim();
    if (!text) {
      if (origin === "input") focusQuietly(els.input);
      return;
    }
    if (state.busy) return;
    setBusy(true);
    hideMenu();
    if (origin === "input" && isTouch()) els.input.blur(); // let the keyboard go down to read
    var userNode = addUserMessage(text);
    var pending = addPending();
    reveal(pending);

    postAsk(text).then(function (data) {
      pending.parentNode && pending.parentNode.removeChild(pending);
      if (origin === "input" && els.input.value.trim() === text) els.input.value = "";
      var card = addReply(data, text);
      if (data.matched === true && state.menuIntent && data.intent === state.menuIntent) {
        showTopics(false);
      }
      reveal(card, userNode);
      focusAnswer(card);
      setBusy(false);
    }, function (err) {
      if (window.console) console.warn("ask:", err);
      pending.parentNode && pending.parentNode.removeChild(pending);
      // Keep the question in the box so one tap on 发送 sends it again.
      if (!els.input.value.trim()) els.input.value = text;
      var card = addError(waitMessage(err, TEXT.tooFast));
      reveal(card, userNode);
      focusAnswer(card);
      setBusy(false);
    });
  }

  /* Send a 👍/👎 and show the bot's response (thanks, or other answers and
   * whom to ask) as a new reply card. `failed` is called on a network error. */
  function sendFeedback(question, intent, helpful, failed) {
    setBusy(true);
    var pending = addPending();
    reveal(pending);
    postFeedback(question, intent, helpful).then(function (data) {
      pending.parentNode && pending.parentNode.removeChild(pending);
      var card = addReply(data, question);
      reveal(card);
      focusAnswer(card);
      setBusy(false);
    }, function (err) {
      if (window.console) console.warn("feedback:", err);
      pending.parentNode && pending.parentNode.removeChild(pending);
      failed();
      var card = addError(waitMessage(err, TEXT.tooFastFeedback) || TEXT.feedbackError);
      reveal(card);
      focusAnswer(card);
      setBusy(false);
    });
  }

  /* ---------- height on browsers without dvh units ---------- */

  function fixHeight() {
    var supported = window.CSS && CSS.supports && CSS.supports("height", "100dvh");
    if (supported) return;
    var set = function () {
      document.documentElement.style.setProperty("--app-height", window.innerHeight + "px");
    };
    set();
    window.addEventListener("resize", set);
  }

  /* ---------- start ---------- */

  function start() {
    els.chat = document.getElementById("chat");
    els.messages = document.getElementById("messages");
    els.menu = document.getElementById("menu");
    els.form = document.getElementById("ask-form");
    els.input = document.getElementById("question");
    els.send = document.getElementById("send");
    els.booklet = document.getElementById("booklet");

    fixHeight();
    sessionId();

    var composing = false;
    els.input.addEventListener("compositionstart", function () {
      composing = true;
    });
    els.input.addEventListener("compositionend", function () {
      composing = false;
    });
    // Enter sends; Shift+Enter is a new line. An Enter that only confirms a
    // word in a Chinese input method (pinyin) must not send.
    els.input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.shiftKey) return;
      if (composing || event.isComposing || event.keyCode === 229) return;
      event.preventDefault();
      ask(els.input.value, "input");
    });
    els.form.addEventListener("submit", function (event) {
      event.preventDefault();
      ask(els.input.value, "input");
    });

    loadTopics();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
