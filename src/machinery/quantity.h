/* resource.Quantity: parse "100m", "1Gi", "1e3", "0.5" and print the canonical form as
 * upstream does (binary SI kept binary, decimal SI / exponent kept decimal, smallest
 * suffix that keeps an integer mantissa, rounded up to nano precision). Like upstream, a
 * parsed string that is already in a canonical-looking form is kept verbatim as the
 * printed form (so "1500Mi" stays "1500Mi" and "+1" stays "+1"). */
#ifndef CK_QUANTITY_H
#define CK_QUANTITY_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

typedef enum { CK_Q_DECIMAL_SI, CK_Q_BINARY_SI, CK_Q_DECIMAL_EXPONENT } ck_qformat;

typedef struct ck_quantity {
    /* value = mantissa * 10^scale. Parsing rounds away from zero to nano precision
     * (scale >= -9), caps BinarySI at 2^63-1 and keeps at most 36 significant digits
     * (more is rejected; upstream keeps arbitrary precision). */
    __int128 mantissa;
    int32_t scale;
    ck_qformat format;
    /* The input string when upstream would print it verbatim, else "" (also "" for
     * quantities built by hand, which then print in canonical form). */
    char cached[48];
} ck_quantity;

/* Returns 0, or -1 with a 400 BadRequest carrying one of upstream's messages:
 * "quantities must match the regular expression '...'", "unable to parse quantity's
 * suffix" or "unable to parse numeric part of quantity". */
int ck_quantity_parse(const char *s, ck_quantity *q, ck_err **err);
/* Printed form (upstream's Quantity.String()); the caller frees. */
char *ck_quantity_string(const ck_quantity *q);
/* -1, 0, 1 by value (format is ignored). */
int ck_quantity_cmp(const ck_quantity *a, const ck_quantity *b);
/* Value times 1000 (e.g. CPU millicores), rounded away from zero, saturated to int64. */
int64_t ck_quantity_milli(const ck_quantity *q);
/* Value rounded away from zero to an integer, saturated to int64. */
int64_t ck_quantity_value(const ck_quantity *q);

#endif
