/* Field sets: the ownership records of server-side apply (upstream's structured-merge-diff
 * fieldpath.Set) and their FieldsV1 JSON form ("f:<field>", "k:{<key fields>}", "v:<value>",
 * "i:<index>", "." for the node itself). A set is a tree: each level holds entries sorted
 * by path element, each entry being a member (the path itself is in the set) and/or
 * having a non-empty child set. */
#ifndef CK_FIELDSET_H
#define CK_FIELDSET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "machinery/value.h"

typedef enum ck_pe_kind { CK_PE_FIELD = 0, CK_PE_KEY, CK_PE_VALUE, CK_PE_INDEX } ck_pe_kind;

/* One path element. FIELD: name. KEY: val is an object of the key fields, inserted in
 * name order. VALUE: val is the set element. INDEX: index. The element owns name/val. */
typedef struct ck_pe {
    ck_pe_kind kind;
    char *name;
    json_t *val;
    long long index;
} ck_pe;

typedef struct ck_fieldset ck_fieldset;
typedef struct ck_fsent {
    ck_pe pe;
    bool member;
    ck_fieldset *child; /* NULL or non-empty */
} ck_fsent;
struct ck_fieldset {
    size_t n, cap;
    ck_fsent *v;
    bool unsorted; /* entries were appended since the last ck_fs_seal */
};

/* Path elements. Constructors copy their arguments. */
ck_pe ck_pe_field(const char *name);
ck_pe ck_pe_copy(const ck_pe *pe);
void ck_pe_clear(ck_pe *pe);
/* Upstream's ordering: fields < keys < values < indexes, each by content. */
int ck_pe_compare(const ck_pe *a, const ck_pe *b);
/* "f:name", "k:{...}", "v:...", "i:3" (newly allocated). */
char *ck_pe_serialize(const ck_pe *pe);
/* Parses a FieldsV1 key; returns 1 for an unknown element type (skipped by upstream), -1 on
 * a malformed one, 0 on success. */
int ck_pe_parse(const char *s, ck_pe *out);
/* ".name", "[name=\"x\",port=80]", "[=\"v\"]", "[3]" appended to a path string. */
void ck_pe_describe(const ck_pe *pe, char **buf, size_t *len);

/* Sets. NULL is accepted as the empty set by every reader. */
ck_fieldset *ck_fs_new(void);
void ck_fs_free(ck_fieldset *s);
bool ck_fs_empty(const ck_fieldset *s);
ck_fieldset *ck_fs_copy(const ck_fieldset *s);
/* Appends an entry, taking pe and child (either may be empty). Call ck_fs_seal after the
 * last append of a level to sort and merge duplicates. */
void ck_fs_add(ck_fieldset *s, ck_pe pe, bool member, ck_fieldset *child);
void ck_fs_seal(ck_fieldset *s);
/* Entry for pe in a sealed set, or NULL. */
ck_fsent *ck_fs_find(const ck_fieldset *s, const ck_pe *pe);
ck_fsent *ck_fs_find_field(const ck_fieldset *s, const char *name);
/* Drops the entry for pe at the top level (and everything below it). */
void ck_fs_remove(ck_fieldset *s, const ck_pe *pe);

/* Set algebra on exact paths (upstream Union, Difference, Intersection) and the
 * subtree-removing RecursiveDifference. Results are new sets; NULL when empty. */
ck_fieldset *ck_fs_union(const ck_fieldset *a, const ck_fieldset *b);
ck_fieldset *ck_fs_difference(const ck_fieldset *a, const ck_fieldset *b);
ck_fieldset *ck_fs_intersection(const ck_fieldset *a, const ck_fieldset *b);
ck_fieldset *ck_fs_recursive_difference(const ck_fieldset *a, const ck_fieldset *b);
bool ck_fs_equal(const ck_fieldset *a, const ck_fieldset *b);
/* *a minus b (exact paths) in place, without copying; *a becomes NULL when emptied.
 * Returns whether anything was removed. */
bool ck_fs_subtract(ck_fieldset **a, const ck_fieldset *b);

/* Calls fn for every member path in upstream's iteration order (members of a level before
 * the levels below it). */
typedef void (*ck_fs_path_fn)(const ck_pe *const *path, size_t n, void *ud);
void ck_fs_iterate(const ck_fieldset *s, ck_fs_path_fn fn, void *ud);
/* ".spec.replicas" for a path (newly allocated). */
char *ck_path_string(const ck_pe *const *path, size_t n);

/* FieldsV1 (de)serialization. from_json returns -1 with a message in *msg (caller frees)
 * on malformed input; *out is NULL for an empty set. */
json_t *ck_fs_to_json(const ck_fieldset *s);
int ck_fs_from_json(const json_t *fields, ck_fieldset **out, char **msg);

#endif
