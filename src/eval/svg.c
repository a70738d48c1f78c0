/* svg.c — a small SVG 1.1 writer for the evaluation's plots: line plots with 10-90
 * bands (linear or log10 y axis) and box plots with dots, each with axes, ticks,
 * labels and a legend. Ticks are "nice" steps of 1, 2 or 5 x 10^k (Heckbert,
 * Graphics Gems, 1990); numbers are printed with fixed formats so the same data
 * give byte-identical files.
 */
#include "trilink/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W 760.0
#define H 440.0
#define ML 72.0 /* margins: left, right (legend), top, bottom */
#define MR 170.0
#define MT 36.0
#define MB 56.0

static const char *const colour[] = {"#1f77b4", "#d62728", "#2ca02c",
                                     "#9467bd", "#ff7f0e", "#8c564b"};

typedef struct axis {
    double lo, hi; /* data range shown */
    int log;
    double st; /* tick step (linear), set by axis_fit */
} axis;

static void text_esc(FILE *f, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
}

static void label(FILE *f, double x, double y, const char *anchor, double rot, int size,
                  const char *s)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\"", x, y, size,
            anchor);
    if (rot != 0)
        fprintf(f, " transform=\"rotate(%.0f %.1f %.1f)\"", rot, x, y);
    fputc('>', f);
    text_esc(f, s);
    fputs("</text>\n", f);
}

static double nice_step(double range)
{
    double raw = range / 5, mag = pow(10, floor(log10(raw))), r = raw / mag;
    return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

/* Widen [lo, hi] to whole ticks (decades for log). */
static void axis_fit(axis *a)
{
    if (a->log) {
        a->lo = pow(10, floor(log10(a->lo)));
        a->hi = pow(10, ceil(log10(a->hi)));
        if (a->hi <= a->lo)
            a->hi = a->lo * 10;
        return;
    }
    if (a->hi <= a->lo) {
        a->lo -= 1;
        a->hi += 1;
    }
    double st = nice_step(a->hi - a->lo);
    a->lo = floor(a->lo / st) * st;
    a->hi = ceil(a->hi / st) * st;
    a->st = st;
}

static double map(const axis *a, double v, double p0, double p1)
{
    double u = a->log ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo))
                      : (v - a->lo) / (a->hi - a->lo);
    return p0 + u * (p1 - p0);
}

static void header(FILE *f, double w, const char *title)
{
    fprintf(
        f,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" "
        "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n"
        "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
        w, H, w, H);
    label(f, ML, 22, "start", 0, 15, title);
}

/* Axes box, y ticks with grid and the y label; x ticks too unless xa is NULL. */
static void axes(FILE *f, double w, const axis *xa, const axis *ya, const char *x_label,
                 const char *y_label)
{
    double x0 = ML, x1 = w - MR, y0 = H - MB, y1 = MT;
    char buf[32];
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
            "stroke=\"black\"/>\n",
            x0, y1, x1 - x0, y0 - y1);
    double st = ya->log ? 10 : ya->st;
    for (double v = ya->lo; ya->log ? v <= ya->hi * (1 + 1e-9) : v <= ya->hi + st * 1e-6;
         v = ya->log ? v * 10 : v + st) {
        double y = map(ya, v, y0, y1);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x0,
                y, x1, y);
        snprintf(buf, sizeof buf, "%g", fabs(v) < st * 1e-6 ? 0.0 : v);
        label(f, x0 - 6, y + 4, "end", 0, 11, buf);
    }
    label(f, 18, (y0 + y1) / 2, "middle", -90, 13, y_label);
    if (!xa)
        return;
    st = xa->st;
    for (double v = xa->lo; v <= xa->hi + st * 1e-6; v += st) {
        double x = map(xa, v, x0, x1);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", x,
                y0, x, y0 + 5);
        snprintf(buf, sizeof buf, "%g", fabs(v) < st * 1e-6 ? 0.0 : v);
        label(f, x, y0 + 18, "middle", 0, 11, buf);
    }
    label(f, (x0 + x1) / 2, H - 14, "middle", 0, 13, x_label);
}

static void legend(FILE *f, double w, int i, const char *s)
{
    double x = w - MR + 14, y = MT + 14 + 20 * i;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"%s\"/>\n", x, y - 9,
            colour[i % 6]);
    label(f, x + 20, y, "start", 0, 12, s);
}

static int ok_y(const axis *a, double v)
{
    return isfinite(v) && (!a->log || v > 0);
}

int tl_svg_lines(FILE *f, const char *title, const char *x_label, const char *y_label, int log_y,
                 const tl_svg_series *s, size_t n_series)
{
    axis xa = {INFINITY, -INFINITY, 0, 1}, ya = {INFINITY, -INFINITY, log_y, 1};
    for (size_t k = 0; k < n_series; k++)
        for (size_t i = 0; i < s[k].n; i++) {
            const double v[3] = {s[k].y[i], s[k].lo ? s[k].lo[i] : NAN, s[k].hi ? s[k].hi[i] : NAN};
            for (int j = 0; j < 3; j++)
                if (isfinite(s[k].x[i]) && ok_y(&ya, v[j])) {
                    xa.lo = fmin(xa.lo, s[k].x[i]);
                    xa.hi = fmax(xa.hi, s[k].x[i]);
                    ya.lo = fmin(ya.lo, v[j]);
                    ya.hi = fmax(ya.hi, v[j]);
                }
        }
    if (!(xa.lo <= xa.hi))
        return TL_EINVAL;
    axis_fit(&xa);
    axis_fit(&ya);
    header(f, W, title);
    axes(f, W, &xa, &ya, x_label, y_label);
    double x0 = ML, x1 = W - MR, y0 = H - MB, y1 = MT;
    for (size_t k = 0; k < n_series; k++) {
        const char *c = colour[k % 6];
        for (size_t i = 0; i < s[k].n;) { /* one band and one line per run of valid points */
            size_t j = i;
            while (j < s[k].n && isfinite(s[k].x[j]) && ok_y(&ya, s[k].y[j]))
                j++;
            if (j == i) {
                i++;
                continue;
            }
            int band = s[k].lo && s[k].hi;
            for (size_t m = i; band && m < j; m++)
                band = ok_y(&ya, s[k].lo[m]) && ok_y(&ya, s[k].hi[m]);
            if (band) {
                fprintf(f, "<polygon fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" points=\"",
                        c);
                for (size_t m = i; m < j; m++)
                    fprintf(f, "%.1f,%.1f ", map(&xa, s[k].x[m], x0, x1),
                            map(&ya, s[k].hi[m], y0, y1));
                for (size_t m = j; m-- > i;)
                    fprintf(f, "%.1f,%.1f ", map(&xa, s[k].x[m], x0, x1),
                            map(&ya, s[k].lo[m], y0, y1));
                fputs("\"/>\n", f);
            }
            fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", c);
            for (size_t m = i; m < j; m++)
                fprintf(f, "%.1f,%.1f ", map(&xa, s[k].x[m], x0, x1), map(&ya, s[k].y[m], y0, y1));
            fputs("\"/>\n", f);
            i = j;
        }
        legend(f, W, (int)k, s[k].label);
    }
    fputs("</svg>\n", f);
    return ferror(f) ? TL_EIO : TL_OK;
}

int tl_svg_boxes(FILE *f, const char *title, const char *y_label, const char *series_label[2],
                 const tl_svg_box *b, size_t n_boxes)
{
    axis ya = {INFINITY, -INFINITY, 0, 1};
    size_t n_max = 1;
    for (size_t i = 0; i < n_boxes; i++) {
        n_max = b[i].n > n_max ? b[i].n : n_max;
        for (size_t j = 0; j < b[i].n; j++)
            if (isfinite(b[i].v[j])) {
                ya.lo = fmin(ya.lo, b[i].v[j]);
                ya.hi = fmax(ya.hi, b[i].v[j]);
            }
    }
    if (!(ya.lo <= ya.hi))
        return TL_EINVAL;
    double *scratch = malloc(n_max * sizeof *scratch);
    if (!scratch)
        return TL_ENOMEM;
    axis_fit(&ya);
    double w = fmax(600, ML + MR + 34.0 * (double)n_boxes + 20), y0 = H - MB, y1 = MT;
    header(f, w, title);
    axes(f, w, NULL, &ya, NULL, y_label);
    for (size_t i = 0; i < n_boxes; i++) {
        const char *c = colour[b[i].series & 1];
        double x = ML + 20 + 34.0 * (double)i, q[5];
        static const double p[5] = {0.1, 0.25, 0.5, 0.75, 0.9};
        for (int j = 0; j < 5; j++)
            q[j] = map(&ya, tl_eval_quantile(b[i].v, b[i].n, p[j], scratch), y0, y1);
        if (isfinite(q[2])) {
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", x,
                    q[0], x, q[4], c);
            fprintf(f,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"20\" height=\"%.1f\" fill=\"%s\" "
                    "fill-opacity=\"0.25\" "
                    "stroke=\"%s\"/>\n",
                    x - 10, q[3], q[1] - q[3], c, c);
            fprintf(f,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"2.5\"/>\n",
                    x - 10, q[2], x + 10, q[2], c);
        }
        for (size_t j = 0; j < b[i].n; j++)
            if (isfinite(b[i].v[j]))
                fprintf(f,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.8\" fill=\"%s\" "
                        "fill-opacity=\"0.6\"/>\n",
                        x + (double)((int)(j % 9) - 4) * 1.5, map(&ya, b[i].v[j], y0, y1), c);
        if (b[i].label && b[i].label[0]) /* under the box, or between a pair */
            label(f, i + 1 < n_boxes && !(b[i + 1].label && b[i + 1].label[0]) ? x + 17 : x,
                  y0 + 16, "middle", 0, 10, b[i].label);
    }
    free(scratch);
    for (int k = 0; k < 2; k++)
        legend(f, w, k, series_label[k]);
    fputs("</svg>\n", f);
    return ferror(f) ? TL_EIO : TL_OK;
}
