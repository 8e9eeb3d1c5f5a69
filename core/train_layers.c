/* train_layers.c - forward/backward kernels of every layer the trainer uses.
 *
 * Each forward computes exactly what core/forward.c computes (same operation
 * order in the norms, softmax and activations) so a trained model behaves in
 * the viewer as it did in training. Backward kernels accumulate with +=.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "train_internal.h"

/* ---- linear ---- */

void tl_linear_fwd(float *y, const float *x, const float *W, const float *b, int n, int in, int out) {
    if (b)
        for (int i = 0; i < n; i++) memcpy(y + (size_t)i * out, b, (size_t)out * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in, W, in,
                b ? 1.0f : 0.0f, y, out);
}

void tl_linear_bwd(float *dx, float *dW, float *db, const float *dy, const float *x, const float *W,
                   int n, int in, int out) {
    if (dx) /* dx [n, in] += dy [n, out] @ W [out, in] */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, out, 1.0f, dy, out, W, in, 1.0f,
                    dx, in);
    /* dW [out, in] += dy^T [out, n] @ x [n, in] */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, n, 1.0f, dy, out, x, in, 1.0f, dW, in);
    if (db)
        for (int i = 0; i < n; i++) {
            const float *r = dy + (size_t)i * out;
            for (int j = 0; j < out; j++) db[j] += r[j];
        }
}

/* ---- LayerNorm ---- */

void tl_layernorm_fwd(float *y, float *mean, float *rstd, const float *x, const float *w,
                      const float *b, int n, int d, float eps) {
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * d;
        float *yi = y + (size_t)i * d;
        double mu = 0, var = 0; /* double sums, as forward.c */
        for (int j = 0; j < d; j++) mu += xi[j];
        mu /= d;
        for (int j = 0; j < d; j++) var += ((double)xi[j] - mu) * ((double)xi[j] - mu);
        var /= d;
        float s = (float)(1.0 / sqrt(var + eps)), m = (float)mu;
        for (int j = 0; j < d; j++) yi[j] = (xi[j] - m) * s * w[j] + (b ? b[j] : 0.0f);
        mean[i] = m;
        rstd[i] = s;
    }
}

void tl_layernorm_bwd(float *dx, float *dw, float *db, const float *dy, const float *x,
                      const float *mean, const float *rstd, const float *w, int n, int d) {
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * d, *dyi = dy + (size_t)i * d;
        float *dxi = dx + (size_t)i * d;
        float m = mean[i], s = rstd[i];
        /* dx = s * (dn - mean(dn) - xhat * mean(dn * xhat)), dn = dy * w */
        double sum_dn = 0, sum_dn_xhat = 0;
        for (int j = 0; j < d; j++) {
            float xhat = (xi[j] - m) * s, dn = dyi[j] * w[j];
            sum_dn += dn;
            sum_dn_xhat += (double)dn * xhat;
        }
        float m1 = (float)(sum_dn / d), m2 = (float)(sum_dn_xhat / d);
        for (int j = 0; j < d; j++) {
            float xhat = (xi[j] - m) * s, dn = dyi[j] * w[j];
            dxi[j] += s * (dn - m1 - xhat * m2);
            dw[j] += dyi[j] * xhat;
            if (db) db[j] += dyi[j];
        }
    }
}

/* ---- activations ---- */

#define SQRT_2_OVER_PI 0.79788456080286536f
#define INV_SQRT_2 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f

void tl_act_fwd(float *y, const float *x, size_t n, gb_act a) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        switch (a) {
        case GB_ACT_RELU: y[i] = v > 0 ? v : 0; break;
        case GB_ACT_GELU: y[i] = 0.5f * v * (1.0f + erff(v * INV_SQRT_2)); break;
        default: y[i] = 0.5f * v * (1.0f + tanhf(SQRT_2_OVER_PI * (v + 0.044715f * v * v * v))); break;
        }
    }
}

void tl_act_bwd(float *dx, const float *dy, const float *x, size_t n, gb_act a) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i], g;
        switch (a) {
        case GB_ACT_RELU: g = v > 0 ? 1.0f : 0.0f; break;
        case GB_ACT_GELU: g = 0.5f * (1.0f + erff(v * INV_SQRT_2)) + v * INV_SQRT_2PI * expf(-0.5f * v * v); break;
        default: {
            float u = SQRT_2_OVER_PI * (v + 0.044715f * v * v * v), th = tanhf(u);
            float du = SQRT_2_OVER_PI * (1.0f + 3.0f * 0.044715f * v * v);
            g = 0.5f * (1.0f + th) + 0.5f * v * (1.0f - th * th) * du;
        }
        }
        dx[i] += g * dy[i];
    }
}

/* ---- attention ---- */

static void softmax_row(float *x, int n) {
    float mx = x[0];
    for (int i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    double s = 0;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - mx);
        s += x[i];
    }
    float inv = (float)(1.0 / s);
    for (int i = 0; i < n; i++) x[i] *= inv;
}

void tl_attention_fwd(float *z, float *att, const float *q, const float *k, const float *v,
                      const int *klen, int causal, int B, int T, int Tk, int H, int dh) {
    int qd = H * dh;
    float scale = 1.0f / sqrtf((float)dh);
    for (int b = 0; b < B; b++) {
        int kl = klen ? klen[b] : Tk;
        for (int h = 0; h < H; h++) {
            const float *Q = q + (size_t)b * T * qd + (size_t)h * dh;
            const float *K = k + (size_t)b * Tk * qd + (size_t)h * dh;
            const float *Vh = v + (size_t)b * Tk * qd + (size_t)h * dh;
            float *P = att + ((size_t)b * H + h) * T * Tk;
            /* S [T, Tk] = scale * Q [T, dh] @ K^T */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, Tk, dh, scale, Q, qd, K, qd, 0.0f, P, Tk);
            for (int i = 0; i < T; i++) {
                float *row = P + (size_t)i * Tk;
                int visible = causal ? (i + 1 < Tk ? i + 1 : Tk) : kl;
                for (int j = visible; j < Tk; j++) row[j] = -INFINITY;
                softmax_row(row, Tk);
            }
            /* z_h [T, dh] = P [T, Tk] @ V_h [Tk, dh] */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, Tk, 1.0f, P, Tk, Vh, qd, 0.0f,
                        z + (size_t)b * T * qd + (size_t)h * dh, qd);
        }
    }
}

void tl_attention_bwd(float *dq, float *dk, float *dv, float *scratch, const float *dz,
                      const float *att, const float *q, const float *k, const float *v, int B,
                      int T, int Tk, int H, int dh) {
    int qd = H * dh;
    float scale = 1.0f / sqrtf((float)dh);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++) {
            size_t qo = (size_t)b * T * qd + (size_t)h * dh, ko = (size_t)b * Tk * qd + (size_t)h * dh;
            const float *P = att + ((size_t)b * H + h) * T * Tk;
            float *dP = scratch;
            /* dP [T, Tk] = dz_h [T, dh] @ V_h^T;  dV_h [Tk, dh] += P^T @ dz_h */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, Tk, dh, 1.0f, dz + qo, qd, v + ko, qd,
                        0.0f, dP, Tk);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Tk, dh, T, 1.0f, P, Tk, dz + qo, qd, 1.0f,
                        dv + ko, qd);
            /* softmax backward: dS = P * (dP - sum_j P dP); masked entries have P = 0 */
            for (int i = 0; i < T; i++) {
                const float *p = P + (size_t)i * Tk;
                float *d = dP + (size_t)i * Tk;
                double dot = 0;
                for (int j = 0; j < Tk; j++) dot += (double)p[j] * d[j];
                for (int j = 0; j < Tk; j++) d[j] = p[j] * (d[j] - (float)dot);
            }
            /* dQ_h += scale * dS @ K_h;  dK_h += scale * dS^T @ Q_h */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, Tk, scale, dP, Tk, k + ko, qd, 1.0f,
                        dq + qo, qd);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Tk, dh, T, scale, dP, Tk, q + qo, qd, 1.0f,
                        dk + ko, qd);
        }
}

/* ---- loss ---- */

double tl_xent(float *dlogits, const float *logits, const int *targets, int n, int V, int *count) {
    double total = 0;
    int c = 0;
    for (int i = 0; i < n; i++) {
        const float *l = logits + (size_t)i * V;
        float *d = dlogits ? dlogits + (size_t)i * V : NULL;
        int t = targets[i];
        if (t == GB_IGNORE) {
            if (d) memset(d, 0, (size_t)V * sizeof(float));
            continue;
        }
        float mx = l[0];
        for (int j = 1; j < V; j++) mx = l[j] > mx ? l[j] : mx;
        double s = 0;
        if (d) {
            for (int j = 0; j < V; j++) s += (d[j] = expf(l[j] - mx));
            float inv = (float)(1.0 / s);
            for (int j = 0; j < V; j++) d[j] *= inv;
            d[t] -= 1.0f;
        } else {
            for (int j = 0; j < V; j++) s += expf(l[j] - mx);
        }
        total += log(s) - ((double)l[t] - mx);
        c++;
    }
    *count = c;
    return total;
}

void tl_scale(float *x, size_t n, float s) {
    for (size_t i = 0; i < n; i++) x[i] *= s;
}
