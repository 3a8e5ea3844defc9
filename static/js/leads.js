// The leads page: a badge held up to the camera (qr-camera.js), or a USB badge scanner typing the code and pressing
// Enter into the focused field. The form is sent in the background, the result is read out (aria-live) and the new lead added to the table, and the field is
// ready for the next badge. Without this script the form still works, one page load per scan.
(function () {
  'use strict';
  const form = document.querySelector('form[data-leads-form]');
  if (!form || !window.fetch) return;
  const code = form.querySelector('input[name="code"]');
  const note = form.querySelector('input[name="note"]');
  const result = document.getElementById('lead-scan-result');
  const tbody = document.querySelector('#leads-table tbody');
  const count = document.getElementById('lead-count');
  let busy = false;

  function show(kind, message) {
    result.className = 'lead-scan-result alert alert-' + kind;
    result.dataset.result = kind;
    result.textContent = message;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });

  async function send() {
    if (busy || !code.value.trim()) return;
    busy = true;
    try {
      const response = await fetch(form.action || window.location.href, {
        method: 'POST',
        body: new FormData(form),
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
      });
      const answer = await response.json();
      result.dataset.code = answer.result;
      if (answer.result === 'created' || answer.result === 'existing') {
        show(answer.result === 'created' ? 'success' : 'info', answer.message);
        const old = document.getElementById('lead-' + answer.lead_id);
        const holder = document.createElement('tbody');
        holder.innerHTML = answer.row;
        const row = holder.firstElementChild;
        if (old) { old.replaceWith(row); } else {
          tbody.prepend(row);
          count.textContent = String(Number(count.textContent) + 1);
          const none = document.getElementById('no-leads');
          if (none) none.remove();
        }
      } else {
        show('danger', answer.message || response.statusText);
      }
    } catch (error) {
      show('danger', error.message);
    } finally {
      busy = false;
      code.value = '';
      if (note) note.value = '';
      code.focus();
    }
  }

  const camera = document.getElementById('qr-camera');
  if (camera && window.QrCamera) {
    window.QrCamera(camera, (text) => {
      if (busy) return;
      code.value = text;
      send();
    }).startIfPresent();
  }
})();
