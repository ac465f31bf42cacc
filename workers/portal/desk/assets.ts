/**
 * The desk's stylesheet and script, served under a versioned path with immutable caching
 * beside the portal's own (files, not inline: the CSP forbids inline script and style).
 *
 * The script is progressive enhancement only; every desk page works without it:
 * - the inbox watches its rows' running jobs over `/app/desk/events` (one merged stream of the
 *   jobs' own events) and redraws a row, and the tab counts, when its job's status changes;
 * - a request's page watches its job over `/v1/submissions/:id/events`, updates the job badge
 *   and steps, and loads the page again when the status changes or a draft arrives — unless a
 *   form holds unsent text (or the page is a preview's answer), when it says so instead, or a
 *   form is being sent;
 * - "Insert" puts the chosen saved reply (filled by the server) into the reply box at the
 *   cursor without a round trip.
 */
export const DESK_ASSET_VERSION = "1";

export const DESK_CSS = `
.desk-head{display:flex;justify-content:space-between;align-items:baseline;gap:1rem}
.tabs{display:flex;gap:.3rem;flex-wrap:wrap;margin:0 0 1rem;border-bottom:1px solid var(--line)}
.tabs a{padding:.45rem .8rem;text-decoration:none;color:var(--ink);border-radius:8px 8px 0 0}
.tabs a[aria-current=page]{background:var(--card);border:1px solid var(--line);border-bottom-color:var(--card);margin-bottom:-1px;font-weight:600}
.tabs .count{display:inline-block;min-width:1.6rem;text-align:center;border-radius:999px;background:#eef0f3;font-size:.8rem;padding:0 .4rem}
.desk{display:inline-block;border-radius:999px;padding:.1rem .6rem;font-size:.8rem;font-weight:600;white-space:nowrap}
.desk.new{background:var(--info-bg);color:var(--info)}.desk.open{background:var(--warn-bg);color:var(--warn)}
.desk.waiting{background:#eef0f3;color:#3d4652}.desk.resolved{background:var(--ok-bg);color:var(--ok)}
table.inbox .excerpt{color:var(--muted);font-size:.9rem;max-width:28rem;overflow:hidden;text-overflow:ellipsis;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}
table.inbox tr.fresh{animation:deskflash 1.5s}@keyframes deskflash{from{background:var(--info-bg)}to{background:transparent}}
.desk-page{display:grid;grid-template-columns:minmax(0,1fr) 300px;gap:1rem;align-items:start}
@media (max-width:860px){.desk-page{grid-template-columns:1fr}}
ol.thread{list-style:none;padding:0;margin:0 0 1rem}
.entry{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--line);border-radius:var(--radius);padding:.8rem 1rem;margin-bottom:.7rem;overflow-wrap:anywhere}
.entry .head{font-size:.88rem;color:var(--muted);margin-bottom:.35rem}.entry .what{font-weight:600;color:var(--ink)}
.entry .when{white-space:nowrap}
.entry.customer{border-left-color:var(--brand)}
.entry.reply{border-left-color:var(--ok);background:#f5fbf7;margin-left:2rem}
.entry.note{border-left-color:#d4a600;background:#fffbe6;margin-left:2rem;border-style:dashed}
.entry.note .internal{background:#d4a600;color:#fff;border-radius:4px;padding:0 .4rem;margin-right:.4rem;font-size:.78rem;text-transform:uppercase;letter-spacing:.04em}
.entry.draft{border-left-color:#7c3aed;background:#f7f3ff;margin-left:2rem}
.entry.answer{border-left-color:#7c3aed;margin-left:2rem}
.entry.event{background:transparent;border:0;padding:.1rem 1rem;font-size:.85rem;color:var(--muted)}
.entry.event .what{font-weight:600;color:var(--muted)}.entry.event.not_delivered,.entry.event.failed{color:var(--bad)}
.plain{white-space:pre-wrap}
.compose textarea.short{min-height:6rem}.compose textarea.tall{min-height:16rem}
.saved-pick{display:flex;gap:.5rem;align-items:end;flex-wrap:wrap}.saved-pick label{margin:0 0 .2rem;width:100%}.saved-pick select{flex:1;width:auto}
.preview{border:1px dashed #c5ccd6;border-radius:8px;padding:.6rem .9rem;margin-top:.8rem;background:#fff}
.desk-side .card h2{font-size:1rem}.desk-side ol.steps li{padding:.2rem 0}
`;

export const DESK_JS = `
(function(){
  var terminal = {completed:1, failed:1, cancelled:1};
  // A form on its way: a live change must not reload over the navigation it started.
  var leaving = false;
  document.addEventListener("submit", function(){ leaving = true; }, true);

  var inbox = document.querySelector("[data-desk-inbox]");
  if (inbox && window.EventSource && window.DOMParser) {
    var ids = Array.prototype.map.call(inbox.querySelectorAll("tr[data-job-status]"), function(r){ return r.getAttribute("data-row"); });
    if (ids.length) {
      var redraw = function(id){
        fetch(location.href, {credentials: "same-origin", headers: {accept: "text/html"}})
          .then(function(r){ return r.ok ? r.text() : null; })
          .then(function(html){
            if (!html) return;
            var doc = new DOMParser().parseFromString(html, "text/html");
            var old = inbox.querySelector('tr[data-row="' + id + '"]');
            var fresh = doc.querySelector('tr[data-row="' + id + '"]');
            if (old && fresh) { fresh.classList.add("fresh"); old.replaceWith(document.importNode(fresh, true)); }
            Array.prototype.forEach.call(doc.querySelectorAll("[data-count]"), function(n){
              var here = document.querySelector('[data-count="' + n.getAttribute("data-count") + '"]');
              if (here) here.textContent = n.textContent;
            });
          })
          .catch(function(){});
      };
      var es = new EventSource("/app/desk/events?ids=" + ids.join(","));
      es.addEventListener("job", function(e){
        var s; try { s = JSON.parse(e.data); } catch (_) { return; }
        var row = inbox.querySelector('tr[data-row="' + s.submissionId + '"]');
        if (!row || row.getAttribute("data-job-status") === s.status) return;
        row.setAttribute("data-job-status", s.status);
        redraw(s.submissionId);
      });
    }
  }

  var live = document.querySelector("[data-desk-live]");
  if (live && window.EventSource) {
    var id = live.getAttribute("data-desk-live");
    var status = live.getAttribute("data-job-status");
    var review = live.getAttribute("data-review");
    var changed = document.querySelector("[data-desk-changed]");
    var home = "/app/desk/" + encodeURIComponent(id);
    // Text a person wrote and has not sent: the page answers a preview (its text is the posted
    // one), or a box holds other text than the page came with.
    var unsent = function(){
      if (location.pathname !== home) return true;
      return Array.prototype.some.call(document.querySelectorAll("textarea"), function(t){ return t.value !== t.defaultValue; });
    };
    var job = new EventSource("/v1/submissions/" + encodeURIComponent(id) + "/events");
    job.addEventListener("job", function(e){
      var s; try { s = JSON.parse(e.data); } catch (_) { return; }
      var badge = live.querySelector("[data-job-badge] .badge");
      if (badge) { badge.textContent = s.status; badge.className = "badge " + s.status; }
      (s.steps || []).forEach(function(step){
        var b = live.querySelector('[data-step="' + step.name + '"] .badge');
        if (b) { b.textContent = step.status; b.className = "badge " + step.status; }
      });
      var r = s.review && s.review.status === "waiting" ? "waiting" : "";
      if ((s.status !== status || r !== review) && !leaving) {
        status = s.status; review = r;
        if (unsent()) { if (changed) changed.hidden = false; }
        // The request's own address, never a reload: a preview's page is a POST's answer.
        else { location.replace(home); }
      }
      if (terminal[s.status]) job.close();
    });
    job.onerror = function(){ job.close(); };
  }

  var insert = document.querySelector("[data-saved-insert]");
  var select = document.querySelector("[data-saved-select]");
  var box = document.querySelector("[data-reply-box]");
  if (insert && select && box) {
    insert.addEventListener("click", function(e){
      var option = select.options[select.selectedIndex];
      if (!option) return;
      e.preventDefault();
      var text = option.getAttribute("data-body") || "";
      var start = box.selectionStart || 0, end = box.selectionEnd || 0;
      box.value = box.value.slice(0, start) + text + box.value.slice(end);
      box.selectionStart = box.selectionEnd = start + text.length;
      box.focus();
    });
  }
})();
`;
