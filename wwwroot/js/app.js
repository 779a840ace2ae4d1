// Playground browser glue: htmx does the partial updates; this file adds what htmx cannot:
// the antiforgery header, error toasts, local times, upload progress and the live loss chart (SignalR + uPlot).
(function () {
  "use strict";
  const needle = (window.needle = window.needle || {});

  // --- antiforgery: every htmx request carries the page's token as a header -------------------------------------
  const tokenMeta = document.querySelector('meta[name="needle-antiforgery"]');
  document.addEventListener("htmx:configRequest", (e) => {
    if (tokenMeta) e.detail.headers["RequestVerificationToken"] = tokenMeta.content;
  });

  // --- toasts: server errors arrive as {"error": "..."} ---------------------------------------------------------
  needle.toast = function (message) {
    let box = document.getElementById("toast");
    if (!box) {
      box = document.createElement("div");
      box.id = "toast";
      box.className = "toast";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.innerHTML = "";
    const text = document.createElement("span");
    text.textContent = message.charAt(0).toUpperCase() + message.slice(1);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    close.onclick = () => box.remove();
    box.append(text, close);
    clearTimeout(needle._toastTimer);
    needle._toastTimer = setTimeout(() => box.remove(), 8000);
  };
  document.addEventListener("htmx:responseError", (e) => {
    const xhr = e.detail.xhr;
    let message = "Server error " + xhr.status;
    try { message = JSON.parse(xhr.responseText).error || message; } catch { /* not JSON */ }
    needle.toast(message);
  });
  document.addEventListener("htmx:sendError", () => needle.toast("Lost connection to the server"));

  // --- local times -------------------------------------------------------------------------------------------
  function localizeTimes(root) {
    root.querySelectorAll("time[data-local]").forEach((t) => {
      const d = new Date(t.getAttribute("datetime"));
      if (isNaN(d)) return;
      // Today: the time alone; otherwise a short date too.
      const today = d.toDateString() === new Date().toDateString();
      t.textContent = today
        ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })
        : d.toLocaleString([], { month: "short", day: "numeric", year: "numeric", hour: "2-digit", minute: "2-digit" });
      t.title = d.toString();
    });
  }

  // --- upload progress ---------------------------------------------------------------------------------------
  document.addEventListener("htmx:xhr:progress", (e) => {
    const bar = e.target.querySelector && e.target.querySelector(".upload-progress");
    if (bar && e.detail.lengthComputable) {
      bar.hidden = false;
      bar.value = (e.detail.loaded / e.detail.total) * 100;
    }
  });

  document.addEventListener("htmx:afterRequest", (e) => {
    const bar = e.target.querySelector && e.target.querySelector(".upload-progress");
    if (bar) { bar.hidden = true; bar.value = 0; }
  });

  // --- the job page: loss chart from history, then live over SignalR ---------------------------------------------
  const FINAL = ["succeeded", "failed", "cancelled", "interrupted"];

  function lossChart(el) {
    const points = { train: new Map(), val: new Map() };
    JSON.parse(el.dataset.points || "[]").forEach(([series, step, value]) => points[series] && points[series].set(step, value));
    const css = getComputedStyle(document.documentElement);
    const opts = {
      width: Math.max(el.clientWidth - 2, 300),
      height: 260,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false } },
      axes: [
        { label: "step", stroke: css.getPropertyValue("--muted"), grid: { stroke: css.getPropertyValue("--line") },
          incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000] },
        { label: "loss", stroke: css.getPropertyValue("--muted"), grid: { stroke: css.getPropertyValue("--line") } },
      ],
      series: [
        {},
        { label: "train", stroke: "#4f46e5", width: 2, spanGaps: true },
        { label: "val", stroke: "#f59e0b", width: 2, spanGaps: true, points: { show: true, size: 6 } },
      ],
    };
    const plot = new uPlot(opts, [[], [], []], el);
    const count = document.getElementById("point-count");

    function redraw() {
      const steps = Array.from(new Set([...points.train.keys(), ...points.val.keys()])).sort((a, b) => a - b);
      plot.setData([steps, steps.map((s) => points.train.get(s) ?? null), steps.map((s) => points.val.get(s) ?? null)]);
      if (count) count.textContent = points.train.size;
    }
    redraw();
    window.addEventListener("resize", () => plot.setSize({ width: Math.max(el.clientWidth - 2, 300), height: 260 }));
    return {
      plot,
      add(series, step, value) { if (points[series]) { points[series].set(step, value); redraw(); } },
      // History merged with what already arrived live (never cleared: live points may be newer than the fetch).
      merge(list) { list.forEach((p) => points[p.series] && points[p.series].set(p.step, p.value)); redraw(); },
      trainPoints: () => points.train.size,
    };
  }

  async function followJob(el, chart) {
    const jobId = el.dataset.jobId;
    const log = document.getElementById("job-log");
    let lastSeq = Number(log?.dataset.lastSeq || 0);
    const appendLog = (seq, line) => {
      if (!log || seq <= lastSeq) return;
      lastSeq = seq;
      log.textContent += (log.textContent ? "\n" : "") + line;
      log.scrollTop = log.scrollHeight;
    };
    const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/jobs").withAutomaticReconnect().build();
    needle.connection = connection;
    connection.on("jobEvent", (e) => {
      if (e.jobId !== jobId) return;
      switch (e.type) {
        case "point": chart.add(e.series, e.step, e.value); break;
        case "log": appendLog(e.seq, e.line); break;
        case "phase": document.getElementById("job-phase").textContent = e.phase; break;
        case "status": {
          const badge = document.querySelector("#job-status .badge");
          if (badge) { badge.textContent = e.status; badge.className = "badge status-" + e.status; badge.dataset.status = e.status; }
          el.dataset.status = e.status;
          // Buttons, metrics and timings come from the server: show the finished page.
          if (FINAL.includes(e.status)) setTimeout(() => location.reload(), 600);
          break;
        }
        case "metrics": break;
      }
    });
    try {
      await connection.start();
      await connection.invoke("Follow", jobId);
      // Anything that happened between rendering the page and following the group: take it from history.
      const res = await fetch("/api/jobs/" + encodeURIComponent(jobId), { headers: { Accept: "application/json" } });
      if (res.ok) {
        const detail = await res.json();
        chart.merge(detail.points);
        detail.log.forEach((l) => appendLog(l.seq, l.line));
        if (FINAL.includes(detail.job.status) && !FINAL.includes(el.dataset.status)) location.reload();
      }
    } catch (err) {
      needle.toast("Live updates are unavailable: " + err);
    }
  }

  // A running job's duration ticks in the browser.
  function tickDuration() {
    const el = document.querySelector("[data-running-since]");
    if (!el) return;
    const since = new Date(el.dataset.runningSince);
    setInterval(() => {
      if (!el.dataset.runningSince) return;
      const s = (Date.now() - since) / 1000;
      el.textContent = s < 60 ? s.toFixed(1) + " s" : Math.floor(s / 60) + " min " + Math.floor(s % 60) + " s";
    }, 500);
  }

  function init(root) {
    tickDuration();
    localizeTimes(root);
    const el = root.querySelector ? root.querySelector("#loss-chart[data-job-id]") : null;
    if (el && typeof uPlot === "function") {
      needle.chart = lossChart(el);
      // True when the server rendered this page after the job ended (tests wait for it: a live page reloads once).
      needle.finalOnLoad = FINAL.includes(el.dataset.status);
      if (!FINAL.includes(el.dataset.status) && typeof signalR === "object") followJob(el, needle.chart);
    }
  }

  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:afterSwap", (e) => localizeTimes(e.target));
})();
