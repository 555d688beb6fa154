// Validates Kubernetes manifests against the API's OpenAPI schemas as packaged on the npm registry
// (kubernetes-models: one validator per kind, generated from the Kubernetes OpenAPI spec: types,
// required fields, enums, formats; like the OpenAPI spec, it lets unknown fields through). Run by tests/real/generate/validators_test.cpp with NODE_PATH set to a cache where
// `npm install kubernetes-models yaml` ran (never vendored).
//
//   node k8s_schemas.mjs FILE...   prints "ok FILE: N documents" per file; exit 1 on the first problem
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(pathToFileURL(process.env.NODE_PATH + "/"));
const { parseAllDocuments } = await import(pathToFileURL(require.resolve("yaml")).href);
const root = require.resolve("kubernetes-models/package.json").replace(/package\.json$/, "");

let failed = false;
function fail(message) {
  console.log(message);
  failed = true;
}

// "apps/v1" + "Deployment" -> kubernetes-models/apps/v1/Deployment.js; "v1" -> v1/Service.js
async function model(apiVersion, kind) {
  if (!/^[a-z0-9.\/]+$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind)) return undefined;
  const url = pathToFileURL(`${root}${apiVersion}/${kind}.js`).href;
  try {
    const module = await import(url);
    return module[kind];
  } catch (e) {
    return undefined;
  }
}

for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  let count = 0;
  for (const doc of docs) {
    if (doc.errors.length) {
      fail(`${file}: YAML: ${doc.errors[0].message}`);
      continue;
    }
    const object = doc.toJS();
    if (object === null || object === undefined) continue;
    count++;
    const where = `${file}: ${object.kind ?? "?"} ${object.metadata?.name ?? "?"}`;
    const Model = await model(object.apiVersion ?? "", object.kind ?? "");
    if (!Model) {
      fail(`${where}: no schema for apiVersion ${object.apiVersion} kind ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (e) {
      fail(`${where}: ${e.message}`);
    }
  }
  if (!failed) console.log(`ok ${file}: ${count} documents`);
}
process.exit(failed ? 1 : 0);
