/* Unit tests for the Pod Security Standards evaluation: each baseline and restricted check
 * with upstream's reason and detail wording, singular and plural forms, the order of
 * checks, the pod-level settings that satisfy container-level checks, and the result's
 * reason-only and detailed forms for pods and pod templates. */
#include <stdlib.h>

#include "admission/podsecurity.h"
#include "lib/util.h"
#include "ut.h"
#include "ut_fixtures.h"

/* Evaluates a pod given as {spec} (single-quoted JSON) at level; returns "" if allowed. */
static char *eval(const char *level, const char *pod)
{
    json_t *p = js(pod);
    char *r = ck_psa_evaluate(level, p);
    json_decref(p);
    return r ? r : xstrdup("");
}

#define EXPECT(level, pod, want)                                                                   \
    do {                                                                                           \
        char *_r = eval(level, pod);                                                               \
        CHECK_STR(_r, want);                                                                       \
        free(_r);                                                                                  \
    } while (0)

/* A restricted-compliant container "c" and pod security context, for composing. */
#define GOOD_SC                                                                                    \
    "'securityContext':{'allowPrivilegeEscalation':false,'capabilities':{'drop':['ALL']}}"
#define GOOD_POD_SC                                                                                \
    "'securityContext':{'runAsNonRoot':true,'seccompProfile':{'type':'RuntimeDefault'}}"

static void test_baseline(void)
{
    EXPECT("baseline", "{'spec':{'containers':[{'name':'c'}]}}", "");
    EXPECT("privileged", "{'spec':{'hostNetwork':true,'containers':[{'name':'c'}]}}", "");
    EXPECT("baseline", "{'spec':{'hostPID':true,'hostNetwork':true,'hostIPC':true}}",
           "host namespaces (hostIPC, hostNetwork, hostPID)");
    EXPECT("baseline",
           "{'spec':{'containers':[{'name':'a','securityContext':{'privileged':true}},"
           "{'name':'b','securityContext':{'privileged':true}}]}}",
           "privileged (containers \"a\", \"b\" must not set securityContext.privileged=true)");
    EXPECT("baseline",
           "{'spec':{'containers':[{'name':'c','securityContext':{'capabilities':{'add':"
           "['SYS_ADMIN','CHOWN','NET_RAW']}}}]}}",
           "non-default capabilities (container \"c\" must not include \"NET_RAW\", "
           "\"SYS_ADMIN\" in securityContext.capabilities.add)");
    EXPECT("baseline",
           "{'spec':{'volumes':[{'name':'h','hostPath':{'path':'/'}},{'name':'e','emptyDir':{}}]}}",
           "hostPath volumes (volume \"h\")");
    EXPECT("baseline",
           "{'spec':{'containers':[{'name':'c','ports':[{'containerPort':80,'hostPort':80},"
           "{'containerPort':1000,'hostPort':1000}]}]}}",
           "hostPort (container \"c\" uses hostPorts 1000, 80)");
    EXPECT("baseline",
           "{'spec':{'initContainers':[{'name':'i','ports':[{'hostPort':9}]}],"
           "'containers':[{'name':'c','ports':[{'hostPort':9}]}]}}",
           "hostPort (containers \"i\", \"c\" use hostPort 9)");
    EXPECT("baseline",
           "{'metadata':{'annotations':{'container.apparmor.security.beta.kubernetes.io/c':"
           "'unconfined'}},'spec':{'containers':[{'name':'c'}]}}",
           "forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/c="
           "\"unconfined\")");
    EXPECT("baseline",
           "{'metadata':{'annotations':{'container.apparmor.security.beta.kubernetes.io/c':"
           "'localhost/x'}},'spec':{'containers':[{'name':'c'}]}}",
           "");
    EXPECT("baseline",
           "{'spec':{'securityContext':{'seLinuxOptions':{'type':'spc_t','user':'u'}},"
           "'containers':[{'name':'c','securityContext':{'seLinuxOptions':{'role':'r'}}}]}}",
           "seLinuxOptions (pod and container \"c\" set forbidden securityContext.seLinuxOptions: "
           "type \"spc_t\"; user may not be set; role may not be set)");
    EXPECT("baseline",
           "{'spec':{'containers':[{'name':'c','securityContext':{'seLinuxOptions':"
           "{'type':'container_t'}}}]}}",
           "");
    EXPECT("baseline",
           "{'spec':{'containers':[{'name':'c','securityContext':{'procMount':'Unmasked'}}]}}",
           "procMount (container \"c\" must not set securityContext.procMount to \"Unmasked\")");
    EXPECT("baseline",
           "{'spec':{'hostUsers':false,'containers':[{'name':'c','securityContext':"
           "{'procMount':'Unmasked'}}]}}",
           "");
    EXPECT("baseline",
           "{'spec':{'securityContext':{'seccompProfile':{'type':'Unconfined'}},"
           "'containers':[{'name':'c'}]}}",
           "seccompProfile (pod must not set securityContext.seccompProfile.type to "
           "\"Unconfined\")");
    EXPECT("baseline",
           "{'spec':{'securityContext':{'sysctls':[{'name':'kernel.shm_rmid_forced','value':'1'},"
           "{'name':'kernel.msgmax','value':'1'},{'name':'net.core.somaxconn','value':'1'}]}}}",
           "forbidden sysctls (kernel.msgmax, net.core.somaxconn)");
    EXPECT("baseline",
           "{'spec':{'containers':[{'name':'b','livenessProbe':{'httpGet':{'host':'10.0.0.1'}}},"
           "{'name':'a','lifecycle':{'preStop':{'tcpSocket':{'host':'h'}}},"
           "'readinessProbe':{'tcpSocket':{'host':''}}}]}}",
           "probe or lifecycle host (containers \"a\", \"b\" use probe or lifecycle hosts "
           "\"10.0.0.1\", \"h\")");
    EXPECT(
        "baseline",
        "{'spec':{'securityContext':{'windowsOptions':{'hostProcess':true}},"
        "'containers':[{'name':'c','securityContext':{'windowsOptions':{'hostProcess':true}}}]}}",
        "hostProcess (pod and container \"c\" must not set "
        "securityContext.windowsOptions.hostProcess=true)");
    EXPECT("baseline",
           "{'spec':{'containers':[{'name':'c','securityContext':{'seccompProfile':"
           "{'type':'Unconfined'},'capabilities':{'add':['SYS_ADMIN']}}}]}}",
           "non-default capabilities (container \"c\" must not include \"SYS_ADMIN\" in "
           "securityContext.capabilities.add), seccompProfile (container \"c\" must not set "
           "securityContext.seccompProfile.type to \"Unconfined\")");
    /* Several violations, in upstream's order. */
    EXPECT("baseline",
           "{'spec':{'hostNetwork':true,'containers':[{'name':'c','securityContext':"
           "{'privileged':true}}]}}",
           "host namespaces (hostNetwork), privileged (container \"c\" must not set "
           "securityContext.privileged=true)");
}

static void test_restricted(void)
{
    EXPECT("restricted", "{'spec':{'containers':[{'name':'p','image':'nginx'}]}}",
           "allowPrivilegeEscalation != false (container \"p\" must set "
           "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "
           "\"p\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod "
           "or container \"p\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or "
           "container \"p\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or "
           "\"Localhost\")");
    EXPECT("restricted", "{'spec':{" GOOD_POD_SC ",'containers':[{'name':'c'," GOOD_SC "}]}}", "");
    EXPECT("restricted",
           "{'spec':{" GOOD_POD_SC ",'containers':[{'name':'c','securityContext':"
           "{'allowPrivilegeEscalation':false,'capabilities':{'drop':['ALL'],"
           "'add':['NET_BIND_SERVICE','SYS_TIME','CHOWN']}}}]}}",
           "unrestricted capabilities (container \"c\" must not include \"CHOWN\", \"SYS_TIME\" "
           "in securityContext.capabilities.add)");
    EXPECT("restricted",
           "{'spec':{" GOOD_POD_SC ",'containers':[{'name':'c'," GOOD_SC "}],"
           "'volumes':[{'name':'z','nfs':{}},{'name':'s','secret':{}},{'name':'a','gitRepo':{}}]}}",
           "restricted volume types (volumes [\"a\" \"z\"] have restricted types)");
    EXPECT("restricted",
           "{'spec':{'securityContext':{'runAsNonRoot':false,'seccompProfile':{'type':"
           "'Localhost'}},'containers':[{'name':'c','securityContext':{'allowPrivilegeEscalation':"
           "false,'runAsNonRoot':false,'capabilities':{'drop':['ALL']}}}]}}",
           "runAsNonRoot != true (pod and container \"c\" must not set "
           "securityContext.runAsNonRoot=false)");
    EXPECT("restricted",
           "{'spec':{'securityContext':{'runAsNonRoot':true,'runAsUser':0,'seccompProfile':"
           "{'type':'RuntimeDefault'}},'containers':[{'name':'c','securityContext':"
           "{'allowPrivilegeEscalation':false,'runAsUser':0,'capabilities':{'drop':['ALL']}}}]}}",
           "runAsUser=0 (pod and container \"c\" must not set runAsUser=0)");
    /* An explicit bad value is reported alone, as upstream. */
    EXPECT("restricted",
           "{'spec':{'securityContext':{'runAsNonRoot':true},'containers':[{'name':'c',"
           "'securityContext':{'allowPrivilegeEscalation':false,'capabilities':{'drop':['ALL']},"
           "'seccompProfile':{'type':'Unconfined'}}},{'name':'d'," GOOD_SC "}]}}",
           "seccompProfile (container \"c\" must not set securityContext.seccompProfile.type to "
           "\"Unconfined\")");
    /* Restricted also runs the baseline checks, first. */
    EXPECT("restricted",
           "{'spec':{'hostPID':true," GOOD_POD_SC ",'containers':[{'name':'c'," GOOD_SC "}]}}",
           "host namespaces (hostPID)");
    /* Baseline-only checks that restricted replaces are not repeated. */
    EXPECT("restricted",
           "{'spec':{" GOOD_POD_SC ",'containers':[{'name':'c','securityContext':"
           "{'allowPrivilegeEscalation':false,'capabilities':{'drop':['ALL'],'add':['NET_RAW']}}}"
           "]}}",
           "unrestricted capabilities (container \"c\" must not include \"NET_RAW\" in "
           "securityContext.capabilities.add)");
}

/* The structured result: reasons and details aligned, the reason-only form used for the
 * pods of a namespace, and a pod template evaluated like a pod. */
static void test_result(void)
{
    json_t *tmpl = js("{'metadata':{'labels':{'a':'b'}},'spec':{'hostNetwork':true,"
                      "'containers':[{'name':'c','securityContext':{'privileged':true}}]}}");
    ck_psa_result r;
    CHECK(!ck_psa_check("baseline", tmpl, &r));
    CHECK_INT((int)r.n, 2);
    CHECK_STR(r.reasons[0], "host namespaces");
    CHECK_STR(r.details[0], "hostNetwork");
    char *s = ck_psa_reason(&r);
    CHECK_STR(s, "host namespaces, privileged");
    free(s);
    s = ck_psa_detail(&r);
    CHECK_STR(s, "host namespaces (hostNetwork), privileged (container \"c\" must not set "
                 "securityContext.privileged=true)");
    free(s);
    ck_psa_result_free(&r);
    CHECK(ck_psa_check("privileged", tmpl, &r));
    CHECK_INT((int)r.n, 0);
    ck_psa_result_free(&r);
    json_decref(tmpl);
}

int main(void)
{
    test_baseline();
    test_restricted();
    test_result();
    return UT_DONE();
}
