/* Random identifiers: RFC 4122 UUIDs (metadata.uid, AdmissionReview uids, leader
 * identities) and upstream's generateName suffixes. getrandom(2), falling back to rand()
 * only if the kernel refuses. */
#ifndef CK_RANDOM_H
#define CK_RANDOM_H

/* Fills a new random version-4 UUID ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"). */
void ck_uuid(char out[37]);
/* base followed by upstream's generateName suffix (names.SimpleNameGenerator: five
 * characters from a vowel-free alphabet), kept within 63 characters. Caller frees. */
char *ck_generate_name(const char *base);

#endif
