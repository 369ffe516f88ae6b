// The second SCIM test peer: SCIMMY (schemas, filters, PatchOp, Bulk, ListResponse, errors)
// served by scimmy-routers over an in-memory store. The resource types and schemas come from
// the files given (the project's `src-tauri/core/scim/`); without any, SCIMMY's own User and
// Group. Command line as scim2-server's:
//   node server.mjs --hostname H --port P --bearer-token T
//                   [--schema FILE]... [--resource-type FILE]... [--service-provider-config FILE]
// Only the storage is ours; where SCIMMY departs from RFC 7644 and the storage has to step in,
// it says so (and src-tauri/core/scim/README.md lists it).

import {randomUUID} from "node:crypto";
import {readFileSync} from "node:fs";
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

const {Attribute, SchemaDefinition, Schema, Resource, Filter, Error: ScimError} = SCIMMY.Types;

function parseArgs(argv) {
    const args = {hostname: "127.0.0.1", port: 8080, token: null, schemas: [], resourceTypes: [], config: null};
    for (let k = 0; k < argv.length; k++) {
        const [flag, inline] = argv[k].split(/=(.*)/s);
        const value = () => {
            const v = inline ?? argv[++k];
            if (v === undefined) throw new Error(`${flag} needs a value`);
            return v;
        };
        switch (flag) {
            case "--hostname": args.hostname = value(); break;
            case "--port": args.port = Number(value()); break;
            case "--bearer-token": args.token = value(); break;
            case "--schema": args.schemas.push(value()); break;
            case "--resource-type": args.resourceTypes.push(value()); break;
            case "--service-provider-config": args.config = value(); break;
            default: throw new Error(`unknown argument ${argv[k]}`);
        }
    }
    return args;
}

// A file holds one resource, a list of them, or a ListResponse.
function resources(file) {
    const json = JSON.parse(readFileSync(file, "utf8"));
    return Array.isArray(json) ? json : (json.Resources ?? [json]);
}

// RFC 7643 §7 characteristics in SCIMMY's terms.
function attribute(a) {
    const mutability = {
        readOnly: {mutable: false, direction: "out"},
        writeOnly: {mutable: true, direction: "in"},
        immutable: {mutable: "immutable"},
    }[a.mutability] ?? {mutable: true};
    const returned = {default: true, never: false}[a.returned] ?? a.returned ?? true;
    const config = {
        ...mutability,
        returned,
        multiValued: !!a.multiValued,
        required: !!a.required,
        description: a.description ?? "",
        ...(typeof a.caseExact === "boolean" ? {caseExact: a.caseExact} : {}),
        ...(a.uniqueness && a.type !== "boolean" ? {uniqueness: a.uniqueness} : {}),
        ...(Array.isArray(a.canonicalValues) && a.canonicalValues.length ? {canonicalValues: a.canonicalValues} : {}),
        ...(a.type === "reference" ? {referenceTypes: a.referenceTypes ?? []} : {}),
    };
    return new Attribute(a.type, a.name, config, (a.subAttributes ?? []).map(attribute));
}

// The attributes SCIMMY adds to every schema itself.
const COMMON = ["schemas", "id", "externalId", "meta"];

function definition(s) {
    const attributes = s.attributes.filter(a => !COMMON.includes(a.name)).map(attribute);
    // SCIMMY only takes ids under urn:ietf:params:scim:schemas:, though RFC 7643 §3 lets a schema
    // be any URI: built under such an id, then given its own.
    const def = new SchemaDefinition(s.name, `urn:ietf:params:scim:schemas:${s.id}`, s.description ?? "", attributes);
    def.id = s.id;
    return def;
}

// Attributes (top level, core schema) whose values must be unique, RFC 7643 §2.1 / §7.
function uniqueAttributes(def) {
    return def.attributes.filter(a => a instanceof Attribute && ["server", "global"].includes(a.config.uniqueness)
        && !a.config.shadow && !a.config.multiValued && a.type === "string");
}

// SCIMMY's Filter.match neither resolves `urn:…:attr` paths into the extension's object nor
// compares simple multi-valued attributes (it throws), RFC 7644 §3.4.2.2 wants both. The storage
// gives it what it can read: paths nested under the schema id, and simple multi-valued values
// as `{value}` items (the attribute's "value" being its default sub-attribute, RFC 7643 §2.4).
function simpleMulti(def) {
    return new Set(def.attributes.filter(a => a instanceof Attribute && a.config.multiValued && a.type !== "complex")
        .map(a => a.name.toLowerCase()));
}

function nestUrns(expr, def) {
    if (Array.isArray(expr)) return expr.map(e => nestUrns(e, def));
    const out = {};
    const put = (target, path, value) => {
        const [head, ...rest] = path;
        if (rest.length) put((target[head] ??= {}), rest, value);
        else target[head] = value;
    };
    for (const [key, value] of Object.entries(expr)) {
        const ext = def.attributes.find(a => a instanceof SchemaDefinition
            && key.toLowerCase().startsWith(`${a.id.toLowerCase()}:`));
        const core = key.toLowerCase().startsWith(`${def.id.toLowerCase()}:`);
        if (ext) put(out, [ext.id, ...key.slice(ext.id.length + 1).split(".")], value);
        else if (core) put(out, key.slice(def.id.length + 1).split("."), value);
        else put(out, [key], value);
    }
    return out;
}

function wrapSimple(expr, def) {
    const multi = simpleMulti(def);
    const out = {};
    for (const [key, value] of Object.entries(expr)) {
        const ext = def.attributes.find(a => a instanceof SchemaDefinition && a.id === key);
        if (ext && value && !Array.isArray(value)) out[key] = wrapSimple(value, ext);
        else out[key] = multi.has(key.toLowerCase()) && Array.isArray(value) ? {value} : value;
    }
    return out;
}

function wrapData(item, def) {
    const multi = simpleMulti(def);
    const out = {};
    for (const [key, value] of Object.entries(item)) {
        const ext = def.attributes.find(a => a instanceof SchemaDefinition && a.id === key);
        if (ext && value) out[key] = wrapData(value, ext);
        else out[key] = multi.has(key.toLowerCase()) && Array.isArray(value) ? value.map(v => ({value: v})) : value;
    }
    return out;
}

// One resource type's records, in creation order.
function storage(endpoint, getDefinition) {
    const items = new Map();
    const notFound = id => new ScimError(404, null, `Resource ${id} not found`);
    return {
        egress: resource => {
            if (resource.id) {
                if (!items.has(resource.id)) throw notFound(resource.id);
                return items.get(resource.id);
            }
            const all = [...items.values()];
            if (!resource.filter) return all;
            const def = getDefinition();
            const filter = new Filter(resource.filter.map(e => wrapSimple(nestUrns(e, def), def)));
            // Filter.match throws on a resource lacking a complex attribute or extension the
            // filter names; such a resource does not match.
            const matches = item => {
                try {
                    return filter.match([wrapData(item, def)]).length > 0;
                } catch {
                    return false;
                }
            };
            return all.filter(matches);
        },
        ingress: (resource, instance) => {
            const previous = resource.id ? items.get(resource.id) : undefined;
            if (resource.id && !previous) throw notFound(resource.id);
            const data = JSON.parse(JSON.stringify(instance));
            const def = getDefinition();
            for (const a of uniqueAttributes(def)) {
                const key = v => (a.config.caseExact ? v : String(v).toLowerCase());
                const value = data[a.name];
                const clash = value !== undefined && [...items.values()]
                    .some(other => other.id !== resource.id && other[a.name] !== undefined && key(other[a.name]) === key(value));
                if (clash) throw new ScimError(409, "uniqueness", `${a.name} "${value}" is already taken`);
            }
            const now = new Date().toISOString();
            const id = resource.id ?? randomUUID();
            const stored = {...data, id, meta: {resourceType: def.name, created: previous?.meta?.created ?? now, lastModified: now}};
            items.set(id, stored);
            return stored;
        },
        degress: resource => {
            if (!items.delete(resource.id)) throw notFound(resource.id);
        },
        endpoint,
    };
}

// A resource type from its description, with SCIMMY's read/write/patch/dispose as its
// User and Group have them (only the schema and the storage differ).
function resourceType(rt, def) {
    const SchemaClass = class extends Schema {
        static get id() { return def.id; }
        static get definition() { return def; }
        constructor(data, direction = "both", basepath, filters) {
            super(data, direction);
            Object.assign(this, def.coerce(data, direction, basepath, filters));
        }
    };
    const store = storage(rt.endpoint, () => def);
    let base;
    const wrap = async (id, run) => {
        try {
            return await run();
        } catch (ex) {
            if (ex instanceof ScimError) throw ex;
            if (ex instanceof TypeError) throw new ScimError(400, "invalidValue", ex.message);
            throw new ScimError(404, null, `Resource ${id} not found`);
        }
    };
    const R = class extends Resource {
        static get endpoint() { return rt.endpoint; }
        static basepath(path) {
            if (path === undefined) return base;
            base = path.endsWith(rt.endpoint) ? path : `${path}${rt.endpoint}`;
            return R;
        }
        static get schema() { return SchemaClass; }
        async read() {
            return wrap(this.id, async () => {
                const source = await store.egress(this);
                const shape = r => new SchemaClass(r, "out", base, this.attributes);
                if (this.id) return shape(source);
                // SCIMMY sorts and pages the stored records; only the page is shaped (shaping
                // every record for every page made a pull of a thousand accounts crawl).
                const list = new SCIMMY.Messages.ListResponse(source, this.constraints);
                list.Resources = list.Resources.map(shape);
                return list;
            });
        }
        async write(instance) {
            if (Object(instance) !== instance || Array.isArray(instance))
                throw new ScimError(400, "invalidSyntax", "Expected request body payload to be single complex value");
            return wrap(this.id, async () =>
                new SchemaClass(await store.ingress(this, new SchemaClass(instance, "in")), "out", base, this.attributes));
        }
        async patch(message) {
            if (!this.id) throw new ScimError(404, null, "PATCH operation must target a specific resource");
            if (Object(message) !== message || Array.isArray(message))
                throw new ScimError(400, "invalidSyntax", "PatchOp request expected message body to be single complex value");
            const patched = await new SCIMMY.Messages.PatchOp(message)
                .apply(await this.read(), async instance => await this.write(instance));
            return patched ? new SchemaClass(patched, "out", base, this.attributes) : undefined;
        }
        async dispose() {
            if (!this.id) throw new ScimError(404, null, "DELETE operation must target a specific resource");
            return wrap(this.id, async () => store.degress(this));
        }
    };
    Object.defineProperty(R, "name", {value: rt.name});
    return R;
}

function declareFromFiles(schemaFiles, typeFiles) {
    const defs = new Map(schemaFiles.flatMap(resources).map(s => [s.id, definition(s)]));
    for (const rt of typeFiles.flatMap(resources)) {
        const def = defs.get(rt.schema);
        if (!def) throw new Error(`resource type ${rt.name}: schema ${rt.schema} not in the schema files`);
        for (const {schema, required} of rt.schemaExtensions ?? []) {
            const ext = defs.get(schema);
            if (!ext) throw new Error(`resource type ${rt.name}: extension ${schema} not in the schema files`);
            def.extend(ext, !!required);
        }
        SCIMMY.Resources.declare(resourceType(rt, def), rt.name);
    }
}

function declareBuiltIn() {
    for (const R of [SCIMMY.Resources.User, SCIMMY.Resources.Group]) {
        const {egress, ingress, degress} = storage(R.endpoint, () => R.schema.definition);
        SCIMMY.Resources.declare(R, {egress, ingress, degress});
    }
}

// What the ServiceProviderConfig file offers, within what SCIMMY implements.
function applyConfig(file) {
    const wanted = JSON.parse(readFileSync(file, "utf8"));
    const config = {};
    for (const key of ["patch", "bulk", "filter", "changePassword", "sort"]) {
        if (wanted[key] && typeof wanted[key] === "object") config[key] = wanted[key];
    }
    if (wanted.etag?.supported) {
        // SCIMMY has no ETags: announcing them would be a lie the client would act on.
        console.error("scimmy peer: ETags asked for in the configuration, not offered (SCIMMY has none)");
    }
    SCIMMY.Config.set(config);
}

function main() {
    const args = parseArgs(process.argv.slice(2));
    if (args.schemas.length || args.resourceTypes.length) declareFromFiles(args.schemas, args.resourceTypes);
    else declareBuiltIn();

    const app = express();
    // Express's own ETags (hashes of the body) would claim a versioning the SCIM layer does not
    // honour on If-Match; ServiceProviderConfig says etag unsupported.
    app.set("etag", false);
    app.use("/v2", new SCIMMYRouters({
        type: "bearer",
        // meta.location as a full URI (RFC 7643 §3.1), not a path.
        baseUri: req => `${req.protocol}://${req.get("host")}`,
        handler: req => {
            if (args.token !== null && req.header("Authorization") !== `Bearer ${args.token}`)
                throw new Error("Authorization failure");
            return "";
        },
    }));
    // After the routers, which set what they serve (patch, filter, sort, bulk).
    if (args.config) applyConfig(args.config);
    const server = app.listen(args.port, args.hostname, () => {
        console.log(`scimmy peer: http://${args.hostname}:${args.port}/v2`);
    });
    const stop = () => server.close(() => process.exit(0));
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}

try {
    main();
} catch (e) {
    console.error(`scimmy peer: ${e.message}`);
    process.exit(2);
}
