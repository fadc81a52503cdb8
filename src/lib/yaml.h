/* YAML <-> JSON conversion with the semantics of sigs.k8s.io/yaml, which runs go-yaml v2
 * (YAML 1.1 resolver: yes/no/on/off/y/n are booleans, 0x/0o/0 prefixes are integers, timestamps
 * stay strings, merge keys "<<" apply). Decoding uses libyaml's event parser; encoding uses
 * libyaml's emitter with go-yaml's quoting rules and key order, so the output matches what
 * kubectl receives from a Go API server for Accept: application/yaml.
 *
 * Deliberate differences from upstream: a stream with two non-empty documents is refused
 * (upstream silently reads the first); nesting is capped at CK_YAML_MAX_DEPTH (go-yaml: 10000)
 * and alias expansion at CK_YAML_MAX_ALIAS_BYTES; keys are compared after conversion to strings
 * (go-yaml keeps 1 and "1" apart, then sigs.k8s.io/yaml keeps either); the string "<<" is quoted
 * on output so it does not read back as a merge key; keys whose go-yaml order is not transitive
 * get a deterministic order. */
#ifndef CK_YAML_H
#define CK_YAML_H

#include <stddef.h>

#include <jansson.h>

#include "lib/err.h"

/* Limits protecting the decoder. Nesting deeper than CK_YAML_MAX_DEPTH (jansson's own JSON
 * limit) is refused; alias expansion may add at most CK_YAML_MAX_ALIAS_BYTES of content on top of
 * go-yaml's "excessive aliasing" ratio check. */
#define CK_YAML_MAX_DEPTH 2048
#define CK_YAML_MAX_ALIAS_BYTES (4u << 20)

/* Decodes one YAML document like sigs.k8s.io/yaml.YAMLToJSONStrict: duplicate mapping keys are
 * an error. Empty input (or only comments) yields JSON null. A stream may hold empty documents
 * but at most one non-empty document. On success *out is a new reference owned by the caller;
 * on failure returns -1 with a 400 BadRequest *err whose message reads like upstream's
 * ("error converting YAML to JSON: yaml: line 3: could not find expected ':'"). */
int ck_yaml_to_json(const char *buf, size_t len, json_t **out, ck_err **err);

/* Like ck_yaml_to_json but lenient like YAMLToJSON: a duplicate key keeps the last value. When
 * dups is non-NULL it receives what the strict decoder would have reported
 * ("yaml: unmarshal errors:\n  line 4: key \"a\" already set in map"), allocated, or NULL when
 * there were no duplicates; this lets an API handler implement fieldValidation=Warn in one
 * pass. */
int ck_yaml_decode(const char *buf, size_t len, json_t **out, char **dups, ck_err **err);

/* Encodes v like sigs.k8s.io/yaml.JSONToYAML: block style, 2-space indent, sequences not
 * indented under their key ("key:\n- a"), map keys in go-yaml's natural order, strings quoted
 * when they would read back as another type, multi-line strings as literal blocks, lines folded
 * near 80 columns. Returns a NUL-terminated buffer the caller frees (and its length in *len when
 * len is non-NULL), or NULL if v cannot be represented (a non-finite real). */
char *ck_json_to_yaml(const json_t *v, size_t *len);

#endif
