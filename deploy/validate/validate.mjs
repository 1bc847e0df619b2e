// Validates every Kubernetes resource in the YAML files given as arguments against the JSON schemas
// that kubernetes-models bundles (no cluster, no network). Prints one line per resource; exits 1 on
// the first invalid or unknown one.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

let failed = false;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    const resource = document.toJS();
    if (!resource) continue;
    const [group, version] = resource.apiVersion.includes("/") ? resource.apiVersion.split("/") : [null, resource.apiVersion];
    const module = `kubernetes-models/${group ? group + "/" : ""}${version}/${resource.kind}`;
    const name = `${resource.kind}/${resource.metadata?.name}`;
    try {
      const Model = (await import(module))[resource.kind];
      new Model(resource).validate();
      console.log(`valid ${resource.apiVersion} ${name}`);
    } catch (error) {
      console.log(`INVALID ${resource.apiVersion} ${name}: ${error.message}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
