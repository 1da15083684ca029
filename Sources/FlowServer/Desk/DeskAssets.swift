/// The desk's stylesheet and script: plain CSS and a little JavaScript, no build step.
enum DeskAssets {
    static let css = """
        :root { font-family: system-ui, sans-serif; color: #1d2327; background: #f6f7f7; }
        body { margin: 0; }
        .top { display: flex; gap: 1rem; align-items: center; padding: .6rem 1rem; background: #075e54; color: #fff; }
        .top a, .top button { color: #fff; }
        .brand { font-weight: 700; text-decoration: none; margin-right: auto; }
        .inline { display: inline; }
        button { font: inherit; padding: .35rem .8rem; border-radius: 4px; border: 1px solid #0b7a6c; background: #128c7e; color: #fff; cursor: pointer; }
        .top button { background: transparent; border-color: #fff; }
        main { max-width: 64rem; margin: 0 auto; padding: 1rem; }
        .filters { display: flex; gap: .5rem; margin-bottom: 1rem; }
        .filters a { padding: .3rem .7rem; border-radius: 1rem; background: #e2e8e7; color: inherit; text-decoration: none; }
        .filters a.on { background: #128c7e; color: #fff; }
        table.conversations { width: 100%; border-collapse: collapse; background: #fff; }
        .conversations th, .conversations td { text-align: left; padding: .5rem; border-bottom: 1px solid #e5e5e5; vertical-align: top; }
        .row.waiting { background: #fff8e5; }
        .number, .at, .hint, .meta, .category { color: #646970; font-size: .85em; }
        .window { display: inline-block; padding: .15rem .5rem; border-radius: 1rem; font-size: .9em; white-space: nowrap; }
        .window.open { background: #e6f4ea; color: #1e6b34; }
        .window.soon { background: #fff4d6; color: #7a5a00; }
        .window.closing { background: #fde2e1; color: #a0281f; font-weight: 700; }
        .window.closed, .window.never { background: #e5e5e5; color: #50575e; }
        .alert { outline: 2px solid #d63638; }
        .error { background: #fde2e1; color: #8a1f17; padding: .5rem .8rem; border-radius: 4px; }
        .transcript { list-style: none; padding: 0; display: flex; flex-direction: column; gap: .4rem; }
        .message { max-width: 75%; padding: .4rem .6rem; border-radius: 6px; background: #fff; box-shadow: 0 1px 1px #0001; }
        .message.in { align-self: flex-start; }
        .message.out { align-self: flex-end; background: #dcf8c6; }
        .message.notice { align-self: center; background: #e8eaed; font-size: .85em; max-width: 90%; }
        .message .text { display: block; white-space: pre-wrap; overflow-wrap: anywhere; }
        .ticks { float: right; font-size: .8em; color: #646970; }
        .ticks.read { color: #34b7f1; }
        .ticks.failed, .failure { color: #d63638; }
        .failure { display: block; font-size: .85em; }
        .reply, .template { display: flex; flex-direction: column; gap: .4rem; background: #fff; padding: .8rem; border-radius: 6px; margin: .8rem 0; }
        .preview { background: #f0f0f1; padding: .5rem; border-radius: 4px; white-space: pre-wrap; }
        .button-preview { display: inline-block; border: 1px solid #c3c4c7; border-radius: 1rem; padding: .1rem .6rem; margin-right: .3rem; }
        .login { max-width: 22rem; margin: 3rem auto; background: #fff; padding: 1.5rem; border-radius: 6px; }
        .login form { display: flex; flex-direction: column; gap: .8rem; }
        .login input { width: 100%; box-sizing: border-box; padding: .4rem; }
        """

    /// Countdowns tick every second from each window's close time; the server's changes arrive as
    /// server-sent events, and the page fetches itself again and swaps its content in.
    static let js = """
        "use strict";
        (function () {
          const alertBefore = Number(document.body.dataset.alertBefore || 3600000);
          const skew = Number(document.body.dataset.now || Date.now()) - Date.now();
          const now = () => Date.now() + skew;
          const warned = new Set();

          function remaining(ms) {
            const s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
            if (h > 0) return "closes in " + h + " h " + m + " m";
            if (m > 0) return "closes in " + m + " m";
            return "closes in " + s + " s";
          }

          function tick() {
            let flipped = false;
            for (const el of document.querySelectorAll(".window[data-closes-at]")) {
              const at = Number(el.dataset.closesAt);
              if (!at) continue;
              const left = at - now();
              const wasOpen = !el.classList.contains("closed");
              el.classList.remove("open", "soon", "closing", "closed");
              if (left <= 0) {
                el.textContent = "closed";
                el.classList.add("closed");
                if (wasOpen) flipped = true;
              } else {
                el.textContent = remaining(left);
                el.classList.add(left <= alertBefore ? "closing" : left <= 4 * alertBefore ? "soon" : "open");
              }
              const row = el.closest("[data-contact]");
              const alerting = left > 0 && left <= alertBefore && el.dataset.watch === "true";
              if (row) row.classList.toggle("alert", alerting);
              if (alerting && row && !warned.has(row.dataset.contact)) {
                warned.add(row.dataset.contact);
                notify(row);
              }
            }
            // A window that just closed changes what the page offers (reply box or templates).
            if (flipped && document.body.dataset.page === "conversation") refresh();
          }

          function notify(row) {
            if (!("Notification" in window) || Notification.permission !== "granted") return;
            const name = (row.querySelector(".name, h1") || row).textContent.trim();
            new Notification("Window closing soon", { body: name + ": under " + Math.round(alertBefore / 60000) + " minutes left" });
          }

          let refreshing = false, again = false;
          async function refresh() {
            if (refreshing) { again = true; return; }
            refreshing = true;
            try {
              const active = document.activeElement;
              if (active && active.tagName === "TEXTAREA" && active.value) return;
              const response = await fetch(location.href, { credentials: "same-origin", headers: { "X-Desk-Refresh": "1" } });
              if (response.redirected || !response.ok) return;
              const page = new DOMParser().parseFromString(await response.text(), "text/html");
              const fresh = page.getElementById("content");
              if (fresh) {
                document.getElementById("content").replaceWith(fresh);
                tick();
              }
            } finally {
              // At most one fetch a second, however busy the server: changes meanwhile coalesce.
              setTimeout(() => {
                refreshing = false;
                if (again) { again = false; refresh(); }
              }, 1000);
            }
          }

          function watchedContact() {
            const section = document.querySelector(".conversation[data-contact]");
            return section ? section.dataset.contact : null;
          }

          function listen() {
            const events = new EventSource("/desk/events");
            events.addEventListener("change", (event) => {
              const only = watchedContact();
              if (!only || event.data.split("\\n").includes(only)) refresh();
            });
          }

          document.addEventListener("input", (event) => {
            const form = event.target.closest("form.template");
            if (!form) return;
            let text = form.dataset.body;
            for (const input of form.querySelectorAll(".parameter")) {
              const value = input.value || "{{" + input.dataset.index + "}}";
              text = text.split("{{" + input.dataset.index + "}}").join(value);
            }
            form.querySelector(".preview-text").textContent = text;
          });

          if ("Notification" in window && Notification.permission === "default") {
            document.addEventListener("click", () => Notification.requestPermission(), { once: true });
          }
          tick();
          setInterval(tick, 1000);
          if (document.body.dataset.page !== "login") listen();
        })();
        """
}
