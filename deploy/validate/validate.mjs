// Validates every Kubernetes resource in the YAML files given as arguments against the JSON schemas
// that kubernetes-models bundles (no cluster, no network), and the Prometheus Operator's resources
// (deploy/monitoring) against its CRDs' schemas, from @kubernetes-models/prometheus-operator. Prints
// one line per resource; exits 1 if any is invalid or of a kind no schema here knows.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// The packages that hold the models of custom resources, by API group.
const CUSTOM = { "monitoring.coreos.com": "@kubernetes-models/prometheus-operator" };

let failed = false;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    const resource = document.toJS();
    if (!resource) continue;
    const [group, version] = resource.apiVersion.includes("/") ? resource.apiVersion.split("/") : [null, resource.apiVersion];
    const module = `${CUSTOM[group] ?? "kubernetes-models"}/${group ? group + "/" : ""}${version}/${resource.kind}`;
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
