/* pki.h — the demonstration PKI for DDS Security (OMG DDS Security 1.1, sec. 9):
 * identity CA, permissions CA, one EC P-256 certificate and key per node, the
 * governance document and per-node permissions, signed S/MIME. Also the start-up
 * checks a node runs before it creates participants, so a bad file gets a clear
 * message (file and reason) instead of an opaque DDS error.
 *
 * Layout of a PKI directory DIR:
 *   DIR/identity_ca.pem  DIR/identity_ca.key  DIR/permissions_ca.pem  DIR/permissions_ca.key
 *   DIR/governance.p7s
 *   DIR/<NATION>/cert.pem  DIR/<NATION>/key.pem  DIR/<NATION>/permissions.p7s
 */
#ifndef TRILINK_PKI_H
#define TRILINK_PKI_H

#include "trilink/error.h"

struct tl_netconfig;

typedef struct tl_pki_opts {
    const char *dir;
    const struct tl_netconfig *cfg; /**< nations and link domains */
    const char *nations;            /**< "JP,US,KR" or NULL: every nation of cfg */
    int valid_days;                 /**< certificate and permissions validity, default 365 */
} tl_pki_opts;

/** Create the PKI (uses the openssl command). Keys are written 0600. */
int tl_pki_init(const tl_pki_opts *o, tl_err *err);

/** Re-issue one node's certificate, key and permissions from DIR's CAs, valid from
 *  now + from_days for days (negative from_days and small days give an expired
 *  certificate: used by tests and drills). */
int tl_pki_reissue(const char *dir, const struct tl_netconfig *cfg, const char *nation, double from_days,
                   double days, tl_err *err);

/** Paths of a node's security files in a PKI directory. */
typedef struct tl_pki_files {
    char identity_ca[512], cert[512], key[512];
    char permissions_ca[512], governance[512], permissions[512];
} tl_pki_files;

void tl_pki_files_for(const char *dir, const char *nation, tl_pki_files *f);

/** Check a node's files: present, certificate within validity and signed by the
 *  identity CA, key matches, governance and permissions signed by the permissions CA,
 *  permissions subject equals the certificate subject, validity, and a grant for
 *  every domain in domains[0..n_domains). err names the file and the reason. */
int tl_pki_check(const tl_pki_files *f, const int *domains, int n_domains, tl_err *err);

#endif
