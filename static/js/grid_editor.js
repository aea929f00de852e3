// The section grid (templates/matrices/workspace/_grid.html): a keyboard spreadsheet over the cells of one
// section, each change saved at once through matrices:save_cell (the same service and checks as the form).
//
// - Arrow keys, Home/End, Page Up/Down move; X, ?, N (NA), Delete/Backspace (blank) set the mark and save.
// - Enter or F2 opens the cell's panel in place (mark, legal source, remarks, comments); Ctrl+Enter saves
//   and closes it, Esc closes it and saves what was typed.
// - The server is the judge: a refused value stays in the cell (red) with the server's error in its panel;
//   a cell someone else saved meanwhile (409) shows both values with "Keep mine" / "Take theirs".
// - Nothing is dropped: links, section tabs and comment forms first save what is pending; when something
//   cannot be saved they stop and say so. Leaving the page otherwise asks the browser's "leave?" first.
// Without this script (or JavaScript) the page shows the section form, in <noscript>.
(function () {
  "use strict";
  var template = document.getElementById("grid-template");
  if (!template || !window.fetch || !window.URLSearchParams) return; // the <noscript> form stays
  template.replaceWith(template.content.cloneNode(true));
  var root = document.getElementById("grid-editor");
  var table = document.getElementById("section-grid");
  var msg = root.dataset;
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var FIELDS = ["mark", "source", "remarks"];
  var MARKS = { x: "X", "?": "?", n: "NA" };

  // --- The cells, by position and by key ---------------------------------------------------------------
  var grid = [];
  var byKey = {};
  Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
    var tds = Array.prototype.slice.call(tr.querySelectorAll("td.gcell"));
    if (!tds.length) return;
    tds.forEach(function (td, c) {
      td.r = grid.length;
      td.c = c;
      td.tabIndex = -1;
      td.want = null; // the values the user set that the server has not confirmed yet
      td.state = "";
      byKey[keyOf(td.dataset)] = td;
    });
    grid.push(tds);
  });
  var cells = [].concat.apply([], grid);
  if (!cells.length) return;
  var current = null;
  var preferredColumn = 0;
  var lastSaved = null;
  var rtl = getComputedStyle(table).direction === "rtl";

  function keyOf(d) { return d.row + "|" + d.column + "|" + d.aspect; }
  function saved(td) { return { mark: td.dataset.mark, source: td.dataset.source, remarks: td.dataset.remarks }; }
  function values(td) { return td.want || saved(td); }
  function same(a, b) { return FIELDS.every(function (f) { return (a[f] || "").trim() === (b[f] || "").trim(); }); }
  function isGap(td) { var m = values(td).mark; return m === "" || m === "?"; }

  // --- Showing a cell ------------------------------------------------------------------------------------
  function markHtml(mark) {
    var span = document.createElement("span");
    span.className = "cell-mark " + ({ X: "mark-yes", "?": "mark-partial", NA: "mark-na" }[mark] || "mark-blank");
    span.textContent = mark || "—";
    return span;
  }

  function show(td) {
    var v = values(td);
    var holder = td.querySelector(".gcell-mark");
    if (holder.dataset.shown !== v.mark) {
      var mark = markHtml(v.mark);
      holder.replaceChildren(mark);
      if (!v.mark) {
        mark.setAttribute("aria-hidden", "true");
        var blank = document.createElement("span");
        blank.className = "visually-hidden";
        blank.textContent = msg.blank;
        holder.appendChild(blank);
      }
      holder.dataset.shown = v.mark;
    }
    td.querySelector(".gflag-source").hidden = !v.source.trim();
    td.querySelector(".gflag-remarks").hidden = !v.remarks.trim();
    td.dataset.state = td.state;
    var label = td.state ? statusText(td.state) : "";
    td.querySelector(".gcell-state").title = label;
    td.querySelector(".gcell-state-text").textContent = label ? " (" + label + ")" : "";
  }

  function setState(td, state) {
    td.state = state;
    show(td);
    status();
  }

  // --- The status line and progress --------------------------------------------------------------------
  var statusLine = document.getElementById("grid-status");
  var relative = window.Intl && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, { numeric: "auto" }) : null;

  function ago(ms) {
    var s = Math.round(ms / 1000);
    if (!relative) return s + " s";
    if (s < 60) return relative.format(-s, "second");
    if (s < 3600) return relative.format(-Math.round(s / 60), "minute");
    return relative.format(-Math.round(s / 3600), "hour");
  }

  function count(state) { return cells.filter(function (td) { return td.state === state; }).length; }

  function status(note) {
    var text;
    if (note) text = note;
    else if (count("conflict")) text = msg.msgConflicts.replace("%s", count("conflict"));
    else if (count("error")) text = msg.msgErrors.replace("%s", count("error"));
    else if (count("saving")) text = msg.msgSaving;
    else if (count("unsaved")) text = msg.msgUnsaved.replace("%s", count("unsaved"));
    else text = msg.msgSaved + (lastSaved ? " · " + msg.msgSavedAgo.replace("%s", ago(Date.now() - lastSaved)) : "");
    if (statusLine.textContent !== text) statusLine.textContent = text;
    statusLine.classList.toggle("text-danger", !!(count("error") || count("conflict")));
  }
  setInterval(function () { if (lastSaved && !count("saving")) status(); }, 5000);

  function progress(p) {
    document.getElementById("grid-progress").textContent = p.label;
    var tab = document.querySelector('[data-progress-for="' + CSS.escape(msg.section) + '"]');
    if (tab) {
      tab.firstElementChild.textContent = p.decided + "/" + p.total;
      tab.lastElementChild.textContent = p.label;
      tab.closest("a").title = tab.closest("a").title.replace(/: .*$/, ": " + p.label);
    }
  }

  // --- Saving --------------------------------------------------------------------------------------------
  var chain = Promise.resolve(true);

  // Queue a save of `tds` (their `want`); resolves true when all were saved. One request at a time, so
  // each carries the token the previous answer gave.
  function save(tds, options) {
    options = options || {};
    tds = tds.filter(function (td) { return td.want; });
    tds.forEach(function (td) { td.errors = null; td.conflict = null; setState(td, "saving"); });
    var run = chain.then(function () { return send(tds, options); });
    chain = run.catch(function () { return false; });
    return run;
  }

  function send(tds, options) {
    var batch = tds.filter(function (td) { return td.want; }).map(function (td) { return { td: td, want: td.want }; });
    if (!batch.length) return Promise.resolve(true);
    var body = new URLSearchParams();
    batch.forEach(function (item) {
      var d = item.td.dataset;
      body.append("row", d.row);
      body.append("column", d.column);
      body.append("aspect", d.aspect);
      FIELDS.forEach(function (f) { body.append(f, item.want[f]); });
      body.append("shown", d.token);
    });
    return fetch(msg.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      body: body,
    }).then(function (response) {
      return response.json().then(
        function (data) { return { status: response.status, data: data }; },
        function () { return { status: response.status, data: null }; }
      );
    }, function () {
      return { status: 0, data: null };
    }).then(function (answer) { return settle(batch, answer, options); });
  }

  function settle(batch, answer, options) {
    var data = answer.data;
    if (answer.status === 200 && data && data.cells) {
      data.cells.forEach(function (c) {
        var td = byKey[keyOf(c)];
        if (!td) return;
        FIELDS.forEach(function (f) { td.dataset[f] = c[f]; });
        td.dataset.token = c.token;
        var item = batch.filter(function (b) { return b.td === td; })[0];
        if (item && td.want === item.want) td.want = null; // not changed again meanwhile
        var overridden = td.querySelector(".gflag-overridden");
        if (overridden && c.overridden) overridden.hidden = false;
        setState(td, td.want ? "unsaved" : "saved");
      });
      lastSaved = Date.now();
      progress(data.progress);
      status();
      return true;
    }
    var problem = data && data.error ? data.error : (answer.status === 0 ? msg.msgOffline : msg.msgRelogin);
    var first = null;
    batch.forEach(function (item) { item.td.errors = { cell: [problem] }; });
    ((data && data.cells) || []).forEach(function (c) {
      var td = byKey[keyOf(c)];
      if (td) { td.errors = c.errors; first = first || td; }
    });
    ((data && data.conflicts) || []).forEach(function (c) {
      var td = byKey[keyOf(c)];
      if (td) { td.conflict = c; td.errors = null; first = first || td; }
    });
    if (options.rollback) { // a bulk action: nothing saved, nothing changed here either; say why
      var detail = first && first.errors ? Object.keys(first.errors).map(function (f) { return errorText(first.errors[f]); }).join(" ") : problem;
      batch.forEach(function (item) {
        item.td.want = item.td.rollback;
        item.td.errors = item.td.conflict = null;
        setState(item.td, item.td.want ? "unsaved" : "");
      });
      return Promise.reject(detail);
    }
    batch.forEach(function (item) { setState(item.td, item.td.conflict ? "conflict" : "error"); });
    var target = options.open || first;
    if (options.open && target && (target.errors || target.conflict)) openPanel(target);
    else if (panelCell && (panelCell.errors || panelCell.conflict)) fillPanel(panelCell);
    return false;
  }

  // Set values of a cell (those not given are kept) and save it.
  function change(td, partial, options) {
    var next = Object.assign({}, values(td), partial);
    if (same(next, saved(td)) && !td.conflict) { // back to what is stored: nothing to save
      td.want = null;
      td.errors = null;
      setState(td, td.state === "saved" ? "saved" : "");
      return Promise.resolve(true);
    }
    td.want = next;
    return save([td], options);
  }

  // Save everything pending (the open panel too); resolves true when nothing is left unsaved.
  function flush() {
    commitPanel();
    var waiting = cells.filter(function (td) { return td.want && td.state === "unsaved"; });
    if (waiting.length) save(waiting);
    return chain.then(function () {
      return !cells.some(function (td) { return td.want; });
    });
  }
  function dirty() { return panelDirty() || cells.some(function (td) { return td.want; }); }

  // --- Moving ----------------------------------------------------------------------------------------
  function focusCell(td, options) {
    if (!td) return;
    if (panelCell && panelCell !== td) closePanel(false); // what it holds is saved
    if (current && current !== td) current.tabIndex = -1;
    current = td;
    td.tabIndex = 0;
    td.focus({ preventScroll: true });
    td.scrollIntoView({ block: (options && options.center) ? "center" : "nearest", inline: "nearest" });
  }

  function at(r, c) {
    r = Math.max(0, Math.min(grid.length - 1, r));
    var row = grid[r];
    return row[Math.max(0, Math.min(row.length - 1, c))];
  }

  function move(dr, dc, absolute) {
    var r = current.r, c = current.c;
    if (absolute === "home") c = 0;
    else if (absolute === "end") c = grid[r].length - 1;
    else if (absolute === "first") { r = 0; c = 0; }
    else if (absolute === "last") { r = grid.length - 1; c = grid[r].length - 1; }
    else if (dc) {
      c += dc;
      if (c < 0 && r > 0) { r -= 1; c = grid[r].length - 1; }
      else if (c >= grid[r].length && r < grid.length - 1) { r += 1; c = 0; }
    } else {
      r += dr;
      c = grid[r] && grid[r].length > 1 ? preferredColumn : c;
    }
    var target = at(r, c);
    if (dc || absolute) preferredColumn = target.c;
    focusCell(target);
  }

  function nextGap() {
    var start = current ? cells.indexOf(current) : -1;
    for (var i = 1; i <= cells.length; i++) {
      var td = cells[(start + i) % cells.length];
      if (isGap(td)) { focusCell(td, { center: true }); preferredColumn = td.c; return; }
    }
    status(msg.msgNoGap);
  }

  // D (ditto): the cell takes the mark, source and remarks of the nearest cell above it in the same
  // column and aspect, and is saved; the server checks it as any other change.
  function ditto(td) {
    for (var r = td.r - 1; r >= 0; r--) {
      var above = grid[r].filter(function (other) {
        return other.dataset.column === td.dataset.column && other.dataset.aspect === td.dataset.aspect;
      })[0];
      if (above) { change(td, values(above), { open: td }); return; }
    }
    status(msg.msgNothingAbove);
  }

  table.addEventListener("keydown", function (event) {
    var td = event.target.closest ? event.target.closest("td.gcell") : null;
    if (!td || event.target !== td || event.altKey || event.metaKey) return;
    current = td;
    var key = event.key;
    var handled = true;
    var left = rtl ? 1 : -1;
    if (key === "ArrowLeft") move(0, left);
    else if (key === "ArrowRight") move(0, -left);
    else if (key === "ArrowUp") move(-1, 0);
    else if (key === "ArrowDown") move(1, 0);
    else if (key === "Home") move(0, 0, event.ctrlKey ? "first" : "home");
    else if (key === "End") move(0, 0, event.ctrlKey ? "last" : "end");
    else if (key === "PageUp") move(-10, 0);
    else if (key === "PageDown") move(10, 0);
    else if (event.ctrlKey) handled = false;
    else if (key === "Enter" || key === "F2") openPanel(td);
    else if (key === "Delete" || key === "Backspace") change(td, { mark: "" }, { open: td });
    else if (MARKS[key.toLowerCase()]) change(td, { mark: MARKS[key.toLowerCase()] }, { open: td });
    else if (key === "g" || key === "G") nextGap();
    else if (key === "d" || key === "D") ditto(td);
    else handled = false;
    if (handled) event.preventDefault();
  });

  // A click (a tap) on a cell selects it; on the selected cell it opens the cell's panel.
  var wasSelected = null;
  table.addEventListener("pointerdown", function (event) {
    var td = event.target.closest("td.gcell");
    wasSelected = td && td === current && document.activeElement === td ? td : null;
  });
  table.addEventListener("click", function (event) {
    var td = event.target.closest("td.gcell");
    if (!td) return;
    if (td === wasSelected && panelCell !== td) openPanel(td);
    else focusCell(td);
    if (grid[td.r].length > 1) preferredColumn = td.c; // up and down stay in the column clicked
    wasSelected = null;
  });
  table.addEventListener("focusin", function (event) {
    var td = event.target.closest && event.target.closest("td.gcell");
    if (td && td !== current) { if (current) current.tabIndex = -1; current = td; td.tabIndex = 0; }
  });

  // --- The panel of a cell -------------------------------------------------------------------------------
  var panel = document.getElementById("grid-panel");
  var panelRow = null;
  var panelCell = null;
  var panelShown = null; // the values the panel opened with
  var commentsHome = null;
  var source = document.getElementById("grid-panel-source");
  var remarks = document.getElementById("grid-panel-remarks");
  var radios = panel.querySelectorAll("input[name=grid-panel-mark]");

  function panelValues() {
    var mark = "";
    radios.forEach(function (r) { if (r.checked) mark = r.value; });
    return { mark: mark, source: source.value, remarks: remarks.value };
  }
  function panelDirty() { return !!panelCell && !same(panelValues(), panelShown); }

  function errorText(list) { return (list || []).join(" "); }

  // The State's entries are shown as written: marked with their language (data-entries-language) and
  // dir=auto, so an Arabic source reads right inside an English page and a French one inside an Arabic one.
  function markUserText(el) {
    if (root.dataset.entriesLanguage) el.setAttribute("lang", root.dataset.entriesLanguage);
    el.setAttribute("dir", "auto");
  }
  [source, remarks].forEach(markUserText);

  function fillPanel(td) {
    var v = values(td);
    panelShown = v;
    // The row's label first, as people know it; the code after it, as on the row.
    var rowLabel = td.closest("tr").querySelector(".grid-rowlabel");
    document.getElementById("grid-panel-title").textContent =
      (rowLabel ? rowLabel.textContent + " · " : "") + td.dataset.label + " (" + td.dataset.row + ")";
    radios.forEach(function (r) { r.checked = r.value === v.mark; });
    source.value = v.source;
    remarks.value = v.remarks;
    var errors = td.errors || {};
    ["mark", "source", "remarks"].forEach(function (f) {
      var box = document.getElementById("grid-panel-" + f + "-error");
      box.textContent = errorText(errors[f] || (f === "mark" ? (errors.column || []).concat(errors.row || []) : []));
      var input = f === "mark" ? null : document.getElementById("grid-panel-" + f);
      if (input) input.classList.toggle("is-invalid", !!errors[f]);
      if (input) input.setAttribute("aria-invalid", errors[f] ? "true" : "false");
    });
    var general = document.getElementById("grid-panel-error");
    general.textContent = errorText(errors.cell);
    general.hidden = !errors.cell || !errorText(errors.cell);
    var derived = td.querySelector(".gflag-derived");
    var derivedBox = document.getElementById("grid-panel-derived");
    derivedBox.hidden = !derived;
    derivedBox.textContent = derived ? derived.title : "";
    var box = document.getElementById("grid-panel-conflict");
    box.hidden = !td.conflict;
    if (td.conflict) {
      var c = td.conflict;
      var text = function (x) { return [x.mark || "—", x.source, x.remarks].filter(Boolean).join(" · "); };
      box.querySelector("[data-conflict-title]").textContent = statusText("conflict");
      ["yours", "saved"].forEach(function (side) {
        var dd = box.querySelector("[data-conflict-" + side + "]");
        dd.textContent = text(c[side]);
        markUserText(dd);
      });
      box.querySelector("[data-conflict-who]").textContent = [c.by, c.at].filter(Boolean).join(", ");
    }
  }
  function statusText(state) { return msg["state" + state.charAt(0).toUpperCase() + state.slice(1)]; }

  function openPanel(td) {
    if (panelCell && panelCell !== td) closePanel(false);
    if (panelCell !== td) {
      var tr = td.closest("tr");
      panelRow = document.createElement("tr");
      panelRow.className = "grid-panel-row";
      var holder = document.createElement("td");
      holder.colSpan = tr.cells.length + 6;
      panelRow.appendChild(holder);
      holder.appendChild(panel);
      tr.after(panelRow);
      var comments = document.getElementById(td.id + "-comments");
      if (comments) {
        commentsHome = { node: comments, parent: comments.parentNode, next: comments.nextSibling };
        panel.querySelector("[data-panel-comments]").appendChild(comments);
      }
      panelCell = td;
      td.classList.add("is-editing");
    }
    panel.hidden = false;
    fillPanel(td);
    var errors = td.errors || {};
    var focus = errors.remarks && !errors.source ? remarks : source;
    if (td.conflict) focus = panel.querySelector("[data-conflict=mine]");
    focus.focus();
    panelRow.scrollIntoView({ block: "nearest" });
  }

  // Save what the panel holds when it differs from the cell; the returned promise says if it was saved.
  // With `retry`, a value still pending (refused before) is sent again even if nothing was typed.
  function commitPanel(options) {
    if (!panelCell) return Promise.resolve(true);
    var td = panelCell;
    var v = panelValues();
    if (same(v, panelShown)) {
      return options && options.retry && td.want && !td.conflict ? save([td], options) : Promise.resolve(!td.want);
    }
    panelShown = v;
    return change(td, v, options);
  }

  function closePanel(refocus) {
    if (!panelCell) return;
    var td = panelCell;
    commitPanel();
    if (commentsHome) {
      commentsHome.parent.insertBefore(commentsHome.node, commentsHome.next);
      commentsHome = null;
    }
    panel.hidden = true;
    root.appendChild(panel);
    if (panelRow) panelRow.remove();
    panelRow = null;
    panelCell = null;
    td.classList.remove("is-editing");
    if (refocus) focusCell(td);
  }

  function saveAndClose() {
    var td = panelCell;
    commitPanel({ open: td, retry: true }).then(function (ok) {
      if (ok && panelCell === td) closePanel(true);
    });
  }

  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); closePanel(true); }
    else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); saveAndClose(); }
  });
  panel.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.panel === "save") saveAndClose();
    else if (button.dataset.panel === "close") closePanel(true);
    else if (button.dataset.conflict) resolve(panelCell, button.dataset.conflict);
  });

  function resolve(td, choice) {
    var c = td.conflict;
    if (!c) return;
    td.conflict = null;
    td.dataset.token = c.token;
    FIELDS.forEach(function (f) { td.dataset[f] = c.saved[f]; });
    if (choice === "theirs") {
      td.want = null;
      setState(td, "saved");
      closePanel(true);
    } else {
      td.want = Object.assign({}, c.yours);
      save([td], { open: td }).then(function (ok) { if (ok && panelCell === td) closePanel(true); });
    }
  }

  // --- Bulk actions ----------------------------------------------------------------------------------
  function sameColumn(a, b) { return a.dataset.column === b.dataset.column && a.dataset.aspect === b.dataset.aspect; }

  function copyDown() {
    var from = current;
    if (!from) return;
    var text = values(from).source.trim();
    var targets = cells.filter(function (td) { return td.r > from.r && sameColumn(td, from) && !values(td).source.trim(); });
    if (!text || !targets.length) { status(msg.msgCopyNone); return; }
    if (!window.confirm(msg.msgCopyConfirm.replace("%s", text).replace("%n", targets.length))) return;
    targets.forEach(function (td) { td.want = Object.assign({}, values(td), { source: text }); });
    save(targets).then(function () { focusCell(from); });
  }

  var bulk = document.getElementById("grid-bulk-na");
  var reason = document.getElementById("grid-bulk-na-reason");
  var bulkError = document.getElementById("grid-bulk-na-error");
  var bulkColumn = null;

  function blanksOf(td) { return cells.filter(function (x) { return sameColumn(x, td) && !values(x).mark; }); }

  function columnNa() {
    if (!current) focusCell(cells[0]);
    bulkColumn = current;
    var blanks = blanksOf(current);
    bulk.querySelector("[data-bulk-column]").textContent = current.closest("tr") && current.dataset.label;
    bulk.querySelector("[data-bulk-submit]").textContent = msg.msgNaCount.replace("%n", blanks.length);
    bulk.querySelector("[data-bulk-submit]").disabled = !blanks.length;
    bulkError.textContent = blanks.length ? "" : msg.msgNaNone;
    bulk.hidden = false;
    reason.focus();
  }

  bulk.addEventListener("submit", function (event) {
    event.preventDefault();
    var targets = blanksOf(bulkColumn);
    var why = reason.value;
    targets.forEach(function (td) {
      td.rollback = td.want;
      var v = values(td);
      td.want = Object.assign({}, v, { mark: "NA", remarks: v.remarks.trim() ? v.remarks : why });
    });
    bulkError.textContent = "";
    save(targets, { rollback: true }).then(function () {
      bulk.hidden = true;
      reason.value = "";
      focusCell(bulkColumn);
    }, function (problem) {
      targets.forEach(function (td) { td.rollback = null; });
      bulkError.textContent = problem;
      reason.focus();
    });
  });
  bulk.querySelector("[data-bulk-cancel]").addEventListener("click", function () {
    bulk.hidden = true;
    focusCell(bulkColumn);
  });
  bulk.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { bulk.hidden = true; focusCell(bulkColumn); }
  });

  root.addEventListener("click", function (event) {
    var button = event.target.closest("[data-grid-action]");
    if (button) {
      var action = button.dataset.gridAction;
      if (action === "next-gap") nextGap();
      else if (action === "copy-down") copyDown();
      else if (action === "column-na") columnNa();
      return;
    }
    var go = event.target.closest("[data-goto-cell]");
    if (go && !go.closest("#grid-panel")) {
      event.preventDefault();
      var td = document.getElementById(go.dataset.gotoCell);
      focusCell(td, { center: true });
      openPanel(td);
    }
  });

  // --- Nothing is lost to a navigation or a secondary action -------------------------------------------
  function note(near, text) {
    var box = document.getElementById("unsaved-note");
    if (!box) {
      box = document.createElement("div");
      box.id = "unsaved-note";
      box.className = "alert alert-warning small mt-2 mb-0";
      box.setAttribute("role", "alert");
    }
    box.textContent = text;
    near.after(box);
  }

  function firstUnsaved() {
    return cells.filter(function (td) { return td.want; })[0];
  }

  // Links (section tabs, breadcrumbs, "Edit as a form"...): save first, then go; stay when it cannot be saved.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (link.target || link.closest("#section-grid") || link.getAttribute("href").charAt(0) === "#") return;
    if (!dirty()) return;
    event.preventDefault();
    flush().then(function (ok) {
      if (ok) { leaving = true; window.location.href = link.href; return; }
      note(link.closest("nav, p, div") || link, msg.msgLeave);
      var td = firstUnsaved();
      if (td) { focusCell(td, { center: true }); openPanel(td); }
    });
  });

  // Comment and reply forms: the cell's edits are saved first, then the comment is sent.
  document.querySelectorAll("form[data-needs-saved-section]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!dirty()) return;
      event.preventDefault();
      var submitter = event.submitter || form.querySelector("[type=submit]");
      flush().then(function (ok) {
        if (ok) { leaving = true; HTMLFormElement.prototype.submit.call(form); return; }
        note(submitter && submitter.parentNode ? submitter.parentNode : form, msg.msgBlocked);
      });
    });
  });

  var leaving = false;
  window.addEventListener("beforeunload", function (event) {
    if (leaving || !dirty()) return;
    flush();
    event.preventDefault();
    event.returnValue = ""; // older browsers need a value to show the prompt
  });

  // --- Start: at the cell in the address (a reply or a form save came back to it), else the first ----
  var start = location.hash ? document.getElementById("g-" + decodeURIComponent(location.hash.slice(1))) : null;
  if (start && start.classList.contains("gcell")) {
    focusCell(start, { center: true });
    preferredColumn = start.c;
  } else {
    current = cells[0];
    current.tabIndex = 0;
  }
  status();
})();
