// The badge scanner (/checkin/<checkpoint>): camera (qr-camera.js) or a USB scanner typing into the field, a verdict with
// words, an icon and a sound, and offline scanning: while the network is down the page checks the Ed25519
// signature itself (WebCrypto) against the public key and revocation list it keeps, shows a provisional verdict,
// and queues the scan (device time, nonce) until the server can take it. The server reconciles: the first scan wins.
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) {
    return;
  }
  var config = root.dataset;
  var texts = {};
  document.querySelectorAll("#scanner-texts [data-text]").forEach(function (node) {
    texts[node.dataset.text] = node.textContent.trim();
  });
  var verdictBox = document.getElementById("verdict");
  var networkState = document.getElementById("network-state");
  var queueState = document.getElementById("queue-state");
  var lastScans = document.getElementById("last-scans");
  var form = document.getElementById("code-form");
  var input = document.getElementById("code-input");
  var csrfToken = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var signedOut = document.getElementById("signed-out");

  var BUNDLE_KEY = "ascn-checkin-bundle-" + config.eventId;
  var QUEUE_KEY = "ascn-checkin-queue";
  var DEVICE_KEY = "ascn-checkin-device";
  var SEEN_KEY = "ascn-checkin-offline-seen";
  var RED = ["unknown_code", "revoked", "not_approved", "cancelled", "wrong_event", "not_allowed_here"];

  function readJson(key, fallback) {
    try {
      var value = window.localStorage.getItem(key);
      return value ? JSON.parse(value) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  function writeJson(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      /* storage full or disabled: the page still works online */
    }
  }

  function randomId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var deviceId = window.localStorage.getItem(DEVICE_KEY);
  if (!deviceId) {
    deviceId = "web-" + randomId();
    window.localStorage.setItem(DEVICE_KEY, deviceId);
  }

  // Sound: a high short beep for accepted, two low beeps for a refusal, a middle one for amber.
  var audio = null;
  function beep(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = kind === "green" ? [[880, 0, 0.15]] : kind === "amber" ? [[600, 0, 0.2]] : [[220, 0, 0.18], [220, 0.25, 0.18]];
      tones.forEach(function (tone) {
        var oscillator = audio.createOscillator();
        var gain = audio.createGain();
        oscillator.frequency.value = tone[0];
        oscillator.type = kind === "red" ? "square" : "sine";
        gain.gain.value = 0.2;
        oscillator.connect(gain);
        gain.connect(audio.destination);
        oscillator.start(audio.currentTime + tone[1]);
        oscillator.stop(audio.currentTime + tone[1] + tone[2]);
      });
    } catch (error) {
      /* no sound on this device */
    }
  }

  function colourOf(result, provisional) {
    if (RED.indexOf(result) >= 0) {
      return "red";
    }
    if (result === "accepted" && !provisional) {
      return "green";
    }
    return "amber";
  }

  var ICONS = { green: "✔", amber: "⚠", red: "✖" };

  function show(verdict, provisional) {
    var colour = colourOf(verdict.result, provisional);
    var word = provisional && verdict.result === "accepted" ? texts.offline_ok : texts[verdict.result] || verdict.result;
    verdictBox.className = "verdict verdict-" + colour;
    verdictBox.dataset.result = verdict.result;
    verdictBox.dataset.provisional = provisional ? "true" : "false";
    verdictBox.querySelector(".verdict-icon").textContent = ICONS[colour];
    verdictBox.querySelector(".verdict-word").textContent = word;
    var who = verdict.registration;
    verdictBox.querySelector(".verdict-name").textContent = who ? who.full_name : "";
    verdictBox.querySelector(".verdict-details").textContent = who
      ? [who.organisation, who.category_label || who.category, who.country].filter(Boolean).join(" · ")
      : "";
    verdictBox.querySelector(".verdict-message").textContent = verdict.message || "";
    beep(colour);
    return { colour: colour, word: word };
  }

  function remember(verdict, shown, scan) {
    var item = document.createElement("li");
    item.className = "list-group-item d-flex justify-content-between align-items-start scan-" + shown.colour;
    item.dataset.result = verdict.result;
    if (scan) {
      item.dataset.nonce = scan.nonce;
    }
    var main = document.createElement("div");
    main.className = "ms-2 me-auto";
    var head = document.createElement("div");
    head.className = "fw-semibold";
    head.textContent = ICONS[shown.colour] + " " + shown.word;
    var who = document.createElement("div");
    who.textContent = verdict.registration ? verdict.registration.full_name : "";
    main.appendChild(head);
    main.appendChild(who);
    var when = document.createElement("span");
    when.className = "text-secondary scan-state";
    when.textContent = new Date().toLocaleTimeString() + (scan ? " · " + texts.queued : "");
    item.appendChild(main);
    item.appendChild(when);
    lastScans.insertBefore(item, lastScans.firstChild);
    while (lastScans.children.length > 10) {
      lastScans.removeChild(lastScans.lastChild);
    }
  }

  // The network --------------------------------------------------------------------------------------------------

  function Offline() {}

  // The body of a JSON answer. Anything else is the sign-in page (the session ended): the scan is kept as if
  // offline, and the page says so.
  function jsonOf(response) {
    if ((response.headers.get("Content-Type") || "").indexOf("json") < 0) {
      signedOut.hidden = false;
      throw new Offline();
    }
    signedOut.hidden = true;
    return response.json();
  }

  function refreshToken() {
    return fetch(config.tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(jsonOf, function () { throw new Offline(); })
      .then(function (body) { csrfToken = body.csrf_token; });
  }

  // POST a scan; rejects with Offline when the server cannot be reached (or answers 5xx), so the scan is queued.
  function post(scan, retried) {
    return fetch(config.scanUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(scan),
    }).then(
      function (response) {
        if (response.status === 400 && !retried) {
          // An expired CSRF token after a long day: fetch a fresh one and send once more.
          return refreshToken().then(function () { return post(scan, true); });
        }
        if (response.status >= 500) {
          throw new Offline();
        }
        return jsonOf(response);
      },
      function () { throw new Offline(); }
    );
  }

  function setNetwork(online) {
    var queue = readJson(QUEUE_KEY, []);
    networkState.dataset.state = online ? "online" : "offline";
    networkState.className = "badge " + (online ? "text-bg-success" : "text-bg-warning");
    networkState.textContent = (online ? "● " : "○ ") + (online ? texts.online : texts.offline);
    queueState.dataset.count = String(queue.length);
    queueState.textContent = queue.length ? "(" + texts.waiting + " " + queue.length + ")" : "";
  }

  function loadBundle() {
    return fetch(config.offlineUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Offline();
        }
        return response.json();
      })
      .then(function (bundle) {
        writeJson(BUNDLE_KEY, bundle);
        root.dataset.bundleLoaded = bundle.generated_at;
        setNetwork(true);
      })
      .catch(function () { setNetwork(false); });
  }

  var flushing = false;
  function flushQueue() {
    var queue = readJson(QUEUE_KEY, []);
    if (flushing || !queue.length) {
      return Promise.resolve();
    }
    flushing = true;
    var scan = queue[0];
    return post(scan)
      .then(function (verdict) {
        writeJson(QUEUE_KEY, readJson(QUEUE_KEY, []).filter(function (item) { return item.nonce !== scan.nonce; }));
        var item = lastScans.querySelector('[data-nonce="' + scan.nonce + '"]');
        if (item) {
          item.dataset.serverResult = verdict.result;
          item.querySelector(".scan-state").textContent =
            new Date(scan.scanned_at).toLocaleTimeString() + " · " + texts.sent + ": " + (texts[verdict.result] || verdict.result);
        }
        setNetwork(true);
        flushing = false;
        return flushQueue();
      })
      .catch(function () {
        flushing = false;
        setNetwork(false);
      });
  }

  // Offline verdicts ---------------------------------------------------------------------------------------------

  function bytesFromBase64(text) {
    var binary = window.atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes;
  }

  function bytesFromBase64Url(text) {
    var standard = text.replace(/-/g, "+").replace(/_/g, "/");
    while (standard.length % 4) {
      standard += "=";
    }
    return bytesFromBase64(standard);
  }

  function localDay(date) {
    // en-CA writes dates as YYYY-MM-DD, in the event's zone.
    return new Intl.DateTimeFormat("en-CA", { timeZone: config.eventTimezone }).format(date);
  }

  // The badge code of registration/badge_codes.py: "A1" + base64url(event u32 | registration u32 | version u16 |
  // Ed25519 signature of "A1" + those 10 bytes).
  function judgeOffline(code, scannedAt) {
    var bundle = readJson(BUNDLE_KEY, null);
    var refuse = function (result, message) {
      return { result: result, message: message || texts.offline_refused, registration: null };
    };
    if (!bundle || !window.crypto || !window.crypto.subtle) {
      return Promise.resolve({ result: "accepted", message: texts.offline_cannot_verify, registration: null });
    }
    var raw;
    try {
      if (code.length !== 101 || code.slice(0, 2) !== "A1") {
        throw new Error("shape");
      }
      raw = bytesFromBase64Url(code.slice(2));
      if (raw.length !== 74) {
        throw new Error("length");
      }
    } catch (error) {
      return Promise.resolve(refuse("unknown_code"));
    }
    var payload = raw.slice(0, 10);
    var signature = raw.slice(10);
    var signed = new Uint8Array(12);
    signed.set([65, 49]); // "A1"
    signed.set(payload, 2);
    return window.crypto.subtle
      .importKey("raw", bytesFromBase64(bundle.public_key), { name: "Ed25519" }, false, ["verify"])
      .then(function (key) { return window.crypto.subtle.verify({ name: "Ed25519" }, key, signature, signed); })
      .then(
        function (genuine) {
          if (!genuine) {
            return refuse("unknown_code");
          }
          var view = new DataView(payload.buffer);
          var eventId = view.getUint32(0);
          var registrationId = view.getUint32(4);
          var version = view.getUint16(8);
          if (eventId !== Number(config.eventId)) {
            return refuse("wrong_event");
          }
          var who = bundle.registrations.filter(function (r) { return r.id === registrationId; })[0] || null;
          var verdict = function (result, message) {
            return { result: result, message: message, registration: who };
          };
          if (bundle.revoked.indexOf(code) >= 0 || (who && version < who.badge_version)) {
            return verdict("revoked", texts.offline_refused);
          }
          if (!who) {
            return verdict("accepted", texts.offline_unknown_person);
          }
          if (who.refusal) {
            return verdict(who.refusal, texts.offline_refused);
          }
          if (config.checkpointKind === "venue") {
            if (who.attendance === "online" || (config.day && localDay(new Date(scannedAt)) !== config.day)) {
              return verdict("not_allowed_here", texts.offline_refused);
            }
          } else if (who.sessions.indexOf(Number(config.sessionId)) < 0) {
            return verdict("not_allowed_here", texts.offline_refused);
          }
          var seen = readJson(SEEN_KEY, {});
          var seenKey = config.checkpointId + ":" + registrationId + ":" + localDay(new Date(scannedAt));
          if (seen[seenKey]) {
            return verdict("already_checked_in", texts.offline_repeat);
          }
          seen[seenKey] = scannedAt;
          writeJson(SEEN_KEY, seen);
          return verdict("accepted", texts.offline_ok_message);
        },
        function () {
          return { result: "accepted", message: texts.offline_cannot_verify, registration: null };
        }
      );
  }

  // A scan -------------------------------------------------------------------------------------------------------

  function submit(code) {
    code = (code || "").trim();
    if (!code) {
      return Promise.resolve();
    }
    var scan = { code: code, scanned_at: new Date().toISOString(), device_id: deviceId, nonce: randomId() };
    root.dataset.busy = "true";
    return post(scan)
      .then(function (verdict) {
        if (!verdict || !verdict.result) {
          verdictBox.querySelector(".verdict-message").textContent = texts.server_error;
          return;
        }
        setNetwork(true);
        remember(verdict, show(verdict, false), null);
        flushQueue();
      })
      .catch(function (error) {
        if (!(error instanceof Offline)) {
          throw error;
        }
        setNetwork(false);
        var queue = readJson(QUEUE_KEY, []);
        queue.push(scan);
        writeJson(QUEUE_KEY, queue);
        setNetwork(false);
        return judgeOffline(code, scan.scanned_at).then(function (verdict) {
          remember(verdict, show(verdict, true), scan);
        });
      })
      .finally(function () {
        root.dataset.busy = "false";
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = input.value;
    input.value = "";
    submit(code);
    input.focus();
  });

  // Start: the camera if one is there, the offline bundle, and the queue every few seconds.
  setNetwork(navigator.onLine !== false);
  loadBundle().then(flushQueue);
  window.addEventListener("online", function () { loadBundle().then(flushQueue); });
  window.addEventListener("offline", function () { setNetwork(false); });
  window.setInterval(flushQueue, 3000);
  window.setInterval(loadBundle, 60000);
  window.QrCamera(document.getElementById("qr-camera"), submit).startIfPresent();
})();
