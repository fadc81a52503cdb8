/* `ckube secrets-encrypt status|rotate`: inspect and rotate encryption at rest. */
#ifndef CK_SECRETS_ENCRYPT_H
#define CK_SECRETS_ENCRYPT_H

int ck_cmd_secrets_encrypt(int argc, char **argv);

#endif
