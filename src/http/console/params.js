// Parameters: the selected module's controls, built from the registry's ParamSpecs
// (/api/modules) and the running patch's values (/api/patch.json); moving one sends
// /mod/ID/PARAM; param cues (from MIDI, OSC, mutation...) move them.
let hub, specs = {};
const box = document.getElementById("params");
const title = document.getElementById("module-title");
const select = document.getElementById("module-select");

export function init(h) {
  hub = h;
  fetch("/api/modules").then((r) => r.json()).then((list) => {
    list.forEach((m) => { specs[m.kind] = m; });
    if (hub.revision !== null) load();
  });
  hub.on("revision", () => { if (Object.keys(specs).length) load(); });
  hub.on("select", show);
  hub.on("cue", (c) => { if (c.type === "param") live(c.name, c.value); });
  select.onchange = () => hub.emit("select", select.value);
}

async function load() {
  const { patch } = await (await fetch("/api/patch.json")).json();
  const modules = {};
  const templates = { ...(patch.instruments || {}) };
  if (patch.voice) templates.voice = patch.voice;
  for (const [inst, desc] of Object.entries(templates)) {
    for (const [id, m] of Object.entries(desc.modules || {})) modules[id] = { ...m, instrument: inst };
  }
  for (const [id, m] of Object.entries(patch.modules || {})) modules[id] = m;
  hub.modules = modules;
  hub.patch = patch;
  select.innerHTML = "";
  Object.keys(modules).forEach((id) => select.add(new Option(`${id} (${modules[id].kind})`, id)));
  hub.emit("modules", modules);
  const keep = hub.selected && modules[hub.selected] ? hub.selected : firstFilter(modules);
  hub.emit("select", keep);
}

function firstFilter(modules) {
  const ids = Object.keys(modules);
  return ids.find((id) => (specs[modules[id].kind]?.params || []).some((p) => p.id === "cutoff")) ?? ids[0];
}

// Taper: a 0..1000 slider position <-> value.
const toValue = (p, pos) => {
  const [lo, hi] = p.range; const x = pos / 1000;
  return p.taper === "logarithmic" && lo > 0 ? lo * Math.pow(hi / lo, x) : lo + (hi - lo) * x;
};
const toPos = (p, v) => {
  const [lo, hi] = p.range;
  const x = p.taper === "logarithmic" && lo > 0 ? Math.log(v / lo) / Math.log(hi / lo) : (v - lo) / (hi - lo);
  return Math.round(1000 * Math.min(1, Math.max(0, x)));
};
const fmt = (p, v) => (typeof v === "number" ? `${+v.toPrecision(4)} ${p.unit || ""}` : String(v));

function show(id) {
  if (!hub.modules || !hub.modules[id]) return;
  hub.selected = id;
  select.value = id;
  const m = hub.modules[id];
  title.textContent = `${id} (${m.kind})`;
  box.innerHTML = "";
  for (const p of specs[m.kind]?.params || []) {
    const value = m.params?.[p.id] ?? p.default;
    const row = document.createElement("div");
    row.className = "param";
    const label = document.createElement("label");
    const cid = `param-${id}-${p.id}`;
    label.htmlFor = cid; label.textContent = p.name; label.title = p.doc;
    const out = document.createElement("output");
    out.htmlFor = cid;
    let input;
    if (p.kind === "float") {
      input = document.createElement("input");
      input.type = "range"; input.min = 0; input.max = 1000; input.value = toPos(p, value);
      const send = () => {
        const v = toValue(p, +input.value);
        out.textContent = fmt(p, v); input.setAttribute("aria-valuetext", out.textContent);
        hub.send(`/mod/${id}/${p.id}`, [v], { coalesce: true });
      };
      input.oninput = send;
      input.setter = (v) => { input.value = toPos(p, v); out.textContent = fmt(p, v); };
    } else if (p.kind === "int") {
      input = document.createElement("input");
      input.type = "number"; input.step = 1; [input.min, input.max] = p.range || ["", ""]; input.value = value;
      input.onchange = () => { out.textContent = input.value; hub.send(`/mod/${id}/${p.id}`, [Math.round(+input.value)]); };
      input.setter = (v) => { input.value = v; out.textContent = v; };
    } else if (p.kind === "bool") {
      input = document.createElement("input");
      input.type = "checkbox"; input.checked = !!value;
      input.onchange = () => hub.send(`/mod/${id}/${p.id}`, [input.checked ? 1 : 0]);
      input.setter = (v) => { input.checked = !!v; };
    } else if (p.kind === "enum") {
      input = document.createElement("select");
      (p.variants || []).forEach((n) => input.add(new Option(n, n)));
      input.value = value;
      input.onchange = () => hub.send(`/mod/${id}/${p.id}`, [input.value]);
      input.setter = (v) => { input.value = v; };
    } else {
      input = document.createElement("input");
      input.type = "text"; input.readOnly = true; input.value = value ?? "";
      input.setter = (v) => { input.value = v; };
    }
    input.id = cid; input.dataset.param = `${id}.${p.id}`;
    row.append(label, input, out);
    input.setter(value);
    box.append(row);
  }
}

function live(name, value) {
  const [id, param] = name.split(".");
  if (hub.modules?.[id]) (hub.modules[id].params ||= {})[param] = value;
  const input = box.querySelector(`[data-param="${CSS.escape(name)}"]`);
  if (input && document.activeElement !== input) input.setter(value);
}
