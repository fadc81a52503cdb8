/* Logging to stderr in klog's shape: "I1125 15:04:05.123456 pid file] msg". Verbosity
 * follows the upstream --v flag. */
#ifndef CK_LOG_H
#define CK_LOG_H

extern int ck_log_verbosity;

void ck_log(char level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define ck_log_info(...) ck_log('I', __VA_ARGS__)
#define ck_log_warn(...) ck_log('W', __VA_ARGS__)
#define ck_log_error(...) ck_log('E', __VA_ARGS__)
#define ck_log_v(n, ...)                                                                           \
    do {                                                                                           \
        if (ck_log_verbosity >= (n)) ck_log('I', __VA_ARGS__);                                     \
    } while (0)

#endif
