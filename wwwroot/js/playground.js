// Playground and Finetune page glue: presets, tools upload, carrying the tools to the Finetune page, the time
// estimate and provider fields. Error partials (4xx with HTML) are swapped in like successes, so errors show inline.
(function () {
  "use strict";
  const KEY = "needle.tools";

  document.addEventListener("htmx:beforeSwap", (e) => {
    const xhr = e.detail.xhr;
    const type = xhr.getResponseHeader("Content-Type") || "";
    if (xhr.status >= 400 && xhr.status < 600 && type.startsWith("text/html")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  function fire(el) { el.dispatchEvent(new Event("input", { bubbles: true })); }

  function initPlayground() {
    const tools = document.getElementById("tools");
    if (!tools) return;
    const saved = localStorage.getItem(KEY);
    if (saved) tools.value = saved;
    tools.addEventListener("input", () => localStorage.setItem(KEY, tools.value));
    document.querySelectorAll("[data-preset]").forEach((b) => b.addEventListener("click", () => {
      tools.value = b.dataset.tools;
      localStorage.setItem(KEY, tools.value);
      const q = document.getElementById("query");
      q.value = b.dataset.query;
      document.querySelectorAll("[data-preset]").forEach((x) => x.classList.toggle("selected", x === b));
      fire(tools);
      q.focus();
    }));
    const file = document.getElementById("tools-file");
    if (file) file.addEventListener("change", async () => {
      const f = file.files[0];
      if (!f) return;
      const text = await f.text();
      try { JSON.parse(text); } catch { window.needle.toast("Invalid JSON file: " + f.name); file.value = ""; return; }
      tools.value = text;
      localStorage.setItem(KEY, text);
      fire(tools);
      file.value = "";
    });
  }

  function initFinetune() {
    const form = document.getElementById("finetune-form");
    if (!form) return;
    const tools = document.getElementById("ft-tools");
    const saved = localStorage.getItem(KEY);
    if (saved) tools.value = saved;
    tools.addEventListener("input", () => localStorage.setItem(KEY, tools.value));
    const provider = document.getElementById("provider");
    const showFields = () => form.querySelectorAll(".provider-fields").forEach((d) => {
      d.hidden = !d.dataset.for.split(" ").includes(provider.value);
    });
    provider.addEventListener("change", showFields);
    showFields();

    const measured = parseFloat(form.dataset.tps) || 0;
    const tps = measured > 0 ? measured : 1500;
    const estimate = document.getElementById("estimate");
    const update = () => {
      let n = 1;
      try { const t = JSON.parse(tools.value); n = Array.isArray(t) ? Math.max(1, t.length) : (t.tools || t.functionDeclarations || [t]).length; } catch { /* keep 1 */ }
      const per = +form.examplesPerTool.value || 0, epochs = +form.epochs.value || 1;
      const examples = per * n;
      const trainTokens = examples * 0.8 * 48 * epochs;
      const evalSeconds = 2 * Math.min(examples, n * 10) * 0.1;
      const s = trainTokens / tps + evalSeconds + 5;
      estimate.textContent = "Estimate: " + examples + " examples, about " + (s < 90 ? Math.round(s) + " s" : Math.round(s / 60) + " min") +
        " on this machine";
    };
    form.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", () => { initPlayground(); initFinetune(); });
})();
