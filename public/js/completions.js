// CSV import progress: polls the import's status until it has finished (no inline scripts under our CSP).
(function () {
  var section = document.getElementById('import-progress');
  if (!section) return;
  var bar = document.getElementById('import-bar');
  var text = document.getElementById('import-text');
  var done = document.getElementById('import-done');

  function show(s) {
    bar.max = s.total;
    bar.value = s.done;
    bar.textContent = s.percent + '%';
    if (s.status === 'finished') {
      text.textContent = 'Finished: ' + s.received + ' recorded, ' + s.duplicates + ' already in the ledger.';
      done.hidden = false;
      return true;
    }
    text.textContent = s.done + ' of ' + s.total + ' rows recorded (' + s.percent + '%).';
    return false;
  }

  function poll() {
    fetch(section.getAttribute('data-status-url'), { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) {
        if (!res.ok) throw new Error('status ' + res.status);
        return res.json();
      })
      .then(function (s) {
        if (!show(s)) setTimeout(poll, 1000);
      })
      .catch(function () {
        text.textContent = 'Could not read the progress; reload the page to try again.';
      });
  }

  if (done.hidden) setTimeout(poll, 500);
})();
