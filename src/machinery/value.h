/* Values of unstructured objects (JSON) as upstream's structured-merge-diff orders,
 * compares and prints them, and the text Go's encoding/json writes for them. */
#ifndef CK_VALUE_H
#define CK_VALUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* A growing string; s is NUL-terminated once anything was put, owned by the caller. */
typedef struct ck_strbuf {
    char *s;
    size_t len, cap;
} ck_strbuf;
void ck_strbuf_put(ck_strbuf *b, const char *s, size_t n);
void ck_strbuf_puts(ck_strbuf *b, const char *s);
void ck_strbuf_putc(ck_strbuf *b, char c);

/* Upstream's order (value.Compare): numbers (compared numerically) < strings < booleans
 * < lists < maps < null. */
int ck_value_compare(const json_t *a, const json_t *b);
/* Deep equality, integers and reals compared numerically. */
bool ck_value_equal(const json_t *a, const json_t *b);
/* A new object with o's fields inserted in name order. */
json_t *ck_value_sorted_object(const json_t *o);

/* Go encoding/json text: object keys sorted, <>& and U+2028/9 escaped. */
void ck_value_go_json(ck_strbuf *b, const json_t *v);
void ck_value_go_string(ck_strbuf *b, const char *s, size_t n);
char *ck_go_json(const json_t *v); /* newly allocated */
/* Go's %v of a value (value.ToString), strings quoted as %q. */
void ck_value_describe(ck_strbuf *b, const json_t *v);
char *ck_go_quote(const char *s); /* %q of a string, newly allocated */

#endif
