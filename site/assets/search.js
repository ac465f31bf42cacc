// Site search: on a search page, asks GET /v1/search and lists the hits. The API answers the
// same shape for D1 full-text search and for Vectorize, so this script does not care which.
(() => {
  const results = document.getElementById("search-results");
  if (!results) return;
  const params = new URLSearchParams(location.search);
  const q = (params.get("q") || "").trim();
  const input = document.querySelector("form.search-page input[name=q]");
  if (input) input.value = q;
  if (!q) return;
  const locale = document.documentElement.lang || "en";
  const status = document.getElementById("search-status");
  fetch(`/v1/search?q=${encodeURIComponent(q)}&locale=${encodeURIComponent(locale)}`, {
    headers: { accept: "application/json" },
  })
    .then((r) => r.json().then((body) => ({ ok: r.ok, body })))
    .then(({ ok, body }) => {
      if (!ok) {
        status.textContent = body.detail || "Search failed.";
        return;
      }
      status.textContent = `${body.results.length} · ${q}`;
      for (const hit of body.results) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = hit.url;
        a.textContent = hit.title;
        const p = document.createElement("p");
        // The snippet is HTML built by the API from escaped text and <mark> only.
        p.innerHTML = hit.snippet;
        li.append(a, p);
        results.append(li);
      }
    })
    .catch(() => {
      status.textContent = "Search is unavailable.";
    });
})();
