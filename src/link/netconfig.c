/* netconfig.c — loads config/network.yaml (libyaml document API) into a
 * tl_netconfig and answers policy questions (destinations, reductions, whether a
 * product may go on a link). Format: docs/network.md. */
#include "trilink/netconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct ctx {
    yaml_document_t *doc;
    const char *file;
    tl_err *err;
} ctx;

static int line_of(const yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 0; }

static int fail(ctx *c, const yaml_node_t *n, const char *fmt, const char *a, const char *b)
{
    char m[400];
    snprintf(m, sizeof m, fmt, a ? a : "", b ? b : "");
    return tl_err_set(c->err, TL_EPARSE, "%s:%d: %s", c->file, line_of(n), m);
}

static const char *scalar(const yaml_node_t *n)
{
    return (n && n->type == YAML_SCALAR_NODE) ? (const char *)n->data.scalar.value : NULL;
}

/* Value of key in a mapping node, or NULL. */
static yaml_node_t *get(ctx *c, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(c->doc, p->key));
        if (k && !strcmp(k, key))
            return yaml_document_get_node(c->doc, p->value);
    }
    return NULL;
}

/* Reject keys not in allowed (NULL-terminated): typos must not be silently ignored. */
static int check_keys(ctx *c, yaml_node_t *map, const char *what, const char *const *allowed)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return fail(c, map, "%s: expected a mapping%s", what, NULL);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
        const char *k = scalar(kn);
        int ok = 0;
        for (int i = 0; k && allowed[i]; i++)
            ok |= !strcmp(k, allowed[i]);
        if (!ok)
            return fail(c, kn, "%s: unknown key '%s'", what, k ? k : "?");
    }
    return 0;
}

static int get_str(ctx *c, yaml_node_t *map, const char *key, char *out, size_t cap, int required)
{
    yaml_node_t *n = get(c, map, key);
    if (!n) {
        if (required)
            return fail(c, map, "missing field '%s'%s", key, NULL);
        return 0;
    }
    const char *s = scalar(n);
    if (!s || strlen(s) >= cap || (required && !s[0]))
        return fail(c, n, "field '%s': bad value '%s'", key, s ? s : "(not a scalar)");
    snprintf(out, cap, "%s", s);
    return 0;
}

static int get_num(ctx *c, yaml_node_t *map, const char *key, double lo, double hi, double *out,
                   int required)
{
    yaml_node_t *n = get(c, map, key);
    if (!n) {
        if (required)
            return fail(c, map, "missing field '%s'%s", key, NULL);
        return 0;
    }
    const char *s = scalar(n);
    char *end = NULL;
    errno = 0;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || !s[0] || *end || errno || !isfinite(v) || v < lo || v > hi) {
        char rng[64];
        snprintf(rng, sizeof rng, "%s' (expected %g..%g)", s ? s : "?", lo, hi);
        return fail(c, n, "field '%s': bad value '%s", key, rng);
    }
    *out = v;
    return 0;
}

/* A sequence of nation codes -> mask. */
static int nation_list(ctx *c, const tl_netconfig *cfg, yaml_node_t *n, const char *what,
                       uint32_t *mask)
{
    *mask = 0;
    if (!n || n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, "%s: expected a list of nations%s", what, NULL);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *e = yaml_document_get_node(c->doc, *it);
        const char *s = scalar(e);
        int i = s ? tl_netconfig_nation(cfg, s) : -1;
        if (i < 0)
            return fail(c, e, "%s: unknown nation '%s'", what, s ? s : "?");
        *mask |= 1u << i;
    }
    return 0;
}

static int valid_nation_code(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n >= TL_NATION_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

static int parse_nations(ctx *c, yaml_node_t *root, tl_netconfig *cfg)
{
    yaml_node_t *n = get(c, root, "nations");
    if (!n || n->type != YAML_SEQUENCE_NODE)
        return fail(c, n ? n : root, "'nations': expected a list of nation codes%s%s", NULL, NULL);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *e = yaml_document_get_node(c->doc, *it);
        const char *s = scalar(e);
        if (!s || !valid_nation_code(s))
            return fail(c, e, "nations: bad nation code '%s' (1-7 of A-Z, 0-9)%s", s ? s : "?", NULL);
        if (tl_netconfig_nation(cfg, s) >= 0)
            return fail(c, e, "nations: '%s' listed twice%s", s, NULL);
        if (cfg->n_nations >= TL_NET_NATIONS_MAX)
            return fail(c, e, "nations: more than 16%s%s", NULL, NULL);
        snprintf(cfg->nations[cfg->n_nations++], TL_NATION_LEN, "%s", s);
    }
    if (cfg->n_nations < 2)
        return fail(c, n, "nations: need at least two%s%s", NULL, NULL);
    return 0;
}

static int parse_end(ctx *c, tl_netconfig *cfg, yaml_node_t *e, tl_net_end *end)
{
    static const char *const keys[] = {"nation", "address", "participant_index", NULL};
    double pi = 0;
    struct in_addr a;
    if (check_keys(c, e, "link end", keys) || get_str(c, e, "nation", end->nation, sizeof end->nation, 1) ||
        get_str(c, e, "address", end->address, sizeof end->address, 1) ||
        get_num(c, e, "participant_index", 0, 119, &pi, 1))
        return TL_EPARSE;
    if (tl_netconfig_nation(cfg, end->nation) < 0)
        return fail(c, get(c, e, "nation"), "link end: unknown nation '%s'%s", end->nation, NULL);
    /* A pinned unicast IPv4 interface: never "any", never multicast. */
    if (inet_pton(AF_INET, end->address, &a) != 1 || a.s_addr == 0 || IN_MULTICAST(ntohl(a.s_addr)))
        return fail(c, get(c, e, "address"),
                    "link end: address '%s' is not a unicast IPv4 interface address%s", end->address, NULL);
    if (pi != floor(pi))
        return fail(c, get(c, e, "participant_index"), "link end: participant_index must be an integer%s%s",
                    NULL, NULL);
    end->participant_index = (int)pi;
    return 0;
}

static int parse_links(ctx *c, yaml_node_t *root, tl_netconfig *cfg)
{
    static const char *const keys[] = {"name", "domain", "ends", NULL};
    yaml_node_t *n = get(c, root, "links");
    if (!n || n->type != YAML_SEQUENCE_NODE)
        return fail(c, n ? n : root, "'links': expected a list of links%s%s", NULL, NULL);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *e = yaml_document_get_node(c->doc, *it);
        if (cfg->n_links >= TL_NET_LINKS_MAX)
            return fail(c, e, "links: more than 32%s%s", NULL, NULL);
        tl_net_link *l = &cfg->links[cfg->n_links];
        double d = 0;
        if (check_keys(c, e, "link", keys) || get_str(c, e, "name", l->name, sizeof l->name, 1) ||
            get_num(c, e, "domain", 0, 101, &d, 1))
            return TL_EPARSE;
        l->domain_id = (int)d;
        if (d != floor(d))
            return fail(c, get(c, e, "domain"), "link '%s': domain must be an integer%s", l->name, NULL);
        yaml_node_t *ends = get(c, e, "ends");
        if (!ends || ends->type != YAML_SEQUENCE_NODE ||
            ends->data.sequence.items.top - ends->data.sequence.items.start != 2)
            return fail(c, ends ? ends : e, "link '%s': 'ends' must list exactly two ends%s", l->name, NULL);
        for (int k = 0; k < 2; k++)
            if (parse_end(c, cfg, yaml_document_get_node(c->doc, ends->data.sequence.items.start[k]),
                          &l->ends[k]))
                return TL_EPARSE;
        if (!strcmp(l->ends[0].nation, l->ends[1].nation))
            return fail(c, ends, "link '%s': both ends are %s", l->name, l->ends[0].nation);
        if (!strcmp(l->ends[0].address, l->ends[1].address) &&
            l->ends[0].participant_index == l->ends[1].participant_index)
            return fail(c, ends, "link '%s': ends share address and participant_index (same ports)%s",
                        l->name, NULL);
        for (int k = 0; k < cfg->n_links; k++) {
            if (cfg->links[k].domain_id == l->domain_id)
                return fail(c, get(c, e, "domain"), "link '%s': domain already used by link '%s'", l->name,
                            cfg->links[k].name);
            const tl_net_link *o = &cfg->links[k];
            int same = (!strcmp(o->ends[0].nation, l->ends[0].nation) && !strcmp(o->ends[1].nation, l->ends[1].nation)) ||
                       (!strcmp(o->ends[0].nation, l->ends[1].nation) && !strcmp(o->ends[1].nation, l->ends[0].nation));
            if (same)
                return fail(c, e, "link '%s': the same pair of nations as link '%s'", l->name, o->name);
        }
        cfg->n_links++;
    }
    return 0;
}

static int parse_kinds(ctx *c, yaml_node_t *n, uint32_t *mask)
{
    *mask = 0;
    if (!n || n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, "policy: 'products' must be a list (track, launch, impact, alert, all)%s%s", NULL, NULL);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *e = yaml_document_get_node(c->doc, *it);
        const char *s = scalar(e);
        tl_product_kind k;
        if (s && !strcmp(s, "all"))
            *mask |= ((1u << TL_PROD_KIND_COUNT) - 1) & ~1u;
        else if (s && tl_product_kind_parse(s, &k) == 0)
            *mask |= 1u << k;
        else
            return fail(c, e, "policy: unknown product kind '%s'%s", s ? s : "?", NULL);
    }
    return 0;
}

static int parse_policy(ctx *c, yaml_node_t *root, tl_netconfig *cfg)
{
    static const char *const keys[] = {"origin", "products", "to", "marking", "drop", "drop_for", NULL};
    yaml_node_t *n = get(c, root, "policy");
    if (!n)
        return 0; /* nothing releasable */
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, "'policy': expected a list of rules%s%s", NULL, NULL);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *e = yaml_document_get_node(c->doc, *it);
        if (cfg->n_rules >= TL_NET_RULES_MAX)
            return fail(c, e, "policy: more than 64 rules%s%s", NULL, NULL);
        tl_net_rule *r = &cfg->rules[cfg->n_rules];
        memset(r, 0, sizeof *r);
        r->line = line_of(e);
        if (check_keys(c, e, "policy rule", keys) || get_str(c, e, "origin", r->origin, sizeof r->origin, 1) ||
            get_str(c, e, "marking", r->marking, sizeof r->marking, 0))
            return TL_EPARSE;
        int oi = tl_netconfig_nation(cfg, r->origin);
        if (oi < 0)
            return fail(c, get(c, e, "origin"), "policy: unknown origin '%s'%s", r->origin, NULL);
        if (parse_kinds(c, get(c, e, "products"), &r->kinds_mask) ||
            nation_list(c, cfg, get(c, e, "to"), "policy 'to'", &r->dest_mask))
            return TL_EPARSE;
        r->dest_mask &= ~(1u << oi);
        yaml_node_t *drop = get(c, e, "drop");
        if (drop) {
            if (drop->type != YAML_SEQUENCE_NODE)
                return fail(c, drop, "policy: 'drop' must be a list of fields (sensors, quality)%s%s", NULL, NULL);
            for (yaml_node_item_t *d = drop->data.sequence.items.start; d < drop->data.sequence.items.top; d++) {
                yaml_node_t *dn = yaml_document_get_node(c->doc, *d);
                const char *s = scalar(dn);
                if (s && !strcmp(s, "sensors"))
                    r->reduce_mask |= TL_REDUCE_SENSORS;
                else if (s && !strcmp(s, "quality"))
                    r->reduce_mask |= TL_REDUCE_TRACK_QUALITY;
                else
                    return fail(c, dn, "policy: cannot drop field '%s' (sensors, quality)%s", s ? s : "?", NULL);
            }
            r->reduce_dest_mask = r->dest_mask;
            yaml_node_t *df = get(c, e, "drop_for");
            if (df && nation_list(c, cfg, df, "policy 'drop_for'", &r->reduce_dest_mask))
                return TL_EPARSE;
        }
        cfg->n_rules++;
    }
    return 0;
}

/* Optional 'national:' list: each nation's own plot domain (added for the node
 * pipeline; see docs/network.md). */
static int parse_national(ctx *c, yaml_node_t *root, tl_netconfig *cfg)
{
    static const char *const keys[] = {"nation", "domain", "address", NULL};
    yaml_node_t *n = get(c, root, "national");
    if (!n)
        return 0;
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, "'national': expected a list of {nation, domain, address}%s%s", NULL, NULL);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *e = yaml_document_get_node(c->doc, *it);
        if (cfg->n_national >= TL_NET_NATIONS_MAX)
            return fail(c, e, "national: more than 16 entries%s%s", NULL, NULL);
        tl_net_national *d = &cfg->national[cfg->n_national];
        double dom = 0;
        struct in_addr a;
        if (check_keys(c, e, "national domain", keys) || get_str(c, e, "nation", d->nation, sizeof d->nation, 1) ||
            get_num(c, e, "domain", 0, 101, &dom, 1) || get_str(c, e, "address", d->address, sizeof d->address, 1))
            return TL_EPARSE;
        if (tl_netconfig_nation(cfg, d->nation) < 0 || tl_netconfig_national(cfg, d->nation))
            return fail(c, get(c, e, "nation"), "national: unknown or repeated nation '%s'%s", d->nation, NULL);
        if (dom != floor(dom))
            return fail(c, get(c, e, "domain"), "national %s: domain must be an integer%s", d->nation, NULL);
        d->domain_id = (int)dom;
        for (int k = 0; k < cfg->n_links; k++)
            if (cfg->links[k].domain_id == d->domain_id)
                return fail(c, get(c, e, "domain"), "national %s: domain already used by link '%s'", d->nation,
                            cfg->links[k].name);
        for (int k = 0; k < cfg->n_national; k++)
            if (cfg->national[k].domain_id == d->domain_id)
                return fail(c, get(c, e, "domain"), "national %s: domain already used by %s", d->nation,
                            cfg->national[k].nation);
        if (inet_pton(AF_INET, d->address, &a) != 1 || a.s_addr == 0 || IN_MULTICAST(ntohl(a.s_addr)))
            return fail(c, get(c, e, "address"), "national: address '%s' is not a unicast IPv4 interface address%s",
                        d->address, NULL);
        cfg->n_national++;
    }
    return 0;
}

const tl_net_national *tl_netconfig_national(const tl_netconfig *cfg, const char *nation)
{
    for (int i = 0; i < cfg->n_national; i++)
        if (!strcmp(cfg->national[i].nation, nation))
            return &cfg->national[i];
    return NULL;
}

int tl_netconfig_load(const char *path, tl_netconfig *out, tl_err *err)
{
    static const char *const keys[] = {"nations", "relays", "links", "policy", "time_window_s",
                                       "heartbeat_period_s", "max_seq_jump", "national", "journal_retain_hours",
                                       NULL};
    FILE *f = fopen(path, "rb");
    if (!f)
        return tl_err_set(err, TL_EIO, "%s: cannot open: %s", path, strerror(errno));
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        int rc = tl_err_set(err, TL_EPARSE, "%s:%d: YAML error: %s", path, (int)parser.problem_mark.line + 1,
                            parser.problem ? parser.problem : "unknown");
        yaml_parser_delete(&parser);
        fclose(f);
        return rc;
    }
    tl_netconfig *cfg = calloc(1, sizeof *cfg);
    int rc = cfg ? 0 : TL_ENOMEM;
    ctx c = {&doc, path, err};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (cfg) {
        snprintf(cfg->path, sizeof cfg->path, "%s", path);
        cfg->window_past_s = 600;
        cfg->window_future_s = 5;
        cfg->heartbeat_period_s = 1;
        cfg->max_seq_jump = 1000000;
        if (!root)
            rc = tl_err_set(err, TL_EPARSE, "%s:1: empty document", path);
        else if (check_keys(&c, root, "top level", keys) || parse_nations(&c, root, cfg) ||
                 parse_links(&c, root, cfg) || parse_policy(&c, root, cfg) ||
                 parse_national(&c, root, cfg))
            rc = TL_EPARSE;
    }
    if (!rc) {
        yaml_node_t *rl = get(&c, root, "relays");
        if (rl && nation_list(&c, cfg, rl, "relays", &cfg->relay_mask))
            rc = TL_EPARSE;
    }
    if (!rc) {
        static const char *const wkeys[] = {"past", "future", NULL};
        yaml_node_t *w = get(&c, root, "time_window_s");
        double jump = (double)cfg->max_seq_jump;
        if ((w && (check_keys(&c, w, "time_window_s", wkeys) ||
                   get_num(&c, w, "past", 1, 30 * 86400.0, &cfg->window_past_s, 0) ||
                   get_num(&c, w, "future", 0, 3600, &cfg->window_future_s, 0))) ||
            get_num(&c, root, "heartbeat_period_s", 0.05, 60, &cfg->heartbeat_period_s, 0) ||
            get_num(&c, root, "max_seq_jump", 1, 1e15, &jump, 0))
            rc = TL_EPARSE;
        cfg->max_seq_jump = (uint64_t)jump;
    }
    if (!rc) {
        double h = 0;
        if (get_num(&c, root, "journal_retain_hours", 0, 1e6, &h, 0))
            rc = TL_EPARSE;
        else if (h > 0 && h * 3600 < cfg->window_past_s)
            /* gap-fill answers from the journal for origin times within the window */
            rc = fail(&c, get(&c, root, "journal_retain_hours"),
                      "field '%s': %s h keeps less than time_window_s.past (gap-fill answers from the journal)",
                      "journal_retain_hours", scalar(get(&c, root, "journal_retain_hours")));
        cfg->journal_retain_s = h * 3600;
    }
    if (!rc)
        *out = *cfg;
    free(cfg);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

int tl_netconfig_nation(const tl_netconfig *cfg, const char *nation)
{
    for (int i = 0; i < cfg->n_nations; i++)
        if (!strcmp(cfg->nations[i], nation))
            return i;
    return -1;
}

uint32_t tl_netconfig_dests(const tl_netconfig *cfg, const char *origin, tl_product_kind kind,
                            const char **marking)
{
    uint32_t m = 0;
    if (marking)
        *marking = NULL;
    for (int i = 0; i < cfg->n_rules; i++) {
        const tl_net_rule *r = &cfg->rules[i];
        if (strcmp(r->origin, origin) || !(r->kinds_mask & (1u << kind)))
            continue;
        m |= r->dest_mask;
        if (marking && !*marking && r->marking[0])
            *marking = r->marking;
    }
    return m;
}

uint32_t tl_netconfig_reductions(const tl_netconfig *cfg, const char *origin, tl_product_kind kind,
                                 const char *dest)
{
    int d = tl_netconfig_nation(cfg, dest);
    uint32_t m = 0;
    if (d < 0)
        return 0;
    for (int i = 0; i < cfg->n_rules; i++) {
        const tl_net_rule *r = &cfg->rules[i];
        if (!strcmp(r->origin, origin) && (r->kinds_mask & (1u << kind)) && (r->reduce_dest_mask & (1u << d)))
            m |= r->reduce_mask;
    }
    return m;
}

static int on_path(const tl_product *p, const char *nation)
{
    for (int i = 0; i < p->hdr.path_len && i < TL_PATH_MAX; i++)
        if (!strcmp(p->hdr.path[i], nation))
            return 1;
    return 0;
}

int tl_netconfig_may_send(const tl_netconfig *cfg, const char *self, const tl_product *p, const char *peer)
{
    int pi = tl_netconfig_nation(cfg, peer), si = tl_netconfig_nation(cfg, self);
    if (pi < 0 || si < 0 || on_path(p, peer) || !strcmp(p->hdr.origin, peer))
        return 0;
    if (strcmp(p->hdr.origin, self) && !(cfg->relay_mask & (1u << si)))
        return 0; /* we are not the origin and do not relay */
    if (p->hdr.path_len + 1 > TL_PATH_MAX)
        return 0;
    /* The effective mask never exceeds what our own policy allows for this origin. */
    uint32_t mask = p->hdr.releasable_mask & tl_netconfig_dests(cfg, p->hdr.origin, p->kind, NULL);
    if (mask & (1u << pi))
        return 1;
    if (!(cfg->relay_mask & (1u << pi)))
        return 0;
    uint32_t beyond = mask & ~(1u << pi) & ~(1u << si);
    for (int i = 0; i < p->hdr.path_len; i++) {
        int k = tl_netconfig_nation(cfg, p->hdr.path[i]);
        if (k >= 0)
            beyond &= ~(1u << k);
    }
    return beyond != 0;
}

int tl_netconfig_mask_parse(const tl_netconfig *cfg, const char *list, uint32_t *mask, tl_err *err)
{
    char buf[256], *save = NULL;
    uint32_t m = 0;
    snprintf(buf, sizeof buf, "%s", list);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int i = tl_netconfig_nation(cfg, t);
        if (i < 0)
            return tl_err_set(err, TL_EINVAL, "unknown nation '%s' in '%s'", t, list);
        m |= 1u << i;
    }
    *mask = m;
    return 0;
}
