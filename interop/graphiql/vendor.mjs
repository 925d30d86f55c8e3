// GraphiQL and React for the hub's GraphiQL page, copied from the npm registry's packages.
//
//   npm ci && node vendor.mjs           write hub/graphiql/vendor/ from node_modules
//   npm ci && node vendor.mjs --check   exit 1 unless hub/graphiql/vendor/ is exactly that
//
// package.json pins the versions and package-lock.json the registry's integrity hashes, so the
// vendored files are the published ones. Each package's directory is named with its version
// and holds the files the page loads and the package's licence; GraphiQL's also holds the
// licences of what its browser bundle (graphiql.min.js) carries inside it.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const target = join(here, "..", "..", "hub", "graphiql", "vendor");

// package -> files of it the page loads (the bundles React's UMD globals and GraphiQL's need)
const FILES = {
  react: ["umd/react.production.min.js"],
  "react-dom": ["umd/react-dom.production.min.js"],
  graphiql: ["graphiql.min.js", "graphiql.min.css"],
};
// the page provides these to GraphiQL's bundle as globals; everything else it depends on is inside
const EXTERNAL = new Set(["react", "react-dom"]);
const LICENCE = /^(licen[cs]e|copying)(\.(md|txt))?$/i;

function manifest(name) {
  return JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8"));
}

function licenceText(name) {
  const file = readdirSync(join(modules, name)).find((f) => LICENCE.test(f));
  return file ? readFileSync(join(modules, name, file), "utf8") : null;
}

// Every package GraphiQL's bundle is built from: its dependencies and peers, transitively,
// except the ones the page loads itself.
function bundled(root) {
  const seen = new Map();
  const visit = (name) => {
    if (seen.has(name) || EXTERNAL.has(name) || !existsSync(join(modules, name))) return;
    const pkg = manifest(name);
    seen.set(name, pkg);
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) visit(dep);
  };
  const pkg = manifest(root);
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) visit(dep);
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function thirdParty(root) {
  const parts = [
    `The packages ${root}@${manifest(root).version}'s browser bundle (graphiql.min.js) is built from,`,
    "with their licences: its dependency tree as npm resolves it for interop/graphiql/package-lock.json",
    "(GraphiQL's maintainers built the bundle from the same packages, perhaps at other patch versions).",
    "Collected by interop/graphiql/vendor.mjs.",
  ];
  for (const pkg of bundled(root)) {
    const text = licenceText(pkg.name);
    parts.push(
      "=".repeat(78),
      `${pkg.name}@${pkg.version} (${pkg.license ?? "licence not stated"})`,
      text === null ? `(the package ships no licence file; package.json: ${pkg.license})` : text.trim(),
    );
  }
  return parts.join("\n") + "\n";
}

// relative path under hub/graphiql/vendor -> contents
function expected() {
  const out = new Map();
  for (const [name, files] of Object.entries(FILES)) {
    const dir = `${name}-${manifest(name).version}`;
    for (const file of files) {
      out.set(`${dir}/${file.split("/").pop()}`, readFileSync(join(modules, name, file)));
    }
    const text = licenceText(name);
    if (text === null) throw new Error(`${name} ships no licence file`);
    out.set(`${dir}/LICENSE`, Buffer.from(text));
  }
  out.set(`graphiql-${manifest("graphiql").version}/THIRD_PARTY_LICENSES.txt`, Buffer.from(thirdParty("graphiql")));
  return out;
}

function present(dir, prefix = "") {
  if (!existsSync(dir)) return new Map();
  const out = new Map();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) for (const [k, v] of present(join(dir, entry.name), rel + "/")) out.set(k, v);
    else out.set(rel, readFileSync(join(dir, entry.name)));
  }
  return out;
}

const want = expected();
if (process.argv.includes("--check")) {
  const have = present(target);
  const problems = [];
  for (const [rel, bytes] of want) {
    if (!have.has(rel)) problems.push(`missing: ${rel}`);
    else if (!have.get(rel).equals(bytes)) problems.push(`differs from the npm package: ${rel}`);
  }
  for (const rel of have.keys()) if (!want.has(rel)) problems.push(`not from the npm packages: ${rel}`);
  if (problems.length) {
    console.log(problems.join("\n"));
    process.exit(1);
  }
  console.log(`hub/graphiql/vendor holds exactly the npm packages' files (${want.size} files)`);
} else {
  rmSync(target, { recursive: true, force: true });
  for (const [rel, bytes] of want) {
    mkdirSync(dirname(join(target, rel)), { recursive: true });
    writeFileSync(join(target, rel), bytes);
  }
  console.log(`wrote ${want.size} files to hub/graphiql/vendor`);
}
