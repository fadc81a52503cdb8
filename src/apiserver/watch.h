/* Watch streams: periodic work and shutdown. */
#ifndef CK_WATCH_H
#define CK_WATCH_H

#include "apiserver/server.h"

/* Ends watches past their timeout and sends bookmarks; called from the server tick. */
void ck_watch_tick(ck_apiserver *srv);
/* Sends what watches queued while writes were pending (after a group commit). */
void ck_watch_release(ck_apiserver *srv);
/* Ends every watch (server shutdown). */
void ck_watch_shutdown(ck_apiserver *srv);

#endif
