// The live feed: one WebSocket to /api/v1/live per page.
//
// The page names the topics it follows with `on(topic, handler)`; the socket sends
// {"subscribe": [...]} whenever the set changes or the socket opens again. The
// server sends {"topic", "payload", "seq"} per message, {"hello": {...}} first,
// {"present": [...]} when presence is followed, {"dropped": n} when this browser
// fell behind (the page should reload what it shows: handlers of "dropped" and
// of "reconnected" are told). A lost socket is opened again with a growing delay;
// pages poll while `connected` is false.

import { toLogin, whoami } from "./api.js";

const PRESENCE_REFRESH_MS = 20000;
const MAX_RETRY_MS = 30000;

class Live {
  constructor() {
    this.handlers = new Map();
    this.stateHandlers = new Set();
    this.socket = null;
    this.connected = false;
    this.connection = null;
    this.retryMs = 1000;
    this.presence = null;
    this.presenceTimer = null;
    this.started = false;
    this.everConnected = false;
  }

  start() {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  // Call `handler(payload, message)` for each message on `topic`; special topics:
  // "present" (the list of presences), "dropped", "reconnected". Returns an undo.
  on(topic, handler) {
    if (!this.handlers.has(topic)) this.handlers.set(topic, new Set());
    this.handlers.get(topic).add(handler);
    this.subscribe();
    this.start();
    return () => {
      this.handlers.get(topic).delete(handler);
      this.subscribe();
    };
  }

  onState(handler) {
    this.stateHandlers.add(handler);
    handler(this.connected);
    return () => this.stateHandlers.delete(handler);
  }

  // Where this user is: {incident: id|null, editing: field|null}; sent now and
  // again every 20 s, so that others see it for as long as the page is open.
  setPresence(presence) {
    this.presence = presence;
    this.send({ presence });
    clearInterval(this.presenceTimer);
    if (presence && presence.incident) {
      this.presenceTimer = setInterval(() => this.send({ presence: this.presence }), PRESENCE_REFRESH_MS);
    }
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let socket;
    try {
      socket = new WebSocket(`${scheme}//${location.host}/api/v1/live`);
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => this.opened());
    socket.addEventListener("message", (event) => this.received(event.data));
    socket.addEventListener("close", (event) => this.closed(event));
  }

  opened() {
    this.retryMs = 1000;
    this.subscribe();
    if (this.presence) this.send({ presence: this.presence });
    const again = this.everConnected;
    this.everConnected = true;
    this.setState(true);
    if (again) this.emit("reconnected", null, null);
  }

  closed(event) {
    this.socket = null;
    this.setState(false);
    if (event.code === 1008) {
      // Refused or ended credential: whoami sends to the login page when it is so.
      whoami().catch(() => {});
    }
    this.retry();
  }

  retry() {
    setTimeout(() => this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  received(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame.hello) this.connection = frame.hello.connection;
    else if (frame.topic) this.emit(frame.topic, frame.payload, frame);
    else if (frame.present) this.emit("present", frame.present, frame);
    else if (frame.dropped) this.emit("dropped", frame.dropped, frame);
    else if (frame.error && frame.error.type === "session_ended") toLogin();
  }

  emit(topic, payload, frame) {
    for (const handler of this.handlers.get(topic) || []) {
      try {
        handler(payload, frame);
      } catch (error) {
        console.warn("live handler failed", topic, error);
      }
    }
  }

  subscribe() {
    const special = new Set(["present", "dropped", "reconnected"]);
    const topics = [...this.handlers.keys()].filter(
      (topic) => !special.has(topic) && this.handlers.get(topic).size > 0,
    );
    if (this.handlers.has("present") && this.handlers.get("present").size && !topics.includes("presence")) {
      topics.push("presence");
    }
    this.send({ subscribe: topics });
  }

  send(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
    }
  }

  setState(connected) {
    this.connected = connected;
    for (const handler of this.stateHandlers) handler(connected);
  }
}

export const live = new Live();

// Run `refresh` every `ms` while the live feed is down, so that the page stays
// current without it; returns a function that stops it.
export function pollWhileDown(refresh, ms = 5000) {
  const timer = setInterval(() => {
    if (!live.connected) refresh();
  }, ms);
  return () => clearInterval(timer);
}
