// Moves keyboard and screen-reader focus to the form's error summary, when the page has one,
// so a person who submitted a form with problems hears them first. A file rather than an inline
// script so the Content Security Policy can forbid inline code.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
