// Play: an on-screen octave and a half (mouse, touch, computer keys A W S E D F T G Y H
// U J K), velocity, the instrument to play, and panic.
let hub;
const keys = document.getElementById("keys");
const inst = document.getElementById("instrument");
const vel = document.getElementById("velocity");
const BASE = 60;
const COMPUTER = "awsedftgyhujk";
const NAMES = ["C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B"];
const down = new Set();

export function init(h) {
  hub = h;
  for (let i = 0; i < 13; i++) {
    const note = BASE + i;
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.note = note;
    b.className = NAMES[note % 12].includes("♯") ? "black" : "white";
    b.textContent = NAMES[note % 12];
    b.setAttribute("aria-label", `${NAMES[note % 12]}${Math.floor(note / 12) - 1} (key ${COMPUTER[i].toUpperCase()})`);
    b.onpointerdown = (e) => { e.preventDefault(); b.setPointerCapture?.(e.pointerId); on(note); };
    b.onpointerup = b.onpointercancel = () => off(note);
    b.onkeydown = (e) => { if ((e.key === " " || e.key === "Enter") && !e.repeat) { e.preventDefault(); on(note); } };
    b.onkeyup = (e) => { if (e.key === " " || e.key === "Enter") off(note); };
    keys.append(b);
  }
  document.getElementById("panic").onclick = () => { down.clear(); hub.send("/note/panic"); };
  window.addEventListener("keydown", (e) => {
    const i = COMPUTER.indexOf(e.key.toLowerCase());
    if (i < 0 || e.repeat || e.ctrlKey || e.metaKey || /INPUT|SELECT|TEXTAREA/.test(e.target.tagName)) return;
    on(BASE + i);
  });
  window.addEventListener("keyup", (e) => {
    const i = COMPUTER.indexOf(e.key.toLowerCase());
    if (i >= 0) off(BASE + i);
  });
  hub.on("modules", () => {
    const was = inst.value;
    inst.innerHTML = "";
    (hub.state?.instruments || []).forEach(({ id }) => inst.add(new Option(id, id)));
    if ([...inst.options].some((o) => o.value === was)) inst.value = was;
  });
}

function on(note) {
  if (down.has(note)) return;
  down.add(note);
  keys.querySelector(`[data-note="${note}"]`)?.classList.add("on");
  hub.send("/note/on", [note, +vel.value, inst.value].filter((a) => a !== ""));
}

function off(note) {
  if (!down.delete(note)) return;
  keys.querySelector(`[data-note="${note}"]`)?.classList.remove("on");
  hub.send("/note/on", [note, 0, inst.value].filter((a) => a !== ""));
}
