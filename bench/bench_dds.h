/* bench_dds.h — shared by the DDS benchmarks: a Cyclone configuration file for one
 * nation's identity of a demonstration PKI (everything on 127.0.0.1, no multicast,
 * automatic participant index), as ddsperf and plain Cyclone programs take it
 * through CYCLONEDDS_URI. */
#ifndef TL_BENCH_DDS_H
#define TL_BENCH_DDS_H

#include <stdio.h>

#include "trilink/netconfig.h"
#include "trilink/pki.h"

/* Write to out the configuration for nation's identity of the PKI in DIR/pki;
 * secure = 0 leaves DDS Security out; batch = 1 turns on WriteBatch, as the nodes run.
 * Receive sockets ask for 4 MiB as the nodes' do. */
static inline void secure_xml_batch(const char *dir, const char *nation, const char *out, int secure, int batch)
{
    tl_pki_files f;
    char pki[600];
    snprintf(pki, sizeof pki, "%s/pki", dir);
    tl_pki_files_for(pki, nation, &f);
    FILE *x = fopen(out, "w");
    if (!x)
        return;
    fprintf(x,
            "<CycloneDDS><Domain Id=\"any\"><General><Interfaces><NetworkInterface address=\"127.0.0.1\"/>"
            "</Interfaces><AllowMulticast>false</AllowMulticast></General><Discovery>"
            "<ParticipantIndex>auto</ParticipantIndex><MaxAutoParticipantIndex>4</MaxAutoParticipantIndex>"
            "<Peers><Peer address=\"127.0.0.1\"/></Peers></Discovery>");
    if (secure)
        fprintf(x,
                "<Security>"
                "<Authentication><Library path=\"dds_security_auth\" initFunction=\"init_authentication\" "
                "finalizeFunction=\"finalize_authentication\"/><IdentityCA>file:%s</IdentityCA>"
                "<IdentityCertificate>file:%s</IdentityCertificate><PrivateKey>file:%s</PrivateKey></Authentication>"
                "<AccessControl><Library path=\"dds_security_ac\" initFunction=\"init_access_control\" "
                "finalizeFunction=\"finalize_access_control\"/><PermissionsCA>file:%s</PermissionsCA>"
                "<Governance>file:%s</Governance><Permissions>file:%s</Permissions></AccessControl>"
                "<Cryptographic><Library path=\"dds_security_crypto\" initFunction=\"init_crypto\" "
                "finalizeFunction=\"finalize_crypto\"/></Cryptographic></Security>",
                f.identity_ca, f.cert, f.key, f.permissions_ca, f.governance, f.permissions);
    /* the nodes' socket receive buffer (src/link/node.c, domain_xml), for every run */
    fprintf(x, "<Internal><SocketReceiveBufferSize max=\"4MiB\"/>%s</Internal>",
            batch ? "<WriteBatch>true</WriteBatch>" : "");
    fprintf(x, "</Domain></CycloneDDS>");
    fclose(x);
}

static inline void secure_xml_opt(const char *dir, const char *nation, const char *out, int secure)
{
    secure_xml_batch(dir, nation, out, secure, 0);
}

/* Write yaml to DIR/net.yaml, load it into cfg and create its demonstration PKI
 * in DIR/pki (certificates valid 2 days). 0, or 1 with the reason on stderr,
 * prefixed with who. */
static int bench_net_setup(const char *who, const char *dir, const char *yaml, tl_netconfig *cfg)
{
    char path[700];
    tl_err err;
    snprintf(path, sizeof path, "%s/net.yaml", dir);
    FILE *f = fopen(path, "w");
    if (!f || fputs(yaml, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write %s\n", who, path);
        return 1;
    }
    if (tl_netconfig_load(path, cfg, &err)) {
        fprintf(stderr, "%s: %s\n", who, err.msg);
        return 1;
    }
    snprintf(path, sizeof path, "%s/pki", dir);
    tl_pki_opts po = {path, cfg, NULL, 2};
    if (tl_pki_init(&po, &err)) {
        fprintf(stderr, "%s: %s\n", who, err.msg);
        return 1;
    }
    return 0;
}

#endif
