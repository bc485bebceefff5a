// Meters and health: peak/RMS per output (20 Hz), DSP load, xruns, voices per
// instrument, backends and clock.
let hub;
const meters = document.getElementById("meters");
const health = document.getElementById("health");

export function init(h) {
  hub = h;
  hub.on("levels", (m) => {
    while (meters.children.length < m.levels.length) {
      const d = document.createElement("div");
      d.className = "meter"; d.setAttribute("role", "meter");
      d.setAttribute("aria-label", `output ${meters.children.length + 1}`);
      d.setAttribute("aria-valuemin", "0"); d.setAttribute("aria-valuemax", "1");
      d.innerHTML = "<i></i><b></b>";
      meters.append(d);
    }
    m.levels.forEach((l, i) => {
      const d = meters.children[i];
      d.firstChild.style.width = `${Math.min(100, l.rms * 100)}%`;
      d.lastChild.style.left = `${Math.min(100, l.peak * 100)}%`;
      d.setAttribute("aria-valuenow", l.peak.toFixed(3));
    });
    const mv = m.moving || {};
    const s = hub.state || {};
    const inst = (s.instruments || []).map((x, i) => `${x.id} ${mv.instrument_voices?.[i] ?? x.voices}/${x.polyphony}`).join(", ");
    row("DSP load", `${(m.dsp_load * 100).toFixed(1)} %`);
    row("Xruns", mv.xruns ?? s.xruns);
    row("Voices", `${mv.voices ?? s.voices} (${inst})`);
    row("Backends", (s.backends || []).map((b) => `${b.name} ${b.up ? "up" : "down"}`).join(", "));
    row("Clock", s.clock);
    row("Outputs", (s.outputs || []).join(", "));
  });
}

function row(name, value) {
  let dd = health.querySelector(`dd[data-k="${name}"]`);
  if (!dd) {
    const dt = document.createElement("dt"); dt.textContent = name;
    dd = document.createElement("dd"); dd.dataset.k = name;
    health.append(dt, dd);
  }
  dd.textContent = value ?? "–";
}
