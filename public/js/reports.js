// Draws the report charts from the JSON the page carries in a data attribute (no inline scripts under our CSP).
(function () {
  var source = document.getElementById('report-charts');
  if (!source || typeof window.Chart === 'undefined') return;
  var specs = JSON.parse(source.getAttribute('data-charts') || '[]');
  var still = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  specs.forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    if (!canvas) return;
    var bar = spec.type === 'bar';
    var counts = spec.datasets.every(function (d) { return d.data.every(function (v) { return Math.round(v) === v; }); });
    var axis = function () { return { stacked: !!spec.stacked, beginAtZero: true, ticks: counts ? { precision: 0 } : {} }; };
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : undefined,
        indexAxis: spec.horizontal ? 'y' : 'x',
        plugins: { legend: { position: 'bottom' } },
        scales: bar ? { x: axis(), y: axis() } : undefined,
      },
    });
  });
})();
