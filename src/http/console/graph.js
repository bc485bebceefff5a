// Patch view: the server's SVG (/api/patch.svg, drawn from `chronus graph`'s DOT),
// redrawn on every new revision; a module's text selects it.
let hub;
const box = document.getElementById("graph");
const rev = document.getElementById("revision");

export function init(h) {
  hub = h;
  hub.on("revision", draw);
  hub.on("select", mark);
  hub.on("modules", mark);
}

async function draw(revision) {
  const text = await (await fetch(`/api/patch.svg?r=${revision}`)).text();
  box.innerHTML = text;
  box.dataset.revision = revision;
  rev.textContent = `revision ${revision}`;
  mark();
}

function mark() {
  const ids = hub.modules ? Object.keys(hub.modules) : [];
  box.querySelectorAll("text").forEach((t) => {
    const id = t.textContent.trim();
    if (!ids.includes(id)) return;
    t.classList.add("module");
    t.classList.toggle("selected", id === hub.selected);
    t.setAttribute("tabindex", "0");
    t.setAttribute("role", "button");
    t.onclick = () => hub.emit("select", id);
    t.onkeydown = (e) => { if (e.key === "Enter") hub.emit("select", id); };
  });
}
