// The API reference and try-out console: Swagger UI, served by the portal itself.
/* global SwaggerUIBundle */
const node = document.getElementById('reference');
if (node && typeof SwaggerUIBundle === 'function') {
  SwaggerUIBundle({ url: node.dataset.spec, domNode: node, deepLinking: false, tryItOutEnabled: true, persistAuthorization: false, validatorUrl: null });
}
