// The API reference and try-out console: Swagger UI, served by the portal itself.
/* global SwaggerUIBundle, MutationObserver */
const node = document.getElementById('reference');
if (node && typeof SwaggerUIBundle === 'function') {
  // Swagger UI renders its own <main> elements; inside the portal's main they become labelled regions,
  // so the page keeps one main landmark.
  const demote = () => {
    // The API's title is a heading of the portal's page, below its h1: level 2, so the tag headings (h3) follow in order.
    const title = node.querySelector('.info .title:not([aria-level])');
    if (title) title.setAttribute('aria-level', '2');
    const servers = node.querySelector('#servers:not([aria-label])');
    if (servers) servers.setAttribute('aria-label', 'Server');
    for (const main of node.querySelectorAll('main:not([role])')) {
      main.setAttribute('role', 'region');
      main.setAttribute('aria-label', main.getAttribute('aria-label') || 'Operations');
    }
  };
  new MutationObserver(demote).observe(node, { childList: true, subtree: true });
  SwaggerUIBundle({ url: node.dataset.spec, domNode: node, deepLinking: false, tryItOutEnabled: true, persistAuthorization: false, validatorUrl: null });
}
