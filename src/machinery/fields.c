/* Field selectors, after upstream's fields.ParseSelector: terms split on unescaped ',',
 * sorted, each "field=value", "field==value" or "field!=value" with the value unescaped
 * ("\\", "\,", "\=" only). A term with both sides empty selects everything. */
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "machinery/selector.h"

typedef struct term {
    char *field, *value;
    bool negate;
} term;

struct ck_field_selector {
    term *terms;
    unsigned n;
};

void ck_field_selector_free(ck_field_selector *sel)
{
    if (!sel) return;
    for (unsigned i = 0; i < sel->n; i++) {
        free(sel->terms[i].field);
        free(sel->terms[i].value);
    }
    free(sel->terms);
    free(sel);
}

unsigned ck_field_selector_count(const ck_field_selector *sel)
{
    return sel ? sel->n : 0;
}

const char *ck_field_selector_field(const ck_field_selector *sel, unsigned i)
{
    return sel && i < sel->n ? sel->terms[i].field : NULL;
}

bool ck_field_selector_matches(const ck_field_selector *sel, ck_field_getter get, void *ctx)
{
    for (unsigned i = 0; sel && i < sel->n; i++) {
        const char *v = get(sel->terms[i].field, ctx);
        bool eq = strcmp(v ? v : "", sel->terms[i].value) == 0; /* unset reads as "" */
        if (eq == sel->terms[i].negate) return false;
    }
    return true;
}

/* Byte length of the UTF-8 character at s (1 for a stray byte). */
static size_t char_len(const unsigned char *s)
{
    size_t n = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 1;
    return n;
}

/* Upstream's UnescapeValue; on failure returns NULL with *msg set. */
static char *unescape(const char *s, char **msg)
{
    char *out = xmalloc(strlen(s) + 1), *o = out;
    for (const char *p = s; *p; p++) {
        if (*p == '\\') {
            if (p[1] == '\\' || p[1] == ',' || p[1] == '=') {
                *o++ = *++p;
                continue;
            }
            int n = p[1] ? (int)char_len((const unsigned char *)p + 1) : 0;
            *msg = xasprintf("invalid field selector: invalid escape sequence: \\%.*s", n, p + 1);
            free(out);
            return NULL;
        }
        if (*p == ',' || *p == '=') { /* upstream prints the rune as a number */
            *msg = xasprintf("invalid field selector: unescaped character in value: %d", *p);
            free(out);
            return NULL;
        }
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits a term at its first operator ("!=", "==" or "=", tried in that order). */
static bool split_term(const char *t, size_t *lhs_len, size_t *op_len)
{
    for (const char *p = t; *p; p++) {
        size_t n = strncmp(p, "!=", 2) == 0 || strncmp(p, "==", 2) == 0 ? 2 : *p == '=' ? 1 : 0;
        if (n) {
            *lhs_len = (size_t)(p - t);
            *op_len = n;
            return true;
        }
    }
    return false;
}

int ck_field_selector_parse(const char *s, ck_field_selector **out, ck_err **err)
{
    s = s ? s : "";
    /* Split on commas not preceded by an escaping backslash. */
    size_t nparts = 0, cap = 8;
    char **parts = xmalloc(cap * sizeof *parts);
    const char *start = s;
    for (const char *p = s;; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p && *p != ',') continue;
        if (nparts == cap) parts = xrealloc(parts, (cap *= 2) * sizeof *parts);
        parts[nparts++] = xstrndup(start, (size_t)(p - start));
        if (!*p) break;
        start = p + 1;
    }
    qsort(parts, nparts, sizeof *parts, cmp_str);

    ck_field_selector *sel = xcalloc(1, sizeof *sel);
    char *msg = NULL;
    for (size_t i = 0; i < nparts && !msg; i++) {
        size_t lhs, op;
        if (!*parts[i]) continue;
        if (!split_term(parts[i], &lhs, &op)) {
            msg = xasprintf("invalid selector: '%s'; can't understand '%s'", s, parts[i]);
            break;
        }
        char *value = unescape(parts[i] + lhs + op, &msg);
        if (!value) break;
        if (lhs == 0 && !*value) { /* transforms to "everything" upstream */
            free(value);
            continue;
        }
        sel->terms = xrealloc(sel->terms, (sel->n + 1) * sizeof *sel->terms);
        sel->terms[sel->n++] = (term){
            .field = xstrndup(parts[i], lhs), .value = value, .negate = parts[i][lhs] == '!'};
    }
    for (size_t i = 0; i < nparts; i++)
        free(parts[i]);
    free(parts);
    if (msg) {
        ck_field_selector_free(sel);
        ck_error(err, 400, CK_BAD_REQUEST, "%s", msg);
        free(msg);
        return -1;
    }
    *out = sel;
    return 0;
}
