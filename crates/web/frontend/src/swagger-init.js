// Swagger UI initializer for /api/docs (kept out of the HTML so the page runs under a strict CSP).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    tryItOutEnabled: false,
    withCredentials: true,
    validatorUrl: null,
    onComplete: function () {
      // Swagger UI leaves its server picker without a label.
      document.querySelectorAll("select#servers").forEach(function (select) {
        select.setAttribute("aria-label", "Server");
      });
    },
  });
});
