// Starts the vendored Swagger UI on /api/docs (kaohe/templates/api/docs.html). An external
// file rather than an inline script, so the page keeps the site's Content-Security-Policy.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  var token = document.body.getAttribute("data-csrf-token");
  config.dom_id = "#swagger-ui";
  config.presets = [window.SwaggerUIBundle.presets.apis];
  if (token) {
    // The API uses the session login, so "Try it out" needs Django's CSRF header.
    config.requestInterceptor = function (request) {
      request.headers["X-CSRFToken"] = token;
      return request;
    };
  }
  window.SwaggerUIBundle(config);
})();
