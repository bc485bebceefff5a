// Sequencer: tempo, swing, density, scale, start/stop, chaos lock, who decides the mode
// (each a /seq/... message), the mode playing, the current step, the last cues. Values
// changed elsewhere (OSC, MIDI, mutation) move the controls the user is not on.
let hub;
const box = document.getElementById("seq");

export function init(h) {
  hub = h;
  box.innerHTML = `
    <label>Tempo <input id="seq-bpm" type="number" min="20" max="300" step="1"> BPM</label>
    <label>Swing <input id="seq-swing" type="range" min="0" max="0.75" step="0.01" value="0"></label>
    <label>Density <input id="seq-density" type="range" min="0" max="1" step="0.01" value="1"></label>
    <label>Scale <input id="seq-scale" type="text" size="10"></label>
    <button id="seq-start" type="button">Start</button> <button id="seq-stop" type="button">Stop</button>
    <label><input id="seq-lock" type="checkbox"> Chaos lock</label>
    <label>Mode <select id="seq-policy">
      <option value="auto">auto (idle decides)</option><option value="active">active</option><option value="ambient">ambient</option>
    </select></label>
    <p>Playing <output id="seq-mode">–</output>, step <output id="seq-step">–</output>, bar <output id="seq-bar">–</output></p>
    <div class="steps" id="seq-steps" aria-hidden="true"></div>
    <h3>Last cues</h3><ul id="seq-cues" aria-live="polite"></ul>`;
  const $ = (id) => document.getElementById(id);
  $("seq-bpm").onchange = (e) => hub.send("/seq/bpm", [+e.target.value]);
  $("seq-swing").oninput = (e) => hub.send("/seq/swing", [+e.target.value], { coalesce: true });
  $("seq-density").oninput = (e) => hub.send("/seq/density", [+e.target.value], { coalesce: true });
  $("seq-scale").onchange = (e) => hub.send("/seq/scale", [e.target.value]);
  $("seq-start").onclick = () => hub.send("/seq/start");
  $("seq-stop").onclick = () => hub.send("/seq/stop");
  $("seq-lock").onchange = (e) => hub.send("/seq/lock", [e.target.checked ? 1 : 0]);
  $("seq-policy").onchange = (e) => hub.send("/seq/mode", [e.target.value]);
  for (let i = 0; i < 16; i++) $("seq-steps").append(document.createElement("span"));
  hub.on("state", (s) => {
    $("seq-mode").textContent = s.mode ?? "no sequence";
    if (document.activeElement !== $("seq-policy") && s.mode_policy) $("seq-policy").value = s.mode_policy;
    if (document.activeElement !== $("seq-scale")) $("seq-scale").value = s.scale ?? "";
    follow("seq-bpm", s.tempo, (v) => Math.round(v));
    follow("seq-swing", s.swing);
    follow("seq-density", s.density);
    if (document.activeElement !== $("seq-lock") && s.chaos_lock != null) $("seq-lock").checked = s.chaos_lock;
    (s.cues || []).slice(-8).forEach(addCue);
  });
  hub.on("levels", (m) => {
    const mv = m.moving || {};
    follow("seq-bpm", mv.tempo, (v) => Math.round(v));
    $("seq-step").textContent = mv.step ?? "–";
    $("seq-bar").textContent = mv.bar ?? "–";
    [...$("seq-steps").children].forEach((s, i) => s.classList.toggle("now", mv.step != null && mv.step % 16 === i));
  });
  hub.on("cue", addCue);
}

// Shows a value changed elsewhere in a control, unless the user is on it (as params.js).
function follow(id, value, shape = (v) => v) {
  const input = document.getElementById(id);
  if (value == null || document.activeElement === input) return;
  input.value = shape(value);
}

const seen = new Set();
function addCue(c) {
  if (["note", "param"].includes(c.type) || seen.has(c.seq)) return;
  seen.add(c.seq);
  const list = document.getElementById("seq-cues");
  const li = document.createElement("li");
  li.textContent = Object.entries(c).filter(([k]) => !["seq", "time_ms"].includes(k)).map(([k, v]) => `${k}: ${v}`).join(", ");
  list.prepend(li);
  while (list.children.length > 8) list.lastChild.remove();
}
