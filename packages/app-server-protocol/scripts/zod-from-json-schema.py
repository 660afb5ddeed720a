#!/usr/bin/env python3
"""Transcribes a Codex reference JSON Schema bundle (the wire contract) into zod source.

Usage:
  zod-from-json-schema.py BUNDLE OUTDIR [EVENTMSG_TS]
      0.58.0 bootstrap: writes OUTDIR/v2.ts and OUTDIR/v1.ts (every definition).
  zod-from-json-schema.py --subset BUNDLE OUTFILE GENERATION NAME...
      A later generation, only the named definitions and what they reference (root and v2 namespaces flattened
      into one module; a name defined differently in both is an error). Integer formats become the Rust integer
      schemas of serde-types.ts (`u32()`, ...), so decode errors name the Rust type as serde does.
The emitted files are the package's source of truth afterwards; this script only exists so the transcription is
mechanical rather than hand-typed.
"""
import json, sys

SUBSET = len(sys.argv) > 1 and sys.argv[1] == "--subset"
bundle = json.load(open(sys.argv[2] if SUBSET else sys.argv[1]))
outdir = None if SUBSET else sys.argv[2]
defs = bundle["definitions"]
v1 = {k: v for k, v in defs.items() if k != "v2"}
v2 = dict(defs["v2"])
RUST_INTS = {"uint32": "u32", "uint64": "u64", "uint": "usize", "int32": "i32", "int64": "i64", "uint8": "u8", "uint16": "u16", "int8": "i8", "int16": "i16"}
# 0.58.0's bundle references #/definitions/v2/SandboxPolicy without defining it (its TS export has it:
# ts/v2/SandboxPolicy.ts, tagged by "mode"). Defined here from that TS so the zod source is complete.
ws = {"type": "object", "required": ["mode", "writable_roots", "network_access", "exclude_tmpdir_env_var", "exclude_slash_tmp"],
      "properties": {"mode": {"type": "string", "enum": ["workspaceWrite"]}, "writable_roots": {"type": "array", "items": {"type": "string"}},
                     "network_access": {"type": "boolean"}, "exclude_tmpdir_env_var": {"type": "boolean"}, "exclude_slash_tmp": {"type": "boolean"}}}
if not SUBSET:
  v2["SandboxPolicy"] = {"oneOf": [
    {"type": "object", "required": ["mode"], "properties": {"mode": {"type": "string", "enum": ["dangerFullAccess"]}}},
    {"type": "object", "required": ["mode"], "properties": {"mode": {"type": "string", "enum": ["readOnly"]}}}, ws]}

def ident(name):
    return {"Option<()>": "OptionUnit"}.get(name, name)

def ref_target(ref, ns):
    parts = ref.split("/")
    if parts[2] == "v2":
        return ("v2", parts[3])
    return ("v1", parts[2])

def js(s):
    return json.dumps(s, ensure_ascii=False)

def key(k):
    import re
    return k if re.match(r"^[A-Za-z_$][A-Za-z0-9_$]*$", k) else js(k)

class Emitter:
    def __init__(self, ns):
        self.ns = ns
        self.deps = set()
        self.rust_ints = set()

    def ref(self, ref):
        tns, name = ref_target(ref, self.ns)
        self.deps.add((tns, name))
        if tns == self.ns or self.ns == "flat":
            return ident(name)
        return "v2." + ident(name)

    def schema(self, s):
        if s is True or s == {}:
            return "z.unknown()"
        if "$ref" in s:
            return self.ref(s["$ref"])
        if "allOf" in s:
            assert len(s["allOf"]) == 1
            return self.schema(s["allOf"][0])
        for k in ("anyOf", "oneOf"):
            if k in s and "properties" in s:
                # Shared fields beside the alternatives (0.166's ThreadItem lifecycle times, an image input's
                # `url` | `fileId`): both hold, so the value is the object of the shared fields and one alternative.
                shared = self.base({x: y for x, y in s.items() if x != k}, "object")
                alts = [self.schema(a) for a in s[k]]
                return "z.intersection(%s, %s)" % (shared, alts[0] if len(alts) == 1 else "z.union([" + ", ".join(alts) + "])")
            if k in s:
                alts = s[k]
                nonnull = [a for a in alts if a.get("type") != "null"]
                has_null = len(nonnull) != len(alts)
                if len(nonnull) == 1:
                    inner = self.schema(nonnull[0])
                else:
                    inner = "z.union([" + ", ".join(self.schema(a) for a in nonnull) + "])"
                    if "type" in s and s["type"] == "object":
                        pass
                return inner + ".nullable()" if has_null else inner
        t = s.get("type")
        nullable = False
        if isinstance(t, list):
            ts = [x for x in t if x != "null"]
            nullable = "null" in t
            if len(ts) > 1:
                # A value of several JSON types (e.g. `["string", "object"]`): one schema per type.
                out = "z.union([" + ", ".join(self.base({}, x) for x in ts) + "])"
                return out + ".nullable()" if nullable else out
            t = ts[0]
        out = self.base(s, t)
        return out + ".nullable()" if nullable else out

    def base(self, s, t):
        if "enum" in s:
            vals = s["enum"]
            if all(isinstance(v, str) for v in vals):
                return "z.enum([" + ", ".join(js(v) for v in vals) + "])"
            return "z.union([" + ", ".join("z.literal(%s)" % js(v) for v in vals) + "])"
        if t == "string":
            return "z.string()"
        if t == "integer":
            if SUBSET and s.get("format") in RUST_INTS:
                self.rust_ints.add(RUST_INTS[s["format"]])
                return RUST_INTS[s["format"]] + "()"
            r = "z.number().int()"
            if s.get("minimum") == 0:
                r += ".nonnegative()"
            return r
        if t == "number":
            return "z.number()"
        if t == "boolean":
            return "z.boolean()"
        if t == "null":
            return "z.null()"
        if t == "array":
            items = s.get("items", True)
            if isinstance(items, list):
                return "z.tuple([" + ", ".join(self.schema(i) for i in items) + "])"
            return "z.array(" + self.schema(items) + ")"
        if t == "object" or t is None and "properties" in s:
            props = s.get("properties", {})
            req = set(s.get("required", []))
            ap = s.get("additionalProperties")
            if not props and ap is not None and ap is not False:
                return "z.record(z.string(), " + self.schema(ap) + ")"
            fields = []
            for k in props:
                own = "#/definitions/" + ("v2/" if self.ns == "v2" else "") + self.current
                if json.dumps(props[k]).find('"' + own + '"') >= 0:
                    # Self-reference (EventMsg.initial_messages): a getter with an explicit type lets zod
                    # and TypeScript resolve the recursion.
                    assert props[k].get("type") == ["array", "null"] and k not in req, props[k]
                    n = ident(self.current)
                    fields.append("get %s(): z.ZodOptional<z.ZodNullable<z.ZodArray<typeof %s>>> { return z.array(%s).nullable().optional(); }" % (key(k), n, n))
                    continue
                v = self.schema(props[k])
                if k not in req:
                    v += ".optional()"
                fields.append("%s: %s" % (key(k), v))
            body = "{ " + ", ".join(fields) + " }" if fields else "{}"
            if ap is False:
                return "z.strictObject(%s)" % body
            if ap is True:
                return "z.looseObject(%s)" % body
            if ap is not None:
                return "z.object(%s).catchall(%s)" % (body, self.schema(ap))
            return "z.object(%s)" % body
        if t is None:
            return "z.unknown()"
        raise ValueError(s)

import re as _re
# Payload type name of each EventMsg variant, as 0.58.0's TS export names them (ts/EventMsg.ts).
EVENT_PAYLOADS = dict(_re.findall(r'\{ "type": "([a-z_]+)" \} & ([A-Za-z]+)', open(sys.argv[3]).read())) if len(sys.argv) > 3 and not SUBSET else {}

def emit(ns, table, header):
    em = Emitter(ns)
    bodies = {}
    deps = {}
    extra = []
    for name, s in table.items():
        em.deps = set()
        em.current = name
        if name == "EventMsg":
            variants = []
            for alt in s["oneOf"]:
                tag = alt["properties"]["type"]["enum"][0]
                payload = EVENT_PAYLOADS.get(tag)
                if payload:
                    body = dict(alt)
                    body["properties"] = {k: v for k, v in alt["properties"].items() if k != "type"}
                    body["required"] = [r for r in alt.get("required", []) if r != "type"]
                    code = em.schema(body)
                    if alt.get("description"):
                        extra.append("/** " + alt["description"] + " */")
                    extra.append("export const %s = %s;" % (payload, code))
                    extra.append("export type %s = z.infer<typeof %s>;" % (payload, payload))
                    extra.append("")
                variants.append(em.schema(alt))
            bodies[name] = "z.union([\n  " + ",\n  ".join(variants) + ",\n])"
            deps[name] = {n for (tns, n) in em.deps if tns == ns and n != name}
            continue
        bodies[name] = em.schema(s)
        deps[name] = {n for (tns, n) in em.deps if tns == ns and n != name}
    order, state = [], {}
    def visit(n):
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            raise SystemExit("cycle at " + n)
        state[n] = 1
        for d in sorted(deps[n]):
            visit(d)
        state[n] = 2
        order.append(n)
    for n in table:
        visit(n)
    lines = [header]
    for n in order:
        s = table[n]
        desc = s.get("description") if isinstance(s, dict) else None
        if desc:
            lines.append("/** " + desc.replace("*/", "* /").replace("\n", "\n * ") + " */")
        lines.append("export const %s = %s;" % (ident(n), bodies[n]))
        lines.append("export type %s = z.infer<typeof %s>;" % (ident(n), ident(n)))
        lines.append("")
        if n == "EventMsg":
            lines.extend(extra)
    # registration in reference order keeps the exporters' output order identical to 0.58.0
    lines.append("/** Every named %s definition, in the reference bundle's order. */" % ns)
    lines.append("export const %sDefinitions = {" % ns)
    for n in table:
        lines.append("  %s: %s," % (js(n), ident(n)))
    lines.append("} as const;")
    return "\n".join(lines) + "\n"

def emit_subset(names, generation):
    """The named definitions and their transitive references, flattened into one module in dependency order."""
    table = {}
    homes = {}
    pending = [("v2" if n.startswith("v2/") else "v1", n.split("/")[-1]) for n in names]
    while pending:
        ns, name = pending.pop()
        body = (v2 if ns == "v2" else v1)[name]
        homes.setdefault(name, set()).add(ns)
        if name in table:
            if json.dumps(table[name], sort_keys=True) != json.dumps(body, sort_keys=True):
                raise SystemExit("%s is defined differently in the root and v2 namespaces" % name)
            continue
        table[name] = body
        for ref in __import__("re").findall(r'"\$ref": "(#/definitions/[^"]+)"', json.dumps(body)):
            pending.append(ref_target(ref, ns))
    em = Emitter("flat")
    bodies, deps = {}, {}
    for name, s in table.items():
        em.deps = set()
        em.current = name
        bodies[name] = em.schema(s)
        deps[name] = {n for (_, n) in em.deps if n != name}
    order, done = [], set()
    def visit(n):
        if n in done:
            return
        done.add(n)
        for d in sorted(deps[n]):
            visit(d)
        order.append(n)
    for n in sorted(table):
        visit(n)
    lines = ["// Wire types of codex %s used so far (a subset: the named definitions and what they reference)." % generation,
             "// Generated by scripts/zod-from-json-schema.py --subset from the reference bundle; field names, casing and",
             "// optionality are the wire contract.",
             'import { z } from "zod";']
    if em.rust_ints:
        lines.append("import { %s } from \"./serde-types.js\";" % ", ".join(sorted(em.rust_ints)))
    lines.append("")
    for n in order:
        desc = table[n].get("description")
        if desc:
            lines.append("/** " + desc.replace("*/", "* /").replace("\n", "\n * ") + " */")
        lines.append("export const %s = %s;" % (ident(n), bodies[n]))
        lines.append("export type %s = z.infer<typeof %s>;" % (ident(n), ident(n)))
        lines.append("")
    # Where each definition lives in the reference bundle (root and/or `v2/`), for the exporters.
    lines.append("/** Every definition above under its name in the reference bundle (`v2/` for the v2 namespace). */")
    lines.append("export const definitions%s = {" % "".join(generation.split(".")[:2]))
    for n in sorted(table):
        for ns in sorted(homes[n]):
            lines.append("  %s: %s," % (js(("v2/" if ns == "v2" else "") + n), ident(n)))
    lines.append("} as const;")
    lines.append("")
    return "\n".join(lines)

if SUBSET:
    out, generation, names = sys.argv[3], sys.argv[4], sys.argv[5:]
    open(out, "w").write(emit_subset(names, generation))
    sys.exit(0)

GEN = "// Wire types of codex 0.58.0 (%s). Bootstrapped by scripts/zod-from-json-schema.py from the reference\n// bundle; field names, casing and optionality are the wire contract.\n"
open(outdir + "/v2.ts", "w").write(emit("v2", v2, GEN % "v2 namespace, camelCase" + 'import { z } from "zod";\n'))
open(outdir + "/v1.ts", "w").write(emit("v1", v1, GEN % "v1 root + shared core types" + 'import { z } from "zod";\nimport * as v2 from "./v2.js";\n'))
