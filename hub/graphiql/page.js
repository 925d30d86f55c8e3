// The GraphiQL page: GraphiQL over the hub's /graphql, from the package's own copies of
// GraphiQL and React (hub/graphiql/vendor), so it works on a network without internet.
//
// Every request needs the caller's token: put {"Authorization": "Bearer <token>"} in the
// headers pane. The headers are kept in this tab's sessionStorage only, like the console's
// token. Subscriptions need a graphql-transport-ws client (see the README), not this page.
"use strict";

const EXAMPLE = `# GraphiQL for the 府院通 hub.
#
# 1. Put your token into the headers pane below:
#      {"Authorization": "Bearer <token>"}
#    (fyt demo info prints the demo users' tokens.)
# 2. Run (Ctrl-Enter):

{
  me {
    userId
    name
    org
    roles
  }
}
`;

const fetcher = GraphiQL.createFetcher({ url: new URL("/graphql", window.location.href).href });

ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: EXAMPLE,
    defaultHeaders: '{"Authorization": "Bearer "}',
    defaultEditorToolsVisibility: "headers",
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    storage: window.sessionStorage,
    inputValueDeprecation: true,
  }),
);
