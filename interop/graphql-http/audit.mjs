// The GraphQL over HTTP specification's audit suite (graphql-http's serverAudits) against a hub.
//
//   GRAPHQL_URL=http://127.0.0.1:8000/graphql GRAPHQL_TOKEN=<JWT> node audit.mjs
//
// Every request of the suite carries "Authorization: Bearer $GRAPHQL_TOKEN" (the hub answers 401
// to anything else). Prints one JSON line per audit: id, name, status (ok | notice | warn |
// error) and, for one that did not pass, the reason and the response's status, content type
// and body.
import { serverAudits } from "graphql-http";

const url = process.env.GRAPHQL_URL;
const token = process.env.GRAPHQL_TOKEN;
if (!url || !token) {
  console.error("set GRAPHQL_URL and GRAPHQL_TOKEN");
  process.exit(2);
}

function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") {
    line.reason = result.reason;
    const response = result.response;
    line.response = {
      status: response.status,
      contentType: response.headers.get("content-type"),
      body: response.bodyUsed ? null : (await response.text()).slice(0, 500),
    };
  }
  console.log(JSON.stringify(line));
}
