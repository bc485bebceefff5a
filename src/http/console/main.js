// The console's hub: one WebSocket (/api/ws) with auto-reconnect, the state it pushes,
// and a send() for OSC-as-JSON, rate-limited below the server's limit. Each view is a
// module that gets this hub.
import * as graph from "./graph.js";
import * as params from "./params.js";
import * as keyboard from "./keyboard.js";
import * as sequencer from "./sequencer.js";
import * as meters from "./meters.js";
import * as patches from "./patches.js";

const views = [graph, params, keyboard, sequencer, meters, patches];
const conn = document.getElementById("conn");
let socket = null;
let lastRevision = null;
const listeners = {};

// Messages per second the page sends at most (the server's default is 20/s, burst 40).
const MAX_PER_SECOND = 15;
let tokens = MAX_PER_SECOND;
setInterval(() => { tokens = MAX_PER_SECOND; flushPending(); }, 1000);
const pending = new Map(); // address -> message, coalesced while out of tokens

export const hub = {
  on(type, fn) { (listeners[type] ||= []).push(fn); },
  emit(type, data) { (listeners[type] || []).forEach((fn) => fn(data)); },
  // Sends {address, args}; when the budget is spent, only the latest per address waits.
  send(address, args = [], { coalesce = false } = {}) {
    const msg = { address, args };
    if (tokens <= 0 || !socket || socket.readyState !== 1) {
      if (coalesce || !socket || socket.readyState !== 1) pending.set(address, msg);
      return;
    }
    tokens -= 1;
    socket.send(JSON.stringify(msg));
  },
  state: null,
  revision: null,
};

function flushPending() {
  for (const [addr, msg] of pending) {
    if (tokens <= 0 || !socket || socket.readyState !== 1) return;
    pending.delete(addr);
    tokens -= 1;
    socket.send(JSON.stringify(msg));
  }
}

function connect() {
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/ws`);
  socket.onopen = () => {
    // A restarted server may be at the same revision with another patch: redraw anyway.
    lastRevision = null;
    conn.textContent = "connected"; conn.className = "up"; flushPending();
  };
  socket.onclose = () => {
    conn.textContent = "disconnected, reconnecting…"; conn.className = "down";
    setTimeout(connect, 1000);
  };
  socket.onerror = () => {};
  socket.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === "state") {
      hub.state = m.state;
      if (m.state.revision !== lastRevision) {
        lastRevision = m.state.revision;
        hub.revision = lastRevision;
        hub.emit("revision", lastRevision);
      }
    }
    // The counters (watchdog, overload, backends' figures...) come with the levels every
    // 250 ms rather than in a whole state: keep the state current with them.
    if (m.type === "levels" && hub.state && m.moving) Object.assign(hub.state, m.moving);
    // "state", "cue" and "replies" carry their payload under their type; "levels" and
    // "error" are the message itself.
    hub.emit(m.type, ["state", "cue", "replies"].includes(m.type) ? m[m.type] : m);
  };
}

views.forEach((v) => v.init(hub));
connect();
