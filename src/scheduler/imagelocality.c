/* ImageLocality (upstream plugins/imagelocality): favours nodes that already hold the
 * pod's images, each scaled by how widely the image is spread across nodes. */
#include "scheduler/plugins.h"

#define MB (1024LL * 1024)
#define MIN_THRESHOLD (23 * MB)
#define MAX_CONTAINER_THRESHOLD (1000 * MB)

static const ck_sched_image *find_image(const ck_sched_node *n, ck_sym name)
{
    uint32_t lo = 0, hi = n->nimages;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (n->images[mid].name < name)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n->nimages && n->images[lo].name == name ? &n->images[lo] : NULL;
}

static ck_sched_status score(void *self, ck_sched_cycle *c, const ck_sched_pod *pod,
                             const ck_sched_node *node, int64_t *out)
{
    (void)self;
    const ck_sched_snapshot *snap = ck_sched_cycle_snapshot(c);
    uint32_t total = ck_sched_snapshot_num_nodes(snap);
    int64_t sum = 0;
    for (uint32_t i = 0; i < pod->nimages && node->nimages; i++) {
        const ck_sched_image *img = find_image(node, pod->images[i]);
        if (img && total)
            sum +=
                (int64_t)((double)img->size *
                          ((double)ck_sched_snapshot_image_nodes(snap, img->name) / (double)total));
    }
    int64_t max = MAX_CONTAINER_THRESHOLD * (int64_t)pod->ncontainers;
    if (sum < MIN_THRESHOLD)
        sum = MIN_THRESHOLD;
    else if (sum > max)
        sum = max;
    *out = max == MIN_THRESHOLD
               ? 0
               : CK_SCHED_MAX_NODE_SCORE * (sum - MIN_THRESHOLD) / (max - MIN_THRESHOLD);
    return ck_sched_ok();
}

static void prefetch(void *self, const ck_sched_node *node)
{
    (void)self;
    if (node->nimages) __builtin_prefetch(&node->images[node->nimages / 2]);
}

const ck_sched_plugin_ops ck_pl_image_locality = {
    .name = "ImageLocality", .score = score, .prefetch = prefetch};
