/* Strategic merge patch: behaviours of upstream strategicpatch (merge keys, ordered sets,
 * $patch, $setElementOrder, $retainKeys, $deleteFromPrimitiveList), first against a small
 * hand-built schema, then against the generated schema for apps/v1 Deployment when it is
 * present. Test JSON is written with single quotes, turned into double quotes by J(). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/util.h"
#include "machinery/patch.h"
#include "ut.h"

/* A hand-built table. Element 0 is the root; refs index this table (see smpatch.c). */
enum { ITEM, RETAIN, PORT };
#define F(n, t, e, r, ps, mk)                                                                      \
    {                                                                                              \
        n, t, e, r, false, NULL, ps, mk, NULL, NULL, NULL                                          \
    }
static const ck_field item_fields[] = {
    F("byName", CK_T_MAP, CK_T_OBJECT, ITEM, NULL, NULL),
    F("ints", CK_T_ARRAY, CK_T_INTEGER, -1, "merge", NULL),
    F("items", CK_T_ARRAY, CK_T_OBJECT, ITEM, "merge", "name"),
    F("labels", CK_T_MAP, CK_T_STRING, -1, NULL, NULL),
    F("list", CK_T_ARRAY, CK_T_OBJECT, ITEM, NULL, NULL),
    F("name", CK_T_STRING, CK_T_ANY, -1, NULL, NULL),
    F("other", CK_T_STRING, CK_T_ANY, -1, NULL, NULL),
    F("plainInts", CK_T_ARRAY, CK_T_INTEGER, -1, NULL, NULL),
    F("ports", CK_T_ARRAY, CK_T_OBJECT, PORT, "merge", "port"),
    F("raw", CK_T_OBJECT, CK_T_ANY, -1, "replace", NULL),
    F("retain", CK_T_OBJECT, CK_T_ANY, RETAIN, "retainKeys", NULL),
    F("retainList", CK_T_ARRAY, CK_T_OBJECT, ITEM, "merge,retainKeys", "name"),
    F("value", CK_T_STRING, CK_T_ANY, -1, NULL, NULL),
};
static const ck_field retain_fields[] = {
    F("ints", CK_T_ARRAY, CK_T_INTEGER, -1, "merge", NULL),
    F("items", CK_T_ARRAY, CK_T_OBJECT, ITEM, "merge", "name"),
    F("name", CK_T_STRING, CK_T_ANY, -1, NULL, NULL),
    F("other", CK_T_STRING, CK_T_ANY, -1, NULL, NULL),
    F("value", CK_T_STRING, CK_T_ANY, -1, NULL, NULL),
};
static const ck_field port_fields[] = {
    F("name", CK_T_STRING, CK_T_ANY, -1, NULL, NULL),
    F("port", CK_T_INTEGER, CK_T_ANY, -1, NULL, NULL),
};
static const ck_def defs[] = {
    [ITEM] = {"test.Item", CK_T_OBJECT, NULL, item_fields, ARRAY_SIZE(item_fields), NULL},
    [RETAIN] = {"test.Retain", CK_T_OBJECT, NULL, retain_fields, ARRAY_SIZE(retain_fields), NULL},
    [PORT] = {"test.Port", CK_T_OBJECT, NULL, port_fields, ARRAY_SIZE(port_fields), NULL},
};
static const ck_def *T = &defs[ITEM];

static json_t *J(const char *s)
{
    cleanup_free char *d = xstrdup(s);
    for (char *p = d; *p; p++)
        if (*p == '\'') *p = '"';
    json_error_t e;
    json_t *v = json_loads(d, JSON_DECODE_ANY, &e);
    if (!v) {
        fprintf(stderr, "bad test JSON: %s: %s\n", d, e.text);
        abort();
    }
    return v;
}

/* True if any object key in v is a patch directive. */
static bool leaks(const json_t *v)
{
    const char *k;
    json_t *m;
    size_t i;
    if (json_is_array(v)) json_array_foreach(v, i, m) if (leaks(m)) return true;
    if (json_is_object(v))
        json_object_foreach((json_t *)v, k, m) if (streq(k, "$patch") || streq(k, "$retainKeys") ||
                                                   has_prefix(k, "$setElementOrder") ||
                                                   has_prefix(k, "$deleteFromPrimitiveList") ||
                                                   leaks(m)) return true;
    return false;
}

static int last_code;
static char last_msg[1024];

/* Applies patch; returns the result (caller owns) or NULL with last_code/last_msg set.
 * Also checks that the inputs are untouched and no directive leaks into the result. */
static json_t *smp(const ck_def *def, const char *doc, const char *patch)
{
    json_t *d = J(doc), *p = J(patch), *out = NULL;
    ck_err *err = NULL;
    last_code = 0;
    last_msg[0] = '\0';
    if (ck_strategic_merge_patch(d, p, def, &out, &err) < 0) {
        last_code = err->code;
        snprintf(last_msg, sizeof last_msg, "%s", err->message);
        CHECK(out == NULL);
    } else {
        CHECK(!leaks(out));
    }
    json_t *d2 = J(doc), *p2 = J(patch);
    CHECK(json_equal(d, d2) && json_equal(p, p2));
    json_decref(d2);
    json_decref(p2);
    json_decref(d);
    json_decref(p);
    ck_err_free(err);
    return out;
}

static void check_json(json_t *got, const char *want, int line)
{
    json_t *w = J(want);
    if (got && json_equal(got, w)) {
        ut_passed++;
    } else {
        ut_failed++;
        char *g = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        char *x = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(stderr, "FAIL %s:%d\n  got:  %s\n  want: %s\n", __FILE__, line, g ? g : last_msg,
                x);
        free(g);
        free(x);
    }
    json_decref(w);
    json_decref(got);
}

#define SMP(def, doc, patch, want) check_json(smp(def, doc, patch), want, __LINE__)
/* Expects failure with code and a message containing `part`. */
#define SMP_ERR(def, doc, patch, code, part)                                                       \
    do {                                                                                           \
        json_t *_o = smp(def, doc, patch);                                                         \
        CHECK(_o == NULL);                                                                         \
        json_decref(_o);                                                                           \
        CHECK_INT(last_code, code);                                                                \
        if (!strstr(last_msg, part)) {                                                             \
            ut_failed++;                                                                           \
            fprintf(stderr, "FAIL %s:%d: message '%s' lacks '%s'\n", __FILE__, __LINE__, last_msg, \
                    part);                                                                         \
        }                                                                                          \
    } while (0)

static void test_maps_and_scalars(void)
{
    SMP(T, "{'name':'a','value':'b','labels':{'x':'1'}}",
        "{'value':null,'other':'c','labels':{'y':'2','x':null}}",
        "{'name':'a','other':'c','labels':{'y':'2'}}");
    /* New subtrees lose their nulls; deleting an absent key is a no-op. */
    SMP(T, "{}", "{'zz':null,'labels':{'a':null,'b':'1'},'u':{'v':[{'w':null}]}}",
        "{'labels':{'b':'1'},'u':{'v':[{}]}}");
    /* Type changes replace; unknown fields merge like a merge patch, lists replaced. */
    SMP(T, "{'name':'a','u':{'x':[1,2],'y':{'z':1}}}", "{'name':{'k':1},'u':{'x':[3],'y':{'q':2}}}",
        "{'name':{'k':1},'u':{'x':[3],'y':{'z':1,'q':2}}}");
    /* A field with patch strategy replace is replaced, not merged. */
    SMP(T, "{'raw':{'a':1,'b':2}}", "{'raw':{'c':3}}", "{'raw':{'c':3}}");
    /* Map values take the schema of the map's value type. */
    SMP(T, "{'byName':{'x':{'items':[{'name':'a'}]}}}", "{'byName':{'x':{'items':[{'name':'b'}]}}}",
        "{'byName':{'x':{'items':[{'name':'b'},{'name':'a'}]}}}");
    /* Without a schema everything behaves like a merge patch, directives still honoured. */
    SMP(NULL, "{'items':[{'name':'a'}],'m':{'a':1},'n':1}",
        "{'items':[{'name':'b'}],'m':{'$patch':'delete'},'n':null}",
        "{'items':[{'name':'b'}],'m':{}}");
    SMP(T, "{'a':1}", "null", "{'a':1}");
}

static void test_map_directives(void)
{
    SMP(T, "{'labels':{'a':'1'}}", "{'labels':{'$patch':'delete'}}", "{'labels':{}}");
    SMP(T, "{'labels':{'a':'1','b':'2'}}", "{'labels':{'$patch':'replace','c':'3','d':null}}",
        "{'labels':{'c':'3'}}");
    SMP(T, "{'name':'a','value':'b'}", "{'$patch':'replace','other':'c'}", "{'other':'c'}");
    SMP(T, "{'name':'a'}", "{'$patch':'delete'}", "{}");
    /* Upstream drops a directive map whose key is absent from the live object. */
    SMP(T, "{'name':'a'}", "{'labels':{'$patch':'replace','x':'1'}}", "{'name':'a'}");
    SMP_ERR(T, "{'labels':{}}", "{'labels':{'$patch':'merge'}}", 500,
            "unknown patch type: merge in map: map[$patch:merge]");
}

static void test_merging_lists(void)
{
    /* Existing items merge in place; new ones go before the unmentioned live items. */
    SMP(T, "{'items':[{'name':'a','value':'1','other':'o'},{'name':'b'}]}",
        "{'items':[{'name':'a','value':'2'}]}",
        "{'items':[{'name':'a','value':'2','other':'o'},{'name':'b'}]}");
    SMP(T, "{'items':[{'name':'a'},{'name':'b'}]}", "{'items':[{'name':'c','value':'x'}]}",
        "{'items':[{'name':'c','value':'x'},{'name':'a'},{'name':'b'}]}");
    SMP(T, "{'items':[{'name':'a','value':'1'},{'name':'b'}]}",
        "{'items':[{'name':'b','value':'2'},{'name':'c'}]}",
        "{'items':[{'name':'a','value':'1'},{'name':'b','value':'2'},{'name':'c'}]}");
    SMP(T, "{'items':[{'name':'a','items':[{'name':'x','value':'1'}]}]}",
        "{'items':[{'name':'a','items':[{'name':'y'},{'name':'x','value':null}]}]}",
        "{'items':[{'name':'a','items':[{'name':'y'},{'name':'x'}]}]}");
    SMP(T, "{'ports':[{'port':80,'name':'http'}]}",
        "{'ports':[{'port':443},{'port':80,'name':'w'}]}",
        "{'ports':[{'port':443},{'port':80,'name':'w'}]}");
    /* $patch delete removes every item with the key; replace keeps only the patch items. */
    SMP(T, "{'items':[{'name':'a'},{'name':'b'},{'name':'a','value':'2'}]}",
        "{'items':[{'name':'a','$patch':'delete'},{'name':'zz','$patch':'delete'}]}",
        "{'items':[{'name':'b'}]}");
    SMP(T, "{'items':[{'name':'a'},{'name':'b'}]}",
        "{'items':[{'$patch':'replace'},{'name':'z','value':null}]}", "{'items':[{'name':'z'}]}");
    SMP(T, "{'items':[{'name':'a'}]}", "{'items':[{'$patch':'replace'}]}", "{'items':[]}");
    SMP(T, "{'items':[]}", "{'items':[]}", "{'items':[]}");
    /* Non-merge lists are replaced, directive items and all. */
    SMP(T, "{'list':[{'name':'a'}],'plainInts':[1,2]}",
        "{'list':[{'name':'b','$patch':'delete'}],'plainInts':[3]}",
        "{'list':[{'name':'b'}],'plainInts':[3]}");
    SMP_ERR(T, "{'items':[{'name':'a'}]}", "{'items':[{'value':'b'}]}", 500,
            "map: map[value:b] does not contain declared merge key: name");
    SMP_ERR(T, "{'items':[{'name':'a'}]}", "{'items':[{'name':'a','$patch':'merge'}]}", 500,
            "merging lists cannot yet be specified in the patch");
    SMP_ERR(T, "{'items':[{'name':'a'}]}", "{'items':[{'name':'a','$patch':'x'}]}", 500,
            "unknown patch type: x in map: map[$patch:x name:a]");
    SMP_ERR(T, "{'items':[{'name':'a'}]}", "{'items':[{'name':'a'},'b']}", 500,
            "list element types are not identical");
    SMP_ERR(T, "{'ints':[[1]]}", "{'ints':[[2]]}", 422, "lists of lists are not supported");
}

static void test_primitive_lists(void)
{
    SMP(T, "{'ints':[1,2]}", "{'ints':[2,3]}", "{'ints':[1,2,3]}");
    SMP(T, "{'ints':[1,2]}", "{'ints':[3]}", "{'ints':[3,1,2]}");
    SMP(T, "{'ints':[1,1,2]}", "{'ints':[]}", "{'ints':[1,2]}");
    SMP(T, "{'ints':[1,2,3,2]}", "{'$deleteFromPrimitiveList/ints':[2,9]}", "{'ints':[1,3]}");
    SMP(T, "{'ints':[]}", "{'$deleteFromPrimitiveList/ints':[3]}", "{'ints':[]}");
    SMP(T, "{'x':1}", "{'$deleteFromPrimitiveList/ints':[3]}", "{'x':1}");
    SMP(T, "{'plainInts':[1,2,3]}", "{'$deleteFromPrimitiveList/plainInts':[2]}",
        "{'plainInts':[1,3]}");
    SMP_ERR(T, "{'ints':[1]}", "{'$deleteFromPrimitiveListints':[1]}", 400,
            "invalid patch format of primitive list");
}

static void test_set_element_order(void)
{
    SMP(T, "{'items':[{'name':'a','other':'x'},{'name':'b','value':'2'}]}",
        "{'$setElementOrder/items':[{'name':'d'},{'name':'a'},{'name':'b'},{'name':'c'}],"
        "'items':[{'name':'d','value':'4'},{'name':'c','value':'3'}]}",
        "{'items':[{'name':'d','value':'4'},{'name':'a','other':'x'},{'name':'b','value':'2'},"
        "{'name':'c','value':'3'}]}");
    /* Server-only items stay next to their live neighbours. */
    SMP(T, "{'items':[{'name':'a'},{'name':'b'},{'name':'x'},{'name':'c'},{'name':'d'}]}",
        "{'$setElementOrder/items':[{'name':'b'},{'name':'a'},{'name':'d'},{'name':'c'}]}",
        "{'items':[{'name':'b'},{'name':'a'},{'name':'x'},{'name':'d'},{'name':'c'}]}");
    SMP(T,
        "{'items':[{'name':'a'},{'name':'b'},{'name':'g'},{'name':'x'},{'name':'h'},{'name':'c'},"
        "{'name':'d'}]}",
        "{'$setElementOrder/items':[{'name':'b'},{'name':'a'},{'name':'d'},{'name':'c'}]}",
        "{'items':[{'name':'b'},{'name':'a'},{'name':'g'},{'name':'x'},{'name':'h'},{'name':'d'},"
        "{'name':'c'}]}");
    SMP(T, "{'items':[{'name':'a','value':'1'},{'name':'x'},{'name':'b'}]}",
        "{'$setElementOrder/items':[{'name':'b'}],'items':[{'name':'a','$patch':'delete'}]}",
        "{'items':[{'name':'x'},{'name':'b'}]}");
    /* An order entry absent from the list is ignored. */
    SMP(T, "{'items':[{'name':'a'},{'name':'c'}]}",
        "{'$setElementOrder/items':[{'name':'c'},{'name':'b'},{'name':'a'}],"
        "'items':[{'name':'c','value':'3'},{'name':'a','value':'1'}]}",
        "{'items':[{'name':'c','value':'3'},{'name':'a','value':'1'}]}");
    /* Duplicates gather where the first one is ordered. */
    SMP(T,
        "{'items':[{'name':'1'},{'name':'2','value':'d1'},{'name':'3'},{'name':'2','value':'d2'},"
        "{'name':'4'}]}",
        "{'$setElementOrder/items':[{'name':'2'},{'name':'1'},{'name':'4'},{'name':'3'},"
        "{'name':'2'}]}",
        "{'items':[{'name':'2','value':'d1'},{'name':'2','value':'d2'},{'name':'1'},{'name':'4'},"
        "{'name':'3'}]}");
    SMP(T, "{'ints':[1,4,2]}", "{'$setElementOrder/ints':[3,1,2],'ints':[3]}",
        "{'ints':[3,1,4,2]}");
    SMP(T, "{'ints':[1,2,3]}",
        "{'$setElementOrder/ints':[2,1],'$deleteFromPrimitiveList/ints':[3]}", "{'ints':[2,1]}");
    SMP(T, "{'ints':[1,3]}", "{'$setElementOrder/ints':[3,2,1]}", "{'ints':[3,1]}");
    SMP(T, "{}", "{'$setElementOrder/items':[{'name':'a'}],'items':[{'name':'a','value':null}]}",
        "{'items':[{'name':'a'}]}");
    SMP_ERR(T, "{'items':[{'name':'a'},{'name':'c'},{'name':'b'}]}",
            "{'$setElementOrder/items':[{'name':'a'},{'name':'b'},{'name':'c'}],"
            "'items':[{'name':'c'},{'name':'a'}]}",
            500, "doesn't match $setElementOrder list");
    SMP_ERR(T, "{'ints':[1,3,2]}", "{'$setElementOrder/ints':[1,2,3],'ints':[3,1]}", 500,
            "doesn't match");
    SMP_ERR(T, "{'ints':[1]}", "{'$setElementOrder/ints':'x'}", 500,
            "expected a []interface {}, but received a string");
    SMP_ERR(T, "{'ints':[1]}", "{'$setElementOrderints':[1]}", 400,
            "invalid patch format of setElementOrder list");
}

static void test_retain_keys(void)
{
    SMP(T, "{'retain':{'name':'foo','value':'x'}}",
        "{'retain':{'$retainKeys':['name','other'],'other':'bar'}}",
        "{'retain':{'name':'foo','other':'bar'}}");
    SMP(T, "{'retain':{'name':'t1','value':'foo'}}",
        "{'retain':{'$retainKeys':['name','other'],'name':'t2','other':'bar','value':null}}",
        "{'retain':{'name':'t2','other':'bar'}}");
    SMP(T, "{'retain':{'name':'a','ints':[1,2]}}",
        "{'retain':{'$retainKeys':['ints'],'$setElementOrder/ints':[3,1,2],'ints':[3]}}",
        "{'retain':{'ints':[3,1,2]}}");
    SMP(T, "{'retainList':[{'name':'a','value':'1','other':'2'},{'name':'b','value':'3'}]}",
        "{'retainList':[{'name':'a','$retainKeys':['name','other'],'other':'3'}]}",
        "{'retainList':[{'name':'a','other':'3'},{'name':'b','value':'3'}]}");
    /* A directive inside a new subtree is not copied into the result. */
    SMP(T, "{}", "{'retain':{'$retainKeys':['name'],'name':'x'}}", "{'retain':{'name':'x'}}");
    SMP_ERR(T, "{'retain':{'name':'a'}}", "{'retain':{'$retainKeys':['name'],'other':'b'}}", 400,
            "invalid patch format of retainKeys");
    SMP_ERR(T, "{'retain':{'name':'a'}}", "{'retain':{'$retainKeys':'name'}}", 400,
            "invalid patch format of retainKeys");
}

static void test_bad_documents(void)
{
    SMP_ERR(T, "{}", "[1]", 400, "cannot unmarshal array");
    SMP_ERR(T, "[]", "{}", 400, "invalid JSON document");
}

/* The same behaviours through the generated schema of apps/v1 Deployment. */
static const char *deploy =
    "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','labels':{'app':'web'},"
    "'finalizers':['a/x']},'spec':{'replicas':1,'strategy':{'type':'RollingUpdate',"
    "'rollingUpdate':{'maxSurge':'25%','maxUnavailable':'25%'}},'template':{'metadata':"
    "{'labels':{'app':'web'}},'spec':{'containers':[{'name':'app','image':'nginx:1','env':"
    "[{'name':'A','value':'1'},{'name':'B','value':'2'}],'ports':[{'containerPort':80,"
    "'protocol':'TCP'}],'volumeMounts':[{'name':'data','mountPath':'/data'}]},{'name':'side',"
    "'image':'busybox'}],'volumes':[{'name':'data','emptyDir':{}},{'name':'cfg','configMap':"
    "{'name':'c'}}]}}}}";

/* Patches deploy and returns the value at a '/'-separated path of the result (owned). */
static json_t *at(const ck_def *def, const char *patch, const char *path)
{
    json_t *out = smp(def, deploy, patch);
    if (!out) return NULL;
    json_t *v = out;
    cleanup_free char *p = xstrdup(path);
    for (char *save = NULL, *t = strtok_r(p, "/", &save); v && t; t = strtok_r(NULL, "/", &save))
        v = json_is_array(v) ? json_array_get(v, (size_t)atoi(t)) : json_object_get(v, t);
    json_incref(v);
    json_decref(out);
    return v;
}

#define POD(x) "{'spec':{'template':{'spec':" x "}}}"

static void test_deployment(void)
{
    const ck_def *d = ck_schema_def_by_name("io.k8s.api.apps.v1.Deployment");
    if (!d) {
        printf("note: generated schema has no apps/v1 Deployment; real-schema cases not run\n");
        return;
    }
    const char *ctrs = "spec/template/spec/containers";
    check_json(at(d, POD("{'containers':[{'name':'app','image':'nginx:2'}]}"), ctrs),
               "[{'name':'app','image':'nginx:2','env':[{'name':'A','value':'1'},{'name':'B',"
               "'value':'2'}],'ports':[{'containerPort':80,'protocol':'TCP'}],'volumeMounts':"
               "[{'name':'data','mountPath':'/data'}]},{'name':'side','image':'busybox'}]",
               __LINE__);
    check_json(at(d,
                  POD("{'containers':[{'name':'app','env':[{'name':'B','value':'3'},{'name':'C',"
                      "'value':'4'},{'name':'A','$patch':'delete'}]}]}"),
                  "spec/template/spec/containers/0/env"),
               "[{'name':'B','value':'3'},{'name':'C','value':'4'}]", __LINE__);
    check_json(at(d,
                  POD("{'containers':[{'name':'app','ports':[{'containerPort':443},"
                      "{'containerPort':80,'name':'http'}]}]}"),
                  "spec/template/spec/containers/0/ports"),
               "[{'containerPort':443},{'containerPort':80,'protocol':'TCP','name':'http'}]",
               __LINE__);
    check_json(
        at(d, POD("{'volumes':[{'name':'cfg','$patch':'delete'}]}"), "spec/template/spec/volumes"),
        "[{'name':'data','emptyDir':{}}]", __LINE__);
    check_json(at(d,
                  POD("{'volumes':[{'name':'data','$retainKeys':['name','hostPath'],"
                      "'hostPath':{'path':'/x'}}]}"),
                  "spec/template/spec/volumes"),
               "[{'name':'data','hostPath':{'path':'/x'}},{'name':'cfg','configMap':{'name':'c'}}]",
               __LINE__);
    check_json(at(d, "{'metadata':{'finalizers':['b/y','a/x']}}", "metadata/finalizers"),
               "['b/y','a/x']", __LINE__);
    check_json(at(d, "{'metadata':{'finalizers':['b/y']}}", "metadata/finalizers"), "['b/y','a/x']",
               __LINE__);
    check_json(at(d, "{'metadata':{'$deleteFromPrimitiveList/finalizers':['a/x']}}",
                  "metadata/finalizers"),
               "[]", __LINE__);
    check_json(at(d, "{'metadata':{'labels':{'app':null,'tier':'fe'}}}", "metadata/labels"),
               "{'tier':'fe'}", __LINE__);
    check_json(at(d, POD("{'containers':[{'name':'app','resources':{'limits':{'cpu':'1'}}}]}"),
                  "spec/template/spec/containers/0/resources"),
               "{'limits':{'cpu':'1'}}", __LINE__);
    /* What kubectl apply sends when switching the strategy type and reordering containers. */
    json_t *out = smp(d, deploy,
                      "{'metadata':{'annotations':{'kubectl.kubernetes.io/last-applied-"
                      "configuration':'{}'}},'spec':{'strategy':{'$retainKeys':['type'],'type':"
                      "'Recreate','rollingUpdate':null},'template':{'spec':{'$setElementOrder/"
                      "containers':[{'name':'side'},{'name':'app'}],'containers':[{'name':'app',"
                      "'image':'nginx:3'}]}}}}");
    json_t *want = J(deploy);
    json_object_set_new(json_object_get(want, "spec"), "strategy", J("{'type':'Recreate'}"));
    json_t *c = json_object_get(
        json_object_get(json_object_get(json_object_get(want, "spec"), "template"), "spec"),
        "containers");
    json_object_set_new(json_array_get(c, 0), "image", json_string("nginx:3"));
    json_array_append(c, json_array_get(c, 0));
    json_array_remove(c, 0);
    json_object_set_new(json_object_get(want, "metadata"), "annotations",
                        J("{'kubectl.kubernetes.io/last-applied-configuration':'{}'}"));
    CHECK(out && json_equal(out, want));
    json_decref(out);
    json_decref(want);
    SMP_ERR(d, deploy, POD("{'containers':[{'image':'x'}]}"), 500,
            "map: map[image:x] does not contain declared merge key: name");
    /* A field the schema does not know merges like a merge patch. */
    check_json(at(d, POD("{'containers':[{'name':'side','future':{'a':[1]}}]}"),
                  "spec/template/spec/containers/1/future"),
               "{'a':[1]}", __LINE__);
}

static void check_table_sorted(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(defs); i++)
        for (size_t j = 1; j < defs[i].nfields; j++)
            CHECK(strcmp(defs[i].fields[j - 1].name, defs[i].fields[j].name) < 0);
}

int main(void)
{
    check_table_sorted();
    test_maps_and_scalars();
    test_map_directives();
    test_merging_lists();
    test_primitive_lists();
    test_set_element_order();
    test_retain_keys();
    test_bad_documents();
    test_deployment();
    return UT_DONE();
}
