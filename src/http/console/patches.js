// Patches: the patch folder (/api/patches), load and save through /patch/load and
// /patch/save (the OSC folder rules), errors with their file positions.
let hub;
const list = document.getElementById("patch-list");
const err = document.getElementById("patch-error");
const name = document.getElementById("patch-name");

export function init(h) {
  hub = h;
  refresh();
  document.getElementById("load").onclick = () => { err.textContent = ""; hub.send("/patch/load", [list.value]); };
  document.getElementById("save").onclick = () => {
    const n = document.getElementById("save-name").value.trim();
    if (n) { err.textContent = ""; hub.send("/patch/save", [n]); }
  };
  hub.on("error", (m) => { err.textContent = `${m.address ?? ""}: ${m.error}`; });
  hub.on("replies", (r) => { if (r.some((x) => x.address === "/patch/saved")) refresh(); });
  hub.on("state", (s) => { name.textContent = s.patch; });
}

async function refresh() {
  const { patches } = await (await fetch("/api/patches")).json();
  const was = list.value;
  list.innerHTML = "";
  patches.forEach((p) => list.add(new Option(p, p)));
  if (patches.includes(was)) list.value = was;
}
