/* go-yaml v2 scalar rules shared by the YAML decoder (yaml.c) and encoder (yaml_emit.c):
 * implicit and explicit tag resolution, and Go strconv number parsing and formatting.
 * Internal to src/lib/yaml*.c. */
#ifndef CK_YAML_SCALAR_H
#define CK_YAML_SCALAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YS_TAG_PREFIX "tag:yaml.org,2002:"
#define YS_TAG_BINARY YS_TAG_PREFIX "binary"
#define YS_TAG_MERGE YS_TAG_PREFIX "merge"
#define YS_TAG_NULL YS_TAG_PREFIX "null"

typedef enum {
    YS_NULL,
    YS_BOOL,
    YS_INT,   /* fits int64: i */
    YS_UINT,  /* above INT64_MAX: u */
    YS_FLOAT, /* f, possibly NaN or infinite */
    YS_STR,
    YS_TIMESTAMP, /* go-yaml hands these back as the original string */
    YS_BINARY,    /* !!binary: base64 text still to decode */
} ys_kind;

typedef struct {
    ys_kind kind;
    bool b;
    int64_t i;
    uint64_t u;
    double f;
} ys_value;

/* go-yaml v2 resolve(tag, in). tag is a long tag ("tag:yaml.org,2002:int"), or NULL for an
 * untagged plain scalar. Returns 0, or -1 with *msg (allocated, without the "yaml: " prefix)
 * when the text does not fit an explicit tag: "cannot decode !!str `x` as a !!int". */
int ys_resolve(const char *tag, const char *s, size_t len, ys_value *out, char **msg);

/* True if go-yaml quotes s on output as a YAML 1.1 base-60 float ("1:20"). */
bool ys_is_base60(const char *s, size_t len);

/* Go strconv.FormatFloat(f, 'g', -1, bits) for bits 32 or 64 ("1e+06", "0.1", "NaN", "+Inf"). */
void ys_format_float(double f, int bits, char out[40]);

/* Go's base64.StdEncoding.DecodeString, which skips CR and LF. Returns an allocated buffer and
 * its length, or NULL on invalid input. */
char *ys_base64_decode(const char *s, size_t len, size_t *outlen);

/* go-yaml's encodeBase64: standard base64 broken into 70-column lines when longer. */
char *ys_base64_encode(const unsigned char *s, size_t len);

/* Returns s with every byte that is not part of valid UTF-8 replaced by U+FFFD, as Go's JSON
 * encoder does; allocated, length in *outlen. */
char *ys_utf8_sanitize(const char *s, size_t len, size_t *outlen);
bool ys_utf8_valid(const char *s, size_t len);

#endif
