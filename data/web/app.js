/* confab's web client.
 *
 * One WebSocket to /chat on the page's own host, carrying the JSON-lines
 * protocol (version 2) one object per text frame: docs/protocol.md. The
 * page keeps, per conversation (a room, or a person for direct messages),
 * its log, and shows one at a time. After the connection drops (the
 * server restarted, the network went away) it logs in again by itself,
 * rejoins its rooms and reloads their history; it does not after a
 * refusal that would only repeat (a wrong password, a kick).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
"use strict";

(() => {
  const PROTOCOL_VERSION = 2;
  const HISTORY_LINES = 50;
  const RECONNECT_MAX_MS = 10000;
  /* Refusals after which logging in again would be refused again. */
  const FINAL_ERRORS = new Set([
    "invalid-name", "not-your-name", "authentication-failed",
    "password-needs-tls", "bad-message", "kicked",
  ]);

  const $ = (id) => document.getElementById(id);
  const ui = {
    loginView: $("login-view"), loginForm: $("login-form"), loginName: $("login-name"),
    loginPassword: $("login-password"), loginButton: $("login-button"), loginError: $("login-error"),
    chatView: $("chat-view"), sidebar: $("sidebar"), sidebarToggle: $("sidebar-toggle"),
    title: $("view-title"), topic: $("view-topic"), connection: $("connection"), myName: $("my-name"),
    logout: $("logout-button"), roomList: $("room-list"), allRoomList: $("all-room-list"),
    peopleList: $("people-list"), joinForm: $("join-form"), joinRoom: $("join-room"),
    dmForm: $("dm-form"), dmName: $("dm-name"), roomsRefresh: $("rooms-refresh"),
    peersRefresh: $("peers-refresh"), members: $("members"), log: $("log"), chatError: $("chat-error"),
    composer: $("composer"), text: $("composer-text"), send: $("send-button"), part: $("part-button"),
  };

  /* What the page knows. A conversation's key is the room ("#tea") or the
   * other person's name. */
  const state = {
    socket: null,
    name: null,
    password: "",
    loggedIn: false,     /* welcomed on the current socket */
    wanted: false,       /* the user wants to be logged in */
    everWelcomed: false, /* a refusal before the first welcome goes to the login form */
    reconnectDelay: 1000,
    reconnectTimer: 0,
    conversations: new Map(),
    current: null,
    rooms: new Set(),    /* joined, in the server's view */
    allRooms: [],
    peers: [],
    pendingShow: null,   /* a room asked for, shown once joined */
  };

  /* ---- conversations ---------------------------------------------------- */

  function conversation(key) {
    let c = state.conversations.get(key);
    if (!c) {
      c = { key, isRoom: key.startsWith("#"), entries: [], members: [], topic: "",
            unread: false, historyAt: -1, historyCount: 0 };
      state.conversations.set(key, c);
    }
    return c;
  }

  function formatTime(usec) {
    const d = new Date(usec / 1000);
    const now = new Date();
    const hm = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return d.toDateString() === now.toDateString() ? hm : `${d.toLocaleDateString()} ${hm}`;
  }

  /* entry: { kind: "message"|"notice"|"error"|"history-end", from, text,
   * time, mine, history, offline } */
  function addEntry(key, entry, at) {
    const c = conversation(key);
    if (at !== undefined && at >= 0 && at <= c.entries.length)
      c.entries.splice(at, 0, entry);
    else
      c.entries.push(entry);
    if (key === state.current)
      renderLog();
    else if (entry.kind === "message" && !entry.history) {
      c.unread = true;
      renderLists();
    }
  }

  function entryElement(entry) {
    const li = document.createElement("li");
    if (entry.time) {
      const time = document.createElement("time");
      time.className = "time";
      time.dateTime = new Date(entry.time / 1000).toISOString();
      time.textContent = formatTime(entry.time);
      li.append(time);
    }
    switch (entry.kind) {
      case "message": {
        const from = document.createElement("span");
        from.className = "from";
        from.textContent = entry.from;
        li.append(from, document.createTextNode(entry.text));
        if (entry.mine) li.classList.add("mine");
        if (entry.history) li.classList.add("history");
        if (entry.offline) {
          const tag = document.createElement("span");
          tag.className = "tag";
          tag.textContent = "(sent while you were away)";
          li.append(tag);
        }
        break;
      }
      case "history-end":
        li.className = "history-end";
        li.textContent = entry.text;
        break;
      case "error":
        li.className = "error-line";
        li.textContent = entry.text;
        break;
      default:
        li.className = "notice";
        li.textContent = entry.text;
    }
    return li;
  }

  function renderLog() {
    const c = state.current ? conversation(state.current) : null;
    const atBottom = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 40;
    ui.log.replaceChildren(...(c ? c.entries.map(entryElement) : []));
    if (atBottom || !c)
      ui.log.scrollTop = ui.log.scrollHeight;
  }

  function renderHeader() {
    const c = state.current ? conversation(state.current) : null;
    ui.title.textContent = c ? (c.isRoom ? c.key : `Messages with ${c.key}`) : "confab";
    ui.topic.textContent = c && c.isRoom ? c.topic : "";
    ui.members.textContent = c && c.isRoom && c.members.length
      ? `Members: ${c.members.join(", ")}` : "";
    const usable = !!c && state.loggedIn && (!c.isRoom || state.rooms.has(c.key));
    ui.text.disabled = !usable;
    ui.send.disabled = !usable;
    ui.text.placeholder = c ? `Message ${c.key}` : "Choose a room or a person";
    ui.part.hidden = !(c && c.isRoom && state.rooms.has(c.key));
    document.title = c ? `${c.key} – confab` : "confab";
  }

  function listButton(label, key, onClick) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (key !== null) {
      const c = state.conversations.get(key);
      if (key === state.current) b.setAttribute("aria-current", "true");
      if (c && c.unread) b.classList.add("unread");
    }
    b.addEventListener("click", onClick);
    li.append(b);
    return li;
  }

  function emptyItem(text) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = text;
    return li;
  }

  function renderLists() {
    const joined = [...state.rooms].sort();
    ui.roomList.replaceChildren(...(joined.length
      ? joined.map((r) => listButton(r, r, () => show(r)))
      : [emptyItem("none yet")]));
    const others = state.allRooms.filter((r) => !state.rooms.has(r));
    ui.allRoomList.replaceChildren(...(others.length
      ? others.map((r) => listButton(`${r} (join)`, null, () => join(r)))
      : [emptyItem("no other rooms")]));
    const people = state.peers.filter((p) => p !== state.name);
    const dms = [...state.conversations.values()]
      .filter((c) => !c.isRoom && !people.includes(c.key)).map((c) => c.key);
    const names = [...people, ...dms];
    ui.peopleList.replaceChildren(...(names.length
      ? names.map((p) => listButton(people.includes(p) ? p : `${p} (away)`, p, () => show(p)))
      : [emptyItem("nobody else")]));
  }

  function show(key) {
    state.current = key;
    const c = conversation(key);
    c.unread = false;
    ui.chatError.hidden = true;
    renderHeader();
    renderLists();
    renderLog();
    ui.log.scrollTop = ui.log.scrollHeight;
    closeSidebar();
    if (!ui.text.disabled)
      ui.text.focus();
  }

  function showError(text) {
    ui.chatError.textContent = text;
    ui.chatError.hidden = false;
  }

  /* ---- the connection --------------------------------------------------- */

  function send(object) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN)
      state.socket.send(JSON.stringify(object));
  }

  function setConnection(text, down) {
    ui.connection.textContent = text;
    ui.connection.classList.toggle("down", !!down);
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let socket;
    try {
      socket = new WebSocket(`${scheme}//${location.host}/chat`);
    } catch (e) {
      setConnection(`cannot connect: ${e.message}`, true);
      scheduleReconnect();
      return;
    }
    state.socket = socket;
    state.loggedIn = false;
    setConnection("connecting…");
    socket.addEventListener("open", () => {
      const login = { type: "login", name: state.name, protocol: PROTOCOL_VERSION };
      if (state.password)
        login.password = state.password;
      socket.send(JSON.stringify(login));
    });
    socket.addEventListener("message", (event) => {
      if (socket !== state.socket) return;
      let object;
      try {
        object = JSON.parse(event.data);
      } catch (e) {
        setConnection("the server sent something that is not JSON", true);
        return;
      }
      handle(object);
    });
    socket.addEventListener("close", (event) => {
      if (socket !== state.socket) return;
      if (!state.everWelcomed && state.wanted && !event.wasClean && event.code === 1006 && !state.loggedIn) {
        state.socket = null;
        stop("The server cannot be reached.");
        return;
      }
      state.socket = null;
      const was = state.loggedIn;
      state.loggedIn = false;
      renderHeader();
      /* Before the first welcome a dropped connection is the login's
       * answer; a refusal has said why already (and stopped). */
      if (state.wanted && !state.everWelcomed) {
        stop("The server closed the connection before answering the login.");
        return;
      }
      if (state.wanted) {
        setConnection(was ? "disconnected; reconnecting…" : "cannot reach the server; retrying…", true);
        scheduleReconnect();
      }
    });
    /* An error is always followed by close, which says what happens. */
    socket.addEventListener("error", () => {});
  }

  function scheduleReconnect() {
    clearTimeout(state.reconnectTimer);
    const delay = state.reconnectDelay;
    state.reconnectDelay = Math.min(state.reconnectDelay * 2, RECONNECT_MAX_MS);
    state.reconnectTimer = setTimeout(() => { if (state.wanted) connect(); }, delay);
  }

  function stop(message) {
    state.wanted = false;
    clearTimeout(state.reconnectTimer);
    if (state.socket) {
      const s = state.socket;
      state.socket = null;
      s.close(1000);
    }
    state.loggedIn = false;
    if (!state.everWelcomed || message) {
      ui.chatView.hidden = true;
      ui.loginView.hidden = false;
      ui.loginButton.disabled = false;
      ui.loginError.textContent = message || "";
      ui.loginError.hidden = !message;
      ui.loginName.focus();
    }
  }

  /* ---- what the server says --------------------------------------------- */

  function handle(m) {
    switch (m.type) {
      case "welcome": return welcomed(m);
      case "message": return received(m);
      case "join": return joined(m);
      case "part": return parted(m);
      case "members": {
        conversation(m.room).members = m.members || [];
        if (m.room === state.current) renderHeader();
        return;
      }
      case "topic": {
        const c = conversation(m.room);
        c.topic = m.topic || "";
        if (m.name)
          addEntry(m.room, { kind: "notice", time: m.time,
                             text: m.topic ? `${m.name} set the topic: ${m.topic}` : `${m.name} cleared the topic` });
        if (m.room === state.current) renderHeader();
        return;
      }
      case "rooms": state.allRooms = m.rooms || []; return renderLists();
      case "peers": state.peers = m.peers || []; return renderLists();
      case "history": {
        const c = conversation(m.room);
        const at = c.historyAt >= 0 ? c.historyAt++ : undefined;
        c.historyCount++;
        addEntry(m.room, { kind: "message", from: m.from, text: m.text, time: m.time,
                           history: true, mine: m.from === state.name }, at);
        return;
      }
      case "history-end": {
        const c = conversation(m.room);
        const at = c.historyAt >= 0 ? c.historyAt : undefined;
        c.historyAt = -1;
        addEntry(m.room, { kind: "history-end",
                           text: c.historyCount ? "earlier messages above" : "no earlier messages" }, at);
        return;
      }
      case "stored":
        addEntry(m.name, { kind: "notice", text: `${m.name} is away: the message is stored and delivered at their next login` });
        return;
      case "error": return refused(m);
      default: return; /* a later version's event */
    }
  }

  function welcomed(m) {
    state.name = m.name;
    state.loggedIn = true;
    state.everWelcomed = true;
    state.reconnectDelay = 1000;
    ui.myName.textContent = m.name;
    ui.loginView.hidden = true;
    ui.chatView.hidden = false;
    ui.chatError.hidden = true;
    setConnection(`connected to ${m.server}`);
    try {
      sessionStorage.setItem("confab-name", m.name);
    } catch (e) { /* storage may be off */ }
    /* After a reconnect: the same rooms again, their history reloaded. */
    const rejoin = [...state.rooms];
    state.rooms.clear();
    for (const room of rejoin) {
      conversation(room).entries = [];
      send({ type: "join", room });
    }
    send({ type: "rooms" });
    send({ type: "peers" });
    renderHeader();
    renderLists();
    if (!state.current)
      ui.joinRoom.focus();
  }

  function received(m) {
    const key = m.room ? m.room : (m.from === "@server" ? state.current : m.from);
    const entry = { kind: "message", from: m.from, text: m.text, time: m.time,
                    offline: !!m.offline, mine: m.from === state.name };
    if (!key) {
      showError(`${m.from}: ${m.text}`);
      return;
    }
    addEntry(key, entry);
  }

  function joined(m) {
    if (m.name === state.name) {
      state.rooms.add(m.room);
      const c = conversation(m.room);
      c.historyAt = c.entries.length;
      c.historyCount = 0;
      send({ type: "history", room: m.room, limit: HISTORY_LINES });
      if (!state.allRooms.includes(m.room)) state.allRooms = [...state.allRooms, m.room].sort();
      renderLists();
      if (!state.current || state.current === m.room || state.pendingShow === m.room) {
        state.pendingShow = null;
        show(m.room);
      }
      return;
    }
    const c = conversation(m.room);
    if (!c.members.includes(m.name)) c.members = [...c.members, m.name].sort();
    addEntry(m.room, { kind: "notice", time: m.time, text: `${m.name} joined` });
    if (m.room === state.current) renderHeader();
  }

  function parted(m) {
    const c = conversation(m.room);
    c.members = c.members.filter((n) => n !== m.name);
    const how = m.by ? `was removed by ${m.by}${m.reason ? ` (${m.reason})` : ""}` : "left";
    if (m.name === state.name) {
      state.rooms.delete(m.room);
      addEntry(m.room, { kind: "notice", time: m.time, text: `You ${m.by ? how.replace("was", "were") : "left"}` });
      renderLists();
    } else {
      addEntry(m.room, { kind: "notice", time: m.time, text: `${m.name} ${how}` });
    }
    if (m.room === state.current) renderHeader();
  }

  function refused(m) {
    const text = m.message || m.code;
    if (!state.loggedIn) {
      /* A refused login closes the connection. */
      if (!state.everWelcomed || FINAL_ERRORS.has(m.code)) {
        stop(text);
        return;
      }
      setConnection(`login refused: ${text}; retrying…`, true);
      return;
    }
    if (m.code === "kicked") {
      stop(`You were disconnected: ${text}`);
      return;
    }
    if (m.code === "history-unavailable" && state.current) {
      const c = conversation(state.current);
      c.historyAt = -1;
      addEntry(state.current, { kind: "notice", text: `No history: ${text}` });
      return;
    }
    if (state.current)
      addEntry(state.current, { kind: "error", text });
    showError(text);
  }

  /* ---- what the user does ----------------------------------------------- */

  function join(room) {
    room = room.trim();
    if (!room) return;
    if (!room.startsWith("#")) room = `#${room}`;
    if (state.rooms.has(room)) {
      show(room);
      return;
    }
    state.pendingShow = room;
    send({ type: "join", room });
  }

  function sendText() {
    const text = ui.text.value.replace(/\s+$/, "");
    const key = state.current;
    if (!text.trim() || !key || !state.loggedIn) return;
    send({ type: "message", to: [key], text });
    /* Nobody echoes one's own messages but oneself (a message to oneself
     * comes back). */
    if (key !== state.name)
      addEntry(key, { kind: "message", from: state.name, text, time: Date.now() * 1000, mine: true });
    ui.text.value = "";
    ui.chatError.hidden = true;
  }

  function openSidebar() {
    ui.sidebar.classList.add("open");
    ui.sidebarToggle.setAttribute("aria-expanded", "true");
    const first = ui.sidebar.querySelector("button, input");
    if (first) first.focus();
  }

  function closeSidebar() {
    if (!ui.sidebar.classList.contains("open")) return;
    ui.sidebar.classList.remove("open");
    ui.sidebarToggle.setAttribute("aria-expanded", "false");
  }

  ui.loginForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = ui.loginName.value.trim();
    if (!name) return;
    state.name = name;
    state.password = ui.loginPassword.value;
    state.wanted = true;
    state.everWelcomed = false;
    state.reconnectDelay = 1000;
    ui.loginError.hidden = true;
    ui.loginButton.disabled = true;
    connect();
  });

  ui.logout.addEventListener("click", () => {
    state.everWelcomed = false;
    state.rooms.clear();
    state.conversations.clear();
    state.current = null;
    ui.log.replaceChildren();
    stop(null);
  });

  ui.joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    join(ui.joinRoom.value);
    ui.joinRoom.value = "";
  });

  ui.dmForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = ui.dmName.value.trim();
    if (!name) return;
    ui.dmName.value = "";
    conversation(name);
    show(name);
  });

  ui.roomsRefresh.addEventListener("click", () => send({ type: "rooms" }));
  ui.peersRefresh.addEventListener("click", () => send({ type: "peers" }));

  ui.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    sendText();
  });

  ui.text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendText();
    }
  });

  ui.part.addEventListener("click", () => {
    if (state.current && state.rooms.has(state.current))
      send({ type: "part", room: state.current });
  });

  ui.sidebarToggle.addEventListener("click", () => {
    if (ui.sidebar.classList.contains("open")) closeSidebar();
    else openSidebar();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && ui.sidebar.classList.contains("open")) {
      closeSidebar();
      ui.sidebarToggle.focus();
    }
  });

  /* Who is online changes without an event in the protocol: asked again
   * now and then while the page is visible. */
  setInterval(() => {
    if (state.loggedIn && !document.hidden) send({ type: "peers" });
  }, 15000);

  try {
    const saved = sessionStorage.getItem("confab-name");
    if (saved) ui.loginName.value = saved;
  } catch (e) { /* storage may be off */ }
  ui.loginName.focus();
})();
