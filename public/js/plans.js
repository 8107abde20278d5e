// Live totals while a teacher plans: shows what an activity would do to the yearly hours and cost
// against the district caps. The server recomputes and enforces the caps; this only previews.
(function () {
  var box = document.querySelector('[data-plan-totals]');
  var out = box && box.querySelector('[data-projection]');
  if (!box || !out) return;
  var base = {
    hours: Number(box.dataset.hours), cost: Number(box.dataset.cost), years: Number(box.dataset.years) || 1,
    maxCost: Number(box.dataset.maxCost), maxHours: Number(box.dataset.maxHours), minHours: Number(box.dataset.minHours),
  };
  var money = function (n) { return '$' + (Math.round(n * 100) / 100).toLocaleString('en-US'); };
  var hours = function (n) { return Math.round(n * 10) / 10 + ' h'; };

  function project(addHours, addCost, what) {
    var h = (base.hours + addHours) / base.years;
    var c = (base.cost + addCost) / base.years;
    var notes = [];
    if (c > base.maxCost) notes.push('over the cost cap by ' + money(c - base.maxCost));
    if (h > base.maxHours) notes.push('over the hours cap by ' + hours(h - base.maxHours));
    if (h < base.minHours) notes.push(hours(base.minHours - h) + ' short of the required minimum');
    out.textContent = 'With ' + what + ': ' + hours(h) + ' and ' + money(c) + ' a year — ' + (notes.length ? notes.join('; ') : 'within your caps') + '.';
    out.classList.toggle('field-error', notes.length > 0);
    out.hidden = false;
  }

  var custom = document.querySelector('form.custom-activity');
  if (custom) {
    custom.addEventListener('input', function () {
      var h = Number(custom.elements.hours.value) || 0;
      var c = Number(custom.elements.cost.value) || 0;
      if (h || c) project(h, c, 'this activity');
    });
  }
  document.querySelectorAll('form.catalog-pick').forEach(function (form) {
    form.addEventListener('focusin', function () {
      project(Number(form.dataset.hours) || 0, Number(form.dataset.cost) || 0, 'this activity');
    });
    form.addEventListener('mouseenter', function () {
      project(Number(form.dataset.hours) || 0, Number(form.dataset.cost) || 0, 'this activity');
    });
  });
})();
