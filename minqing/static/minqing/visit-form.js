/* 民情日记 on a phone in a village: the draft survives a reload (localStorage); a submission made without a
   connection waits in IndexedDB and is posted when the connection returns. Each entry carries the key made when
   its form was opened, and the server records one entry per key, so a retry never makes a second entry. */
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form) return;
  var DRAFT = "minqing.visit.draft";
  var DB_NAME = "minqing-visits";
  var STORE = "queue";
  var statusBox = document.getElementById("visit-status");
  var queueBox = document.getElementById("visit-queue");
  var chosen = new Map();
  var FIELDS = ["village", "visited_on", "days", "nights", "stay_place", "heard", "client_key"];
  var msg = form.dataset;
  var noHouseholds = form.elements.no_households;
  var flushing = false;

  function show(kind, text) {
    statusBox.className = "alert alert-" + kind;
    statusBox.textContent = text;
  }

  function newKey() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ---- draft -------------------------------------------------------------------------------------------
  function saveDraft() {
    var d = {};
    FIELDS.forEach(function (n) { d[n] = form.elements[n] ? form.elements[n].value : ""; });
    d.households = Array.from(chosen.entries());
    d.no_households = noHouseholds.checked;
    var photos = form.elements.photos;
    d.photos = photos && photos.files ? photos.files.length : 0;
    try { localStorage.setItem(DRAFT, JSON.stringify(d)); } catch (e) { /* storage full or disabled */ }
  }

  function restoreDraft() {
    var d = null;
    try { d = JSON.parse(localStorage.getItem(DRAFT) || "null"); } catch (e) { d = null; }
    if (!d) return false;
    FIELDS.forEach(function (n) {
      if (d[n] !== undefined && d[n] !== null && form.elements[n]) form.elements[n].value = d[n];
    });
    (d.households || []).forEach(function (pair) { chosen.set(String(pair[0]), pair[1]); });
    noHouseholds.checked = Boolean(d.no_households);
    renderChosen();
    var text = msg.msgDraft + (d.photos ? " " + msg.msgPhotos : "");
    show("secondary", text);
    return true;
  }

  function clearDraft() {
    try { localStorage.removeItem(DRAFT); } catch (e) { /* ignore */ }
  }

  // ---- household picker --------------------------------------------------------------------------------
  var chosenBox = document.getElementById("hh-chosen");
  var hiddenBox = document.getElementById("hh-hidden");
  var results = document.getElementById("hh-results");
  var search = document.getElementById("hh-search");

  function renderChosen() {
    chosenBox.textContent = "";
    hiddenBox.textContent = "";
    chosen.forEach(function (label, id) {
      var chip = document.createElement("span");
      chip.className = "badge text-bg-light border d-inline-flex align-items-center gap-1 hh-chip";
      chip.textContent = label;
      var x = document.createElement("button");
      x.type = "button";
      x.className = "btn-close btn-close-sm";
      x.setAttribute("aria-label", "×");
      x.addEventListener("click", function () { chosen.delete(id); renderChosen(); saveDraft(); });
      chip.appendChild(x);
      chosenBox.appendChild(chip);
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "households";
      input.value = id;
      hiddenBox.appendChild(input);
    });
  }

  var timer = null;
  function lookup() {
    var village = form.elements.village.value;
    if (!village) return;
    var url = form.dataset.pickUrl + "?village=" + encodeURIComponent(village) + "&q=" + encodeURIComponent(search.value.trim());
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) {
        results.textContent = "";
        data.results.forEach(function (h) {
          var b = document.createElement("button");
          b.type = "button";
          b.className = "list-group-item list-group-item-action hh-option";
          b.textContent = h.label + (h.tags.length ? " · " + h.tags.join("、") : "");
          b.addEventListener("click", function () {
            chosen.set(String(h.id), h.label);
            noHouseholds.checked = false;
            renderChosen();
            saveDraft();
            results.textContent = "";
            search.value = "";
          });
          results.appendChild(b);
        });
      })
      .catch(function () { results.textContent = ""; });
  }
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 250);
  });
  search.addEventListener("focus", lookup);
  form.elements.village.addEventListener("change", function () {
    chosen.clear();
    renderChosen();
    results.textContent = "";
  });

  // ---- queue (IndexedDB) -------------------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = fn(t.objectStore(STORE));
        t.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function queuePut(item) { return tx("readwrite", function (s) { return s.put(item); }); }
  function queueAll() { return tx("readonly", function (s) { return s.getAll(); }); }
  function queueDelete(key) { return tx("readwrite", function (s) { return s.delete(key); }); }

  function updateQueueNote() {
    return queueAll().then(function (items) {
      if (items.length) {
        queueBox.classList.remove("d-none");
        queueBox.textContent = msg.msgPending.replace("%(n)s", items.length);
      } else {
        queueBox.classList.add("d-none");
      }
      return items;
    }).catch(function () { return []; });
  }

  // ---- sending -----------------------------------------------------------------------------------------
  var csrfToken = form.elements.csrfmiddlewaretoken.value;

  function refreshToken() {
    // After logging in again the token changes; the form page carries the current one.
    return fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.ok && !r.redirected ? r.text() : ""; })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var input = doc.querySelector("input[name=csrfmiddlewaretoken]");
        if (input) csrfToken = input.value;
        return Boolean(input);
      })
      .catch(function () { return false; });
  }

  function post(item) {
    var fd = new FormData();
    item.fields.forEach(function (pair) { if (pair[0] !== "csrfmiddlewaretoken") fd.append(pair[0], pair[1]); });
    (item.files || []).forEach(function (f) { fd.append("photos", f, f.name); });
    return fetch(window.location.pathname, {
      method: "POST",
      body: fd,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
    }).then(function (resp) {
      var type = resp.headers.get("content-type") || "";
      if (type.indexOf("application/json") === -1) {
        return { state: resp.status === 403 || resp.redirected ? "login" : "later" };
      }
      return resp.json().then(function (data) {
        if (resp.ok && data.ok) return { state: "ok", data: data };
        if (resp.status === 400) return { state: "invalid", data: data };
        return { state: "later" };
      });
    }, function () { return { state: "offline" }; });
  }

  function send(item) {
    return post(item).then(function (r) {
      if (r.state !== "login") return r;
      return refreshToken().then(function (ok) { return ok ? post(item) : r; });
    });
  }

  function showErrors(errors) {
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; });
    Object.keys(errors || {}).forEach(function (name) {
      var el = form.querySelector('[data-error-for="' + name + '"]') || form.querySelector('[data-error-for="__all__"]');
      el.textContent = errors[name].join(" ");
    });
  }

  function itemFromForm() {
    var fd = new FormData(form);
    var fields = [];
    var files = [];
    fd.forEach(function (v, k) {
      if (typeof v === "string") fields.push([k, v]);
      else if (v && v.size) files.push(v);
    });
    return {
      key: String(fd.get("client_key")),
      fields: fields,
      files: files,
      households: Array.from(chosen.entries()),
      saved: Date.now(),
    };
  }

  function resetForNext() {
    var keep = { village: form.elements.village.value, visited_on: form.elements.visited_on.value };
    form.reset();
    form.elements.village.value = keep.village;
    form.elements.visited_on.value = keep.visited_on;
    form.elements.client_key.value = newKey();
    chosen.clear();
    renderChosen();
    clearDraft();
  }

  function putBack(item, errors) {
    // A queued entry the server refused: back into the form so the cadre can correct it.
    item.fields.forEach(function (pair) {
      var el = form.elements[pair[0]];
      if (el && pair[0] !== "csrfmiddlewaretoken" && pair[0] !== "households") el.value = pair[1];
    });
    noHouseholds.checked = item.fields.some(function (pair) { return pair[0] === "no_households"; });
    chosen.clear();
    (item.households || []).forEach(function (p) { chosen.set(String(p[0]), p[1]); });
    renderChosen();
    if (item.files && item.files.length && window.DataTransfer) {
      var dt = new DataTransfer();
      item.files.forEach(function (f) { dt.items.add(f); });
      form.elements.photos.files = dt.files;
    }
    showErrors(errors);
    saveDraft();
    show("danger", msg.msgFailed + Object.values(errors || {}).map(function (e) { return e.join(" "); }).join(" "));
  }

  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    return queueAll().then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function () {
          return send(item).then(function (r) {
            if (r.state === "ok") return queueDelete(item.key).then(function () { show("success", msg.msgSaved); });
            if (r.state === "invalid") {
              return queueDelete(item.key).then(function () { putBack(item, r.data.errors); });
            }
            if (r.state === "login") show("warning", msg.msgLogin);
            return null;
          });
        });
      }, Promise.resolve());
    }).catch(function () { /* IndexedDB unavailable: nothing queued */ })
      .then(function () { flushing = false; return updateQueueNote(); });
  }

  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    showErrors({});
    // Warned here, before the entry can wait offline: a queued entry refused hours later is easy to miss.
    if (!chosen.size && !noHouseholds.checked) {
      showErrors({ households: [msg.msgNoHouseholds] });
      show("warning", msg.msgNoHouseholds);
      search.focus();
      return;
    }
    var item = itemFromForm();
    var button = document.getElementById("visit-submit");
    button.disabled = true;
    send(item).then(function (r) {
      if (r.state === "ok") {
        clearDraft();
        window.location.assign(r.data.url);
        return null;
      }
      if (r.state === "invalid") {
        showErrors(r.data.errors);
        show("danger", Object.values(r.data.errors).map(function (e) { return e.join(" "); }).join(" "));
        return null;
      }
      return queuePut(item).then(function () {
        resetForNext();
        show("warning", r.state === "login" ? msg.msgLogin : msg.msgQueued);
        return updateQueueNote();
      });
    }).then(function () { button.disabled = false; }, function () { button.disabled = false; });
  });

  var nights = form.elements.nights;
  var stayRow = document.getElementById("stay-row");
  function toggleStay() { stayRow.classList.toggle("d-none", !(Number(nights.value) > 0)); }
  nights.addEventListener("input", toggleStay);

  if (!restoreDraft()) {
    form.elements.client_key.value = form.elements.client_key.value || newKey();
  }
  toggleStay();
  window.addEventListener("online", flush);
  setInterval(function () { if (navigator.onLine) flush(); }, 30000);
  flush();
})();
