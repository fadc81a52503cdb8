/* Command-line flags in the upstream (pflag) style: --name=value, --name value, and
 * --bool / --bool=false. Each command declares a table; --help prints it. Unknown flags
 * are an error: "Error: unknown flag: --foo". */
#ifndef CK_FLAGS_H
#define CK_FLAGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* CK_FLAG_DURATION takes Go duration syntax ("5m0s", "1h", "250ms") into an int64_t of
 * milliseconds. */
typedef enum { CK_FLAG_STRING, CK_FLAG_BOOL, CK_FLAG_INT, CK_FLAG_DURATION } ck_flag_kind;

typedef struct ck_flag {
    const char *name; /* without dashes */
    ck_flag_kind kind;
    void *target; /* const char ** / bool * / int * */
    const char *help;
    bool reserved; /* accepted by name but not implemented yet: a clear error if used */
} ck_flag;

typedef struct ck_command_spec {
    const char *name;  /* "ckube apiserver" */
    const char *usage; /* one-line synopsis after the name */
    const char *about; /* short description */
    const ck_flag *flags;
    unsigned nflags;
} ck_command_spec;

/* Parses argv[1..]. Positional arguments are collected into *rest / *nrest (pointing into
 * argv) when rest is non-NULL, otherwise they are an error. Returns 0 to proceed, 1 when
 * --help was printed (exit 0), -1 after printing an error (exit 1). */
int ck_flags_parse(const ck_command_spec *spec, int argc, char **argv, char ***rest, int *nrest);
void ck_flags_usage(const ck_command_spec *spec, FILE *out);
/* Parses a Go duration ("1h2m3.5s", "300ms", "0") into milliseconds; -1 if malformed. */
int64_t ck_parse_duration_ms(const char *s);

#endif
