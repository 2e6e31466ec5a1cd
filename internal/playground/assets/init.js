// Starts GraphiQL. It lives in a file rather than inline in the page so the
// Content-Security-Policy can be script-src 'self' with no 'unsafe-inline';
// the server hands over the endpoint in the root element's data-endpoint.
(function () {
  'use strict';

  var defaultQuery = [
    '# Welcome to Storefront. Try:',
    '{',
    '  categories { id name children { id name } }',
    '  skus(first: 5, orderBy: {field: PRICE, direction: ASC}) {',
    '    totalCount',
    '    edges { cursor node { id name price stock } }',
    '    pageInfo { hasNextPage endCursor }',
    '  }',
    '}',
    ''
  ].join('\n');

  // Full screen; set here so the page itself holds no inline code.
  var root = document.getElementById('graphiql');
  document.body.style.margin = '0';
  root.style.height = '100vh';
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: root.dataset.endpoint }),
      defaultQuery: defaultQuery,
      // Lets a user send e.g. {"Authorization": "Bearer ..."}. Headers are
      // not persisted (shouldPersistHeaders defaults to false), so a token
      // does not outlive the tab in localStorage.
      isHeadersEditorEnabled: true
    })
  );
})();
