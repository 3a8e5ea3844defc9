// A camera that reads badge QR codes in the browser: getUserMedia for the picture, jsQR (served by the app from
// node_modules) to decode it. Shared by the check-in scanner and the exhibitors' leads page. The markup comes from
// the qr_camera() macro (templates/_macros/qr_camera.html), which carries the translated words as data attributes.
//
//   var camera = window.QrCamera(document.getElementById("qr-camera"), function (code) { ... });
//   camera.startIfPresent();   // start at once when the device has a camera
(function () {
  "use strict";

  window.QrCamera = function (section, onCode) {
    var texts = section.dataset;
    var video = section.querySelector("video");
    var canvas = section.querySelector("canvas");
    var state = section.querySelector("[data-camera-state]");
    var toggle = section.querySelector("[data-camera-toggle]");
    var stream = null;
    var lastCode = "";
    var lastCodeAt = 0;

    function setState(name, text) {
      state.dataset.state = name;
      state.textContent = text;
      toggle.textContent = name === "on" ? texts.cameraStop : texts.cameraStart;
      video.hidden = name !== "on";
    }

    function tick() {
      if (!stream) {
        return;
      }
      if (video.readyState >= 2 && video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        var context = canvas.getContext("2d", { willReadFrequently: true });
        context.drawImage(video, 0, 0);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        var now = Date.now();
        // The same badge stays in front of the camera for a while: one reading of it every 4 seconds at most.
        if (found && found.data && (found.data !== lastCode || now - lastCodeAt > 4000)) {
          lastCode = found.data;
          lastCodeAt = now;
          onCode(found.data);
        }
      }
      window.setTimeout(tick, 120);
    }

    function start() {
      if (typeof window.jsQR !== "function") {
        setState("error", texts.decoderMissing);
        return;
      }
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        setState("error", texts.cameraError);
        return;
      }
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment", width: { ideal: 640 }, height: { ideal: 480 } }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          return video.play();
        })
        .then(function () {
          setState("on", texts.cameraOn);
          tick();
        })
        .catch(function (error) {
          stream = null;
          setState("error", texts.cameraError);
          state.dataset.error = error.name + ": " + error.message;
        });
    }

    function stop() {
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
      }
      stream = null;
      setState("off", texts.cameraOff);
    }

    toggle.addEventListener("click", function () {
      if (stream) {
        stop();
      } else {
        start();
      }
    });

    return {
      start: start,
      stop: stop,
      startIfPresent: function () {
        if (navigator.mediaDevices && navigator.mediaDevices.enumerateDevices) {
          navigator.mediaDevices.enumerateDevices().then(function (devices) {
            if (devices.some(function (device) { return device.kind === "videoinput"; })) {
              start();
            }
          });
        }
      },
    };
  };
})();
