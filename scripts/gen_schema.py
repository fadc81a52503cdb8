#!/usr/bin/env python3
"""Generate src/gen/schema_data.c, the table behind src/machinery/schema.h, from the
upstream Kubernetes OpenAPI v2 spec.

Usage: python3 scripts/gen_schema.py SPEC.json OUT.c

The output is deterministic (sorted everywhere, no timestamps) and carries no
description text. Two tables come out of the spec:
  - ck_schema_defs: every definition, sorted by name, with its fields sorted by name and
    the patch/list/map metadata that strategic merge patch and apply need;
  - ck_schema_resources: every REST resource and subresource found under spec["paths"],
    with the verbs discovery reports for it.
Short names and categories are not in the spec; they come from DISCOVERY_EXTRAS below.
"""

import json
import os
import re
import sys

# ck_type values, in the order of the enum in src/machinery/schema.h.
T_ANY, T_OBJECT, T_MAP, T_ARRAY = "CK_T_ANY", "CK_T_OBJECT", "CK_T_MAP", "CK_T_ARRAY"
SCALARS = {
    "string": "CK_T_STRING",
    "integer": "CK_T_INTEGER",
    "number": "CK_T_NUMBER",
    "boolean": "CK_T_BOOLEAN",
}

# Short names and categories served by upstream discovery for built-in resources,
# keyed by (group, plural). Values: (short names, categories), comma-separated.
DISCOVERY_EXTRAS = {
    ("", "componentstatuses"): ("cs", ""),
    ("", "configmaps"): ("cm", ""),
    ("", "endpoints"): ("ep", ""),
    ("", "events"): ("ev", ""),
    ("", "limitranges"): ("limits", ""),
    ("", "namespaces"): ("ns", ""),
    ("", "nodes"): ("no", ""),
    ("", "persistentvolumeclaims"): ("pvc", ""),
    ("", "persistentvolumes"): ("pv", ""),
    ("", "pods"): ("po", "all"),
    ("", "replicationcontrollers"): ("rc", "all"),
    ("", "resourcequotas"): ("quota", ""),
    ("", "serviceaccounts"): ("sa", ""),
    ("", "services"): ("svc", "all"),
    ("admissionregistration.k8s.io", "mutatingadmissionpolicies"): ("", "api-extensions"),
    ("admissionregistration.k8s.io", "mutatingadmissionpolicybindings"): ("", "api-extensions"),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"): ("", "api-extensions"),
    ("admissionregistration.k8s.io", "validatingadmissionpolicies"): ("", "api-extensions"),
    ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"): ("", "api-extensions"),
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"): ("", "api-extensions"),
    ("apiextensions.k8s.io", "customresourcedefinitions"): ("crd,crds", "api-extensions"),
    ("apiregistration.k8s.io", "apiservices"): ("", "api-extensions"),
    ("apps", "daemonsets"): ("ds", "all"),
    ("apps", "deployments"): ("deploy", "all"),
    ("apps", "replicasets"): ("rs", "all"),
    ("apps", "statefulsets"): ("sts", "all"),
    ("autoscaling", "horizontalpodautoscalers"): ("hpa", "all"),
    ("batch", "cronjobs"): ("cj", "all"),
    ("batch", "jobs"): ("", "all"),
    ("certificates.k8s.io", "certificatesigningrequests"): ("csr", ""),
    ("events.k8s.io", "events"): ("ev", ""),
    ("networking.k8s.io", "ingresses"): ("ing", ""),
    ("networking.k8s.io", "ipaddresses"): ("ip", ""),
    ("networking.k8s.io", "networkpolicies"): ("netpol", ""),
    ("policy", "poddisruptionbudgets"): ("pdb", ""),
    ("scheduling.k8s.io", "priorityclasses"): ("pc", ""),
    ("storage.k8s.io", "storageclasses"): ("sc", ""),
    ("storage.k8s.io", "volumeattributesclasses"): ("vac", ""),
}

# x-kubernetes-action -> discovery verb. "connect" operations map by HTTP method instead
# (HEAD and OPTIONS have no discovery verb), as the upstream installer does.
ACTION_VERBS = {
    "get": "get",
    "list": "list",
    "watch": "watch",
    "watchlist": "watch",
    "post": "create",
    "put": "update",
    "patch": "patch",
    "delete": "delete",
    "deletecollection": "deletecollection",
}
CONNECT_METHOD_VERBS = {
    "get": "get",
    "post": "create",
    "put": "update",
    "patch": "patch",
    "delete": "delete",
}
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")

PATH_RE = re.compile(r"^/(?:api/(v1)|apis/([^/]+)/([^/]+))/(.+)$")


def die(msg):
    sys.stderr.write("gen_schema: %s\n" % msg)
    sys.exit(1)


def c_str(s):
    """A C string literal for s, or NULL for None."""
    if s is None:
        return "NULL"
    out = []
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        elif o < 0x80:
            out.append("\\%03o" % o)
        else:
            out.extend("\\%03o" % b for b in ch.encode("utf-8"))
    return '"' + "".join(out) + '"'


class Defs:
    """Definitions sorted by name, with type resolution across $ref."""

    def __init__(self, spec):
        self.raw = spec.get("definitions") or die("spec has no definitions")
        self.names = sorted(self.raw)  # code-point order == strcmp order for ASCII
        for n in self.names:
            if not n.isascii():
                die("non-ASCII definition name %r" % n)
        self.index = {n: i for i, n in enumerate(self.names)}
        if len(self.names) > 32767:
            die("too many definitions for int16_t refs")
        self.gvk = {}
        for n in self.names:
            for g in self.raw[n].get("x-kubernetes-group-version-kind", []):
                key = (g["group"], g["version"], g["kind"])
                if key in self.gvk:
                    die("GVK %s claimed by %s and %s" % (key, self.gvk[key], n))
                self.gvk[key] = n

    def def_type(self, name):
        d = self.raw[name]
        if "properties" in d:
            return T_OBJECT
        t = d.get("type")
        if t in SCALARS:
            return SCALARS[t]
        if "additionalProperties" in d:
            return T_MAP
        # "type: object" with no properties (RawExtension, FieldsV1, Patch, empty
        # structs) or no type at all (apiextensions JSON): free-form JSON.
        return T_ANY

    def ref_index(self, ref, where):
        prefix = "#/definitions/"
        if not ref.startswith(prefix) or ref[len(prefix):] not in self.index:
            die("%s: unresolved $ref %s" % (where, ref))
        return self.index[ref[len(prefix):]]

    def resolve(self, schema, where):
        """(type, ref, format) of a schema that is not an array or map."""
        if "$ref" in schema:
            i = self.ref_index(schema["$ref"], where)
            name = self.names[i]
            t = self.def_type(name)
            fmt = None if t == T_OBJECT else self.raw[name].get("format")
            return t, i, fmt
        t = schema.get("type")
        if t in SCALARS:
            return SCALARS[t], -1, schema.get("format")
        if t == "array":
            return T_ARRAY, -1, None
        if t == "object" and "additionalProperties" in schema:
            return T_MAP, -1, None
        return T_ANY, -1, schema.get("format")

    def field(self, name, schema, required, where):
        """The C initializer fields of one property, as a tuple in ck_field order."""
        t = schema.get("type")
        elem = None
        if t == "array":
            elem = schema.get("items")
            ftype = T_ARRAY
        elif t == "object" and isinstance(schema.get("additionalProperties"), dict):
            elem = schema["additionalProperties"]
            ftype = T_MAP
        if elem is not None:
            etype, ref, efmt = self.resolve(elem, where)
        else:
            ftype, ref, efmt = self.resolve(schema, where)
            etype = T_ANY
        # The field's own format, else that of its scalar definition or element.
        fmt = schema.get("format") or efmt
        keys = schema.get("x-kubernetes-list-map-keys")
        return (
            name,
            ftype,
            etype,
            ref,
            required,
            fmt,
            schema.get("x-kubernetes-patch-strategy"),
            schema.get("x-kubernetes-patch-merge-key"),
            schema.get("x-kubernetes-list-type"),
            ",".join(keys) if keys else None,
            schema.get("x-kubernetes-map-type"),
        )


def emit_defs(defs, out):
    out.append("/* Fields of each definition, sorted by name. Columns: name, type, elem_type,")
    out.append(" * ref, required, format, patch_strategy, merge_key, list_type, list_map_keys,")
    out.append(" * map_type. */")
    nfields = []
    for i, name in enumerate(defs.names):
        d = defs.raw[name]
        props = d.get("properties") or {}
        required = set(d.get("required") or [])
        for r in sorted(required - set(props)):
            sys.stderr.write("gen_schema: warning: %s requires unknown field %s\n" % (name, r))
        if len(props) > 65535:
            die("%s: too many fields" % name)
        nfields.append(len(props))
        if not props:
            continue
        out.append("/* %s */" % name)
        out.append("static const ck_field f%d[] = {" % i)
        for fname in sorted(props):
            if not fname.isascii():
                die("%s: non-ASCII field name %r" % (name, fname))
            f = defs.field(fname, props[fname], fname in required, name + "." + fname)
            out.append(
                "    {%s, %s, %s, %d, %s, %s, %s, %s, %s, %s, %s},"
                % (
                    c_str(f[0]),
                    f[1],
                    f[2],
                    f[3],
                    "true" if f[4] else "false",
                    c_str(f[5]),
                    c_str(f[6]),
                    c_str(f[7]),
                    c_str(f[8]),
                    c_str(f[9]),
                    c_str(f[10]),
                )
            )
        out.append("};")
    out.append("")
    out.append("/* Columns: name, type, format, fields, nfields, map_type. */")
    out.append("const ck_def ck_schema_defs[] = {")
    for i, name in enumerate(defs.names):
        d = defs.raw[name]
        t = defs.def_type(name)
        fmt = None if t == T_OBJECT else d.get("format")
        out.append(
            "    {%s, %s, %s, %s, %d, %s},"
            % (
                c_str(name),
                t,
                c_str(fmt),
                ("f%d" % i) if nfields[i] else "NULL",
                nfields[i],
                c_str(d.get("x-kubernetes-map-type")),
            )
        )
    out.append("};")
    out.append("const unsigned ck_schema_ndefs = %d;" % len(defs.names))
    out.append("")


class Res:
    """What the paths say about one resource or subresource."""

    def __init__(self):
        self.namespaced = False
        self.verbs = set()
        self.gvks = set()
        self.subresources = set()


def collect_resources(spec):
    """Map (group, version, name) -> Res, where name is "plural" or "plural/sub"."""
    found = {}
    for path in sorted(spec.get("paths") or {}):
        m = PATH_RE.match(path)
        if not m:
            continue
        group = m.group(2) or ""
        version = m.group(1) or m.group(3)
        seg = m.group(4).rstrip("/").split("/")
        if seg == [""]:
            continue  # the group-version discovery document itself
        # The deprecated /watch/ family only contributes the watch verb.
        watch_path = seg[0] == "watch"
        if watch_path:
            seg = seg[1:]
        namespaced = len(seg) >= 3 and seg[0] == "namespaces" and seg[1] == "{namespace}"
        if namespaced:
            seg = seg[2:]
        if len(seg) >= 2 and seg[1] != "{name}":
            die("unexpected path shape %s" % path)
        plural = seg[0]
        name = plural if len(seg) <= 2 or watch_path else plural + "/" + seg[2]
        r = found.setdefault((group, version, name), Res())
        r.namespaced |= namespaced
        if name != plural:
            found.setdefault((group, version, plural), Res()).subresources.add(seg[2])
        item = spec["paths"][path]
        for method in HTTP_METHODS:
            op = item.get(method)
            if not op:
                continue
            action = op.get("x-kubernetes-action")
            if action == "connect":
                verb = CONNECT_METHOD_VERBS.get(method)
            else:
                verb = ACTION_VERBS.get(action)
                if action is not None and verb is None:
                    die("%s %s: unknown action %s" % (method, path, action))
            if verb:
                r.verbs.add(verb)
            g = op.get("x-kubernetes-group-version-kind")
            if g:
                r.gvks.add((g["group"], g["version"], g["kind"]))
    # A subresource follows the namespacing of its parent.
    for (group, version, name), r in found.items():
        if "/" in name:
            r.namespaced = found[(group, version, name.split("/")[0])].namespaced
    return found


def emit_resources(spec, defs, out):
    found = collect_resources(spec)
    used_extras = set()
    out.append("/* Columns: group, version, kind, plural, singular, namespaced, short_names,")
    out.append(" * categories, verbs, subresources, def. */")
    out.append("const ck_resource ck_schema_resources[] = {")
    for key in sorted(found):
        group, version, name = key
        r = found[key]
        if len(r.gvks) != 1:
            die("%s/%s %s: expected one kind, got %s" % (group, version, name, sorted(r.gvks)))
        gvk = next(iter(r.gvks))
        kind = gvk[2]
        is_sub = "/" in name
        if not is_sub and gvk[0] != group:
            die("%s/%s %s: kind %s is in group %s" % (group, version, name, kind, gvk[0]))
        def_name = defs.gvk.get(gvk)
        short, cats = "", ""
        if not is_sub:
            extra = DISCOVERY_EXTRAS.get((group, name))
            if extra:
                short, cats = extra
                used_extras.add((group, name))
        out.append(
            "    {%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %d},"
            % (
                c_str(group),
                c_str(version),
                c_str(kind),
                c_str(name),
                # Upstream discovery gives subresources no singular name.
                c_str("" if is_sub else kind.lower()),
                "true" if r.namespaced else "false",
                c_str(short),
                c_str(cats),
                c_str(",".join(sorted(r.verbs))),
                c_str(",".join(sorted(r.subresources))),
                defs.index[def_name] if def_name else -1,
            )
        )
    out.append("};")
    out.append("const unsigned ck_schema_nresources = %d;" % len(found))
    for stale in sorted(set(DISCOVERY_EXTRAS) - used_extras):
        sys.stderr.write("gen_schema: warning: no resource %s/%s for short names\n" % stale)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: %s SPEC.json OUT.c\n" % argv[0])
        return 2
    with open(argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    defs = Defs(spec)
    out = [
        "/* generated by scripts/gen_schema.py; do not edit.",
        " * Source: the upstream Kubernetes OpenAPI v2 spec. Regenerate with `make gen`. */",
        '#include "machinery/schema.h"',
        "",
        "#include <stddef.h>",
        "",
    ]
    emit_defs(defs, out)
    emit_resources(spec, defs, out)
    text = "\n".join(out) + "\n"
    dest = argv[2]
    if os.path.dirname(dest):
        os.makedirs(os.path.dirname(dest), exist_ok=True)
    tmp = dest + ".tmp"
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    os.replace(tmp, dest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
