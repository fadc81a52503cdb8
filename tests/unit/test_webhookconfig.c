/* MutatingWebhookConfiguration and ValidatingWebhookConfiguration
 * (src/registry/{mutating,validating}webhookconfiguration.c, webhookconfig.c): v1 defaults,
 * every validation message with upstream's field path and wording, the generation rule and
 * the printer. */
#include "registry/kinds.h"
#include "registry/webhookconfig.h"
#include "registry/workload.h"
#include "registry_ut.h"

#define MUT "MutatingWebhookConfiguration.admissionregistration.k8s.io \"hooks\" is invalid: "
#define VAL "ValidatingWebhookConfiguration.admissionregistration.k8s.io \"hooks\" is invalid: "

/* JSON with ' for " (test literals stay readable). */
static json_t *J(const char *s)
{
    char *t = xstrdup(s);
    for (char *p = t; *p; p++)
        if (*p == '\'') *p = '"';
    json_error_t e;
    json_t *j = json_loads(t, JSON_DECODE_ANY, &e);
    if (!j) fprintf(stderr, "bad JSON in test: %s: %s\n", e.text, t);
    free(t);
    return j;
}

#define BASE                                                                                       \
    "{'metadata':{'name':'hooks'},'webhooks':[{'name':'a.example.com','sideEffects':'None',"       \
    "'admissionReviewVersions':['v1'],'clientConfig':{'service':{'namespace':'default',"           \
    "'name':'hook'}},'rules':[{'operations':['CREATE'],'apiGroups':['example.com'],"               \
    "'apiVersions':['v1'],'resources':['widgets']}]}]}"

static ck_rtype *mut, *val;

/* The base object with webhooks[0].<path> set to the JSON value (NULL: removed), through
 * the create steps; returns the 422 message or NULL (the caller frees). */
static char *msg_with(ck_rtype *rt, const char *path, const char *value)
{
    json_t *o = J(BASE);
    json_t *hook = json_array_get(json_object_get(o, "webhooks"), 0);
    const char *dot = strrchr(path, '.');
    json_t *parent = hook;
    if (dot) {
        char *head = xstrndup(path, (size_t)(dot - path));
        parent = ck_obj_ensure(hook, head);
        free(head);
    }
    const char *key = dot ? dot + 1 : path;
    if (value)
        json_object_set_new(parent, key, J(value));
    else
        json_object_del(parent, key);
    create_steps(rt, o);
    char *m = invalid(rt, o, NULL);
    json_decref(o);
    return m;
}

#define EXPECT(rt, path, value, want)                                                              \
    do {                                                                                           \
        char *_m = msg_with(rt, path, value);                                                      \
        const char *_w = (want);                                                                   \
        if (_w) {                                                                                  \
            CHECK_STR(_m, _w);                                                                     \
        } else {                                                                                   \
            if (_m) fprintf(stderr, "unexpected: %s\n", _m);                                       \
            CHECK(_m == NULL);                                                                     \
        }                                                                                          \
        free(_m);                                                                                  \
    } while (0)

static void test_defaults(void)
{
    json_t *o = J(BASE);
    create_steps(mut, o);
    CHECK_INVALID(mut, o, NULL, NULL);
    json_t *h = json_array_get(json_object_get(o, "webhooks"), 0);
    CHECK_STR(str_at(h, "failurePolicy"), "Fail");
    CHECK_STR(str_at(h, "matchPolicy"), "Equivalent");
    CHECK_STR(str_at(h, "reinvocationPolicy"), "Never");
    CHECK_INT(int_at(h, "timeoutSeconds"), 10);
    CHECK(json_is_object(ck_obj_get(h, "namespaceSelector")) &&
          json_object_size(ck_obj_get(h, "namespaceSelector")) == 0);
    CHECK(json_is_object(ck_obj_get(h, "objectSelector")) &&
          json_object_size(ck_obj_get(h, "objectSelector")) == 0);
    CHECK_STR(str_at(json_array_get(json_object_get(h, "rules"), 0), "scope"), "*");
    CHECK_INT(int_at(h, "clientConfig.service.port"), 443);
    CHECK_INT(int_at(o, "metadata.generation"), 1);
    json_decref(o);

    /* Validating webhooks have no reinvocationPolicy; sideEffects and
     * admissionReviewVersions have no v1 default. */
    o = J("{'metadata':{'name':'hooks'},'webhooks':[{'name':'a.example.com','clientConfig':{"
          "'url':'https://hook.example.com/validate'}}]}");
    create_steps(val, o);
    json_t *vh = json_array_get(json_object_get(o, "webhooks"), 0);
    CHECK(json_object_get(vh, "reinvocationPolicy") == NULL);
    CHECK(json_object_get(vh, "sideEffects") == NULL);
    CHECK(json_object_get(vh, "admissionReviewVersions") == NULL);
    CHECK(json_object_get(vh, "rules") == NULL);
    CHECK(ck_obj_get(vh, "clientConfig.service") == NULL);
    CHECK_STR(str_at(vh, "failurePolicy"), "Fail");
    CHECK_INT(int_at(vh, "timeoutSeconds"), 10);
    CHECK_INVALID(val, o, NULL,
                  VAL "[webhooks[0].sideEffects: Required value: must specify one of None, "
                      "NoneOnDryRun, webhooks[0].admissionReviewVersions: Required value: must "
                      "specify one of v1, v1beta1]");
    json_decref(o);

    /* Values given are kept; null counts as absent. */
    o = J("{'metadata':{'name':'hooks'},'webhooks':[{'name':'a.example.com','sideEffects':"
          "'NoneOnDryRun','admissionReviewVersions':['v1beta1'],'failurePolicy':'Ignore',"
          "'matchPolicy':null,'timeoutSeconds':5,'reinvocationPolicy':'IfNeeded',"
          "'objectSelector':{'matchLabels':{'a':'b'}},'clientConfig':{'service':{'namespace':"
          "'ns','name':'svc','port':8443,'path':'/mutate'}},'rules':[{'operations':['*'],"
          "'apiGroups':['*'],'apiVersions':['*'],'resources':['*/*'],'scope':'Namespaced'}]}]}");
    create_steps(mut, o);
    h = json_array_get(json_object_get(o, "webhooks"), 0);
    CHECK_STR(str_at(h, "failurePolicy"), "Ignore");
    CHECK_STR(str_at(h, "matchPolicy"), "Equivalent");
    CHECK_STR(str_at(h, "reinvocationPolicy"), "IfNeeded");
    CHECK_INT(int_at(h, "timeoutSeconds"), 5);
    CHECK_STR(str_at(h, "objectSelector.matchLabels.a"), "b");
    CHECK_INT(int_at(h, "clientConfig.service.port"), 8443);
    CHECK_STR(str_at(json_array_get(json_object_get(h, "rules"), 0), "scope"), "Namespaced");
    CHECK_INVALID(mut, o, NULL, NULL);
    json_decref(o);
}

static void test_names_and_versions(void)
{
    EXPECT(mut, "name", "''", MUT "webhooks[0].name: Required value");
    EXPECT(mut, "name", "'hook'",
           MUT "webhooks[0].name: Invalid value: \"hook\": should be a domain with at least "
               "three segments separated by dots");
    EXPECT(mut, "name", "'hook.example'",
           MUT "webhooks[0].name: Invalid value: \"hook.example\": should be a domain with at "
               "least three segments separated by dots");
    EXPECT(mut, "name", "'Hook.example.com'",
           MUT "webhooks[0].name: Invalid value: \"Hook.example.com\": a lowercase RFC 1123 "
               "subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
               "must start and end with an alphanumeric character (e.g. 'example.com', regex "
               "used for validation is "
               "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");

    json_t *o = J(BASE);
    json_t *hooks = json_object_get(o, "webhooks");
    json_array_append_new(hooks, json_deep_copy(json_array_get(hooks, 0)));
    create_steps(val, o);
    CHECK_INVALID(val, o, NULL, VAL "webhooks[1].name: Duplicate value: \"a.example.com\"");
    json_decref(o);

    EXPECT(mut, "admissionReviewVersions", NULL,
           MUT "webhooks[0].admissionReviewVersions: Required value: must specify one of v1, "
               "v1beta1");
    EXPECT(mut, "admissionReviewVersions", "[]",
           MUT "webhooks[0].admissionReviewVersions: Required value: must specify one of v1, "
               "v1beta1");
    EXPECT(mut, "admissionReviewVersions", "['v2']",
           MUT "webhooks[0].admissionReviewVersions: Invalid value: [\"v2\"]: must include at "
               "least one of v1, v1beta1");
    EXPECT(mut, "admissionReviewVersions", "['v1','v1']",
           MUT "webhooks[0].admissionReviewVersions[1]: Invalid value: \"v1\": duplicate version");
    char *m = msg_with(mut, "admissionReviewVersions", "['V1','v1beta1']");
    CHECK(m &&
          strstr(m, "webhooks[0].admissionReviewVersions[0]: Invalid value: \"V1\": a DNS-1035 "
                    "label must consist of lower case alphanumeric characters or '-'"));
    free(m);
}

static void test_rules(void)
{
    EXPECT(mut, "rules", "[{}]",
           MUT "[webhooks[0].rules[0].operations: Required value, "
               "webhooks[0].rules[0].apiGroups: Required value, "
               "webhooks[0].rules[0].apiVersions: Required value, "
               "webhooks[0].rules[0].resources: Required value]");
    const char *r = "[{'operations':['*','CREATE'],'apiGroups':['*','apps'],'apiVersions':['*',"
                    "'v1',''],'resources':['pods']}]";
    EXPECT(mut, "rules", r,
           MUT "[webhooks[0].rules[0].operations: Invalid value: [\"*\",\"CREATE\"]: if '*' is "
               "present, must not specify other operations, webhooks[0].rules[0].apiGroups: "
               "Invalid value: [\"*\",\"apps\"]: if '*' is present, must not specify other API "
               "groups, webhooks[0].rules[0].apiVersions: Invalid value: [\"*\",\"v1\",\"\"]: if "
               "'*' is present, must not specify other API versions, "
               "webhooks[0].rules[0].apiVersions[2]: Required value]");
    EXPECT(mut, "rules",
           "[{'operations':['PATCH'],'apiGroups':[''],'apiVersions':['v1'],'resources':['pods'],"
           "'scope':'Global'}]",
           MUT "[webhooks[0].rules[0].operations[0]: Unsupported value: \"PATCH\": supported "
               "values: \"*\", \"CONNECT\", \"CREATE\", \"DELETE\", \"UPDATE\", "
               "webhooks[0].rules[0].scope: Unsupported value: \"Global\": supported values: "
               "\"*\", \"Cluster\", \"Namespaced\"]");
    EXPECT(mut, "rules",
           "[{'operations':['CREATE'],'apiGroups':[''],'apiVersions':['v1'],'resources':['*/*',"
           "'pods']}]",
           MUT "webhooks[0].rules[0].resources: Invalid value: [\"*/*\",\"pods\"]: if '*/*' is "
               "present, must not specify other resources");
    EXPECT(mut, "rules",
           "[{'operations':['CREATE'],'apiGroups':[''],'apiVersions':['v1'],'resources':['*',"
           "'pods','']}]",
           MUT "[webhooks[0].rules[0].resources[2]: Required value, "
               "webhooks[0].rules[0].resources: Invalid value: [\"*\",\"pods\",\"\"]: if '*' is "
               "present, must not specify other resources without subresources]");
    EXPECT(mut, "rules",
           "[{'operations':['CREATE'],'apiGroups':[''],'apiVersions':['v1'],'resources':["
           "'pods/*','pods/log','*/status','deployments/status']}]",
           MUT "[webhooks[0].rules[0].resources[1]: Invalid value: \"pods/log\": if 'pods/*' is "
               "present, must not specify pods/log, webhooks[0].rules[0].resources[3]: Invalid "
               "value: \"deployments/status\": if '*/status' is present, must not specify "
               "deployments/status]");
    /* A lone "*" beside subresources only; a subresource wildcard listed after a specific
     * subresource of the same resource is accepted, as upstream checks in list order. */
    EXPECT(mut, "rules",
           "[{'operations':['CREATE'],'apiGroups':[''],'apiVersions':['v1'],'resources':['*',"
           "'pods/status','deployments/scale','deployments/*']}]",
           NULL);
}

static void test_policies(void)
{
    EXPECT(mut, "failurePolicy", "'Explode'",
           MUT "webhooks[0].failurePolicy: Unsupported value: \"Explode\": supported values: "
               "\"Fail\", \"Ignore\"");
    EXPECT(val, "matchPolicy", "'Fuzzy'",
           VAL "webhooks[0].matchPolicy: Unsupported value: \"Fuzzy\": supported values: "
               "\"Equivalent\", \"Exact\"");
    EXPECT(mut, "sideEffects", NULL,
           MUT "webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun");
    EXPECT(mut, "sideEffects", "'Some'",
           MUT "webhooks[0].sideEffects: Unsupported value: \"Some\": supported values: "
               "\"None\", \"NoneOnDryRun\"");
    EXPECT(mut, "timeoutSeconds", "0",
           MUT "webhooks[0].timeoutSeconds: Invalid value: 0: the timeout value must be between 1 "
               "and 30 seconds");
    EXPECT(val, "timeoutSeconds", "31",
           VAL "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between "
               "1 and 30 seconds");
    EXPECT(mut, "timeoutSeconds", "30", NULL);
    EXPECT(mut, "reinvocationPolicy", "'Always'",
           MUT "webhooks[0].reinvocationPolicy: Unsupported value: \"Always\": supported values: "
               "\"IfNeeded\", \"Never\"");
    EXPECT(mut, "namespaceSelector",
           "{'matchExpressions':[{'key':'env','operator':'Maybe','values':['a']}]}",
           MUT "webhooks[0].namespaceSelector.matchExpressions[0].operator: Invalid value: "
               "\"Maybe\": not a valid selector operator");
    EXPECT(val, "objectSelector", "{'matchExpressions':[{'key':'env','operator':'In'}]}",
           VAL "webhooks[0].objectSelector.matchExpressions[0].values: Required value: must be "
               "specified when `operator` is 'In' or 'NotIn'");
    EXPECT(mut, "objectSelector", "{'matchLabels':{'a':'b c'}}",
           MUT "webhooks[0].objectSelector.matchLabels: Invalid value: \"b c\": a valid label "
               "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
               "and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
               "'my_value',  or '12345', regex used for validation is "
               "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
}

static void test_client_config(void)
{
    const char *both = MUT "webhooks[0].clientConfig: Required value: exactly one of url or "
                           "service is required";
    EXPECT(mut, "clientConfig", "{}", both);
    EXPECT(mut, "clientConfig.url", "'https://hook.example.com/'", both);
    EXPECT(mut, "clientConfig", "{'url':'https://hook.example.com:8443/mutate'}", NULL);
    EXPECT(mut, "clientConfig", "{'url':'https://10.0.0.1/m','caBundle':'Zm9v'}", NULL);
#define URL(u, want)                                                                               \
    EXPECT(val, "clientConfig", "{'url':'" u "'}", VAL "webhooks[0].clientConfig.url: " want)
    URL("http://hook.example.com/",
        "Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: "
        "https://host[/path]");
    EXPECT(val, "clientConfig", "{'url':'hook.example.com/validate'}",
           VAL "[webhooks[0].clientConfig.url: Invalid value: \"\": 'https' is the only allowed "
               "URL scheme; desired format: https://host[/path], webhooks[0].clientConfig.url: "
               "Invalid value: \"\": host must be specified; desired format: "
               "https://host[/path]]");
    EXPECT(val, "clientConfig", "{'url':''}",
           VAL "[webhooks[0].clientConfig.url: Invalid value: \"\": 'https' is the only allowed "
               "URL scheme; desired format: https://host[/path], webhooks[0].clientConfig.url: "
               "Invalid value: \"\": host must be specified; desired format: "
               "https://host[/path]]");
    URL("https:///validate",
        "Invalid value: \"\": host must be specified; desired format: https://host[/path]");
    URL("https:opaque", "Invalid value: \"\": host must be specified; desired format: "
                        "https://host[/path]");
    URL("https://user:pw@hook.example.com/",
        "Invalid value: \"user:pw\": user information is not permitted in the URL");
    URL("https://a%21b@hook.example.com/",
        "Invalid value: \"a%21b\": user information is not permitted in the URL");
    URL("https://hook.example.com/#top",
        "Invalid value: \"top\": fragments are not permitted in the URL");
    URL("https://hook.example.com/?a=b",
        "Invalid value: \"a=b\": query parameters are not permitted in the URL");
    EXPECT(val, "clientConfig", "{'url':'https://hook.example.com/?'}", NULL);
    URL("https://hook.example.com:port/",
        "Required value: url must be a valid URL: parse \"https://hook.example.com:port/\": "
        "invalid port \":port\" after host; desired format: https://host[/path]");
    URL("://hook", "Required value: url must be a valid URL: parse \"://hook\": missing protocol "
                   "scheme; desired format: https://host[/path]");
    URL("https://a b/", "Required value: url must be a valid URL: parse \"https://a b/\": invalid "
                        "character \" \" in host name; desired format: https://host[/path]");
    URL("https://h.example.com/%zz",
        "Required value: url must be a valid URL: parse \"https://h.example.com/%zz\": invalid "
        "URL escape \"%zz\"; desired format: https://host[/path]");
    URL("https://h.example.com/#%g",
        "Required value: url must be a valid URL: parse \"https://h.example.com/#%g\": invalid "
        "URL escape \"%g\"; desired format: https://host[/path]");
    URL("https://[::1/", "Required value: url must be a valid URL: parse \"https://[::1/\": "
                         "missing ']' in host; desired format: https://host[/path]");
    EXPECT(val, "clientConfig", "{'url':'A:b/c'}",
           VAL "[webhooks[0].clientConfig.url: Invalid value: \"a\": 'https' is the only allowed "
               "URL scheme; desired format: https://host[/path], webhooks[0].clientConfig.url: "
               "Invalid value: \"\": host must be specified; desired format: "
               "https://host[/path]]");
    URL("1a:b", "Required value: url must be a valid URL: parse \"1a:b\": first path segment in "
                "URL cannot contain colon; desired format: https://host[/path]");
    URL("https://h.example.com/\\u0001",
        "Required value: url must be a valid URL: parse \"https://h.example.com/\\x01\": "
        "net/url: invalid control character in URL; desired format: https://host[/path]");
#undef URL

#define SVC(s, want) EXPECT(mut, "clientConfig.service", s, MUT want)
    SVC("{}", "[webhooks[0].clientConfig.service.name: Required value, "
              "webhooks[0].clientConfig.service.namespace: Required value]");
    SVC("{'name':'h','namespace':'n','port':0}",
        "webhooks[0].clientConfig.service.port: Invalid value: 0: port is not valid: must be "
        "between 1 and 65535, inclusive");
    SVC("{'name':'h','namespace':'n','port':65536}",
        "webhooks[0].clientConfig.service.port: Invalid value: 65536: port is not valid: must "
        "be between 1 and 65535, inclusive");
    SVC("{'name':'h','namespace':'n','path':'mutate'}",
        "webhooks[0].clientConfig.service.path: Invalid value: \"mutate\": must start with a "
        "'/'");
    SVC("{'name':'h','namespace':'n','path':'//'}",
        "webhooks[0].clientConfig.service.path: Invalid value: \"//\": segment[0] may not be "
        "empty");
    SVC("{'name':'h','namespace':'n','path':'/a//b/'}",
        "webhooks[0].clientConfig.service.path: Invalid value: \"/a//b/\": segment[1] may not "
        "be empty");
    SVC("{'name':'h','namespace':'n','path':'/api/Mutate'}",
        "webhooks[0].clientConfig.service.path: Invalid value: \"/api/Mutate\": segment[1]: a "
        "lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
        "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
        "regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    EXPECT(mut, "clientConfig.service.path", "'/'", NULL);
    EXPECT(mut, "clientConfig.service.path", "''", NULL);
    EXPECT(mut, "clientConfig.service.path", "'/v1/mutate.pods/'", NULL);
#undef SVC
}

static void test_match_conditions(void)
{
    EXPECT(mut, "matchConditions",
           "[{'name':'exclude-leases','expression':'!(request.resource.group == "
           "\\'coordination.k8s.io\\')'}]",
           NULL);
    EXPECT(mut, "matchConditions", "[{'name':'','expression':' '}]",
           MUT "[webhooks[0].matchConditions[0].expression: Required value, "
               "webhooks[0].matchConditions[0].name: Required value]");
    EXPECT(val, "matchConditions",
           "[{'name':'a','expression':'true'},{'name':'a','expression':"
           "'false'}]",
           VAL "webhooks[0].matchConditions[1].name: Duplicate value: \"a\"");
    char *m = msg_with(val, "matchConditions", "[{'name':'bad name','expression':'true'}]");
    CHECK(m && strstr(m, VAL "webhooks[0].matchConditions[0].name: Invalid value: \"bad name\": "
                             "name part must consist of alphanumeric characters"));
    free(m);
    json_t *o = J(BASE);
    json_t *mcs = json_array();
    for (int i = 0; i < 65; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        json_array_append_new(mcs, json_pack("{s:s, s:s}", "name", name, "expression", "true"));
    }
    json_object_set_new(json_array_get(json_object_get(o, "webhooks"), 0), "matchConditions", mcs);
    create_steps(mut, o);
    CHECK_INVALID(mut, o, NULL,
                  MUT "webhooks[0].matchConditions: Too many: 65: must have at most 64 items");
    json_decref(o);
}

/* The object store's update steps for these kinds (registry_ut.h's update_steps compares
 * "spec", which they do not have). */
static void update_hooks(const ck_rtype *rt, json_t *obj, const json_t *old)
{
    json_object_set(ck_obj_get(obj, "metadata"), "generation",
                    ck_obj_get(old, "metadata.generation"));
    json_object_set_new(ck_obj_get(obj, "metadata"), "resourceVersion", json_string("7"));
    rt->def->prepare_update(obj, old);
    rt->def->defaults(obj);
}

static void test_generation_and_table(void)
{
    json_t *o = J(BASE);
    create_steps(mut, o);
    CHECK_COLUMNS(mut, "Name:string:name:0,Webhooks:integer::0,Age:date::0");
    CHECK_COLUMNS(val, "Name:string:name:0,Webhooks:integer::0,Age:date::0");
    CHECK_CELLS(mut, o, "[\"hooks\",1,\"2024-01-02T03:04:05Z\"]");
    json_t *empty = J("{'metadata':{'name':'none','creationTimestamp':'2024-01-02T03:04:05Z'}}");
    CHECK_CELLS(val, empty, "[\"none\",0,\"2024-01-02T03:04:05Z\"]");
    CHECK_INVALID(val, empty, NULL, NULL);
    json_decref(empty);

    /* The same webhooks without the defaulted fields: no new generation. */
    json_t *upd = J(BASE);
    json_object_set_new(ck_obj_get(upd, "metadata"), "labels", J("{'team':'a'}"));
    update_hooks(mut, upd, o);
    CHECK_INT(int_at(upd, "metadata.generation"), 1);
    CHECK_INVALID(mut, upd, o, NULL);
    json_decref(upd);
    upd = json_deep_copy(o);
    json_object_set_new(json_array_get(json_object_get(upd, "webhooks"), 0), "timeoutSeconds",
                        json_integer(3));
    update_hooks(mut, upd, o);
    CHECK_INT(int_at(upd, "metadata.generation"), 2);
    json_decref(upd);
    upd = json_deep_copy(o);
    json_array_clear(json_object_get(upd, "webhooks"));
    update_hooks(mut, upd, o);
    CHECK_INT(int_at(upd, "metadata.generation"), 2);
    json_decref(upd);
    json_decref(o);
}

int main(void)
{
    mut = kind("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations");
    val = kind("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations");
    if (!mut || !val) return 1;
    test_defaults();
    test_names_and_versions();
    test_rules();
    test_policies();
    test_client_config();
    test_match_conditions();
    test_generation_and_table();
    return UT_DONE();
}
