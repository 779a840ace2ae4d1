// Playground browser glue: htmx does the partial updates; this file only adds what htmx cannot (live charts).
(function () {
  "use strict";
  window.needle = window.needle || {};
})();
