/* The AutoML view: fills the page shell from the view's JSON API (airflow_provider_automl/ui/api.py).
 * Plain browser JavaScript, no build step; charts with the vendored Chart.js. Every value from the
 * API reaches the DOM as text (textContent), never as HTML. */
(function () {
  "use strict";

  const body = document.body;
  const ROOT = body.dataset.root || "";
  const AIRFLOW_ROOT = body.dataset.airflowRoot || "";
  const PAGE = body.dataset.page;
  const REFRESH_MS = 15000; // while a job runs
  const MAX_TIMELINE_CANDIDATES = 40;
  const MAX_LABELLED_BARS = 30; // beyond, the axis skips labels
  const COLORS = {
    bar: "rgba(1, 126, 168, 0.75)",
    best: "rgba(0, 137, 80, 0.85)",
    muted: "rgba(140, 150, 160, 0.6)",
    phase: ["rgba(110, 84, 148, 0.7)", "rgba(1, 126, 168, 0.75)", "rgba(204, 122, 0, 0.75)"],
    task: "rgba(90, 90, 90, 0.55)",
  };
  const charts = {}; // canvas id -> Chart, so a refresh replaces instead of stacking
  let refreshTimer = null;

  // -- small helpers ----------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function fmtNumber(value, digits) {
    if (value === null || value === undefined) return "–";
    if (Math.abs(value) >= 1000 || Number.isInteger(value)) return value.toLocaleString("en-US");
    return value.toFixed(digits === undefined ? 4 : digits);
  }

  function fmtSeconds(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }

  function fmtTime(iso) {
    if (!iso) return "–";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  }

  function fmtRange(start, end) {
    const a = fmtTime(start);
    const b = fmtTime(end);
    // The same day: the end shows its time only.
    return a.slice(0, 10) === b.slice(0, 10) ? `${a} → ${b.slice(11)}` : `${a} → ${b}`;
  }

  function fmtBytes(size) {
    if (size < 1024) return `${size} B`;
    if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
    return `${(size / 1024 / 1024).toFixed(1)} MiB`;
  }

  function statusBadge(status) {
    const kind = { Completed: "ok", Failed: "bad", Stopped: "warn", Stopping: "warn", InProgress: "run" }[status];
    return el("span", { class: `badge ${kind || ""}`, "data-status": status || "" }, status || "Unknown");
  }

  function link(href, text, external) {
    if (!href) return el("span", {}, text);
    return el("a", { href, target: external ? "_blank" : "_top", rel: external ? "noopener noreferrer" : null }, text);
  }

  function airflowTaskUrl(task, tab) {
    const parts = ["dags", task.dag_id, "runs", task.run_id, "tasks", task.task_id].map(encodeURIComponent);
    let path = `${AIRFLOW_ROOT}/${parts.join("/")}`;
    if (task.map_index !== undefined && task.map_index >= 0) path += `/mapped/${task.map_index}`;
    return tab ? `${path}/${tab}` : path;
  }

  // Candidate names start with the job's name: charts show the rest, tooltips the whole name.
  function shortName(name, jobName) {
    return jobName && name.startsWith(`${jobName}-`) ? name.slice(jobName.length + 1) : name;
  }

  function section(title, id, ...children) {
    return el("section", { id, class: "card" }, el("h2", {}, title), ...children);
  }

  function message(text, kind) {
    return el("p", { class: `message ${kind || ""}` }, text);
  }

  async function getJson(path) {
    const response = await fetch(`${ROOT}${path}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok) {
      const detail = data && data.detail ? (typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail)) : response.statusText;
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function showError(container, err, what) {
    container.replaceChildren();
    if (err.status === 401) {
      const login = `${AIRFLOW_ROOT}/api/v2/auth/login?next=${encodeURIComponent(window.top.location.href)}`;
      container.append(message("You are not signed in to Airflow. ", "error"), link(login, "Sign in"));
    } else if (err.status === 403) {
      container.append(message(`Access denied: your Airflow role may not read ${what}.`, "error refused"));
    } else if (err.status === 404) {
      container.append(message(err.message, "info"));
    } else {
      container.append(message(`Could not load ${what}: ${err.message}`, "error"));
    }
  }

  function chart(canvasId, config) {
    if (charts[canvasId]) charts[canvasId].destroy();
    const canvas = document.getElementById(canvasId);
    if (!canvas || !window.Chart) return null;
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options || {});
    charts[canvasId] = new window.Chart(canvas, config);
    return charts[canvasId];
  }

  function canvasBox(id, height, label) {
    return el("div", { class: "chart", style: `height:${height}px` }, el("canvas", { id, role: "img", "aria-label": label }));
  }

  // -- the job header ---------------------------------------------------------------------------

  function renderHeader(doc) {
    const job = doc.job;
    const facts = [
      ["Status", el("span", {}, statusBadge(job.status), " ", el("span", { class: "secondary", id: "secondary-status" }, job.secondary_status))],
      ["Problem", [job.problem_type_config, job.problem_type].filter(Boolean).join(" · ") || "–"],
      ["Objective", job.objective_metric || "–"],
      ["Candidates", Object.entries(doc.candidate_count).map(([k, v]) => (k === "total" ? `${v}` : `${k} ${v}`)).join(" · ")],
      ["Created", fmtTime(job.creation_time)],
      ["Ended", fmtTime(job.end_time)],
      ["Backend", doc.backend.kind === "local" ? "local backend" : `AWS ${doc.backend.region || ""}`],
      ["Connection", (doc.source && doc.source.aws_conn_id) || "boto3 default credentials"],
    ];
    if (doc.source && doc.source.task_id) {
      facts.push(["Task", link(airflowTaskUrl(doc.source), `${doc.source.dag_id} / ${doc.source.task_id}`)]);
    }
    if (job.endpoint) facts.push(["Endpoint", job.endpoint]);
    const header = el(
      "header",
      { class: "card job-header" },
      el("h1", { id: "job-name" }, job.name),
      doc.console_url ? el("p", {}, link(doc.console_url, "Open in the SageMaker console ↗", true)) : null,
      el("dl", { class: "facts" }, facts.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
    );
    if (job.failure_reason) header.append(message(`Failure: ${job.failure_reason}`, "error"));
    for (const reason of job.partial_failure_reasons || []) header.append(message(`Partial failure: ${reason}`, "warn"));
    for (const note of doc.notes || []) header.append(message(note, "info"));
    return header;
  }

  // -- timeline ---------------------------------------------------------------------------------

  function renderTimeline(doc) {
    const tl = doc.timeline;
    const rows = [];
    for (const [i, phase] of tl.phases.entries()) {
      rows.push({ label: phase.label + (phase.current ? " (now)" : ""), span: phase, color: COLORS.phase[i % 3], title: phase.statuses.join(", ") });
    }
    const shown = tl.candidates.slice(0, MAX_TIMELINE_CANDIDATES);
    for (const cand of shown) {
      rows.push({ label: shortName(cand.name, doc.job.name), span: cand, color: cand.status === "Completed" ? COLORS.bar : COLORS.muted, title: cand.status });
    }
    if (tl.task) rows.push({ label: tl.task.label, span: tl.task, color: COLORS.task, title: "Airflow task" });

    const events = el(
      "table",
      { class: "events", id: "timeline-events" },
      el("thead", {}, el("tr", {}, el("th", {}, "Time"), el("th", {}, "Event"), el("th", {}, "Status"), el("th", {}, "Secondary status"))),
      el(
        "tbody",
        {},
        tl.events.map((e) => el("tr", {}, el("td", {}, fmtTime(e.time)), el("td", {}, e.label), el("td", {}, statusBadge(e.status)), el("td", {}, e.secondary_status))),
        tl.phases.map((p) =>
          el("tr", { class: "phase-row" }, el("td", {}, fmtRange(p.start, p.end)), el("td", {}, `${p.label} (${fmtSeconds(p.duration)})`), el("td", {}, ""), el("td", { class: "muted" }, p.statuses.join(", "))),
        ),
      ),
    );
    const height = Math.max(120, 28 * rows.length + 50);
    const node = section(
      "Timeline",
      "timeline",
      canvasBox("timeline-chart", height, "Timeline of the job's phases and candidates"),
      events,
      tl.candidates.length > shown.length ? el("p", { class: "muted small" }, `The first ${shown.length} of ${tl.candidates.length} candidates are shown.`) : null,
      el("p", { class: "muted small" }, "SageMaker records a job's current secondary status only; the phases are derived from the job's and its candidates' start and end times."),
    );
    return {
      node,
      draw() {
        chart("timeline-chart", {
          type: "bar",
          data: {
            labels: rows.map((r) => r.label),
            datasets: [{ data: rows.map((r) => [r.span.offset, r.span.offset + Math.max(r.span.duration, 0.05)]), backgroundColor: rows.map((r) => r.color), borderSkipped: false }],
          },
          options: {
            indexAxis: "y",
            plugins: {
              legend: { display: false },
              tooltip: {
                callbacks: {
                  label: (ctx) => {
                    const row = rows[ctx.dataIndex];
                    return `${fmtSeconds(row.span.duration)} from ${fmtSeconds(row.span.offset)} · ${row.title}`;
                  },
                },
              },
            },
            scales: { x: { title: { display: true, text: "seconds since the job was created" } } },
          },
        });
      },
    };
  }

  // -- leaderboard ------------------------------------------------------------------------------

  function leaderboardColumns(board) {
    const objective = board.objective.name ? `${board.objective.name}${board.objective.type ? (board.objective.type === "Minimize" ? " ↓" : " ↑") : ""}` : "Objective";
    return [
      { key: "rank", label: "Rank", value: (r) => r.rank, numeric: true },
      { key: "name", label: "Candidate", value: (r) => r.name },
      { key: "objective", label: objective, value: (r) => r.objective, numeric: true, objective: true },
      ...board.columns.map((c) => ({ key: `metric:${c.key}`, label: c.key, value: (r) => (c.key in r.metrics ? r.metrics[c.key] : null), numeric: true })),
      { key: "status", label: "Status", value: (r) => r.status },
      { key: "training_seconds", label: "Training time", value: (r) => r.training_seconds, numeric: true, format: fmtSeconds },
      { key: "containers", label: "Containers", value: (r) => r.containers, numeric: true, format: (v) => (v === null ? "–" : String(v)) },
    ];
  }

  function compare(a, b, numeric) {
    // Missing values sort last in either direction.
    if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
    if (b === null || b === undefined) return -1;
    return numeric ? a - b : String(a).localeCompare(String(b));
  }

  function renderLeaderboard(doc, onSelect) {
    const board = doc.leaderboard;
    const columns = leaderboardColumns(board);
    const state = { key: "rank", direction: "ascending" };
    const table = el("table", { id: "leaderboard", class: "leaderboard" });
    const head = el("tr", {});
    const tbody = el("tbody", {});
    for (const column of columns) {
      const th = el(
        "th",
        { "data-sort-key": column.key, "aria-sort": column.key === state.key ? state.direction : "none", class: column.numeric ? "num" : "", scope: "col" },
        el("button", { type: "button", onclick: () => sortBy(column) }, column.label),
      );
      head.append(th);
    }
    table.append(el("thead", {}, head), tbody);

    function sortBy(column) {
      state.direction = state.key === column.key && state.direction === "ascending" ? "descending" : "ascending";
      state.key = column.key;
      fill();
    }

    function fill() {
      const column = columns.find((c) => c.key === state.key);
      const sign = state.direction === "ascending" ? 1 : -1;
      const rows = board.rows.slice().sort((a, b) => {
        const va = column.value(a);
        const vb = column.value(b);
        if (va === null || va === undefined || vb === null || vb === undefined) return compare(va, vb, column.numeric);
        return sign * compare(va, vb, column.numeric) || compare(a.rank, b.rank, true);
      });
      for (const th of head.children) th.setAttribute("aria-sort", th.dataset.sortKey === state.key ? state.direction : "none");
      tbody.replaceChildren(
        ...rows.map((row) =>
          el(
            "tr",
            { "data-candidate": row.name, class: row.best ? "best" : "", title: row.failure_reason || null, onclick: () => onSelect(row.name), tabindex: 0 },
            columns.map((c) => {
              const value = c.value(row);
              let content = c.format ? c.format(value) : c.numeric ? fmtNumber(value) : value === null ? "–" : value;
              if (c.key === "name") {
                const name = el("span", { title: value }, shortName(value, doc.job.name));
                content = row.best ? [el("span", { class: "star", title: "Best candidate" }, "★ "), name] : name;
              }
              if (c.key === "status") content = statusBadge(value);
              return el("td", { class: c.numeric ? "num" : "", "data-key": c.key }, content);
            }),
          ),
        ),
      );
    }
    fill();
    return section(
      "Candidate leaderboard",
      "leaderboard-section",
      el("p", { class: "muted small" }, `${board.rows.length} candidate(s). Click a column to sort, a row to see that candidate's containers and artifacts.`),
      el("div", { class: "scroll" }, table),
    );
  }

  // -- charts -----------------------------------------------------------------------------------

  // Candidates differ in the third decimal: the value axis starts near the smallest value, not at 0.
  function barOptions(values) {
    const finite = values.filter((v) => v !== null && v !== undefined);
    const low = Math.min(...finite);
    const high = Math.max(...finite);
    const pad = (high - low) * 0.25 || Math.abs(high) * 0.05 || 1;
    return {
      plugins: { legend: { display: false } },
      scales: {
        x: { ticks: { autoSkip: values.length > MAX_LABELLED_BARS, maxRotation: 50, minRotation: 30 } },
        y: { beginAtZero: false, suggestedMin: low - pad, suggestedMax: high + pad / 4 },
      },
    };
  }

  function renderCharts(doc) {
    const board = doc.leaderboard;
    const label = (row) => shortName(row.name, doc.job.name);
    const scored = board.rows.filter((r) => r.objective !== null);
    const select = el("select", { id: "metric-select", "aria-label": "Metric" }, board.columns.map((c) => el("option", { value: c.key }, c.key)));
    const node = section(
      "Charts",
      "charts",
      el(
        "div",
        { class: "chart-grid" },
        el("figure", {}, el("figcaption", {}, `${board.objective.name || "Objective"} by candidate (best first)`), canvasBox("objective-chart", 260, "Objective by candidate")),
        el(
          "figure",
          {},
          el("figcaption", {}, el("label", { for: "metric-select" }, "Metric: "), select),
          board.columns.length ? canvasBox("metric-chart", 260, "Chosen metric by candidate") : message("The candidates report no CandidateMetrics.", "info"),
        ),
      ),
    );
    function drawMetric() {
      const key = select.value;
      const rows = board.rows.filter((r) => r.metrics[key] !== undefined && r.metrics[key] !== null);
      chart("metric-chart", {
        type: "bar",
        data: { labels: rows.map(label), datasets: [{ label: key, data: rows.map((r) => r.metrics[key]), backgroundColor: rows.map((r) => (r.best ? COLORS.best : COLORS.bar)) }] },
        options: barOptions(rows.map((r) => r.metrics[key])),
      });
    }
    select.addEventListener("change", drawMetric);
    return {
      node,
      draw() {
        chart("objective-chart", {
          type: "bar",
          data: {
            labels: scored.map(label),
            datasets: [{ label: board.objective.name || "Objective", data: scored.map((r) => r.objective), backgroundColor: scored.map((r) => (r.best ? COLORS.best : COLORS.bar)) }],
          },
          options: barOptions(scored.map((r) => r.objective)),
        });
        if (board.columns.length) {
          const objectiveColumn = board.columns.find((c) => c.name === board.objective.name);
          select.value = objectiveColumn && board.columns.length > 1 ? board.columns.find((c) => c !== objectiveColumn).key : board.columns[0].key;
          drawMetric();
        }
      },
    };
  }

  // -- a candidate: containers and artifacts ----------------------------------------------------

  function containerTable(containers) {
    return el(
      "table",
      { class: "containers" },
      el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, "Image"), el("th", {}, "Model data"), el("th", {}, "Environment"))),
      el(
        "tbody",
        {},
        containers.map((c, i) =>
          el(
            "tr",
            {},
            el("td", {}, String(i + 1)),
            el("td", { class: "mono" }, c.image || "–"),
            el("td", { class: "mono" }, c.model_data_url || "–"),
            el("td", { class: "mono small" }, Object.entries(c.environment).map(([k, v]) => el("div", {}, `${k}=${v}`))),
          ),
        ),
      ),
    );
  }

  function renderCandidate(candidate, heading) {
    const parts = [el("p", {}, el("strong", { id: "candidate-name" }, candidate.name), " ", statusBadge(candidate.status), candidate.objective.name ? ` ${candidate.objective.name} = ${fmtNumber(candidate.objective.value)}` : "")];
    if (candidate.containers.length) parts.push(el("h3", {}, "Inference containers"), containerTable(candidate.containers));
    for (const [kind, containers] of Object.entries(candidate.container_definitions || {})) {
      parts.push(el("h3", {}, `Inference container definitions: ${kind}`), containerTable(containers));
    }
    parts.push(el("h3", {}, "Artifacts"), el("div", { id: "artifacts" }, message("Reading artifacts…", "muted")));
    return section(heading, "candidate", ...parts);
  }

  function renderArtifacts(container, data) {
    container.replaceChildren();
    if (!data.locations.length) {
      container.append(message("This candidate has no artifact locations.", "info"));
      return;
    }
    let chartIndex = 0;
    const draws = [];
    for (const location of data.locations) {
      const box = el("div", { class: "artifact", "data-kind": location.kind }, el("h4", {}, location.label), el("p", { class: "mono small" }, location.console_url ? link(location.console_url, location.uri, true) : location.uri));
      if (location.error) box.append(message(`Could not read: ${location.error}`, "warn"));
      if (location.files.length) {
        box.append(
          el(
            "ul",
            { class: "files" },
            location.files.map((f) => el("li", {}, f.console_url ? link(f.console_url, f.name, true) : el("span", { class: "mono" }, f.name), el("span", { class: "muted" }, ` ${fmtBytes(f.size)}`))),
          ),
        );
        if (location.truncated) box.append(message("More files than shown.", "muted"));
      } else if (!location.error) {
        box.append(message("No files under this prefix yet.", "muted"));
      }
      for (const file of location.files) {
        const rendered = file.rendered;
        if (!rendered) continue;
        if (rendered.type === "bars") {
          const id = `importance-chart-${chartIndex++}`;
          box.append(el("figure", {}, el("figcaption", {}, `${rendered.title} (${file.name})`), canvasBox(id, Math.max(140, 22 * rendered.items.length + 40), rendered.title)));
          draws.push(() =>
            chart(id, {
              type: "bar",
              data: { labels: rendered.items.map((i) => i.name), datasets: [{ label: rendered.title, data: rendered.items.map((i) => i.value), backgroundColor: COLORS.bar }] },
              options: { indexAxis: "y", plugins: { legend: { display: false } } },
            }),
          );
        } else if (rendered.type === "table") {
          box.append(el("table", { class: "kv" }, el("caption", {}, `${rendered.title} (${file.name})`), el("tbody", {}, rendered.rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", { class: "num" }, fmtNumber(v)))))));
        } else if (rendered.type === "csv") {
          box.append(
            el(
              "div",
              { class: "scroll" },
              el("table", { class: "csv" }, el("caption", {}, `${file.name} (first rows)`), el("thead", {}, el("tr", {}, rendered.header.map((h) => el("th", {}, h)))), el("tbody", {}, rendered.rows.map((r) => el("tr", {}, r.map((v) => el("td", {}, v)))))),
            ),
          );
        }
      }
      container.append(box);
    }
    draws.forEach((draw) => draw());
  }

  // -- model packages ---------------------------------------------------------------------------

  function renderPackages(packages) {
    if (!packages.length) return null;
    return section(
      "Registered model packages",
      "model-packages",
      el(
        "table",
        { class: "packages" },
        el("thead", {}, el("tr", {}, ["Model package", "Group / version", "Approval", "Status", "Candidate", "Registered", "Task"].map((h) => el("th", {}, h)))),
        el(
          "tbody",
          {},
          packages.map((p) =>
            el(
              "tr",
              {},
              el("td", { class: "mono small" }, p.arn),
              el("td", {}, p.group ? `${p.group} / ${p.version}` : "–"),
              el("td", {}, p.approval_status || "–"),
              el("td", {}, p.error ? message(p.error, "warn") : p.status || "–"),
              el("td", {}, p.candidate || "–"),
              el("td", {}, fmtTime(p.creation_time)),
              el("td", {}, link(airflowTaskUrl(p.task), p.task.task_id)),
            ),
          ),
        ),
      ),
    );
  }

  // -- one job ----------------------------------------------------------------------------------

  function renderJob(container, doc, artifactsPath) {
    const timelineView = renderTimeline(doc);
    const chartsView = renderCharts(doc);
    let candidateBox = doc.best ? renderCandidate(doc.best, "Best candidate") : section("Best candidate", "candidate", message("No best candidate yet.", "info"));
    const loadArtifacts = (name) => {
      const target = document.getElementById("artifacts");
      if (!target) return;
      const query = name ? `${artifactsPath.includes("?") ? "&" : "?"}candidate=${encodeURIComponent(name)}` : "";
      getJson(artifactsPath + query).then(
        (data) => renderArtifacts(target, data),
        (err) => showError(target, err, "the artifacts"),
      );
    };
    const onSelect = (name) => {
      const row = doc.leaderboard.rows.find((r) => r.name === name);
      if (!row) return;
      for (const tr of document.querySelectorAll("#leaderboard tbody tr")) tr.classList.toggle("selected", tr.dataset.candidate === name);
      if (doc.best && name === doc.best.name) {
        const fresh = renderCandidate(doc.best, "Best candidate");
        candidateBox.replaceWith(fresh);
        candidateBox = fresh;
        loadArtifacts(null);
        return;
      }
      // Only the best candidate's containers are in the job document; others show their artifacts.
      const fresh = section("Selected candidate", "candidate", el("p", {}, el("strong", { id: "candidate-name" }, name), " ", statusBadge(row.status)), el("h3", {}, "Artifacts"), el("div", { id: "artifacts" }, message("Reading artifacts…", "muted")));
      candidateBox.replaceWith(fresh);
      candidateBox = fresh;
      loadArtifacts(name);
    };
    container.replaceChildren(renderHeader(doc), timelineView.node, renderLeaderboard(doc, onSelect), chartsView.node, candidateBox, renderPackages(doc.model_packages || []));
    timelineView.draw();
    chartsView.draw();
    if (doc.best) loadArtifacts(null);
    body.dataset.jobStatus = doc.job.status;
    body.dataset.ready = "true";
  }

  function loadJob(container, jobPath, artifactsPath) {
    clearTimeout(refreshTimer);
    return getJson(jobPath).then(
      (doc) => {
        renderJob(container, doc, artifactsPath);
        if (!doc.job.terminal) refreshTimer = setTimeout(() => loadJob(container, jobPath, artifactsPath), REFRESH_MS);
      },
      (err) => {
        showError(container, err, "this job");
        body.dataset.ready = "error";
      },
    );
  }

  // -- pages ------------------------------------------------------------------------------------

  function taskPage(app) {
    const params = new URLSearchParams(window.location.search);
    const query = new URLSearchParams();
    for (const key of ["dag_id", "run_id", "task_id", "map_index"]) {
      if (params.get(key) !== null) query.set(key, params.get(key));
    }
    loadJob(app, `/api/task/job?${query}`, `/api/task/artifacts?${query}`);
  }

  function jobsPage(app) {
    const params = new URLSearchParams(window.location.search);
    const connection = params.get("conn_id") || "aws_default";
    const region = params.get("region_name") || "";
    const form = el(
      "form",
      { class: "card connection-form", id: "connection-form", method: "get" },
      el("h1", {}, "AutoML jobs"),
      el("label", {}, "Connection ", el("input", { name: "conn_id", value: connection, required: true, size: 24 })),
      el("label", {}, " Region ", el("input", { name: "region_name", value: region, placeholder: "the connection's", size: 14 })),
      " ",
      el("button", { type: "submit" }, "Show jobs"),
    );
    const list = el("section", { class: "card", id: "jobs" }, message("Loading jobs…", "muted"));
    const detail = el("div", { id: "job-detail" });
    app.replaceChildren(form, list, detail);
    const base = `/api/connections/${encodeURIComponent(connection)}/jobs`;
    const regionQuery = region ? `?region_name=${encodeURIComponent(region)}` : "";

    function openJob(name) {
      const next = new URLSearchParams(window.location.search);
      next.set("job", name);
      window.history.replaceState(null, "", `?${next}`);
      for (const tr of list.querySelectorAll("tbody tr")) tr.classList.toggle("selected", tr.dataset.job === name);
      detail.replaceChildren(message("Loading…", "muted"));
      const path = `${base}/${encodeURIComponent(name)}`;
      loadJob(detail, path + regionQuery, `${path}/artifacts${regionQuery}`);
    }

    getJson(base + regionQuery + (regionQuery ? "&" : "?") + "limit=50").then(
      (data) => {
        list.replaceChildren(el("h2", {}, `Recent jobs of ${data.connection_id} (${data.backend.kind === "local" ? "local backend" : `AWS ${data.backend.region || ""}`})`));
        if (!data.jobs.length) {
          list.append(message("No AutoML jobs on this connection.", "info"));
          body.dataset.ready = "true";
          return;
        }
        list.append(
          el(
            "table",
            { id: "jobs-table" },
            el("thead", {}, el("tr", {}, ["Job", "Status", "Secondary status", "Created", "Duration", "Airflow task"].map((h) => el("th", {}, h)))),
            el(
              "tbody",
              {},
              data.jobs.map((job) => {
                const duration = job.end_time && job.creation_time ? (new Date(job.end_time) - new Date(job.creation_time)) / 1000 : null;
                return el(
                  "tr",
                  { "data-job": job.name, onclick: () => openJob(job.name), tabindex: 0 },
                  el("td", {}, el("button", { type: "button", class: "linkish" }, job.name)),
                  el("td", {}, statusBadge(job.status)),
                  el("td", {}, job.secondary_status),
                  el("td", {}, fmtTime(job.creation_time)),
                  el("td", { class: "num" }, fmtSeconds(duration)),
                  el("td", {}, job.task ? link(airflowTaskUrl(job.task, "plugin/automl"), `${job.task.dag_id} / ${job.task.task_id}`) : "–"),
                );
              }),
            ),
          ),
        );
        body.dataset.ready = "true";
        const wanted = params.get("job");
        if (wanted) openJob(wanted);
      },
      (err) => {
        showError(list, err, `the jobs of connection ${connection}`);
        body.dataset.ready = "error";
      },
    );
  }

  function start() {
    const app = document.getElementById("app");
    if (PAGE === "task") taskPage(app);
    else jobsPage(app);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
