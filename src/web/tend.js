/* tend's web page: live updates from /events, the filter box, a log
 * that follows.  Without it the page still works (meta refresh). */
"use strict";
(function () {
	var body = document.body;
	var page = body.dataset.page;
	var rows = new Map();

	function text(el, s) { if (el) el.textContent = s; }

	function setState(el, state) {
		if (!el) return;
		el.textContent = state;
		el.className = "state " + state.toLowerCase();
	}

	function counts() {
		var up = 0, bad = 0, n = 0;
		rows.forEach(function (tr) {
			var s = tr.querySelector(".state").textContent;
			n++;
			if (s === "RUNNING") up++;
			if (s === "FATAL" || s === "BACKOFF") bad++;
		});
		text(document.getElementById("sum"), n + " processes, " + up +
		    " running, " + bad + " failing");
	}

	var pending = null;
	function later(f) {
		if (pending) return;
		pending = setTimeout(function () { pending = null; f(); }, 300);
	}

	/* The status page: each state change updates its row. */
	function onStatus(ev) {
		var tr = rows.get(ev.fullname);
		if (!tr) { if (ev.fullname) later(function () { location.reload(); }); return; }
		setState(tr.querySelector(".state"), ev.state);
		text(tr.querySelector(".desc"), ev.description);
		if (ev.state === "STARTING") {
			var rs = tr.querySelector(".rs");
			var n = Number(rs.textContent) + 1;
			rs.textContent = String(n);
			tr.classList.toggle("hot", n >= 3);
		}
		var up = ev.state === "RUNNING" || ev.state === "STARTING" ||
		    ev.state === "BACKOFF";
		var b = tr.querySelector("button[value^='start '], button[value^='stop ']");
		if (b) {
			b.value = (up ? "stop " : "start ") + ev.fullname;
			b.textContent = up ? "Stop" : "Start";
		}
		later(counts);
	}

	/* A process's page: its live part is fetched again. */
	var busy = false;
	function refreshProc() {
		var live = document.getElementById("live");
		if (!live || busy) return;
		busy = true;
		fetch(location.pathname + "?part=main", { credentials: "same-origin" })
		    .then(function (r) { return r.ok ? r.text() : null; })
		    .then(function (h) {
			busy = false;
			if (h === null) return;
			var t = document.createElement("template");
			t.innerHTML = h;
			var n = t.content.getElementById("live");
			if (n) live.replaceWith(n);
		    }, function () { busy = false; });
	}

	function listen(onEvent) {
		if (!window.EventSource || body.dataset.since === undefined) return;
		var es = new EventSource("/events?since=" +
		    encodeURIComponent(body.dataset.since));
		es.onmessage = function (m) {
			var ev;
			try { ev = JSON.parse(m.data); } catch (e) { return; }
			if (ev.lost !== undefined || ev.reset !== undefined) {
				later(function () { location.reload(); });
				return;
			}
			if (ev.seq !== undefined) body.dataset.since = ev.seq;
			if (ev.fullname !== undefined) onEvent(ev);
		};
	}

	function filter(input) {
		var q = input.value.toLowerCase();
		document.querySelectorAll("details.group").forEach(function (d) {
			var shown = 0;
			d.querySelectorAll("tr[data-name]").forEach(function (tr) {
				var hit = tr.dataset.name.toLowerCase().indexOf(q) >= 0;
				tr.classList.toggle("hidden", !hit);
				if (hit) shown++;
			});
			d.classList.toggle("hidden", shown === 0);
		});
	}

	if (page === "status") {
		document.querySelectorAll("tr[data-name]").forEach(function (tr) {
			rows.set(tr.dataset.name, tr);
		});
		var f = document.getElementById("filter");
		if (f) {
			f.addEventListener("input", function () { filter(f); });
			f.form.addEventListener("submit", function (e) {
				e.preventDefault();
				filter(f);
			});
		}
		listen(onStatus);
	} else if (page === "proc") {
		listen(function (ev) {
			if (ev.fullname !== body.dataset.name) return;
			var now = document.querySelector("#live .now");
			if (now) {
				setState(now.querySelector(".state"), ev.state);
				text(now.querySelector(".desc"), ev.description);
			}
			later(refreshProc);
		});
		setInterval(refreshProc, 15000);
	} else if (page === "tail") {
		followLog(document.getElementById("log"));
	}

	/* The log page: /logtail/NAME as it grows.  Its first piece (the
	 * last KiB) overlaps what the page shows: only what follows that
	 * is added. */
	function followLog(pre) {
		if (!pre || !window.fetch || !window.TextDecoder) return;
		var first = true, dec = new TextDecoder();
		text(document.getElementById("follow"),
		    "Following the log as it grows.");
		fetch(pre.dataset.src, { credentials: "same-origin" }).then(function (r) {
			if (!r.ok || !r.body) return;
			var rd = r.body.getReader();
			function more() {
				return rd.read().then(function (x) {
					if (x.done) return;
					var s = dec.decode(x.value, { stream: true });
					if (first) {
						first = false;
						var shown = pre.textContent;
						var tail = shown.slice(-200);
						var at = tail ? s.lastIndexOf(tail) : -1;
						if (at >= 0) s = s.slice(at + tail.length);
					}
					var end = pre.scrollTop + pre.clientHeight >=
					    pre.scrollHeight - 4;
					pre.appendChild(document.createTextNode(s));
					if (end) pre.scrollTop = pre.scrollHeight;
					return more();
				});
			}
			return more();
		}).catch(function () {});
	}
})();
