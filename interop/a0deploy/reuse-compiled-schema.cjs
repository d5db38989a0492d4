// Preloaded into auth0-deploy-cli by TestA0DeployRoundTrip (node --require).
//
// An import checks the tenant file against the CLI's schema twice in one
// process (lib/context/yaml/index.js, then lib/tools/deploy.js), each time
// with a new ajv 6 and the same options and schema object: ajv compiles the
// 8 MB schema into JavaScript and V8 compiles that, for the same function
// both times (node --cpu-prof, 2 cores: about 11 CPU-seconds the first
// time, 5 the second, when V8 has seen the source once). This
// keeps the first compiled validator per options and schema object and
// gives it to the second ajv. The CLI's files are not changed, every
// check still runs on the data it is given, and nothing the CLI sends to
// the mock depends on it. It touches only the ajv the CLI itself loads,
// and only when that ajv keeps its options where ajv 6 does (this._opts);
// otherwise (a newer CLI, a newer ajv) every call goes to ajv's own
// validate, and it says so once.
'use strict';

const path = require('path');

const report = (msg) => process.stderr.write(`consentry reuse-compiled-schema: ${msg}\n`);

let Ajv;
try {
  const cli = path.dirname(process.argv[1]); // .../auth0-deploy-cli/lib
  Ajv = require(require.resolve('ajv', { paths: [path.join(cli, 'tools', 'auth0')] }));
} catch (err) {
  report(`no ajv next to ${process.argv[1]}: nothing reused (${err.message})`);
}

// The options as a key. JSON would drop functions (ajv 6 puts its default
// serializer into the options), so each function is keyed by its identity:
// two ajvs share a validator only with the very same functions.
const functionIDs = new WeakMap();
let nextID = 0;
const optionsKey = (opts) =>
  JSON.stringify(opts, (k, v) => {
    if (typeof v !== 'function') return v;
    if (!functionIDs.has(v)) functionIDs.set(v, nextID++);
    return `function #${functionIDs.get(v)}`;
  });

if (typeof Ajv === 'function' && typeof Ajv.prototype.validate === 'function' && typeof Ajv.prototype.compile === 'function') {
  const compiled = new Map(); // options as JSON -> WeakMap(schema -> validate)
  const validate = Ajv.prototype.validate;
  let warned = false;
  Ajv.prototype.validate = function (schema, data) {
    if (typeof schema !== 'object' || schema === null) return validate.call(this, schema, data);
    if (typeof this._opts !== 'object' || this._opts === null) {
      if (!warned) report('the CLI\'s ajv keeps no options in _opts (not ajv 6): nothing reused');
      warned = true;
      return validate.call(this, schema, data);
    }
    let opts;
    try {
      opts = optionsKey(this._opts);
    } catch {
      return validate.call(this, schema, data); // options that do not serialize (cycles): ajv's own way
    }
    let bySchema = compiled.get(opts);
    if (!bySchema) compiled.set(opts, (bySchema = new WeakMap()));
    let v = bySchema.get(schema);
    if (v) {
      report('the schema compiled by an earlier ajv with the same options is reused');
    } else {
      v = this.compile(schema);
      bySchema.set(schema, v);
    }
    const valid = v(data);
    if (v.$async !== true) this.errors = v.errors;
    return valid;
  };
} else if (Ajv !== undefined) {
  report('the CLI\'s ajv has no validate and compile: nothing reused');
}
