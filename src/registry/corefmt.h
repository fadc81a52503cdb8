/* Cell formatting shared by the Table printers of the core kinds (upstream's
 * pkg/printers/internalversion/printers.go helpers). Every returned string is allocated;
 * the caller frees it. */
#ifndef CK_COREFMT_H
#define CK_COREFMT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* The "Name" column every printer starts with. */
#define CK_CORE_COL_NAME                                                                           \
    {                                                                                              \
        "Name", "string", "name",                                                                  \
            "Name must be unique within a namespace. Is required when creating resources, "        \
            "although "                                                                            \
            "some resources may allow a client to request the generation of an appropriate name "  \
            "automatically. Name is primarily intended for creation idempotence and "              \
            "configuration "                                                                       \
            "definition. Cannot be updated. More info: "                                           \
            "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",       \
            0                                                                                      \
    }
/* The "Age" column: a "date" cell holding metadata.creationTimestamp. */
#define CK_CORE_COL_AGE                                                                            \
    {                                                                                              \
        "Age", "date", "",                                                                         \
            "CreationTimestamp is a timestamp representing the server time when this object was "  \
            "created. It is not guaranteed to be set in happens-before order across separate "     \
            "operations. Clients may not set this value. It is represented in RFC3339 form and "   \
            "is in "                                                                               \
            "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "              \
            "https://git.k8s.io/community/contributors/devel/sig-architecture/"                    \
            "api-conventions.md#metadata",                                                         \
            0                                                                                      \
    }

/* labels.FormatLabels: "k=v,..." sorted by key, "<none>" when empty. */
char *ck_fmt_labels(const json_t *labels);
/* layoutContainerCells: appends the comma-joined names and images of containers. */
void ck_fmt_containers(const json_t *containers, json_t *cells);
/* Appends metadata.name (or "") and, for ck_row_age, the creationTimestamp (or null). */
void ck_row_name(const json_t *obj, json_t *cells);
void ck_row_age(const json_t *obj, json_t *cells);
/* Appends a string cell (NULL appends ""). */
void ck_row_str(json_t *cells, const char *s);
/* Appends a string cell and frees s. */
void ck_row_take(json_t *cells, char *s);

/* Seconds elapsed since an RFC 3339 timestamp; false if it does not parse. */
bool ck_fmt_seconds_since(const char *rfc3339, int64_t *out);
/* duration.HumanDuration ("5s", "3m20s", "4h", "2d3h", "1y") for a number of seconds. */
char *ck_fmt_duration(int64_t seconds);

#endif
