/**
 * The portal's stylesheet and script, served by the Worker under a versioned path with
 * immutable caching. They are files (not inline) so the Content-Security-Policy can forbid
 * every inline script and style.
 */
export const ASSET_VERSION = "2";

export const PORTAL_CSS = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#17202a;--muted:#5b6470;--line:#e1e5ea;--brand:#1d4ed8;--brand-ink:#fff;
--ok:#0f7b3f;--ok-bg:#e3f5ea;--warn:#8a5a00;--warn-bg:#fff3d6;--bad:#b42318;--bad-bg:#fde8e6;--info:#1d4ed8;--info-bg:#e6eefc;
--radius:10px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
*{box-sizing:border-box}body{margin:0;line-height:1.55}
a{color:var(--brand)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #93b4ff;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:8px;z-index:10}
header.top{background:#0f172a;color:#fff}header.top .in{max-width:1040px;margin:0 auto;padding:.8rem 1.25rem;display:flex;gap:1.25rem;align-items:center;flex-wrap:wrap}
header.top a{color:#fff;text-decoration:none}header.top .brand{font-weight:700;font-size:1.1rem;margin-right:auto}
header.top nav{display:flex;gap:1rem;flex-wrap:wrap;align-items:center}header.top nav a[aria-current=page]{text-decoration:underline;text-underline-offset:4px}
main{max-width:1040px;margin:0 auto;padding:1.5rem 1.25rem 3rem}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.2rem;margin:1.6rem 0 .6rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:1.25rem 1.4rem;margin-bottom:1rem}
.narrow{max-width:440px;margin:2rem auto}
label{display:block;font-weight:600;margin:.8rem 0 .3rem}
input[type=text],input[type=email],input[type=password],select,textarea{width:100%;padding:.6rem .7rem;border:1px solid #c5ccd6;border-radius:8px;font:inherit;background:#fff;color:var(--ink)}
textarea{min-height:10rem;resize:vertical}
.hint{color:var(--muted);font-size:.9rem;margin:.25rem 0 0}
button,.button{display:inline-block;border:0;border-radius:8px;padding:.6rem 1rem;font:inherit;font-weight:600;cursor:pointer;background:var(--brand);color:var(--brand-ink);text-decoration:none}
button.secondary,.button.secondary{background:#e8ecf2;color:var(--ink)}button.danger{background:var(--bad);color:#fff}
.actions{display:flex;gap:.6rem;flex-wrap:wrap;margin-top:1rem;align-items:center}
.flash{border-radius:8px;padding:.7rem .9rem;margin-bottom:1rem}.flash.ok{background:var(--ok-bg);color:var(--ok)}.flash.bad{background:var(--bad-bg);color:var(--bad)}.flash.info{background:var(--info-bg);color:var(--info)}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.55rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}th{font-size:.85rem;color:var(--muted);font-weight:600}
.badge{display:inline-block;border-radius:999px;padding:.1rem .6rem;font-size:.8rem;font-weight:600}
.badge.queued,.badge.pending{background:#eef0f3;color:#3d4652}.badge.running{background:var(--info-bg);color:var(--info)}
.badge.completed,.badge.done{background:var(--ok-bg);color:var(--ok)}.badge.failed{background:var(--bad-bg);color:var(--bad)}
.badge.cancelled,.badge.skipped{background:var(--warn-bg);color:var(--warn)}
.filters{display:flex;gap:.6rem;flex-wrap:wrap;align-items:end;margin-bottom:1rem}.filters label{margin:0 0 .2rem}
ol.timeline{list-style:none;padding:0;margin:0}ol.timeline li{display:flex;gap:.8rem;align-items:center;padding:.55rem 0;border-bottom:1px solid var(--line)}
ol.timeline .name{font-weight:600;min-width:6rem}ol.timeline .meta{color:var(--muted);font-size:.88rem}
.result{overflow-wrap:anywhere}.result pre{background:#f1f3f6;padding:.8rem;border-radius:8px;overflow:auto}
.result table{margin:.5rem 0}.mono{font-family:ui-monospace,Menlo,monospace;font-size:.9em;overflow-wrap:anywhere}
.secret{background:#fffbe6;border:1px dashed #d4a600;padding:.7rem;border-radius:8px}
.card>h2:first-child,.card>input+h2{margin-top:0}fieldset{border:1px solid var(--line);border-radius:8px;margin:1rem 0 0;padding:.4rem .9rem .7rem}fieldset label{font-weight:500;display:flex;gap:.5rem;align-items:center}
.drop{border:2px dashed #c5ccd6;border-radius:8px;padding:.9rem;background:#fafbfc}.drop.over{border-color:var(--brand);background:var(--info-bg)}
ul.files{list-style:none;padding:0;margin:.6rem 0 0}ul.files li{display:flex;gap:.6rem;align-items:center;flex-wrap:wrap;padding:.35rem 0;border-bottom:1px solid var(--line)}
ul.files button{padding:.2rem .6rem;font-size:.85rem}progress{width:100%;height:1rem}
.muted{color:var(--muted)}.plain{white-space:pre-wrap}.pager{display:flex;justify-content:space-between;margin-top:1rem}
@media (max-width:640px){th.opt,td.opt{display:none}main{padding:1rem .8rem 2rem}.card{padding:1rem}}
`;

/** Progressive enhancement only: every page works without it. */
export const PORTAL_JS = `
(function(){
  var live = document.querySelector("[data-live-submission]");
  if (live) {
    var id = live.getAttribute("data-live-submission");
    var terminal = {completed:1, failed:1, cancelled:1};
    var apply = function(s){
      var status = document.querySelector("[data-status]");
      if (status && status.getAttribute("data-status") !== s.status) { location.reload(); return true; }
      (s.steps || []).forEach(function(step){
        var li = document.querySelector('[data-step="' + step.name + '"]');
        if (!li) return;
        var b = li.querySelector(".badge");
        if (b && b.textContent !== step.status) { b.textContent = step.status; b.className = "badge " + step.status; }
      });
      return !!terminal[s.status];
    };
    var poll = function(){
      fetch("/v1/submissions/" + encodeURIComponent(id), {headers:{accept:"application/json"}, credentials:"same-origin"})
        .then(function(r){ return r.ok ? r.json() : null; })
        .then(function(s){ if (s && !apply(s)) setTimeout(poll, 1000); })
        .catch(function(){ setTimeout(poll, 3000); });
    };
    if (!terminal[live.getAttribute("data-status-now")]) {
      // Live from the job's Durable Object (Server-Sent Events); polling if that fails.
      if (window.EventSource) {
        var got = false;
        var es = new EventSource("/v1/submissions/" + encodeURIComponent(id) + "/events");
        es.addEventListener("job", function(e){ got = true; try { if (apply(JSON.parse(e.data))) es.close(); } catch (_) {} });
        es.onerror = function(){ es.close(); if (!got) setTimeout(poll, 800); else setTimeout(poll, 1000); };
      } else {
        setTimeout(poll, 800);
      }
    }
  }
  var form = document.querySelector("[data-upload-form]");
  if (form && window.FormData && window.XMLHttpRequest) upload(form);
  var count = document.querySelector("[data-count-for]");
  if (count) {
    var area = document.getElementById(count.getAttribute("data-count-for"));
    var max = Number(area.getAttribute("maxlength"));
    var update = function(){ count.textContent = area.value.length + " / " + max + " characters"; };
    area.addEventListener("input", update); update();
  }

  // New request: files by picker or drag-and-drop, a voice note recorded in the browser, and
  // an upload with a progress bar. The server checks everything again; this only saves a
  // wasted upload. Without this script the form posts its file input as it is.
  function upload(form) {
    var input = form.querySelector("input[type=file]");
    var drop = form.querySelector("[data-drop]");
    var list = form.querySelector("[data-file-list]");
    var error = form.querySelector("[data-upload-error]");
    var progressBox = form.querySelector("[data-upload-progress]");
    var progress = progressBox.querySelector("progress");
    var status = form.querySelector("[data-upload-status]");
    var maxFile = Number(form.getAttribute("data-max-file"));
    var maxRequest = Number(form.getAttribute("data-max-request"));
    var maxFiles = Number(form.getAttribute("data-max-files"));
    var chosen = [];
    var size = function(n){ return n < 1048576 ? Math.max(1, Math.round(n / 1024)) + " KiB" : (n / 1048576).toFixed(1) + " MiB"; };
    var say = function(text){ error.textContent = text; error.hidden = !text; };
    var check = function(){
      if (chosen.length > maxFiles) return "At most " + maxFiles + " files per request.";
      var total = 0;
      for (var i = 0; i < chosen.length; i++) {
        if (chosen[i].size > maxFile) return chosen[i].name + " is " + size(chosen[i].size) + "; each file may be at most " + size(maxFile) + ".";
        total += chosen[i].size;
      }
      if (total > maxRequest) return "The files add up to " + size(total) + "; a request may carry at most " + size(maxRequest) + ".";
      return "";
    };
    var render = function(){
      list.textContent = "";
      chosen.forEach(function(f, i){
        var li = document.createElement("li");
        var name = document.createElement("span");
        name.textContent = f.name;
        var meta = document.createElement("span");
        meta.className = "muted";
        meta.textContent = (f.type || "unknown type") + " · " + size(f.size);
        var remove = document.createElement("button");
        remove.type = "button"; remove.className = "secondary"; remove.textContent = "Remove";
        remove.setAttribute("aria-label", "Remove " + f.name);
        remove.addEventListener("click", function(){ chosen.splice(i, 1); render(); });
        li.appendChild(name); li.appendChild(meta); li.appendChild(remove);
        list.appendChild(li);
      });
      say(check());
    };
    var add = function(files){ for (var i = 0; i < files.length; i++) chosen.push(files[i]); render(); };
    input.addEventListener("change", function(){ add(input.files); input.value = ""; });
    form.querySelector("[data-drop-hint]").hidden = false;
    ["dragenter", "dragover"].forEach(function(t){ drop.addEventListener(t, function(e){ e.preventDefault(); drop.classList.add("over"); }); });
    ["dragleave", "drop"].forEach(function(t){ drop.addEventListener(t, function(){ drop.classList.remove("over"); }); });
    drop.addEventListener("drop", function(e){ e.preventDefault(); if (e.dataTransfer) add(e.dataTransfer.files); });

    var recorder = form.querySelector("[data-recorder]");
    if (recorder && window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      recorder.hidden = false;
      var button = recorder.querySelector("[data-record]");
      var recStatus = recorder.querySelector("[data-record-status]");
      var active = null;
      button.addEventListener("click", function(){
        if (active) { active.stop(); return; }
        navigator.mediaDevices.getUserMedia({audio: true}).then(function(stream){
          var chunks = [];
          var started = Date.now();
          var timer = setInterval(function(){ recStatus.textContent = "Recording… " + Math.round((Date.now() - started) / 1000) + " s"; }, 500);
          active = new MediaRecorder(stream);
          active.addEventListener("dataavailable", function(e){ if (e.data && e.data.size) chunks.push(e.data); });
          active.addEventListener("stop", function(){
            clearInterval(timer);
            stream.getTracks().forEach(function(t){ t.stop(); });
            var type = (active.mimeType || "audio/webm").split(";")[0];
            var ext = type.indexOf("mp4") >= 0 ? "m4a" : type.indexOf("ogg") >= 0 ? "ogg" : "webm";
            var stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
            add([new File(chunks, "voice-note-" + stamp + "." + ext, {type: type})]);
            recStatus.textContent = "Voice note added.";
            button.textContent = "Record a voice note";
            active = null;
          });
          active.start(250);
          button.textContent = "Stop recording";
          recStatus.textContent = "Recording…";
        }).catch(function(){ recStatus.textContent = "The microphone is not available; you can upload an audio file instead."; });
      });
    }

    form.addEventListener("submit", function(e){
      var problem = check();
      if (problem) { e.preventDefault(); say(problem); return; }
      e.preventDefault();
      var data = new FormData();
      // The CSRF token first: the server checks it before it stores any file.
      data.append("_csrf", form.querySelector("input[name=_csrf]").value);
      data.append("text", form.querySelector("textarea[name=text]").value);
      chosen.forEach(function(f){ data.append("files", f, f.name); });
      var xhr = new XMLHttpRequest();
      var submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      progressBox.hidden = false;
      progress.value = 0;
      status.textContent = chosen.length ? "Uploading…" : "Sending…";
      xhr.upload.addEventListener("progress", function(ev){
        if (!ev.lengthComputable) return;
        var pct = Math.round(ev.loaded / ev.total * 100);
        progress.value = pct;
        status.textContent = "Uploading… " + pct + " %";
      });
      xhr.addEventListener("load", function(){
        if (xhr.status < 400 && xhr.responseURL.indexOf("/app/requests/sub_") >= 0) {
          progress.value = 100;
          status.textContent = "Upload complete. Opening your request…";
          setTimeout(function(){ location.assign(xhr.responseURL); }, 400);
          return;
        }
        var doc = xhr.response;
        var msg = doc && (doc.querySelector(".flash.bad") || doc.querySelector("main .card p"));
        say(msg ? msg.textContent : "The request was not accepted (HTTP " + xhr.status + ").");
        progressBox.hidden = true;
        submit.disabled = false;
      });
      xhr.addEventListener("error", function(){
        say("The upload failed: the connection broke. Try again.");
        progressBox.hidden = true;
        submit.disabled = false;
      });
      xhr.open("POST", form.getAttribute("action"));
      xhr.responseType = "document";
      xhr.send(data);
    });
  }
})();
`;
