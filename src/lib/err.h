/* One error contract (after crun's libcrun_error_t): a fallible function takes a trailing
 * `ck_err **err`, returns a negative value on failure and sets *err once. The error carries
 * the HTTP code and Kubernetes reason so the API edge can turn it into a Status object. */
#ifndef CK_ERR_H
#define CK_ERR_H

#include <jansson.h>

typedef struct ck_err {
    int code;           /* HTTP status: 400, 404, 409, 422, 500 ... */
    const char *reason; /* Status reason: "NotFound", "Invalid", ... (static string) */
    char *message;
    json_t *details; /* optional Status details object, owned */
} ck_err;

/* Sets *err (if err is non-NULL and *err is NULL) and returns -1. */
int ck_error(ck_err **err, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Like ck_error, with a details object whose ownership passes to the error. */
int ck_error_details(ck_err **err, int code, const char *reason, json_t *details, const char *fmt,
                     ...) __attribute__((format(printf, 5, 6)));
void ck_err_free(ck_err *err);
static inline void ck_err_freep(ck_err **e)
{
    ck_err_free(*e);
}
#define cleanup_err __attribute__((cleanup(ck_err_freep)))

/* Common reasons, as upstream spells them. */
#define CK_BAD_REQUEST "BadRequest"
#define CK_UNAUTHORIZED "Unauthorized"
#define CK_FORBIDDEN "Forbidden"
#define CK_NOT_FOUND "NotFound"
#define CK_METHOD_NOT_ALLOWED "MethodNotAllowed"
#define CK_ALREADY_EXISTS "AlreadyExists"
#define CK_CONFLICT "Conflict"
#define CK_GONE "Expired"
#define CK_INVALID "Invalid"
#define CK_TOO_LARGE "RequestEntityTooLarge"
#define CK_UNSUPPORTED_MEDIA "UnsupportedMediaType"
#define CK_NOT_ACCEPTABLE "NotAcceptable"
#define CK_INTERNAL "InternalError"
#define CK_TIMEOUT "Timeout"

#endif
