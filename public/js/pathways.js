// Assignment progress: polls the batch's JSON status and moves the progress bar until it is finished.
(function () {
  var panel = document.querySelector('[data-batch-status]');
  if (!panel || panel.getAttribute('data-batch-state') === 'finished') return;
  var url = panel.getAttribute('data-batch-status');
  var bar = panel.querySelector('progress');
  function show(status) {
    bar.value = status.done;
    ['done', 'enrolled', 'already', 'failed'].forEach(function (field) {
      var el = panel.querySelector('[data-field="' + field + '"]');
      if (el) el.textContent = String(status[field]);
    });
    if (status.status === 'finished') {
      panel.querySelector('h2').textContent = 'Done';
      return;
    }
    setTimeout(poll, 1000);
  }
  function poll() {
    fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); })
      .then(show)
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 500);
})();
