package io.gatehouse.admin;

import io.gatehouse.pipeline.AdminEndpoint;
import io.gatehouse.pipeline.GatewaySnapshot;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * {@code GET /admin/status}: one self-contained page (inline CSS and script, nothing fetched from elsewhere) that
 * polls {@code /admin/status.json} every 2 s with the browser's own credential (HTTP Basic, the admin token as the
 * password) and shows this replica's routes, targets and recent config loads. Every value reaches the page through
 * {@code textContent}; the Content-Security-Policy admits only this page's own script and style (by a nonce per
 * answer) and connections to its own origin.
 */
@Singleton
class StatusPage implements AdminEndpoint {
    static final String PATH = "status";
    /** DRBG: seeded once, then no file read per nonce (the default NativePRNG reads /dev/urandom on an event loop). */
    private static final SecureRandom RANDOM = drbg();

    private static SecureRandom drbg() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (java.security.NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    @Override
    public String path() {
        return PATH;
    }

    @Override
    public void handle(RoutingContext context, GatewaySnapshot snapshot) {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        String nonce = Base64.getEncoder().encodeToString(bytes);
        context.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .putHeader("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
                        + "style-src 'nonce-" + nonce + "'; script-src 'nonce-" + nonce + "'; base-uri 'none'; "
                        + "form-action 'none'; frame-ancestors 'none'")
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Referrer-Policy", "no-referrer")
                .end(HTML.replace("{{NONCE}}", nonce));
    }

    static final String HTML = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="icon" href="data:,">
            <title>Gatehouse status</title>
            <style nonce="{{NONCE}}">
            :root { --bg:#f4f5f7; --card:#fff; --ink:#1d2330; --muted:#5d6675; --line:#dfe3ea;
                    --ok:#17803d; --ok-bg:#e3f5e9; --warn:#9a5b00; --warn-bg:#fff2d6; --bad:#b42318; --bad-bg:#fde4e1;
                    --off:#555d6b; --off-bg:#e7e9ee; }
            * { box-sizing: border-box; }
            body { margin:0; font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--ink); }
            header { background:#1d2330; color:#fff; padding:12px 16px; display:flex; flex-wrap:wrap; gap:8px 16px; align-items:center; }
            header h1 { font-size:18px; margin:0; }
            #replica { font-weight:600; }
            #updated { margin-left:auto; font-size:13px; opacity:.85; }
            .note { background:var(--warn-bg); color:var(--warn); padding:8px 16px; font-size:14px; border-bottom:1px solid var(--line); }
            #stale { display:none; background:var(--bad-bg); color:var(--bad); padding:8px 16px; font-weight:600; }
            #stale.on { display:block; }
            main { padding:16px; display:grid; gap:16px; max-width:1200px; margin:0 auto; }
            section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; min-width:0; }
            h2 { font-size:15px; margin:0 0 10px; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
            .totals { display:grid; grid-template-columns:repeat(auto-fit,minmax(130px,1fr)); gap:10px; }
            .stat { border:1px solid var(--line); border-radius:8px; padding:8px 10px; }
            .stat .label { font-size:12px; color:var(--muted); }
            .stat .value { font-size:28px; font-weight:700; font-variant-numeric:tabular-nums; }
            table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
            th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
            th { font-size:12px; color:var(--muted); font-weight:600; }
            td.num { text-align:right; font-size:20px; font-weight:600; }
            th.num { text-align:right; }
            .sub { display:block; font-size:12px; color:var(--muted); font-weight:400; overflow-wrap:anywhere; }
            .pill { display:inline-block; padding:2px 10px; border-radius:999px; font-weight:700; font-size:13px; }
            .ok { color:var(--ok); background:var(--ok-bg); }
            .warn { color:var(--warn); background:var(--warn-bg); }
            .bad { color:var(--bad); background:var(--bad-bg); }
            .off { color:var(--off); background:var(--off-bg); }
            .upstream { margin-bottom:12px; }
            .upstream h3 { font-size:16px; margin:6px 0; }
            .targets { display:grid; grid-template-columns:repeat(auto-fill,minmax(260px,1fr)); gap:8px; }
            .target { border:1px solid var(--line); border-left-width:6px; border-radius:8px; padding:8px 10px; }
            .target.ok { background:var(--card); border-left-color:var(--ok); }
            .target.bad { background:var(--card); border-left-color:var(--bad); }
            .target.warn { background:var(--card); border-left-color:var(--warn); }
            .target.off { background:var(--card); border-left-color:var(--off); }
            .target .url { font-weight:600; overflow-wrap:anywhere; color:var(--ink); }
            .target .facts { font-size:13px; color:var(--muted); margin-top:4px; }
            .reloads li { margin:4px 0; overflow-wrap:anywhere; }
            .reloads { padding-left:18px; margin:0; }
            @media (max-width: 600px) {
              main { padding:8px; gap:10px; }
              header { padding:10px 12px; }
              #updated { margin-left:0; width:100%; }
              .stat .value { font-size:24px; }
              table.routes thead { display:none; }
              table.routes tr { display:grid; grid-template-columns:1fr 1fr; border-bottom:1px solid var(--line); padding:6px 0; }
              table.routes td { border:0; padding:2px 4px; }
              table.routes td:first-child { grid-column:1 / -1; }
              table.routes td.num { text-align:left; font-size:18px; }
              table.routes td.num::before { content:attr(data-label) " "; font-size:12px; color:var(--muted); font-weight:400; }
            }
            </style>
            </head>
            <body>
            <header><h1>Gatehouse status</h1><span>replica <span id="replica">…</span></span><span id="updated">loading…</span></header>
            <div class="note" id="note">This page shows ONE replica: the one that answered it. Other replicas behind the load balancer have their own numbers and states.</div>
            <div id="stale" role="alert"></div>
            <main>
              <section><h2>Totals, last <span id="window">10</span> s</h2><div class="totals" id="totals"></div></section>
              <section><h2>Routes</h2>
                <table class="routes"><thead><tr><th>Route</th><th class="num">req/s</th><th class="num">errors</th><th class="num">p50 ms</th><th class="num">p99 ms</th></tr></thead>
                <tbody id="routes"></tbody></table></section>
              <section><h2>Upstream targets</h2><div id="upstreams"></div></section>
              <section><h2>Config loads (newest first)</h2><p id="config" class="sub"></p><ol class="reloads" id="reloads"></ol></section>
            </main>
            <script nonce="{{NONCE}}">
            "use strict";
            (function () {
              var POLL_MS = 2000;
              var DATA_URL = new URL("/admin/status.json", location.origin).href; // never with the user:password of the address
              function el(tag, cls, text) {
                var e = document.createElement(tag);
                if (cls) { e.className = cls; }
                if (text !== undefined && text !== null) { e.textContent = String(text); }
                return e;
              }
              function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
              function num(v, digits) { return (v === null || v === undefined) ? "–" : Number(v).toFixed(digits); }
              function pct(v) { return (v === null || v === undefined) ? "–" : (Number(v) * 100).toFixed(1) + "%"; }
              function rateClass(v) { return v === null || v === undefined ? "" : v >= 0.05 ? "bad" : v >= 0.01 ? "warn" : "ok"; }
              var STATE_CLASS = { "up": "ok", "down": "bad", "circuit-open": "bad", "ejected": "warn", "drained": "off" };
              function stat(label, value, cls) {
                var box = el("div", "stat");
                box.appendChild(el("div", "label", label));
                var v = el("div", "value" + (cls ? " " + cls : ""), value);
                box.appendChild(v);
                return box;
              }
              function render(d) {
                document.getElementById("replica").textContent = d.replica;
                document.getElementById("note").textContent = "This page shows ONE replica (" + d.replica
                  + "): the one that answered it. Other replicas behind the load balancer have their own numbers and states.";
                document.getElementById("window").textContent = Math.round(d.windowSeconds || 0);
                var t = d.totals || {};
                var totals = document.getElementById("totals");
                clear(totals);
                totals.appendChild(stat("requests/s", num(t.requestsPerSecond, 1)));
                totals.appendChild(stat("5xx rate", pct(t.errorRate), rateClass(t.errorRate)));
                totals.appendChild(stat("p50 ms", num(t.latencyMs && t.latencyMs.p50, 1)));
                totals.appendChild(stat("p99 ms", num(t.latencyMs && t.latencyMs.p99, 1)));
                totals.appendChild(stat("in flight", num(t.inFlight, 0)));
                totals.appendChild(stat("requests since start", num(t.requests, 0)));

                var routes = document.getElementById("routes");
                clear(routes);
                (d.routes || []).forEach(function (r) {
                  var tr = el("tr");
                  tr.setAttribute("data-route", r.id);
                  var name = el("td");
                  name.appendChild(el("strong", null, r.id));
                  name.appendChild(el("span", "sub", r.path + " → " + r.upstream));
                  tr.appendChild(name);
                  var cells = [["req/s", num(r.requestsPerSecond, 1), ""],
                               ["errors", pct(r.errorRate), rateClass(r.errorRate)],
                               ["p50 ms", num(r.latencyMs && r.latencyMs.p50, 1), ""],
                               ["p99 ms", num(r.latencyMs && r.latencyMs.p99, 1), ""]];
                  cells.forEach(function (c) {
                    var td = el("td", "num", c[1]);
                    td.setAttribute("data-label", c[0]);
                    if (c[2]) { td.classList.add(c[2]); }
                    tr.appendChild(td);
                  });
                  routes.appendChild(tr);
                });

                var ups = document.getElementById("upstreams");
                clear(ups);
                (d.upstreams || []).forEach(function (u) {
                  var box = el("div", "upstream");
                  var h = el("h3", null, u.name + " ");
                  h.appendChild(el("span", "pill " + (u.available === 0 ? "bad" : u.available < u.targets.length ? "warn" : "ok"),
                    u.available + "/" + u.targets.length + " available"));
                  box.appendChild(h);
                  var grid = el("div", "targets");
                  u.targets.forEach(function (tg) {
                    var cls = STATE_CLASS[tg.state] || "warn";
                    var card = el("div", "target " + cls);
                    card.setAttribute("data-target", tg.url);
                    card.setAttribute("data-state", tg.state);
                    var top = el("div");
                    top.appendChild(el("span", "pill " + cls, tg.state.toUpperCase()));
                    top.appendChild(document.createTextNode(" "));
                    top.appendChild(el("span", "url", tg.url));
                    card.appendChild(top);
                    var facts = "health " + tg.health + " · circuit " + tg.circuit + " · in flight " + tg.inFlight
                      + (tg.drained ? " · drained" : "") + (tg.ejected ? " · ejected" : "");
                    card.appendChild(el("div", "facts", facts));
                    if (tg.lastCheck && !tg.lastCheck.ok) {
                      card.appendChild(el("div", "facts", "last check: " + (tg.lastCheck.error || ("status " + tg.lastCheck.status))));
                    }
                    grid.appendChild(card);
                  });
                  box.appendChild(grid);
                  ups.appendChild(box);
                });

                var c = d.config || {};
                document.getElementById("config").textContent = "live: version " + c.version + " from " + c.source
                  + ", loaded " + c.loadedAt + (c.lastReloadError ? " — last reload refused" : "");
                var list = document.getElementById("reloads");
                clear(list);
                (d.reloads || []).forEach(function (r) {
                  var li = el("li");
                  li.appendChild(el("span", "pill " + (r.ok ? "ok" : "bad"), r.ok ? "OK" : "FAILED"));
                  li.appendChild(document.createTextNode(" " + r.at + " "));
                  li.appendChild(el("span", "sub", r.ok ? ("version " + r.version + ": " + r.routes + " routes, "
                    + r.upstreams + " upstreams") : r.error));
                  list.appendChild(li);
                });
                document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString() + " · every " + (POLL_MS / 1000) + " s";
              }
              function stale(message) {
                var s = document.getElementById("stale");
                s.textContent = message;
                s.className = message ? "on" : "";
              }
              function poll() {
                fetch(DATA_URL, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
                  .then(function (res) {
                    if (!res.ok) { throw new Error("the gateway answered " + res.status); }
                    return res.json();
                  })
                  .then(function (d) { render(d); stale(""); })
                  .catch(function (e) { stale("Not updated: " + e.message + " (showing the last data received)"); })
                  .then(function () { setTimeout(poll, POLL_MS); });
              }
              poll();
            })();
            </script>
            </body>
            </html>
            """;
}
