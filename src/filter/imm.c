/* imm.c — interacting multiple model estimator (Blom & Bar-Shalom, IEEE TAC 33(8)
 * 1988; Bar-Shalom et al. 2001, sec. 11.6) with two modes over the same 6-state:
 *   BALLISTIC — flight physics with drag at a nominal ballistic coefficient
 *               (6,000 kg/m^2), tiny process noise (midcourse, SRBM re-entry);
 *   THRUST    — the same physics plus a known thrust along the velocity (the
 *               tracker's input estimate, tl_motion.thrust_acc_mps2, growing by
 *               the rocket law) and white noise for its error;
 *   REENTRY   — the same drag with process noise scaled to the drag (70%: the
 *               unknown true coefficient, the deceleration scales with 1/beta).
 * This is the documented equivalent of a thrust-state boost model: the track
 * survives boost and re-entry in THRUST and tightens to the bound in BALLISTIC.
 * Switching follows a continuous-time Markov chain: P(stay in i over dt) =
 * exp(-dt / mean_sojourn_i).
 */
#include "filter/filter_int.h"
#include "trilink/error.h"
#include "trilink/filter.h"

#include <math.h>
#include <string.h>

#define MU_FLOOR 1e-6

void tl_imm_config_default(tl_imm_config *c)
{
    c->ops = &tl_ekf_ops;
    tl_motion_default(&c->motion[TL_IMM_BALLISTIC]);
    tl_motion_default(&c->motion[TL_IMM_THRUST]);
    /* BALLISTIC: exact physics, drag at the nominal coefficient (6,000 kg/m^2,
     * SRBM/MRBM re-entry vehicles) with 2% drag uncertainty; a tiny white
     * noise (precise radars make the velocity covariance of a long ballistic
     * arc ~0.01 (m/s)^2: 1e-4 would dominate it and make the track
     * under-confident) */
    c->motion[TL_IMM_BALLISTIC].q_acc = 1e-6;
    c->motion[TL_IMM_BALLISTIC].dyn.flags |= TL_DYN_DRAG;
    c->motion[TL_IMM_BALLISTIC].dyn.beta_kg_m2 = 6000.0;
    c->motion[TL_IMM_BALLISTIC].q_drag_rel = 0.02;
    /* THRUST: the physics plus a known thrust along the velocity (0 here; the
     * tracker sets its per-track input estimate, growing by the rocket law)
     * and white noise: 100 m^2/s^3 lets a standalone IMM follow ~25 m/s^2 of
     * unknown thrust; the tracker, which knows the thrust, lowers it */
    c->motion[TL_IMM_THRUST].q_acc = 100.0;
    c->motion[TL_IMM_THRUST].max_step_s = 2.0;
    c->motion[TL_IMM_THRUST].thrust_ve_mps = 2500.0; /* liquid first stage, Isp ~255 s */
    /* REENTRY: the same drag with a 70% uncertain deceleration (the unknown
     * true ballistic coefficient, 2,000-12,000 kg/m^2), as process noise
     * scaled to the drag (tl_motion_q_step) */
    tl_motion_default(&c->motion[TL_IMM_REENTRY]);
    c->motion[TL_IMM_REENTRY].dyn.flags |= TL_DYN_DRAG;
    c->motion[TL_IMM_REENTRY].dyn.beta_kg_m2 = 6000.0;
    c->motion[TL_IMM_REENTRY].q_acc = 1e-6;
    c->motion[TL_IMM_REENTRY].q_drag_rel = 0.7;
    c->motion[TL_IMM_REENTRY].max_step_s = 1.0;
    c->mean_sojourn_s[TL_IMM_BALLISTIC] = 300.0;
    c->mean_sojourn_s[TL_IMM_THRUST] = 30.0;
    c->mean_sojourn_s[TL_IMM_REENTRY] = 60.0;
}

void tl_imm_init(tl_imm *imm, const tl_state_est *s, const double *mu0)
{
    for (int j = 0; j < TL_IMM_MODES; j++) {
        imm->mode[j] = *s;
        imm->mu[j] = mu0 ? mu0[j] : 1.0 / TL_IMM_MODES;
    }
}

static void combine(const tl_state_est *modes, const double *w, tl_state_est *out)
{
    double x[6] = {0};
    for (int j = 0; j < TL_IMM_MODES; j++)
        for (int i = 0; i < 6; i++)
            x[i] += w[j] * modes[j].x[i];
    double P[6][6] = {{0}};
    for (int j = 0; j < TL_IMM_MODES; j++) {
        double d[6];
        for (int i = 0; i < 6; i++)
            d[i] = modes[j].x[i] - x[i];
        for (int a = 0; a < 6; a++)
            for (int b = 0; b < 6; b++)
                P[a][b] += w[j] * (modes[j].P[a][b] + d[a] * d[b]);
    }
    tl__sym6(P);
    out->t_ns = modes[0].t_ns;
    memcpy(out->x, x, sizeof x);
    memcpy(out->P, P, sizeof P);
}

void tl_imm_combine(const tl_imm *imm, tl_state_est *out)
{
    combine(imm->mode, imm->mu, out);
}

int tl_imm_predict(const tl_imm_config *c, tl_imm *imm, int64_t t_ns)
{
    return tl_imm_predict_active(c, imm, t_ns, (1u << TL_IMM_MODES) - 1u);
}

int tl_imm_predict_active(const tl_imm_config *c, tl_imm *imm, int64_t t_ns, unsigned active)
{
    double dt = fabs(tl__dt_s(t_ns, imm->mode[0].t_ns));
    if (dt == 0.0)
        return TL_OK;
    active |= 1u << TL_IMM_BALLISTIC;
    int n_act = 0;
    for (int j = 0; j < TL_IMM_MODES; j++)
        n_act += (active >> j) & 1u;
    double p[TL_IMM_MODES][TL_IMM_MODES];
    for (int i = 0; i < TL_IMM_MODES; i++) {
        double stay = n_act > 1 ? exp(-dt / c->mean_sojourn_s[i]) : 1.0;
        for (int j = 0; j < TL_IMM_MODES; j++) {
            if (!((active >> j) & 1u))
                p[i][j] = 0.0;
            else if (!((active >> i) & 1u)) /* leaving an inactive mode: to ballistic */
                p[i][j] = j == TL_IMM_BALLISTIC ? 1.0 : 0.0;
            else
                p[i][j] = (i == j) ? stay : (1.0 - stay) / (n_act - 1);
        }
    }
    tl_imm next;
    for (int j = 0; j < TL_IMM_MODES; j++) {
        if (!((active >> j) & 1u))
            continue;
        double cj = 0.0, w[TL_IMM_MODES];
        for (int i = 0; i < TL_IMM_MODES; i++)
            cj += p[i][j] * imm->mu[i];
        if (!(cj > 0.0)) { /* cannot happen with the ballistic mode always active */
            cj = MU_FLOOR;
            for (int i = 0; i < TL_IMM_MODES; i++)
                w[i] = imm->mu[i];
        } else {
            for (int i = 0; i < TL_IMM_MODES; i++)
                w[i] = p[i][j] * imm->mu[i] / cj;
        }
        combine(imm->mode, w, &next.mode[j]);
        next.mu[j] = cj;
        int rc = c->ops->predict(&c->motion[j], &next.mode[j], t_ns);
        if (rc != TL_OK)
            return rc;
    }
    /* inactive modes: probability 0, state parked on the ballistic prediction */
    for (int j = 0; j < TL_IMM_MODES; j++)
        if (!((active >> j) & 1u)) {
            next.mode[j] = next.mode[TL_IMM_BALLISTIC];
            next.mu[j] = 0.0;
        }
    double sum = 0.0;
    for (int j = 0; j < TL_IMM_MODES; j++)
        sum += next.mu[j];
    for (int j = 0; j < TL_IMM_MODES; j++)
        next.mu[j] /= sum;
    *imm = next;
    return TL_OK;
}

int tl_imm_update(const tl_imm_config *c, tl_imm *imm, const tl_meas *m)
{
    tl_imm next = *imm;
    double ll[TL_IMM_MODES], mx = -INFINITY;
    for (int j = 0; j < TL_IMM_MODES; j++) {
        ll[j] = -INFINITY;
        if (!(imm->mu[j] > 0.0))
            continue; /* inactive mode (tl_imm_predict_active) */
        tl_innov in;
        int rc = c->ops->update(&next.mode[j], m, &in);
        if (rc != TL_OK)
            return rc;
        ll[j] = -0.5 * (in.d2 + in.log_det_s) + log(imm->mu[j]);
        if (ll[j] > mx)
            mx = ll[j];
    }
    double sum = 0.0;
    for (int j = 0; j < TL_IMM_MODES; j++) {
        next.mu[j] = ll[j] > -INFINITY ? exp(ll[j] - mx) : 0.0;
        sum += next.mu[j];
    }
    double sum2 = 0.0;
    for (int j = 0; j < TL_IMM_MODES; j++) {
        if (next.mu[j] > 0.0)
            next.mu[j] = fmax(next.mu[j] / sum, MU_FLOOR);
        sum2 += next.mu[j];
    }
    for (int j = 0; j < TL_IMM_MODES; j++) {
        next.mu[j] /= sum2;
        if (!(next.mu[j] > 0.0))
            next.mode[j] = next.mode[TL_IMM_BALLISTIC];
    }
    *imm = next;
    return TL_OK;
}
