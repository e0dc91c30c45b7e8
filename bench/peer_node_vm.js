// A Node `vm` peer for bench/bench_e2e.py: the way offline CloudFront Functions runners built on
// Node work (peers.md: cdk-local, yulin), written for this bench. One vm context per function,
// shared by every case of that function; the `import cf from 'cloudfront'` line is taken out and a
// KeyValueStore mock takes its place. No output validation, no step budget, no memory limit and
// no deadline: this is the speed such a runner has, not a second emulator.
//
//   node bench/peer_node_vm.js CASES.json
//
// CASES.json: {"functions": {name: {"source": FILE, "store": KVS_JSON_FILE|null}},
//              "cases": [[function, event, kvs-overrides|null, expect], ...]}
// expect: {status?, location?, uri?}. Prints one JSON line: cases, passed, failed, the first
// failures, and times in ms (since the process started: load, loop, total).
"use strict";
const fs = require("fs");
const vm = require("vm");
const { performance } = require("perf_hooks");

const IMPORT_CF = /^[ \t]*import\s+([A-Za-z_$][\w$]*)\s+from\s*['"]cloudfront['"]\s*;?/m;

function storeOf(file) {
  const data = new Map();
  if (file) for (const { key, value } of JSON.parse(fs.readFileSync(file, "utf8")).data) data.set(key, value);
  return data;
}

// cf.kvs(): get/exists/meta over the function's store, with the current case's overrides on top
function cfModule(base, current) {
  function lookup(key) {
    const over = current.overrides;
    if (over && Object.prototype.hasOwnProperty.call(over, key)) return over[key] === null ? undefined : over[key];
    return base.get(key);
  }
  const store = {
    async get(key, options) {
      const value = lookup(key);
      if (value === undefined) throw new Error("KVS key does not exist");
      const format = (options && options.format) || "string";
      if (format === "json") return JSON.parse(value);
      if (format === "bytes") return Buffer.from(value, "utf8");
      return value;
    },
    async exists(key) { return lookup(key) !== undefined; },
    async meta() { return { creationDateTime: "2026-01-01T00:00:00Z", lastUpdatedDateTime: "2026-01-01T00:00:00Z", keyCount: base.size }; },
  };
  return { kvs: () => store };
}

function load(name, spec) {
  const current = { overrides: null };
  let source = fs.readFileSync(spec.source, "utf8");
  const m = IMPORT_CF.exec(source);
  const sandbox = { console: { log() {} } };
  if (m) {
    source = source.slice(0, m.index) + source.slice(m.index + m[0].length);
    sandbox[m[1]] = cfModule(storeOf(spec.store), current);
  }
  const context = vm.createContext(sandbox);
  vm.runInContext(source, context, { filename: spec.source });
  const handler = vm.runInContext("handler", context);
  return { handler, current };
}

function header(obj, name) {
  const h = obj && obj.headers && obj.headers[name];
  return h ? h.value : undefined;
}

function mismatch(out, expect) {
  const resp = out && out.statusCode !== undefined ? out : null;
  const req = out && !resp ? out : null;
  if (expect.status !== undefined && (!resp || resp.statusCode !== expect.status)) return "status";
  if (expect.location !== undefined && (!resp || header(resp, "location") !== expect.location)) return "location";
  if (expect.uri !== undefined && (!req || req.uri !== expect.uri)) return "uri";
  return null;
}

async function main() {
  const t0 = performance.now();
  const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const fns = {};
  for (const [name, f] of Object.entries(spec.functions)) fns[name] = load(name, f);
  const t1 = performance.now();
  let passed = 0;
  const failures = [];
  for (const [name, event, overrides, expect] of spec.cases) {
    const fn = fns[name];
    fn.current.overrides = overrides;
    let out, why;
    try {
      out = await fn.handler(event);
      why = mismatch(out, expect);
    } catch (e) {
      why = "error: " + e.message;
    }
    if (why === null) passed++;
    else if (failures.length < 5) failures.push([event.request && event.request.uri, why]);
  }
  const t2 = performance.now();
  const n = spec.cases.length;
  process.stdout.write(JSON.stringify({ cases: n, passed, failed: n - passed, failures, node: process.version,
    load_ms: t1 - t0, loop_ms: t2 - t1, total_ms: performance.now() }) + "\n");
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e) + "\n"); process.exit(1); });
