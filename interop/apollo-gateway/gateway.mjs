// Apollo Gateway over the agency subgraphs, composed unchanged with IntrospectAndCompose.
//
//   SUBGRAPHS="public_security=http://127.0.0.1:7101/graphql,real_estate=..." PORT=4000 node gateway.mjs
//
// Prints "ready <url>" on stdout once the supergraph is composed and the server listens.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloGateway, IntrospectAndCompose } from "@apollo/gateway";

const spec = process.env.SUBGRAPHS || "";
const subgraphs = spec
  .split(",")
  .filter(Boolean)
  .map((entry) => {
    const [name, url] = entry.split("=");
    if (!name || !url) {
      console.error(`bad SUBGRAPHS entry ${JSON.stringify(entry)}: expected name=url`);
      process.exit(2);
    }
    return { name, url };
  });
if (subgraphs.length === 0) {
  console.error("SUBGRAPHS is empty: name=url,name=url,...");
  process.exit(2);
}

const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({ subgraphs }),
});
const server = new ApolloServer({
  gateway,
  introspection: true,
  includeStacktraceInErrorResponses: false,
});
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT || 4000), host: "127.0.0.1" },
});
console.log(`ready ${url}`);
