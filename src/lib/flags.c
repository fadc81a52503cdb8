/* pflag-style flag parsing for the ckube subcommands. */
#include "lib/flags.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

void ck_flags_usage(const ck_command_spec *spec, FILE *out)
{
    fprintf(out, "%s\n\nUsage:\n  %s %s\n", spec->about, spec->name, spec->usage);
    if (spec->nflags) fputs("\nFlags:\n", out);
    for (unsigned i = 0; i < spec->nflags; i++) {
        const ck_flag *f = &spec->flags[i];
        const char *arg = f->kind == CK_FLAG_STRING     ? " string"
                          : f->kind == CK_FLAG_INT      ? " int"
                          : f->kind == CK_FLAG_DURATION ? " duration"
                                                        : "";
        char left[64];
        snprintf(left, sizeof left, "--%s%s", f->name, arg);
        fprintf(out, "      %-36s %s%s\n", left, f->help,
                f->reserved ? " (not implemented yet)" : "");
    }
    fprintf(out, "  -h, --help%29s help for %s\n", "", spec->name);
}

int64_t ck_parse_duration_ms(const char *s)
{
    if (!s || !*s) return -1;
    if (streq(s, "0")) return 0;
    static const struct {
        const char *unit;
        double ms;
    } units[] = {{"ms", 1},      {"us", 0.001}, {"µs", 0.001}, {"ns", 0.000001},
                 {"h", 3600000}, {"m", 60000},  {"s", 1000}};
    double total = 0;
    while (*s) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno || v < 0) return -1;
        s = end;
        size_t i = 0;
        for (; i < sizeof units / sizeof units[0]; i++)
            if (has_prefix(s, units[i].unit)) break;
        if (i == sizeof units / sizeof units[0]) return -1;
        total += v * units[i].ms;
        s += strlen(units[i].unit);
    }
    return total > 9.2e18 ? -1 : (int64_t)total;
}

static const ck_flag *find(const ck_command_spec *spec, const char *name, size_t len)
{
    for (unsigned i = 0; i < spec->nflags; i++)
        if (strlen(spec->flags[i].name) == len && memcmp(spec->flags[i].name, name, len) == 0)
            return &spec->flags[i];
    return NULL;
}

static int set_value(const ck_command_spec *spec, const ck_flag *f, const char *v)
{
    switch (f->kind) {
    case CK_FLAG_STRING:
        *(const char **)f->target = v;
        return 0;
    case CK_FLAG_BOOL:
        if (!v || streq(v, "true") || streq(v, "1")) {
            *(bool *)f->target = true;
            return 0;
        }
        if (streq(v, "false") || streq(v, "0")) {
            *(bool *)f->target = false;
            return 0;
        }
        break;
    case CK_FLAG_DURATION: {
        int64_t ms = ck_parse_duration_ms(v);
        if (ms >= 0) {
            *(int64_t *)f->target = ms;
            return 0;
        }
        break;
    }
    case CK_FLAG_INT: {
        char *end;
        errno = 0;
        long n = v ? strtol(v, &end, 10) : 0;
        if (v && *v && !*end && !errno && n >= -2147483647L && n <= 2147483647L) {
            *(int *)f->target = (int)n;
            return 0;
        }
        break;
    }
    }
    fprintf(stderr,
            "Error: invalid argument \"%s\" for \"--%s\" flag\nRun '%s --help' for usage.\n",
            v ? v : "", f->name, spec->name);
    return -1;
}

int ck_flags_parse(const ck_command_spec *spec, int argc, char **argv, char ***rest, int *nrest)
{
    if (rest) {
        *rest = xcalloc((size_t)argc + 1, sizeof(char *));
        *nrest = 0;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (streq(a, "-h") || streq(a, "--help")) {
            ck_flags_usage(spec, stdout);
            return 1;
        }
        if (streq(a, "--")) {
            for (i++; i < argc && rest; i++)
                (*rest)[(*nrest)++] = argv[i];
            break;
        }
        if (a[0] != '-' || a[1] == 0) {
            if (!rest) {
                fprintf(stderr, "Error: unexpected argument \"%s\"\nRun '%s --help' for usage.\n",
                        a, spec->name);
                return -1;
            }
            (*rest)[(*nrest)++] = argv[i];
            continue;
        }
        const char *name = a + (a[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const ck_flag *f = find(spec, name, len);
        if (!f) {
            fprintf(stderr, "Error: unknown flag: --%.*s\nRun '%s --help' for usage.\n", (int)len,
                    name, spec->name);
            return -1;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!v && f->kind != CK_FLAG_BOOL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "Error: flag needs an argument: --%s\nRun '%s --help' for usage.\n",
                        f->name, spec->name);
                return -1;
            }
            v = argv[++i];
        }
        if (f->reserved) {
            fprintf(stderr, "Error: flag --%s is not supported yet by %s\n", f->name, spec->name);
            return -1;
        }
        if (set_value(spec, f, v) < 0) return -1;
    }
    return 0;
}
