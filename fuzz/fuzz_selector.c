/* libFuzzer target for the query-string parsers: the input is parsed as a label selector,
 * a field selector and a quantity; whatever parses is matched, printed and compared. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "machinery/quantity.h"
#include "machinery/selector.h"

static const char *get_field(const char *field, void *ctx)
{
    return json_string_value(json_object_get(ctx, field));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    json_t *labels = json_pack("{s:s, s:s, s:s, s:s}", "app", "web", "tier", "frontend",
                               "example.com/x", "1", "n", "42");

    ck_err *err = NULL;
    ck_label_selector *ls = NULL;
    if (ck_label_selector_parse(s, &ls, &err) == 0) {
        (void)ck_label_selector_matches(ls, labels);
        (void)ck_label_selector_matches(ls, NULL);
        (void)ck_label_selector_empty(ls);
        ck_label_selector_free(ls);
    }
    ck_err_free(err);
    err = NULL;

    ck_field_selector *fs = NULL;
    if (ck_field_selector_parse(s, &fs, &err) == 0) {
        for (unsigned i = 0; i < ck_field_selector_count(fs); i++)
            (void)ck_field_selector_field(fs, i);
        (void)ck_field_selector_matches(fs, get_field, labels);
        ck_field_selector_free(fs);
    }
    ck_err_free(err);
    err = NULL;

    ck_quantity q;
    if (ck_quantity_parse(s, &q, &err) == 0) {
        char *out = ck_quantity_string(&q);
        ck_quantity back;
        /* The printed form must parse back to the same value. */
        if (ck_quantity_parse(out, &back, NULL) != 0 || ck_quantity_cmp(&q, &back) != 0) abort();
        (void)ck_quantity_milli(&q);
        (void)ck_quantity_value(&q);
        free(out);
    }
    ck_err_free(err);

    json_decref(labels);
    free(s);
    return 0;
}
