#!/usr/bin/env python3
"""Generates src/gen/proto_data.c: the protobuf message table ckube uses to decode
request bodies sent as application/vnd.kubernetes.protobuf.

Usage: gen_proto.py [--label TEXT] API_DIR APIMACHINERY_DIR OUT.c

API_DIR and APIMACHINERY_DIR are checkouts of k8s.io/api and k8s.io/apimachinery. The
script reads the Go type declarations of every API package (struct fields with their
`protobuf:"..."` and `json:"..."` tags, embedded structs, and the `+protobuf.*` markers on
named types) and writes one compact table: per message its Go type name, package and
fields (wire number, JSON name, value kind, flags). Only the types reachable from a kind
(a struct embedding meta/v1 TypeMeta) are kept. --label is recorded in the header comment
(e.g. the upstream tags and commits the directories were taken from).
"""
import os
import re
import sys

AM = "k8s.io/apimachinery/"
META = AM + "pkg/apis/meta/v1"
# Types whose JSON form comes from a custom MarshalJSON rather than their fields.
SPECIAL = {
    META + ".Time": "TIME",
    META + ".MicroTime": "MICROTIME",
    META + ".Duration": "DURATION",
    META + ".FieldsV1": "FIELDSV1",
    AM + "pkg/util/intstr.IntOrString": "INTORSTRING",
    AM + "pkg/api/resource.Quantity": "QUANTITY",
    AM + "pkg/runtime.RawExtension": "RAWEXT",
}
BUILTIN = {
    "string": "string", "bool": "bool", "int32": "int32", "int64": "int64", "int": "int64",
    "uint32": "uint32", "uint64": "uint64", "byte": "uint8", "uint8": "uint8",
    "time.Duration": "int64",
}
# ck_pb_field.flags (src/machinery/protobuf.h)
F_REPEATED, F_MAP, F_POINTER, F_OMITEMPTY, F_OMITZERO, F_INLINE = 1, 2, 4, 8, 16, 32
KIND_C = {"string": "STRING", "bytes": "BYTES", "bool": "BOOL", "int32": "INT32",
          "int64": "INT64", "uint32": "UINT32", "uint64": "UINT64", "msg": "MESSAGE"}

problems = []


def die(msg):
    sys.exit("gen_proto: " + msg)


class TypeDecl:
    def __init__(self, pkg, name, kind, body, markers, imports):
        self.pkg, self.name, self.kind, self.body = pkg, name, kind, body
        self.markers, self.imports = markers, imports

    @property
    def full(self):
        return self.pkg.path + "." + self.name


class Package:
    def __init__(self, path, directory):
        self.path, self.dir = path, directory
        self.types = {}
        self.group = self.version = None
        reg = os.path.join(directory, "register.go")
        if os.path.exists(reg):
            text = open(reg, encoding="utf-8").read()
            g = re.search(r'\bGroupName\s*=\s*"([^"]*)"', text)
            v = re.search(r'SchemeGroupVersion\s*=\s*schema\.GroupVersion\{[^}]*Version:\s*"([^"]+)"',
                          text)
            if g and v:
                self.group, self.version = g.group(1), v.group(1)
        for fn in sorted(os.listdir(directory)):
            if (fn.endswith(".go") and not fn.endswith("_test.go") and fn != "generated.pb.go"
                    and not fn.startswith("zz_generated")):
                parse_file(self, os.path.join(directory, fn))


def strip_comment(line):
    """Drops a trailing // comment that is not inside a backtick or double-quoted string."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "`\"":
            quote = c
        elif line.startswith("//", i):
            return line[:i]
    return line


def strip_block_comments(text):
    """Removes /* */ comments (keeping their newlines), respecting // comments and strings."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(text[i:j])
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c in "`\"'":
            j = i + 1
            while j < n and text[j] != c and not (c != "`" and text[j] == "\n"):
                j += 2 if c != "`" and text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_file(pkg, path):
    lines = strip_block_comments(open(path, encoding="utf-8").read()).split("\n")
    imports = {}
    markers = []
    i = 0

    def add_import(spec):
        m = re.match(r'\s*(?:([\w.]+)\s+)?"([^"]+)"', spec)
        if m:
            alias = m.group(1) or m.group(2).rsplit("/", 1)[-1]
            imports[alias] = m.group(2)

    while i < len(lines):
        raw = lines[i]
        s = raw.strip()
        i += 1
        if s.startswith("//"):
            markers.append(s[2:].strip())
            continue
        if s == "":
            continue
        if s.startswith("import ("):
            while i < len(lines) and lines[i].strip() != ")":
                add_import(lines[i])
                i += 1
            i += 1
        elif s.startswith("import "):
            add_import(s[len("import "):])
        elif s == "type (":
            while i < len(lines) and lines[i].strip() != ")":
                t = strip_comment(lines[i]).strip()
                if t.startswith("//"):
                    pass
                elif t:
                    i = parse_decl(pkg, t, lines, i + 1, [], imports) - 1
                i += 1
            i += 1
        elif raw.startswith("type "):
            i = parse_decl(pkg, strip_comment(s)[len("type "):].strip(), lines, i, markers, imports)
        markers = []


def parse_decl(pkg, head, lines, i, markers, imports):
    """Parses one type declaration whose text after `type` is head; returns the next line."""
    m = re.match(r"(\w+)\s*(=)?\s*(.*)$", head)
    if not m:
        return i
    name, alias, rest = m.group(1), m.group(2), m.group(3).strip()
    marks = {}
    for mk in markers:
        mm = re.match(r"\+(protobuf[\w.()]*)(?:=(.*))?$", mk)
        if mm:
            marks[mm.group(1)] = mm.group(2) or "true"
    if rest.startswith("struct"):
        body = []
        depth = rest.count("{") - rest.count("}")
        while depth > 0 and i < len(lines):
            t = strip_comment(lines[i]).strip()
            i += 1
            depth += t.count("{") - t.count("}")
            if depth > 0 and t:
                body.append(t)
            elif depth == 0 and t != "}":
                body.append(t.rstrip("}").strip())
        pkg.types[name] = TypeDecl(pkg, name, "struct", body, marks, imports)
    else:
        pkg.types[name] = TypeDecl(pkg, name, "alias" if alias else "named", rest, marks,
                                   imports)
    return i


def parse_type(s):
    s = s.strip()
    if s.startswith("*"):
        return ("ptr", parse_type(s[1:]))
    if s.startswith("[]"):
        return ("slice", parse_type(s[2:]))
    if s.startswith("map["):
        depth = 0
        for j in range(3, len(s)):
            depth += {"[": 1, "]": -1}.get(s[j], 0)
            if depth == 0:
                return ("map", parse_type(s[4:j]), parse_type(s[j + 1:]))
    return ("name", s)


class Resolver:
    def __init__(self, api_dir, am_dir):
        self.roots = [("k8s.io/api/", api_dir), (AM, am_dir)]
        self.pkgs = {}

    def package(self, path):
        if path not in self.pkgs:
            for prefix, d in self.roots:
                if path.startswith(prefix):
                    directory = os.path.join(d, path[len(prefix):])
                    if os.path.isdir(directory):
                        self.pkgs[path] = Package(path, directory)
                        break
            else:
                self.pkgs[path] = None
        return self.pkgs[path]

    def lookup(self, name, decl):
        """The TypeDecl a (possibly qualified) name refers to from decl's file, or None."""
        if "." in name:
            alias, n = name.split(".", 1)
            path = decl.imports.get(alias)
            pkg = self.package(path) if path else None
        else:
            pkg, n = decl.pkg, name
        return pkg.types.get(n) if pkg else None

    def resolve(self, t, decl):
        """Resolves a parsed type to ("scalar", k) / ("msg", TypeDecl) / ("slice", r) /
        ("map", rk, rv) / ("ptr", r), or raises KeyError."""
        if t[0] == "ptr":
            return ("ptr", self.resolve(t[1], decl))
        if t[0] == "slice":
            r = self.resolve(t[1], decl)
            if r == ("scalar", "uint8"):
                return ("scalar", "bytes")
            return ("slice", r)
        if t[0] == "map":
            return ("map", self.resolve(t[1], decl), self.resolve(t[2], decl))
        name = t[1]
        if name in BUILTIN:
            return ("scalar", BUILTIN[name])
        td = self.lookup(name, decl)
        if td is None:
            raise KeyError(name)
        if td.kind == "struct" or td.full in SPECIAL:
            return ("msg", td)
        under = self.resolve(parse_type(td.body), td)
        if td.markers.get("protobuf.nullable") == "true" and under[0] == "slice":
            return ("msg", td)  # a named slice travels as a message {repeated items = 1}
        return under


def parse_tags(tagstr):
    return dict(re.findall(r'(\w+):"([^"]*)"', tagstr or ""))


class Field:
    def __init__(self, num, name, kind, flags, msg=None, key=None):
        self.num, self.name, self.kind, self.flags = num, name, kind, flags
        self.msg, self.key = msg, key


class Gen:
    def __init__(self, res):
        self.res = res
        self.msgs = {}  # full name -> (TypeDecl, special, fields)

    def message(self, td):
        if td.full in self.msgs:
            return
        self.msgs[td.full] = None
        special = SPECIAL.get(td.full)
        if td.kind != "struct":
            special = special or "LIST"
        if td.markers.get("protobuf") == "false":
            problems.append("%s is marked +protobuf=false" % td.full)
        self.msgs[td.full] = (td, special, self.fields(td, special))

    def fields(self, td, special):
        if special == "LIST":
            r = self.res.resolve(parse_type(td.body), td)
            return [self.field(td, 1, "items", r, 0)]
        if td.markers.get("protobuf.embed") == "string":
            return [Field(1, "string", "string", 0)]
        if "protobuf.as" in td.markers:
            return self.fields(self.res.lookup(td.markers["protobuf.as"], td), None)
        out = []
        for line in td.body:
            m = re.match(r"^(?:([\w, ]+?)\s+)?(\*?[\w.\[\]*]+(?:\[[^\]]*\][\w.\[\]*]+)*)\s*(?:`(.*)`)?$",
                         line)
            if not m:
                problems.append("%s: cannot parse field line %r" % (td.full, line))
                continue
            names, gotype, tags = m.group(1), m.group(2), parse_tags(m.group(3))
            embedded = names is None
            pb = tags.get("protobuf")
            js = tags.get("json")
            fname = names or gotype.lstrip("*").rsplit(".", 1)[-1]
            jname, opts = (js.split(",")[0], js.split(",")[1:]) if js is not None else ("", [])
            if not pb or pb == "-":
                if js != "-" and not (embedded and fname == "TypeMeta") and special is None:
                    problems.append("%s.%s: has no protobuf tag" % (td.full, fname))
                continue
            if js == "-" and special is None:
                continue
            # Only the number and name of the tag are used: its wire kind and label are stale
            # in a few upstream types (e.g. "bytes" on an int32); the Go type decides them.
            parts = pb.split(",")
            num = int(parts[1])
            pbname = dict(p.split("=", 1) for p in parts[2:] if "=" in p).get("name", fname)
            flags = 0
            if "omitempty" in opts:
                flags |= F_OMITEMPTY
            if "omitzero" in opts:
                flags |= F_OMITZERO
            if embedded and jname == "":
                flags |= F_INLINE
            if special:
                jname = pbname
            elif not jname:
                jname = fname
            try:
                r = self.res.resolve(parse_type(gotype), td)
            except KeyError as e:
                problems.append("%s.%s: unknown type %s" % (td.full, fname, e))
                continue
            f = self.field(td, num, jname, r, flags)
            if f:
                out.append(f)
        return out

    def field(self, td, num, jname, r, flags):
        where = "%s.%s" % (td.full, jname)
        if r[0] == "ptr":
            flags |= F_POINTER
            r = r[1]
        key = None
        if r[0] == "slice":
            flags |= F_REPEATED
            r = r[1]
            if r[0] == "ptr":
                r = r[1]
        elif r[0] == "map":
            flags |= F_MAP
            if r[1][0] != "scalar" or r[1][1] not in ("string", "int32", "int64"):
                problems.append("%s: unsupported map key %r" % (where, r[1]))
                return None
            key = r[1][1]
            r = r[2]
        if r[0] == "msg":
            kind = "msg"
            self.message(r[1])
            msg = r[1].full
        elif r[0] == "scalar" and r[1] in KIND_C:
            kind, msg = r[1], None
        else:
            problems.append("%s: unsupported type %r" % (where, r))
            return None
        return Field(num, jname, kind, flags, msg, key)


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '\\0"'


def main(argv):
    label = ""
    if len(argv) > 1 and argv[1] == "--label":
        label = argv[2]
        argv = argv[:1] + argv[3:]
    if len(argv) != 4:
        die("usage: gen_proto.py [--label TEXT] API_DIR APIMACHINERY_DIR OUT.c")
    api_dir, am_dir, out_path = argv[1], argv[2], argv[3]
    res = Resolver(api_dir, am_dir)
    paths = [META, AM + "pkg/apis/meta/v1beta1"]
    for dp, dirs, files in sorted(os.walk(api_dir)):
        dirs.sort()
        if "types.go" in files and "register.go" in files:
            paths.append("k8s.io/api/" + os.path.relpath(dp, api_dir).replace(os.sep, "/"))
    gen = Gen(res)
    kind_pkgs = []
    for p in paths:
        pkg = res.package(p)
        if not pkg or pkg.group is None:
            die("no group/version for package %s" % p)
        kind_pkgs.append(pkg)
        for name in sorted(pkg.types):
            td = pkg.types[name]
            if td.kind != "struct" or td.markers.get("protobuf") == "false":
                continue
            if any(re.match(r"^(?:\w+\.)?TypeMeta\s+`json:\",inline\"`$", ln) for ln in td.body):
                gen.message(td)

    # Packages in a fixed order: kind packages first (as listed), then helper packages.
    pkg_paths = [p.path for p in kind_pkgs]
    for full in sorted(gen.msgs):
        pp = full.rsplit(".", 1)[0]
        if pp not in pkg_paths:
            pkg_paths.append(pp)
    msgs = sorted(gen.msgs, key=lambda f: (pkg_paths.index(f.rsplit(".", 1)[0]), f))
    index = {f: i for i, f in enumerate(msgs)}
    kinds = set()
    for p in kind_pkgs:
        for name, td in p.types.items():
            if td.full in gen.msgs and td.kind == "struct" and any(
                    re.match(r"^(?:\w+\.)?TypeMeta\s+`json:\",inline\"`$", ln) for ln in td.body):
                kinds.add(td.full)

    # String pool: JSON field names first (offsets must fit 16 bits), then type names.
    pool, offs = [], {}

    def intern(s):
        if s not in offs:
            offs[s] = sum(len(x) + 1 for x in pool)
            pool.append(s)
        return offs[s]

    for full in msgs:
        for f in gen.msgs[full][2]:
            intern(f.name)
    if sum(len(x) + 1 for x in pool) > 0xFFFF:
        die("field-name pool exceeds 64 KiB")
    for full in msgs:
        intern(full.rsplit(".", 1)[1])
    for p in pkg_paths:
        pkg = res.package(p)
        intern(pkg.group or "")
        intern(pkg.version or "")
        intern(p.replace("k8s.io/api/", "").replace(AM + "pkg/", ""))

    o = []
    o.append("/* generated by scripts/gen_proto.py from the Go type definitions of k8s.io/api and")
    o.append(" * k8s.io/apimachinery; do not edit.")
    for part in label.split(";"):
        if part.strip():
            o.append(" * Source: " + part.strip())
    o.append(" * Regenerate: python3 scripts/gen_proto.py --label TEXT API_DIR APIMACHINERY_DIR OUT.c")
    o.append(" * Flags: 1 repeated, 2 map, 4 pointer, 8 omitempty, 16 omitzero, 32 inline. */")
    o.append('#include "machinery/protobuf.h"')
    o.append("")
    o.append("const char ck_pb_names[] =")
    line = "   "
    for s in pool:
        cs = c_string(s)
        if len(line) + len(cs) + 1 > 98:
            o.append(line)
            line = "   "
        line += " " + cs
    o.append(line + ";")
    o.append("")
    o.append("/* {num, name, msg, kind | key << 4, flags} per field, each message's in Go order. */")
    o.append("const ck_pb_field ck_pb_fields[] = {")
    nfields = 0
    first = {}
    for full in msgs:
        first[full] = nfields
        row = []
        for f in gen.msgs[full][2]:
            kind = "CK_PB_" + KIND_C[f.kind]
            if f.key:
                kind += " | CK_PB_" + KIND_C[f.key] + " << 4"
            row.append("{%d, %d, %d, %s, %d}" % (f.num, offs[f.name],
                                                  index[f.msg] if f.msg else 0, kind, f.flags))
            nfields += 1
        if row:
            o.append("    /* %s */" % full.rsplit("/", 1)[-1])
            line = "   "
            for cell in row:
                if len(line) + len(cell) + 2 > 98:
                    o.append(line)
                    line = "   "
                line += " " + cell + ","
            o.append(line)
    o.append("};")
    if nfields > 0xFFFF or len(msgs) > 0xFFFF:
        die("too many fields or messages for 16-bit indexes")
    o.append("const unsigned ck_pb_nfields = %d;" % nfields)
    o.append("")
    o.append("/* {name, pkg, first field, nfields, special, is_kind}, sorted by package, name. */")
    o.append("const ck_pb_msg ck_pb_msgs[] = {")
    for full in msgs:
        td, special, fields = gen.msgs[full]
        pi = pkg_paths.index(full.rsplit(".", 1)[0])
        o.append("    {%d, %d, %d, %d, CK_PB_%s, %d}," % (
            offs[td.name], pi, first[full], len(fields), special or "PLAIN",
            1 if full in kinds else 0))
    o.append("};")
    o.append("const unsigned ck_pb_nmsgs = %d;" % len(msgs))
    o.append("")
    o.append("/* {group, version, path, first message, nmsgs} */")
    o.append("const ck_pb_pkg ck_pb_pkgs[] = {")
    for i, p in enumerate(pkg_paths):
        pkg = res.package(p)
        ms = [j for j, f in enumerate(msgs) if f.rsplit(".", 1)[0] == p]
        short = p.replace("k8s.io/api/", "").replace(AM + "pkg/", "")
        o.append("    {%d, %d, %d, %d, %d}," % (
            offs[pkg.group or ""], offs[pkg.version or ""], offs[short],
            ms[0] if ms else 0, len(ms)))
    o.append("};")
    o.append("const unsigned ck_pb_npkgs = %d;" % len(pkg_paths))
    if problems:
        o.append("")
        o.append("/* Not mapped:")
        for pr in sorted(set(problems)):
            o.append(" *   " + pr)
        o.append(" */")
    with open(out_path, "w", encoding="utf-8") as fp:
        fp.write("\n".join(o) + "\n")
    for pr in sorted(set(problems)):
        print("gen_proto: note: " + pr, file=sys.stderr)
    print("gen_proto: %d packages, %d messages, %d fields, %d bytes of names" % (
        len(pkg_paths), len(msgs), nfields, sum(len(x) + 1 for x in pool)), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
