// Starts Swagger UI on /docs. tenantlog's own file, not swagger-ui-dist's: the page
// loads it rather than an inline script, so its Content-Security-Policy can forbid
// inline scripts altogether.
window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#ui",
  deepLinking: true,
  // The default sends the document's URL to validator.swagger.io and shows its badge:
  // a request to another origin, which the page's policy forbids and offline fails.
  validatorUrl: null,
});
