#!/usr/bin/env python3
"""Writes the Go type table (types reachable from core/v1 PodTemplateSpec) for
src/controller/deployment_hash.c from k8s.io/api and k8s.io/apimachinery sources."""
import re, sys

API, AM = sys.argv[1], sys.argv[2]
files = {
    'core': [API + '/core/v1/types.go'],
    'meta': [AM + '/pkg/apis/meta/v1/types.go', AM + '/pkg/apis/meta/v1/time.go'],
    'types': [AM + '/pkg/types/uid.go'],
}
PRINT = {'core': 'v1', 'meta': 'v1', 'types': 'types'}
IMPORTS = {'metav1': 'meta', 'types': 'types', 'resource': 'resource', 'intstr': 'intstr'}
SPECIAL = {('meta', 'Time'): 'v1.Time', ('resource', 'Quantity'): 'resource.Quantity',
           ('intstr', 'IntOrString'): 'intstr.IntOrString'}
BUILTIN = {'string', 'bool', 'int32', 'int64', 'int', 'uint64', 'float64', 'byte', 'uint8'}

decls = {}  # (pkg, name) -> ('struct', [(goname, json, typeexpr, inline)]) | ('named', typeexpr) | ('alias', typeexpr)
for pkg, fl in files.items():
    for fn in fl:
        src = open(fn).read()
        src = re.sub(r'/\*.*?\*/', '', src, flags=re.S)
        src = re.sub(r'//[^\n]*', '', src)
        for m in re.finditer(r'^type (\w+) (=\s*)?([^\n{]+?)\s*(\{|\n)', src, re.M):
            name, alias, texpr, brace = m.group(1), m.group(2), m.group(3).strip(), m.group(4)
            if texpr == 'struct':
                body_start = m.end()
                depth, i = 1, body_start
                while depth:
                    if src[i] == '{': depth += 1
                    elif src[i] == '}': depth -= 1
                    i += 1
                body = src[body_start:i - 1]
                fields = []
                for line in body.split('\n'):
                    line = line.strip()
                    if not line: continue
                    fm = re.match(r'^(\w+)\s+([^`]+?)\s*(`.*`)?$', line)
                    em = re.match(r'^([\w.*]+)\s*(`.*`)?$', line)
                    if fm and not line.startswith('`'):
                        g, t, tag = fm.group(1), fm.group(2), fm.group(3) or ''
                        inline = False
                    elif em:
                        t, tag = em.group(1), em.group(2) or ''
                        g = t.split('.')[-1].lstrip('*')
                        inline = True
                    else:
                        raise SystemExit('cannot parse %s.%s: %r' % (pkg, name, line))
                    jm = re.search(r'json:"([^"]*)"', tag)
                    j = jm.group(1).split(',')[0] if jm else ''
                    if inline and jm and ',inline' not in jm.group(1) and j:
                        inline = False  # embedded but named in JSON
                    fields.append((g, j, t, inline))
                decls[(pkg, name)] = ('struct', fields)
            else:
                decls[(pkg, name)] = ('alias' if alias else 'named', texpr)

def qualify(pkg, t):
    """Go type expression in pkg -> (printed expression, list of referenced (pkg,name))."""
    refs = []
    def q(t):
        if t.startswith('*'): return '*' + q(t[1:])
        if t.startswith('[]'): return '[]' + q(t[2:])
        if t.startswith('map['):
            d, i = 1, 4
            while d:
                if t[i] == '[': d += 1
                elif t[i] == ']': d -= 1
                i += 1
            return 'map[' + q(t[4:i - 1]) + ']' + q(t[i:])
        if t in BUILTIN: return 'uint8' if t == 'byte' else t
        if t == 'time.Time': return 'time.Time'
        if '.' in t:
            p, n = t.split('.')
            rp = IMPORTS[p]
        else:
            rp, n = pkg, t
        key = (rp, n)
        if key in SPECIAL:
            return SPECIAL[key]
        d = decls.get(key)
        if d is None: raise SystemExit('unknown type %s (%s)' % (t, pkg))
        if d[0] == 'alias':
            return q_in(rp, d[1])
        refs.append(key)
        return PRINT[rp] + '.' + n
    def q_in(p2, t2):
        nonlocal pkg
        old = pkg; pkg = p2
        try: return q(t2)
        finally: pkg = old
    return q(t), refs

seen, order, queue = set(), [], [('core', 'PodTemplateSpec')]
out = {}
while queue:
    key = queue.pop(0)
    if key in seen: continue
    seen.add(key); order.append(key)
    kind, body = decls[key]
    if kind == 'struct':
        fs = []
        for g, j, t, inl in body:
            pt, refs = qualify(key[0], t)
            fs.append((g, j, pt, inl)); queue += refs
        out[key] = ('struct', fs)
    else:
        pt, refs = qualify(key[0], body)
        out[key] = ('named', pt); queue += refs

names = sorted(order, key=lambda k: PRINT[k[0]] + '.' + k[1])
pn = [PRINT[k[0]] + '.' + k[1] for k in names]
assert len(set(pn)) == len(pn), 'printed name collision'
lines = []
for k, p in zip(names, pn):
    kind, body = out[k]
    if kind == 'struct':
        toks = [('%s:%s' % (g, t)) if (j == g[0].lower() + g[1:] and not inl) else ('%s:%s:%s' % (g, j, t))
                for g, j, t, inl in body]
        assert all(' ' not in t and t.count(':') in (1, 2) for t in toks)
        parts, cur = [], '{'
        for t in toks:
            add = t if cur == '{' else ' ' + t
            if len(cur) + len(add) > 82:
                parts.append(cur + ' ')
                cur = t
            else:
                cur += add
        parts.append(cur + '}')
        lines.append('    {"%s",' % p)
        for q in parts[:-1]:
            lines.append('     "%s"' % q)
        lines.append('     "%s"},' % parts[-1])
    else:
        lines.append('    {"%s", "%s"},' % (p, body))
print('\n'.join(lines))
