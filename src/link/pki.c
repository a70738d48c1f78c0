/* pki.c — the demonstration PKI for DDS Security (OMG DDS Security 1.1: builtin
 * PKI-DH authentication, permissions and governance documents signed S/MIME) built
 * with OpenSSL's C API: EC P-256 keys, X.509 v3 certificates, PKCS#7 clear-text
 * signatures. Also the node's start-up checks, so that a missing, expired, not yet
 * valid or foreign certificate, or unsigned / mismatched permissions, is refused
 * with a message naming the file and the reason before any participant exists.
 *
 * Permissions grant every topic and partition ('*') on the domains of the node's
 * own links only; governance protects discovery, liveliness, metadata and data
 * with encryption and admits no unauthenticated participant (join access control).
 */
#define _XOPEN_SOURCE 700
#include "trilink/pki.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trilink/netconfig.h"

#define SUBJ_ORG "trilink demo"

void tl_pki_files_for(const char *dir, const char *nation, tl_pki_files *f)
{
    snprintf(f->identity_ca, sizeof f->identity_ca, "%s/identity_ca.pem", dir);
    snprintf(f->permissions_ca, sizeof f->permissions_ca, "%s/permissions_ca.pem", dir);
    snprintf(f->governance, sizeof f->governance, "%s/governance.p7s", dir);
    snprintf(f->cert, sizeof f->cert, "%s/%s/cert.pem", dir, nation);
    snprintf(f->key, sizeof f->key, "%s/%s/key.pem", dir, nation);
    snprintf(f->permissions, sizeof f->permissions, "%s/%s/permissions.p7s", dir, nation);
}

static const char *ossl_reason(void)
{
    static char buf[256];
    unsigned long e = ERR_get_error();
    if (!e)
        return "unknown OpenSSL error";
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return buf;
}

/* ---- generation ---------------------------------------------------------------- */

static EVP_PKEY *gen_key(void) { return EVP_EC_gen("P-256"); }

static int write_key(const char *path, EVP_PKEY *k, tl_err *err)
{
    mode_t old = umask(077);
    FILE *f = fopen(path, "wb");
    umask(old);
    if (!f)
        return tl_err_set(err, TL_EIO, "%s: %s", path, strerror(errno));
    int ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    chmod(path, 0600);
    return ok ? 0 : tl_err_set(err, TL_EIO, "%s: %s", path, ossl_reason());
}

static int write_cert(const char *path, X509 *c, tl_err *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return tl_err_set(err, TL_EIO, "%s: %s", path, strerror(errno));
    int ok = PEM_write_X509(f, c);
    fclose(f);
    return ok ? 0 : tl_err_set(err, TL_EIO, "%s: %s", path, ossl_reason());
}

static void add_ext(X509 *c, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, c, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (e) {
        X509_add_ext(c, e, -1);
        X509_EXTENSION_free(e);
    }
}

/* A certificate for key with subject (C, CN), valid [now+from_days, +days], signed by
 * issuer/ikey (or self-signed when issuer is NULL). */
static X509 *make_cert(EVP_PKEY *key, const char *country, const char *cn, X509 *issuer, EVP_PKEY *ikey,
                       double from_days, double days, int ca)
{
    X509 *c = X509_new();
    if (!c)
        return NULL;
    static long serial = 0;
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), (long)time(NULL) * 1000 + (++serial));
    X509_gmtime_adj(X509_getm_notBefore(c), (long)(from_days * 86400));
    X509_gmtime_adj(X509_getm_notAfter(c), (long)((from_days + days) * 86400));
    X509_NAME *n = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)country, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)SUBJ_ORG, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : n);
    X509_set_pubkey(c, key);
    X509 *iss = issuer ? issuer : c;
    add_ext(c, iss, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(c, iss, NID_key_usage, ca ? "critical,keyCertSign,cRLSign,digitalSignature" : "critical,digitalSignature,keyAgreement");
    add_ext(c, iss, NID_subject_key_identifier, "hash");
    if (!X509_sign(c, issuer ? ikey : key, EVP_sha256())) {
        X509_free(c);
        return NULL;
    }
    return c;
}

/* Clear-text S/MIME signature of text by cert/key (as `openssl smime -sign -text`). */
static int write_smime(const char *path, const char *text, X509 *cert, EVP_PKEY *key, tl_err *err)
{
    BIO *in = BIO_new_mem_buf(text, -1), *out = BIO_new_file(path, "wb");
    int rc = 0;
    PKCS7 *p7 = NULL;
    if (!in || !out) {
        rc = tl_err_set(err, TL_EIO, "%s: cannot write", path);
        goto done;
    }
    int flags = PKCS7_DETACHED | PKCS7_TEXT;
    p7 = PKCS7_sign(cert, key, NULL, in, flags);
    BIO_free(in);
    in = BIO_new_mem_buf(text, -1); /* the clear text is written again beside the signature */
    if (!p7 || !in || !SMIME_write_PKCS7(out, p7, in, flags))
        rc = tl_err_set(err, TL_EIO, "%s: signing failed: %s", path, ossl_reason());
done:
    PKCS7_free(p7);
    BIO_free(in);
    BIO_free(out);
    return rc;
}

static void subject_text(X509 *c, char *buf, size_t cap)
{
    /* Order C, O, CN as DDS Security examples write it. */
    X509_NAME *n = X509_get_subject_name(c);
    char cc[64] = "", o[64] = "", cn[64] = "";
    X509_NAME_get_text_by_NID(n, NID_countryName, cc, sizeof cc);
    X509_NAME_get_text_by_NID(n, NID_organizationName, o, sizeof o);
    X509_NAME_get_text_by_NID(n, NID_commonName, cn, sizeof cn);
    snprintf(buf, cap, "C=%s,O=%s,CN=%s", cc, o, cn);
}

static void xml_time(time_t t, char *buf, size_t cap)
{
    struct tm tm;
    localtime_r(&t, &tm); /* DDS Security compares these (no zone) with the local clock */
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
}

static int governance_text(char *buf, size_t cap)
{
    return snprintf(
        buf, cap,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<dds xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xsi:noNamespaceSchemaLocation=\"http://www.omg.org/spec/DDS-SECURITY/20170901/omg_shared_ca_governance.xsd\">\n"
        "  <domain_access_rules>\n    <domain_rule>\n"
        "      <domains><id_range><min>0</min><max>230</max></id_range></domains>\n"
        "      <allow_unauthenticated_participants>false</allow_unauthenticated_participants>\n"
        "      <enable_join_access_control>true</enable_join_access_control>\n"
        "      <discovery_protection_kind>ENCRYPT</discovery_protection_kind>\n"
        "      <liveliness_protection_kind>ENCRYPT</liveliness_protection_kind>\n"
        "      <rtps_protection_kind>NONE</rtps_protection_kind>\n"
        "      <topic_access_rules>\n        <topic_rule>\n"
        "          <topic_expression>*</topic_expression>\n"
        "          <enable_discovery_protection>true</enable_discovery_protection>\n"
        "          <enable_liveliness_protection>true</enable_liveliness_protection>\n"
        "          <enable_read_access_control>true</enable_read_access_control>\n"
        "          <enable_write_access_control>true</enable_write_access_control>\n"
        "          <metadata_protection_kind>ENCRYPT</metadata_protection_kind>\n"
        "          <data_protection_kind>ENCRYPT</data_protection_kind>\n"
        "        </topic_rule>\n      </topic_access_rules>\n"
        "    </domain_rule>\n  </domain_access_rules>\n</dds>\n");
}

static int permissions_text(char *buf, size_t cap, const char *nation, const char *subject, const int *domains,
                            int nd, time_t nb, time_t na)
{
    char d[1024] = "", tb[32], ta[32];
    for (int i = 0; i < nd; i++) {
        size_t l = strlen(d);
        snprintf(d + l, sizeof d - l, "<id>%d</id>", domains[i]);
    }
    xml_time(nb, tb, sizeof tb);
    xml_time(na, ta, sizeof ta);
    const char *rule = "<topics><topic>*</topic></topics><partitions><partition>*</partition></partitions>";
    return snprintf(buf, cap,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<dds xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                    "xsi:noNamespaceSchemaLocation=\"http://www.omg.org/spec/DDS-SECURITY/20170901/omg_shared_ca_permissions.xsd\">\n"
                    "  <permissions>\n    <grant name=\"%s_grant\">\n"
                    "      <subject_name>%s</subject_name>\n"
                    "      <validity><not_before>%s</not_before><not_after>%s</not_after></validity>\n"
                    "      <allow_rule>\n        <domains>%s</domains>\n"
                    "        <publish>%s</publish>\n        <subscribe>%s</subscribe>\n"
                    "      </allow_rule>\n      <default>DENY</default>\n"
                    "    </grant>\n  </permissions>\n</dds>\n",
                    nation, subject, tb, ta, d, rule, rule);
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

static X509 *read_cert(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    X509 *c = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return c;
}

static int issue_node(const char *dir, const tl_netconfig *cfg, const char *nation, X509 *ica, EVP_PKEY *ikey,
                      X509 *pca, EVP_PKEY *pkey, double from_days, double days, tl_err *err)
{
    char sub[300], text[8192], cn[64];
    tl_pki_files f;
    tl_pki_files_for(dir, nation, &f);
    snprintf(text, sizeof text, "%s/%s", dir, nation);
    if (mkdir(text, 0700) != 0 && errno != EEXIST)
        return tl_err_set(err, TL_EIO, "%s: %s", text, strerror(errno));
    EVP_PKEY *k = gen_key();
    snprintf(cn, sizeof cn, "trilink-%s", nation);
    X509 *c = k ? make_cert(k, nation, cn, ica, ikey, from_days, days, 0) : NULL;
    int rc = 0;
    if (!c)
        rc = tl_err_set(err, TL_EIO, "%s: certificate: %s", f.cert, ossl_reason());
    if (!rc)
        rc = write_key(f.key, k, err);
    if (!rc)
        rc = write_cert(f.cert, c, err);
    if (!rc) {
        int domains[TL_NET_LINKS_MAX], nd = 0;
        for (int i = 0; i < cfg->n_links; i++)
            if (!strcmp(cfg->links[i].ends[0].nation, nation) || !strcmp(cfg->links[i].ends[1].nation, nation))
                domains[nd++] = cfg->links[i].domain_id;
        subject_text(c, sub, sizeof sub);
        time_t now = time(NULL);
        permissions_text(text, sizeof text, nation, sub, domains, nd, now + (time_t)(from_days * 86400),
                         now + (time_t)((from_days + days) * 86400));
        rc = write_smime(f.permissions, text, pca, pkey, err);
    }
    X509_free(c);
    EVP_PKEY_free(k);
    return rc;
}

int tl_pki_init(const tl_pki_opts *o, tl_err *err)
{
    const tl_netconfig *cfg = o->cfg;
    double days = o->valid_days > 0 ? o->valid_days : 365;
    char nations[256], path[600], text[8192];
    snprintf(nations, sizeof nations, "%s", o->nations ? o->nations : "");
    if (!o->nations)
        for (int i = 0; i < cfg->n_nations; i++) {
            size_t l = strlen(nations);
            snprintf(nations + l, sizeof nations - l, "%s%s", i ? "," : "", cfg->nations[i]);
        }
    uint32_t mask;
    int rc = tl_netconfig_mask_parse(cfg, nations, &mask, err);
    if (rc)
        return rc;
    if (mkdir(o->dir, 0700) != 0 && errno != EEXIST)
        return tl_err_set(err, TL_EIO, "%s: %s", o->dir, strerror(errno));
    EVP_PKEY *ik = gen_key(), *pk = gen_key();
    X509 *ica = ik ? make_cert(ik, "US", "trilink identity CA", NULL, NULL, -1, days + 1, 1) : NULL;
    X509 *pca = pk ? make_cert(pk, "US", "trilink permissions CA", NULL, NULL, -1, days + 1, 1) : NULL;
    if (!ica || !pca) {
        rc = tl_err_set(err, TL_EIO, "pki: CA generation failed: %s", ossl_reason());
        goto done;
    }
    snprintf(path, sizeof path, "%s/identity_ca.key", o->dir);
    if ((rc = write_key(path, ik, err)))
        goto done;
    snprintf(path, sizeof path, "%s/identity_ca.pem", o->dir);
    if ((rc = write_cert(path, ica, err)))
        goto done;
    snprintf(path, sizeof path, "%s/permissions_ca.key", o->dir);
    if ((rc = write_key(path, pk, err)))
        goto done;
    snprintf(path, sizeof path, "%s/permissions_ca.pem", o->dir);
    if ((rc = write_cert(path, pca, err)))
        goto done;
    governance_text(text, sizeof text);
    snprintf(path, sizeof path, "%s/governance.p7s", o->dir);
    if ((rc = write_smime(path, text, pca, pk, err)))
        goto done;
    for (int i = 0; i < cfg->n_nations; i++)
        if ((mask >> i) & 1)
            if ((rc = issue_node(o->dir, cfg, cfg->nations[i], ica, ik, pca, pk, -1.0 / 24, days, err)))
                goto done;
done:
    X509_free(ica);
    X509_free(pca);
    EVP_PKEY_free(ik);
    EVP_PKEY_free(pk);
    return rc;
}

int tl_pki_reissue(const char *dir, const struct tl_netconfig *cfg, const char *nation, double from_days,
                   double days, tl_err *err)
{
    char p1[600], p2[600], p3[600], p4[600];
    snprintf(p1, sizeof p1, "%s/identity_ca.pem", dir);
    snprintf(p2, sizeof p2, "%s/identity_ca.key", dir);
    snprintf(p3, sizeof p3, "%s/permissions_ca.pem", dir);
    snprintf(p4, sizeof p4, "%s/permissions_ca.key", dir);
    X509 *ica = read_cert(p1), *pca = read_cert(p3);
    EVP_PKEY *ik = read_key(p2), *pk = read_key(p4);
    int rc;
    if (tl_netconfig_nation(cfg, nation) < 0)
        rc = tl_err_set(err, TL_EINVAL, "unknown nation '%s'", nation);
    else if (!ica || !pca || !ik || !pk)
        rc = tl_err_set(err, TL_EIO, "%s: CA files missing (run trilink pki init first)", dir);
    else
        rc = issue_node(dir, cfg, nation, ica, ik, pca, pk, from_days, days, err);
    X509_free(ica);
    X509_free(pca);
    EVP_PKEY_free(ik);
    EVP_PKEY_free(pk);
    return rc;
}

/* ---- checks --------------------------------------------------------------------- */

/* Verify an S/MIME document against ca; on success returns the signed text (malloc). */
static char *smime_verified(const char *path, X509 *ca, const char **why)
{
    BIO *in = BIO_new_file(path, "rb"), *cont = NULL, *out = BIO_new(BIO_s_mem());
    PKCS7 *p7 = in ? SMIME_read_PKCS7(in, &cont) : NULL;
    char *text = NULL;
    X509_STORE *st = X509_STORE_new();
    if (!p7) {
        *why = "not an S/MIME signed document (unsigned or damaged)";
        goto done;
    }
    X509_STORE_add_cert(st, ca);
    X509_STORE_set_purpose(st, X509_PURPOSE_ANY);
    if (PKCS7_verify(p7, NULL, st, cont, out, PKCS7_TEXT) != 1) {
        *why = "signature does not verify against the permissions CA (tampered, or signed by another CA)";
        goto done;
    }
    char *data = NULL;
    long n = BIO_get_mem_data(out, &data);
    if (n <= 0 || !data) {
        *why = "signed document is empty";
        goto done;
    }
    text = malloc((size_t)n + 1);
    if (text) {
        memcpy(text, data, (size_t)n);
        text[n] = '\0';
    }
done:
    ERR_clear_error();
    X509_STORE_free(st);
    PKCS7_free(p7);
    BIO_free(in);
    BIO_free(cont);
    BIO_free(out);
    return text;
}

/* Text between <tag> and </tag> after *from, copied into out; advances *from. */
static int xml_field(const char **from, const char *tag, char *out, size_t cap)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *a = strstr(*from, open);
    if (!a)
        return 0;
    a += strlen(open);
    const char *b = strstr(a, close);
    if (!b || (size_t)(b - a) >= cap)
        return 0;
    memcpy(out, a, (size_t)(b - a));
    out[b - a] = '\0';
    *from = b + strlen(close);
    return 1;
}

/* Compare "K=V,K=V" subject strings as sets of trimmed K=V pairs. */
static int same_subject(const char *a, const char *b)
{
    char pa[16][96], pb[16][96];
    int na = 0, nb = 0;
    const char *srcs[2] = {a, b};
    for (int s = 0; s < 2; s++) {
        char buf[512], *save = NULL;
        snprintf(buf, sizeof buf, "%s", srcs[s]);
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            while (*t == ' ')
                t++;
            char *e = t + strlen(t);
            while (e > t && e[-1] == ' ')
                *--e = '\0';
            if (s == 0 && na < 16)
                snprintf(pa[na++], 96, "%s", t);
            else if (s == 1 && nb < 16)
                snprintf(pb[nb++], 96, "%s", t);
        }
    }
    if (na != nb)
        return 0;
    for (int i = 0; i < na; i++) {
        int found = 0;
        for (int j = 0; j < nb && !found; j++)
            found = !strcmp(pa[i], pb[j]);
        if (!found)
            return 0;
    }
    return 1;
}

static int parse_local_time(const char *s, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!e)
        return -1;
    tm.tm_isdst = -1;
    *out = mktime(&tm);
    return 0;
}

static int domain_granted(const char *xml, int d)
{
    char pat[32];
    snprintf(pat, sizeof pat, "<id>%d</id>", d);
    if (strstr(xml, pat))
        return 1;
    for (const char *p = strstr(xml, "<id_range>"); p; p = strstr(p + 1, "<id_range>")) {
        const char *q = p;
        char mn[32], mx[32];
        if (xml_field(&q, "min", mn, sizeof mn) && xml_field(&q, "max", mx, sizeof mx) && atoi(mn) <= d &&
            d <= atoi(mx))
            return 1;
    }
    return 0;
}

int tl_pki_check(const tl_pki_files *f, const int *domains, int n_domains, tl_err *err)
{
    const char *files[] = {f->identity_ca, f->cert, f->key, f->permissions_ca, f->governance, f->permissions};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (access(files[i], R_OK) != 0)
            return tl_err_set(err, TL_ESECURITY, "%s: missing or unreadable: %s", files[i], strerror(errno));
    X509 *ica = read_cert(f->identity_ca), *cert = read_cert(f->cert), *pca = read_cert(f->permissions_ca);
    EVP_PKEY *key = read_key(f->key);
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    char *gov = NULL, *perm = NULL;
    const char *why = NULL;
    int rc = 0;
    if (!ica) {
        rc = tl_err_set(err, TL_ESECURITY, "%s: not a PEM certificate", f->identity_ca);
        goto done;
    }
    if (!cert) {
        rc = tl_err_set(err, TL_ESECURITY, "%s: not a PEM certificate", f->cert);
        goto done;
    }
    if (!pca) {
        rc = tl_err_set(err, TL_ESECURITY, "%s: not a PEM certificate", f->permissions_ca);
        goto done;
    }
    if (!key) {
        rc = tl_err_set(err, TL_ESECURITY, "%s: not a PEM private key", f->key);
        goto done;
    }
    X509_STORE_add_cert(st, ica);
    X509_STORE_CTX_init(ctx, st, cert, NULL);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
    if (X509_verify_cert(ctx) != 1) {
        int e = X509_STORE_CTX_get_error(ctx);
        const char *reason = e == X509_V_ERR_CERT_HAS_EXPIRED      ? "certificate has expired"
                             : e == X509_V_ERR_CERT_NOT_YET_VALID  ? "certificate is not yet valid"
                             : (e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                                e == X509_V_ERR_CERT_SIGNATURE_FAILURE ||
                                e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT)
                                 ? "certificate is not signed by the identity CA"
                                 : X509_verify_cert_error_string(e);
        rc = tl_err_set(err, TL_ESECURITY, "%s: %s (identity CA %s)", f->cert, reason, f->identity_ca);
        goto done;
    }
    if (X509_check_private_key(cert, key) != 1) {
        rc = tl_err_set(err, TL_ESECURITY, "%s: private key does not match certificate %s", f->key, f->cert);
        goto done;
    }
    if (!(gov = smime_verified(f->governance, pca, &why))) {
        rc = tl_err_set(err, TL_ESECURITY, "%s: %s", f->governance, why);
        goto done;
    }
    if (!(perm = smime_verified(f->permissions, pca, &why))) {
        rc = tl_err_set(err, TL_ESECURITY, "%s: %s", f->permissions, why);
        goto done;
    }
    char subj[512], want[512], nb[64], na[64];
    const char *p = perm;
    subject_text(cert, want, sizeof want);
    if (!xml_field(&p, "subject_name", subj, sizeof subj)) {
        rc = tl_err_set(err, TL_ESECURITY, "%s: no <subject_name>", f->permissions);
        goto done;
    }
    if (!same_subject(subj, want)) {
        rc = tl_err_set(err, TL_ESECURITY, "%s: subject '%s' does not match certificate %s subject '%s'",
                        f->permissions, subj, f->cert, want);
        goto done;
    }
    time_t tnb, tna, now = time(NULL);
    if (!xml_field(&p, "not_before", nb, sizeof nb) || !xml_field(&p, "not_after", na, sizeof na) ||
        parse_local_time(nb, &tnb) || parse_local_time(na, &tna)) {
        rc = tl_err_set(err, TL_ESECURITY, "%s: missing or malformed <validity>", f->permissions);
        goto done;
    }
    if (now < tnb || now > tna) {
        rc = tl_err_set(err, TL_ESECURITY, "%s: permissions not valid now (validity %s .. %s, local time)",
                        f->permissions, nb, na);
        goto done;
    }
    for (int i = 0; i < n_domains; i++)
        if (!domain_granted(perm, domains[i])) {
            rc = tl_err_set(err, TL_ESECURITY, "%s: no grant for domain %d (a link of this node)", f->permissions,
                            domains[i]);
            goto done;
        }
done:
    free(gov);
    free(perm);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    X509_free(ica);
    X509_free(cert);
    X509_free(pca);
    EVP_PKEY_free(key);
    return rc;
}
