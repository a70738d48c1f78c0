/* fuzz_pki.c — libFuzzer harness for the node's security start-up checks
 * (src/link/pki.c, tl_pki_check): a bad certificate, key, CA or signed document must
 * be refused with a message naming the file, before any DDS participant exists.
 * Setup (once): a fresh demonstration PKI for JP in a temporary directory
 * (tl_pki_init). Each input's first byte picks one of JP's six files; the rest
 * replaces it, either as raw bytes (PEM/S-MIME parsing, chain and key checks) or,
 * with the byte's top bit set and a document picked, as text signed by the
 * permissions CA, so the permissions parsing behind the signature (subject,
 * validity, domain grants) sees hostile text too. The file is restored afterwards.
 * Promises checked: no crash or sanitizer report; TL_OK or TL_ESECURITY, and a
 * refusal's message starts with the path of one of the six files. */
#include "fuzz_util.h"

#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include "trilink/netconfig.h"
#include "trilink/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char dir[64];
static tl_pki_files files;
static const char *paths[6];
static unsigned char *orig[6];
static size_t orig_len[6];
static int domains[TL_NET_LINKS_MAX], n_domains;
static X509 *pca;
static EVP_PKEY *pkey;

static void write_seed(const char *sdir, int sel, const void *b, size_t n);
static void seed_signed_text(const char *sdir, int k);

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (dir[0] && system(cmd) != 0)
        fprintf(stderr, "fuzz_pki: could not remove %s\n", dir);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *b = malloc(1 << 16);
    *n = b ? fread(b, 1, 1 << 16, f) : 0;
    fclose(f);
    return b;
}

static void put(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(b, 1, n, f) != n)) {
        fprintf(stderr, "fuzz_pki: cannot write %s\n", path);
        abort();
    }
    fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static tl_netconfig cfg;
    tl_err err;
    snprintf(dir, sizeof dir, "/tmp/tl_fuzz_pkiXXXXXX");
    if (!mkdtemp(dir) || tl_netconfig_load(TL_SOURCE_DIR "/config/network.yaml", &cfg, &err)) {
        fprintf(stderr, "fuzz_pki: setup failed\n");
        exit(1);
    }
    atexit(remove_dir);
    tl_pki_opts o = {dir, &cfg, "JP", 365};
    if (tl_pki_init(&o, &err)) {
        fprintf(stderr, "fuzz_pki: %s\n", err.msg);
        exit(1);
    }
    tl_pki_files_for(dir, "JP", &files);
    const char *p[6] = {files.identity_ca, files.cert, files.key, files.permissions_ca, files.governance,
                        files.permissions};
    for (int i = 0; i < 6; i++) {
        paths[i] = p[i];
        orig[i] = slurp(p[i], &orig_len[i]);
        if (!orig[i]) {
            fprintf(stderr, "fuzz_pki: cannot read %s\n", p[i]);
            exit(1);
        }
    }
    for (int i = 0; i < cfg.n_links; i++)
        if (!strcmp(cfg.links[i].ends[0].nation, "JP") || !strcmp(cfg.links[i].ends[1].nation, "JP"))
            domains[n_domains++] = cfg.links[i].domain_id;
    char path[600];
    snprintf(path, sizeof path, "%s/permissions_ca.pem", dir);
    FILE *f = fopen(path, "rb");
    pca = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    snprintf(path, sizeof path, "%s/permissions_ca.key", dir);
    f = fopen(path, "rb");
    pkey = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    /* TL_FUZZ_SEED_DIR (set by scripts/fuzz): the fresh files and signed texts as seeds
     * (certificates and keys are never checked in). */
    const char *sdir = getenv("TL_FUZZ_SEED_DIR");
    if (sdir && sdir[0]) {
        for (int i = 0; i < 6; i++)
            write_seed(sdir, i, orig[i], orig_len[i]);
        seed_signed_text(sdir, 4);
        seed_signed_text(sdir, 5);
    }
    tl_err_clear(&err);
    if (!pca || !pkey || tl_pki_check(&files, domains, n_domains, &err)) {
        fprintf(stderr, "fuzz_pki: the fresh PKI does not check: %s\n", err.msg);
        exit(1);
    }
    return 0;
}

/* The signed text of an S/MIME document (the permissions CA's own, not re-verified). */
static void write_seed(const char *sdir, int sel, const void *b, size_t n)
{
    char path[600];
    snprintf(path, sizeof path, "%s/pki-%02x", sdir, sel);
    unsigned char *s = malloc(n + 1);
    if (!s)
        return;
    s[0] = (unsigned char)sel;
    memcpy(s + 1, b, n);
    put(path, s, n + 1);
    free(s);
}

static void seed_signed_text(const char *sdir, int k)
{
    BIO *in = BIO_new_mem_buf(orig[k], (int)orig_len[k]), *cont = NULL, *out = BIO_new(BIO_s_mem());
    PKCS7 *p7 = SMIME_read_PKCS7(in, &cont);
    if (p7 && PKCS7_verify(p7, NULL, NULL, cont, out, PKCS7_TEXT | PKCS7_NOVERIFY | PKCS7_NOSIGS) == 1) {
        char *b;
        long len = BIO_get_mem_data(out, &b);
        write_seed(sdir, 0x80 | k, b, (size_t)len);
    }
    PKCS7_free(p7);
    BIO_free(in);
    BIO_free(cont);
    BIO_free(out);
}

/* Write text (signed by the permissions CA, clear-text S/MIME) to path. */
static void put_signed(const char *path, const uint8_t *text, size_t n)
{
    BIO *in = BIO_new_mem_buf(text, (int)n), *out = BIO_new(BIO_s_mem());
    int flags = PKCS7_DETACHED | PKCS7_TEXT;
    PKCS7 *p7 = PKCS7_sign(pca, pkey, NULL, in, flags);
    BIO_free(in);
    in = BIO_new_mem_buf(text, (int)n);
    if (!p7 || !SMIME_write_PKCS7(out, p7, in, flags)) {
        fprintf(stderr, "fuzz_pki: signing failed\n");
        abort();
    }
    char *b;
    long len = BIO_get_mem_data(out, &b);
    put(path, b, (size_t)len);
    PKCS7_free(p7);
    BIO_free(in);
    BIO_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 16384)
        return 0;
    int k = (data[0] & 0x7f) % 6, sign = (data[0] & 0x80) && k >= 4;
    if (sign)
        put_signed(paths[k], data + 1, size - 1);
    else
        put(paths[k], data + 1, size - 1);
    tl_err err;
    tl_err_clear(&err);
    int rc = tl_pki_check(&files, domains, n_domains, &err);
    put(paths[k], orig[k], orig_len[k]);
    if (rc != TL_OK) {
        FZ_CHECK(rc == TL_ESECURITY, "rc %d: %s", rc, err.msg);
        int named = 0;
        for (int i = 0; i < 6; i++)
            named |= !strncmp(err.msg, paths[i], strlen(paths[i]));
        FZ_CHECK(named, "message '%s' does not start with a file's path", err.msg);
    }
    return 0;
}
