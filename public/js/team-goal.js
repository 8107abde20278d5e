// Filters the colleague checklist of the team-goal form as the teacher types. Without it the
// "Search colleagues" button asks the server, keeping everything typed in the form.
(function () {
  var box = document.querySelector('[data-colleague-filter]');
  var list = document.querySelector('[data-colleague-list]');
  var status = document.querySelector('[data-colleague-count]');
  if (!box || !list) return;
  var items = Array.prototype.slice.call(list.querySelectorAll('li'));

  box.addEventListener('input', function () {
    var words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (li) {
      var text = li.textContent.toLowerCase();
      var checked = li.querySelector('input:checked');
      var match = !!checked || words.every(function (w) { return text.indexOf(w) >= 0; });
      li.hidden = !match;
      if (match) shown++;
    });
    if (status) status.textContent = shown + ' of ' + items.length + ' colleagues shown';
  });
  // Enter in the filter box filters; it must not submit the whole form.
  box.addEventListener('keydown', function (e) {
    if (e.key === 'Enter') e.preventDefault();
  });
})();
