/* cmd_demo.c — `trilink demo`: the JP, US and KR nodes and the drill generator as
 * child processes on loopback with DDS Security on. Each nation's sensors feed only
 * its own node (national plot domains); the nodes share products over the link
 * (KR <-> US <-> JP, the US relaying). Shows live progress from the nodes'
 * status.json, stops cleanly (one process group; SIGTERM, then SIGKILL after a
 * bounded wait; children die with the demo), and prints the summary: per launch and
 * nation, the first confirmed track alone (own tracker) and with sharing (fused
 * picture), the final impact error and zone verdict against truth, and the alerts
 * issued and withdrawn. `trilink demo --physics` prints the flight-physics summary.
 *
 * Time: the drill is replayed at --speed x real time with its epoch moved so that
 * scenario time runs behind the wall clock (the link checks state times against it).
 */
#include "cli.h"
#include "demo.h"
#include "trilink/geo.h"
#include "trilink/scenario.h"
#include "trilink/sim.h"
#include "trilink/zones.h"

#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define N_NAT 3
#define MAX_OBJ 64
#define MAX_REC 1024

static const char *const nations[N_NAT] = {"JP", "US", "KR"};

static volatile sig_atomic_t demo_stop = 0;
static void on_demo_signal(int sig) { demo_stop = sig; }

static void demo_usage(FILE *f)
{
    fprintf(f,
            "usage: trilink demo [--scenario FILE] [--speed X] [--duration S] [--state DIR]\n"
            "                    [--domain-base N] [--cop-port-base P | --no-cop] [--quiet]\n"
            "       trilink demo --physics\n"
            "  --scenario FILE  drill scenario (default scenarios/default.yaml)\n"
            "  --speed X        scenario seconds per wall second (default 30)\n"
            "  --duration S     scenario seconds to run (default: the scenario's)\n"
            "  --state DIR      journals, logs, status, summaries, CAP files, PKI (default state/demo)\n"
            "  --domain-base N  DDS domains N..N+4 (links, then national plot domains; default 71,\n"
            "                   or the first five whose ports are free, from 10)\n"
            "  --cop-port-base P  COP of JP, US, KR on ports P, P+1, P+2 (default: free ports)\n"
            "  --physics        print the flight-physics summary instead (no network)\n");
}

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
    struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
}

/* ---- children -------------------------------------------------------------- */

static pid_t pgid = 0;

/* Start argv with stdout and stderr to log, in the demo's child process group; the
 * child gets SIGTERM if the demo dies. */
static pid_t spawn(char *const argv[], const char *log)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, pgid);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(1);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pgid); /* also from here: no race with the child */
    if (!pgid)
        pgid = pid;
    return pid;
}

/* SIGTERM the group, wait up to 10 s, then SIGKILL; reap everything. */
static void stop_children(pid_t *pids, int n)
{
    if (!pgid)
        return;
    kill(-pgid, SIGTERM);
    for (int k = 0; k < 100; k++) {
        int alive = 0;
        for (int i = 0; i < n; i++)
            if (pids[i] > 0) {
                if (waitpid(pids[i], NULL, WNOHANG) == pids[i])
                    pids[i] = 0;
                else
                    alive++;
            }
        if (!alive)
            break;
        sleep_ms(100);
    }
    kill(-pgid, SIGKILL);
    for (int i = 0; i < n; i++)
        if (pids[i] > 0 && waitpid(pids[i], NULL, 0) == pids[i])
            pids[i] = 0;
}

/* ---- tiny readers of the nodes' JSON (written one object per line) ---------- */

static int read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = 0;
    return (int)n;
}

static double jnum(const char *s, const char *key, double dflt)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = strstr(s, k);
    return p ? strtod(p + strlen(k), NULL) : dflt;
}

static void jstr(const char *s, const char *key, char *out, size_t cap)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": \"", key);
    const char *p = strstr(s, k);
    out[0] = 0;
    if (!p)
        return;
    p += strlen(k);
    size_t i = 0;
    while (p[i] && p[i] != '"' && i + 1 < cap) {
        out[i] = p[i];
        i++;
    }
    out[i] = 0;
}

static void jvec3(const char *s, const char *key, double v[3])
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": [", key);
    const char *p = strstr(s, k);
    v[0] = v[1] = v[2] = NAN;
    if (!p)
        return;
    p += strlen(k);
    for (int i = 0; i < 3; i++) {
        char *e;
        v[i] = strtod(p, &e);
        p = e;
        while (*p == ',' || *p == ' ')
            p++;
    }
}

/* ---- truth ----------------------------------------------------------------- */

typedef struct truth {
    size_t n_obj;
    tl_object_row obj[MAX_OBJ];
    tl_truth_row *rows;
    size_t n_rows;
    int zone[MAX_OBJ];
} truth;

static int load_truth(const char *dir, truth *t)
{
    char path[1400], line[1024];
    tl_err err;
    snprintf(path, sizeof path, "%s/objects.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long ln = 0;
    while (fgets(line, sizeof line, f) && t->n_obj < MAX_OBJ)
        if (++ln > 1 && tl_objectio_read_line(line, path, ln, &t->obj[t->n_obj], &err) == TL_OK)
            t->n_obj++;
    fclose(f);
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    f = fopen(path, "r");
    if (!f)
        return -1;
    size_t cap = 4096;
    t->rows = malloc(cap * sizeof *t->rows);
    ln = 0;
    while (t->rows && fgets(line, sizeof line, f)) {
        if (++ln == 1)
            continue;
        if (t->n_rows == cap) {
            tl_truth_row *r = realloc(t->rows, 2 * cap * sizeof *r);
            if (!r)
                break;
            t->rows = r;
            cap *= 2;
        }
        if (tl_truthio_read_line(line, path, ln, &t->rows[t->n_rows], &err) == TL_OK)
            t->n_rows++;
    }
    fclose(f);
    return t->rows ? 0 : -1;
}

/* Truth position of object o at t_ns (linear between samples; a time up to 30 s after
 * impact reads as the impact). 0 when the object is not flying then. */
static int truth_pos(const truth *t, size_t o, int64_t t_ns, double pos[3])
{
    const tl_object_row *ob = &t->obj[o];
    if (t_ns >= ob->end_t_ns && t_ns < ob->end_t_ns + 30 * NS)
        t_ns = ob->end_t_ns;
    const tl_truth_row *a = NULL, *b = NULL;
    for (size_t i = 0; i < t->n_rows; i++) {
        const tl_truth_row *r = &t->rows[i];
        if (strcmp(r->object_id, ob->object_id))
            continue;
        if (r->t_ns <= t_ns && (!a || r->t_ns > a->t_ns))
            a = r;
        if (r->t_ns >= t_ns && (!b || r->t_ns < b->t_ns))
            b = r;
    }
    if (!a && !b)
        return 0;
    if (!a || !b || a->t_ns == b->t_ns) {
        const tl_truth_row *r = a ? a : b;
        if (llabs(r->t_ns - t_ns) > 2 * NS)
            return 0;
        memcpy(pos, r->x_ecef, 3 * sizeof(double));
        return 1;
    }
    double w = (double)(t_ns - a->t_ns) / (double)(b->t_ns - a->t_ns);
    for (int j = 0; j < 3; j++)
        pos[j] = a->x_ecef[j] + w * (b->x_ecef[j] - a->x_ecef[j]);
    return 1;
}

static int nearest_object(const truth *t, int64_t t_ns, const double x[3])
{
    int best = -1;
    double best_d = 50e3;
    for (size_t o = 0; o < t->n_obj; o++) {
        double p[3];
        if (!isfinite(x[0]) || !truth_pos(t, o, t_ns, p))
            continue;
        double d = sqrt((p[0] - x[0]) * (p[0] - x[0]) + (p[1] - x[1]) * (p[1] - x[1]) + (p[2] - x[2]) * (p[2] - x[2]));
        if (d < best_d) {
            best_d = d;
            best = (int)o;
        }
    }
    return best;
}

/* ---- summary ----------------------------------------------------------------- */

typedef struct cell { /* one launch as one nation saw it */
    int64_t first_local_ns, first_system_ns;
    int have, have_impact;
    int64_t pred_t_ns, impact_t_ns;
    double impact_lat_deg, impact_lon_deg, sma_m;
    char zone[32];
    int issued, updated, withdrawn, active, closed;
} cell;

static void summarize(const char *state, const truth *t, FILE *out)
{
    static cell c[N_NAT][MAX_OBJ];
    memset(c, 0, sizeof c);
    static char buf[1 << 22];
    for (int k = 0; k < N_NAT; k++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s/summary.json", state, nations[k]);
        if (read_file(path, buf, sizeof buf) < 0) {
            fprintf(out, "(no summary from %s: %s missing)\n", nations[k], path);
            continue;
        }
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
            if (strncmp(line, "{\"stn\"", 6))
                continue;
            double x[3];
            jvec3(line, "first_pos_ecef", x);
            int o = nearest_object(t, (int64_t)jnum(line, "first_t_ns", 0), x);
            if (o >= 0) {
                cell *e = &c[k][o];
                int64_t fs = (int64_t)jnum(line, "first_system_ns", 0), fl = (int64_t)jnum(line, "first_local_ns", 0);
                if (!e->have || fs < e->first_system_ns)
                    e->first_system_ns = fs;
                if (fl > 0 && (!e->first_local_ns || fl < e->first_local_ns))
                    e->first_local_ns = fl;
                e->have = 1;
            }
            if (!(int)jnum(line, "has_pred", 0))
                continue;
            jvec3(line, "pred_pos_ecef", x);
            int64_t pt = (int64_t)jnum(line, "pred_t_ns", 0);
            o = nearest_object(t, pt, x);
            if (o < 0)
                continue;
            cell *e = &c[k][o];
            e->issued += (int)jnum(line, "alerts_issued", 0);
            e->updated += (int)jnum(line, "alerts_updated", 0);
            e->withdrawn += (int)jnum(line, "alerts_cancelled", 0);
            e->active |= (int)jnum(line, "alert_active", 0);
            e->closed |= (int)jnum(line, "alert_closed", 0);
            if ((int)jnum(line, "has_impact", 0) && (!e->have_impact || pt > e->pred_t_ns)) {
                e->have_impact = 1;
                e->pred_t_ns = pt;
                e->impact_lat_deg = jnum(line, "impact_lat_deg", NAN);
                e->impact_lon_deg = jnum(line, "impact_lon_deg", NAN);
                e->impact_t_ns = (int64_t)jnum(line, "impact_t_ns", 0);
                e->sma_m = jnum(line, "ellipse95_semi_major_m", NAN);
                jstr(line, "zone", e->zone, sizeof e->zone);
            }
        }
    }
    fprintf(out,
            "\nSummary (times after launch; alone = the nation's own tracker, shared = its fused picture)\n"
            "%-6s %-5s %-3s %8s %8s %8s %10s %9s %-13s %-13s %s\n",
            "launch", "class", "nat", "alone_s", "shared_s", "gain_s", "impact_km", "ell95_km", "verdict", "truth",
            "alerts issued/updated/withdrawn");
    for (size_t o = 0; o < t->n_obj; o++) {
        const tl_object_row *ob = &t->obj[o];
        if (strcmp(ob->kind, "missile"))
            continue;
        for (int k = 0; k < N_NAT; k++) {
            const cell *e = &c[k][o];
            double alone = e->first_local_ns ? (double)(e->first_local_ns - ob->start_t_ns) / NS : NAN;
            double shared = e->have ? (double)(e->first_system_ns - ob->start_t_ns) / NS : NAN;
            double err_m = NAN, dt = NAN;
            if (e->have_impact) {
                tl_geodesic_inverse(e->impact_lat_deg * TL_DEG, e->impact_lon_deg * TL_DEG, ob->end_lat_deg * TL_DEG,
                                    ob->end_lon_deg * TL_DEG, &err_m, NULL, NULL);
                dt = (double)(e->impact_t_ns - ob->end_t_ns) / NS;
            }
            const char *tz = t->zone[o] >= 0 ? tl_zone_class_name((tl_zone_class)t->zone[o]) : "unknown";
            fprintf(out, "%-6s %-5s %-3s %8.1f %8.1f %8.1f %10.2f %9.2f %-13s %-13s %d/%d/%d%s\n", ob->object_id,
                    ob->cls, nations[k], alone, shared, alone - shared, err_m / 1e3,
                    e->have_impact ? e->sma_m / 1e3 : NAN, e->have_impact ? e->zone : "-", tz, e->issued,
                    e->updated, e->withdrawn,
                    e->active ? " (active)" : e->closed ? " (closed after impact)" : "");
            fprintf(out,
                    "SUMMARY launch=%s class=%s nation=%s tracked=%d alone_s=%.1f shared_s=%.1f impact=%d "
                    "impact_err_km=%.3f impact_dt_s=%.2f verdict=%s truth=%s alerts_issued=%d alerts_withdrawn=%d "
                    "alert_active=%d alerts_updated=%d alert_closed=%d\n",
                    ob->object_id, ob->cls, nations[k], e->have, alone, shared, e->have_impact, err_m / 1e3, dt,
                    e->have_impact ? e->zone : "-", tz, e->issued, e->withdrawn, e->active, e->updated,
                    e->closed);
        }
    }
}

/* ---- live progress ------------------------------------------------------------- */

static void progress(const char *state, int64_t epoch_ns, int tty)
{
    static char buf[8192];
    char line[512];
    int64_t scn = 0;
    size_t l = 0;
    line[0] = 0;
    for (int k = 0; k < N_NAT; k++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s/status.json", state, nations[k]);
        if (read_file(path, buf, sizeof buf) < 0) {
            l += (size_t)snprintf(line + l, sizeof line - l, " | %s starting", nations[k]);
            continue;
        }
        int64_t t = (int64_t)jnum(buf, "scenario_t_ns", 0);
        if (t > scn)
            scn = t;
        int up = 0, links = 0;
        for (const char *p = strstr(buf, "\"peer\""); p; p = strstr(p + 1, "\"peer\"")) {
            links++;
            const char *u = strstr(p, "\"up\": ");
            up += u && !strncmp(u + 6, "true", 4);
        }
        l += (size_t)snprintf(line + l, sizeof line - l,
                              " | %s sys %2.0f (%.0f coast) loc %2.0f alerts %.0f/%.0f links %d/%d", nations[k],
                              jnum(buf, "system_tracks", 0), jnum(buf, "coasting_tracks", 0),
                              jnum(buf, "local_confirmed", 0), jnum(buf, "alerts", 0), jnum(buf, "cancels", 0), up,
                              links);
        if (l >= sizeof line)
            l = sizeof line - 1;
    }
    double ts = scn > epoch_ns ? (double)(scn - epoch_ns) / NS : 0;
    struct winsize ws;
    if (tty && (ioctl(1, TIOCGWINSZ, &ws) != 0 || ws.ws_col < l + 12)) /* would wrap: scroll */
        tty = 0;
    if (tty)
        printf("\r\033[KT+%6.0f s%s", ts, line);
    else
        printf("T+%6.0f s%s\n", ts, line);
    fflush(stdout);
}

/* 1 when every node's scenario clock has reached t_ns. */
static int nodes_caught_up(const char *state, int64_t t_ns)
{
    static char buf[8192];
    for (int k = 0; k < N_NAT; k++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s/status.json", state, nations[k]);
        if (read_file(path, buf, sizeof buf) < 0 || (int64_t)jnum(buf, "scenario_t_ns", 0) < t_ns)
            return 0;
    }
    return 1;
}

/* 1 when the discovery and data ports of domains base..base+4 (participant indexes 0
 * and 1) can be bound on 127.0.0.1 right now. */
static int domains_free(int base)
{
    for (int d = base; d < base + 5; d++)
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < 2; k++) {
                int fd = socket(AF_INET, SOCK_DGRAM, 0);
                if (fd < 0)
                    return 0;
                struct sockaddr_in a;
                memset(&a, 0, sizeof a);
                a.sin_family = AF_INET;
                a.sin_port = htons((uint16_t)(7400 + 250 * d + 10 + 2 * i + k));
                a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
                close(fd);
                if (!ok)
                    return 0;
            }
    return 1;
}

/* ---- the command ------------------------------------------------------------------ */

static void rm_tree(const char *dir)
{
    char cmd[1200];
    struct stat st;
    if (stat(dir, &st) != 0)
        return;
    /* our own children only: the nation directories and the truth of a previous run */
    snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "trilink demo: could not clear %s\n", dir);
}

static int self_exe(char *buf, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    return 0;
}

int tl_cmd_demo(int argc, char **argv)
{
#ifndef TL_HAVE_NET
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--physics"))
            return tl_demo_physics(argc, argv);
    fprintf(stderr, "trilink demo: built without the DDS link; only --physics is available\n");
    return 2;
#else
    const char *scenario = NULL, *state = "state/demo";
    double speed = 30, duration = 0, base = -1, cop_base = 0;
    int quiet = 0, no_cop = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--physics"))
            return tl_demo_physics(argc, argv);
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            demo_usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--quiet")) {
            quiet = 1;
            continue;
        }
        if (!strcmp(a, "--no-cop")) {
            no_cop = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "trilink demo: unknown option or missing value: '%s'\n", a);
            demo_usage(stderr);
            return 2;
        }
        i++;
        if (!strcmp(a, "--scenario"))
            scenario = v;
        else if (!strcmp(a, "--state"))
            state = v;
        else if (!strcmp(a, "--speed") || !strcmp(a, "--duration") || !strcmp(a, "--domain-base") ||
                 !strcmp(a, "--cop-port-base")) {
            double x;
            if (!tl_cli_parse_double(a, v, &x))
                return 2;
            if (!strcmp(a, "--speed") && !(x > 0 && x <= 1000)) {
                fprintf(stderr, "trilink demo: --speed: must be in (0, 1000] ('%s')\n", v);
                return 2;
            }
            if (!strcmp(a, "--duration") && !(x > 0)) {
                fprintf(stderr, "trilink demo: --duration: must be > 0 ('%s')\n", v);
                return 2;
            }
            if (!strcmp(a, "--domain-base") && !(x >= 0 && x <= 97 && x == floor(x))) {
                fprintf(stderr, "trilink demo: --domain-base: an integer 0..97 ('%s')\n", v);
                return 2;
            }
            if (!strcmp(a, "--cop-port-base") && !(x >= 1 && x <= 65533 && x == floor(x))) {
                fprintf(stderr, "trilink demo: --cop-port-base: a port 1..65533 ('%s')\n", v);
                return 2;
            }
            *(!strcmp(a, "--speed")      ? &speed
              : !strcmp(a, "--duration") ? &duration
              : !strcmp(a, "--domain-base") ? &base
                                            : &cop_base) = x;
        } else {
            fprintf(stderr, "trilink demo: unknown option '%s'\n", a);
            demo_usage(stderr);
            return 2;
        }
    }
    tl_scenario sc;
    int rc = tl_cli_load_scenario("demo", &scenario, &sc);
    if (rc != TL_OK) {
        return 2;
    }
    if (duration <= 0 || duration > sc.duration_s)
        duration = sc.duration_s;
    tl_scenario_free(&sc);

    char exe[1024], path[1200], cfg[1200], pki[1200], truth_dir[1200], epoch_s[40];
    if (self_exe(exe, sizeof exe)) {
        fprintf(stderr, "trilink demo: cannot find its own executable (/proc/self/exe)\n");
        return 1;
    }
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p -- '%s'", state);
    if (system(cmd) != 0) {
        fprintf(stderr, "trilink demo: cannot create %s\n", state);
        return 1;
    }
    for (int k = 0; k < N_NAT; k++) {
        snprintf(path, sizeof path, "%s/%s", state, nations[k]);
        rm_tree(path);
    }
    snprintf(truth_dir, sizeof truth_dir, "%s/truth", state);
    rm_tree(truth_dir);
    snprintf(cfg, sizeof cfg, "%s/network.yaml", state);
    snprintf(pki, sizeof pki, "%s/pki", state);
    if (base < 0) { /* 71..75, or the first free five from 10 (other runs may hold some) */
        base = 71;
        for (int b = 10; !domains_free((int)base) && b <= 97; b += 5)
            base = b;
    }
    tl_err err;
    tl_err_clear(&err);
    if (tl_demo_write_config(cfg, (int)base, duration + 900, &err)) {
        fprintf(stderr, "trilink demo: %s\n", err.msg);
        return 1;
    }
    int created = 0;
    if (tl_demo_ensure_pki(cfg, pki, &created, &err)) {
        fprintf(stderr, "trilink demo: PKI: %s\n", err.msg);
        return 1;
    }
    printf("trilink demo: %s, %.0f s of scenario at %gx (about %.0f s), state in %s\n", scenario, duration, speed,
           duration / speed, state);
    printf("  PKI %s (%s), DDS Security on every link; domains %d-%d on 127.0.0.1\n", pki,
           created ? "created" : "reused", (int)base, (int)base + 4);
    fflush(stdout);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_demo_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    pid_t pids[N_NAT + 1] = {0};
    int n_pids = 0;
    pgid = 0;
    for (int k = 0; k < N_NAT && !demo_stop; k++) {
        char st[1400], log[1400], port[16];
        snprintf(st, sizeof st, "%s/%s", state, nations[k]);
        snprintf(log, sizeof log, "%s/%s.log", state, nations[k]);
        snprintf(port, sizeof port, "%d", no_cop ? -1 : cop_base > 0 ? (int)cop_base + k : 0);
        char *av[] = {exe, "node", "--config", cfg, "--nation", (char *)nations[k], "--state", st, "--pki", pki,
                      no_cop ? "--pipeline" : "--cop-port", no_cop ? NULL : port, NULL};
        pids[n_pids] = spawn(av, log);
        if (pids[n_pids] < 0) {
            fprintf(stderr, "trilink demo: fork: %s\n", strerror(errno));
            demo_stop = SIGTERM;
            break;
        }
        n_pids++;
    }
    /* Ready when every node has written its first status (bounded). */
    int ready = 0;
    for (int w = 0; w < 600 && !demo_stop && !ready; w++) {
        ready = 1;
        for (int k = 0; k < N_NAT; k++) {
            snprintf(path, sizeof path, "%s/%s/status.json", state, nations[k]);
            ready &= access(path, R_OK) == 0;
        }
        for (int k = 0; k < n_pids; k++)
            if (pids[k] > 0 && waitpid(pids[k], NULL, WNOHANG) == pids[k]) {
                fprintf(stderr, "trilink demo: the %s node exited early; see %s/%s.log\n", nations[k], state,
                        nations[k]);
                pids[k] = 0;
                demo_stop = SIGTERM;
            }
        if (!ready)
            sleep_ms(100);
    }
    if (!ready && !demo_stop) {
        fprintf(stderr, "trilink demo: nodes not ready after 60 s; see %s/*.log\n", state);
        demo_stop = SIGTERM;
    }
    if (!demo_stop && !no_cop) {
        static char buf[8192];
        for (int k = 0; k < N_NAT; k++) {
            snprintf(path, sizeof path, "%s/%s/status.json", state, nations[k]);
            if (read_file(path, buf, sizeof buf) > 0 && jnum(buf, "cop_port", 0) > 0)
                printf("  COP %s: http://127.0.0.1:%.0f/\n", nations[k], jnum(buf, "cop_port", 0));
        }
    }
    int64_t epoch_ns = wall_ns() - (int64_t)(duration + 60) * NS;
    epoch_ns -= epoch_ns % NS;
    time_t es = (time_t)(epoch_ns / NS);
    struct tm tmv;
    gmtime_r(&es, &tmv);
    strftime(epoch_s, sizeof epoch_s, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    pid_t sim = 0;
    if (!demo_stop) {
        char rate[32], dur[32], log[1400];
        snprintf(rate, sizeof rate, "%g", speed);
        snprintf(dur, sizeof dur, "%.3f", duration);
        snprintf(log, sizeof log, "%s/sim.log", state);
        char *av[] = {exe,     "sim",        "run",   (char *)scenario, "--publish", "--config", cfg,   "--out",
                      truth_dir, "--rate",  rate,    "--epoch",         epoch_s,     "--duration", dur, "--wait",
                      "30",    NULL};
        sim = spawn(av, log);
        pids[n_pids++] = sim;
        printf("  drill generator started (scenario epoch moved to %s); Ctrl-C stops everything\n", epoch_s);
        fflush(stdout);
    }
    int tty = isatty(1) && !quiet;
    int64_t t0 = wall_ns(), deadline = t0 + (int64_t)((duration / speed + 120) * 1e9), sim_done = 0;
    int64_t next_print = 0;
    while (!demo_stop && sim > 0) {
        int64_t now = wall_ns();
        if (now > deadline) {
            fprintf(stderr, "\ntrilink demo: deadline passed; stopping\n");
            break;
        }
        if (!sim_done && waitpid(sim, NULL, WNOHANG) == sim) {
            pids[n_pids - 1] = 0;
            sim_done = now;
        }
        /* After the drill: wait (bounded) until every node has worked through its
         * plots, then a little longer for the last products to cross the links. */
        if (sim_done && (now - sim_done > 30 * NS ||
                         (now - sim_done > 3 * NS &&
                          nodes_caught_up(state, epoch_ns + (int64_t)(duration * 1e9) - 15 * NS))))
            break;
        if (now >= next_print) {
            if (!quiet || !tty)
                progress(state, epoch_ns, tty);
            next_print = now + (tty ? NS : 5 * NS);
        }
        sleep_ms(200);
    }
    if (tty)
        printf("\n");
    printf("trilink demo: stopping (%s)\n", demo_stop ? "signal" : sim_done ? "drill finished" : "deadline");
    fflush(stdout);
    stop_children(pids, n_pids);

    truth t;
    memset(&t, 0, sizeof t);
    if (load_truth(truth_dir, &t)) {
        fprintf(stderr, "trilink demo: no truth in %s (the drill generator did not run)\n", truth_dir);
        free(t.rows);
        return 1;
    }
    tl_zones *z = NULL;
    for (size_t o = 0; o < t.n_obj; o++)
        t.zone[o] = -1;
    if (tl_zones_load_default(&z, &err) == TL_OK)
        for (size_t o = 0; o < t.n_obj; o++) {
            tl_zone_class zc;
            if (tl_zones_classify(z, t.obj[o].end_lat_deg * TL_DEG, t.obj[o].end_lon_deg * TL_DEG, &zc, NULL) ==
                TL_OK)
                t.zone[o] = (int)zc;
        }
    tl_zones_destroy(z);
    summarize(state, &t, stdout);
    snprintf(path, sizeof path, "%s/demo-summary.txt", state);
    FILE *f = fopen(path, "w");
    if (f) {
        summarize(state, &t, f);
        fclose(f);
    }
    printf("\nLogs, journals, status.json, summary.json and CAP files (STATE/<nation>/cap) in %s\n", state);
    free(t.rows);
    return demo_stop ? 130 : 0;
#endif
}
