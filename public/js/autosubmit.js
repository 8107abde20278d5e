// Submits forms marked .autosubmit once the page loads (no inline scripts under our CSP).
document.querySelectorAll('form.autosubmit').forEach(function (form) {
  form.submit();
});
