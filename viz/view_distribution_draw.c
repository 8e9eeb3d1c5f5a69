/* view_distribution_draw.c - one sampling decision, every stage visible:
 *   bars      the top tokens in rank order: grey = probability at T = 1,
 *             coloured = after temperature; the top-k and top-p cuts as lines
 *             across the list, cut tokens greyed; the chosen token highlighted
 *   curve     cumulative mass (within the top-k set) over the ranks, the
 *             top-p threshold and the kept mass where it was reached
 *   strip     the final distribution laid end to end on [0, 1) and the draw
 *             u marked where it fell: the token under the mark is chosen
 *   summary   the stages in words, entropy, and why the choice changed. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "view_distribution.h"

#define DIST_MAX_BARS 24
#define CURVE_MAX 64

void gb_dist_geometry(gb_rect r, const gb_theme *t, bool compact, gb_dist_geom *g) {
    memset(g, 0, sizeof *g);
    if (compact) {
        g->summary = gb_rect_cut_bottom(&r, t->font * 1.5 * 2, t->gap / 2);
        g->strip = gb_rect_cut_bottom(&r, t->font * 4.2, t->gap / 2);
        g->bars = r;
        return;
    }
    g->summary = gb_rect_cut_bottom(&r, t->font * 1.45 * 4 + 2 * t->pad + gb_panel_header_h(NULL, t), t->gap);
    g->bars = gb_rect_cut_left(&r, r.w * 0.56, t->gap);
    g->strip = gb_rect_cut_bottom(&r, fmin(r.h * 0.42, t->font * 9 + gb_panel_header_h("x", t)), t->gap);
    g->cum = r;
}

static gb_rgb stage_color(const gb_sample_record *rec, int rank, const gb_theme *t) {
    if (rank < rec->n_kept) return t->accent;
    if (rank < rec->n_topk) return gb_rgb_mix(t->accent, t->bg, 0.6); /* cut by top-p */
    return gb_rgb_mix(t->fg_dim, t->bg, 0.5);                         /* cut by top-k */
}

/* A labelled line across the bar list between rank-1 and rank. */
static void cut_line(cairo_t *cr, const gb_bars_geom *g, gb_rect r, int rank, const char *what, gb_rgb c,
                     const gb_theme *t) {
    if (rank <= 0 || rank >= g->shown) return;
    double y = g->plot.y + rank * g->row_h;
    gb_set_rgb(cr, c);
    cairo_set_line_width(cr, t->line);
    double dash[] = {6, 4};
    cairo_set_dash(cr, dash, 2, 0);
    cairo_move_to(cr, r.x, y);
    cairo_line_to(cr, r.x + r.w, y);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    gb_font fs = gb_font_small(t);
    fs.bold = true;
    gb_text_draw(cr, &fs, what, r.x + r.w, y + 2, GB_RIGHT, GB_TOP, 0);
}

/* The bars of the shown decision (storage for their values and labels). */
typedef struct bars_data {
    int ids[DIST_MAX_BARS];
    float val[DIST_MAX_BARS], ghost[DIST_MAX_BARS];
    gb_rgb col[DIST_MAX_BARS];
    char lab[DIST_MAX_BARS][48];
    const char *labs[DIST_MAX_BARS];
    bool marked[DIST_MAX_BARS];  /* --highlight */
} bars_data;

static gb_bars bars_of(const gb_samp *p, const gb_theme *t, bool compact, bars_data *d) {
    const gb_sample_record *rec = &p->rec;
    int n = gb_dist_top(rec, d->ids, compact ? 10 : DIST_MAX_BARS);
    int hi = -1;
    for (int i = 0; i < n; i++) {
        d->val[i] = rec->probs_tempered[d->ids[i]], d->ghost[i] = rec->probs_t1[d->ids[i]];
        d->col[i] = stage_color(rec, i, t);
        gb_samp_label(p, d->ids[i], d->lab[i], sizeof d->lab[i]);
        d->labs[i] = d->lab[i];
        d->marked[i] = gb_hl_match(&p->hl, d->lab[i], strlen(d->lab[i])) >= 0;
        if (d->ids[i] == rec->chosen) hi = i;
    }
    return (gb_bars){.values = d->val, .ghost = d->ghost, .n = n, .labels = d->labs, .colors = d->col, .vmax = 0,
                     .marked = d->marked,
                     .value_axis = "probability", .highlight = hi, .hover = -1, .decimals = 3};
}

int gb_dist_highlighted(const gb_samp *p, bool compact, int *out, int cap) {
    if (!p->rec_ok) return 0;
    bars_data d;
    gb_bars b = bars_of(p, gb_theme_get(false), compact, &d);
    int k = 0;
    for (int i = 0; i < b.n && k < cap; i++)
        if (d.marked[i]) out[k++] = d.ids[i];
    return k;
}

/* Is highlighted word k on one of the first `shown` bars? */
static bool word_shown(const gb_samp *p, const bars_data *d, int shown, int k) {
    for (int i = 0; i < shown; i++)
        if (d->marked[i] && gb_hl_match(&p->hl, d->lab[i], strlen(d->lab[i])) == k) return true;
    return false;
}

static double unshown_line_h(const gb_theme *t) {
    gb_font fb = gb_font_body(t);
    fb.bold = true;
    double th;
    gb_text_size(NULL, &fb, "Ag", NULL, &th);
    return th + 8;
}

/* Room at the bottom of *in for a line per highlighted word without a bar
 * (fewer rows may then fit: settle in a few rounds), at most a third of it so
 * the bars stay the picture; the lines' rectangle. */
static gb_rect cut_unshown(gb_rect *in, const gb_samp *p, const bars_data *d, const gb_bars *b, const gb_theme *t) {
    double lh = unshown_line_h(t);
    int lines = 0, most = (int)fmax(1, floor(in->h / 3 / lh));
    gb_rect bars = *in;
    for (int round = 0; round < 3 && p->hl.n > 0; round++) {
        bars = *in;
        bars.h = fmax(0, in->h - lines * lh);
        gb_bars_geom g;
        gb_bars_layout(b, bars, t, &g);
        int u = 0;
        for (int k = 0; k < p->hl.n; k++) u += !word_shown(p, d, g.shown, k);
        if (u <= lines || lines == most) break;
        lines = u < most ? u : most;
    }
    gb_rect rest = {in->x, in->y + bars.h, in->w, in->h - bars.h};
    *in = bars;
    return rest;
}

/* The highlighted words without a shown bar, in words ("sat: rank 41, p =
 * 0.0012") on the highlighter's ground, so the teacher can point at them. */
static void draw_unshown(cairo_t *cr, gb_rect r, const gb_samp *p, const bars_data *d, int shown, const gb_theme *t) {
    gb_font fb = gb_font_body(t);
    fb.bold = true;
    double lh = unshown_line_h(t), y = r.y;
    for (int k = 0; k < p->hl.n && y + lh <= r.y + r.h + 0.5; k++) {
        if (word_shown(p, d, shown, k)) continue;
        char s[160];
        int id = gb_dist_hl_best(p, k);
        if (id < 0) snprintf(s, sizeof s, "%s: no single token spells it", p->hl.word[k]);
        else snprintf(s, sizeof s, "%s: rank %d, p = %.2g", p->hl.word[k], gb_dist_rank(&p->rec, id) + 1,
                      p->rec.probs_tempered[id]);
        double tw;
        gb_text_size(cr, &fb, s, &tw, NULL);
        tw = fmin(tw, r.w - 12);
        gb_hl_ground(cr, (gb_rect){r.x + r.w - tw - 12, y + 2, tw + 12, lh - 4}, 0);
        gb_set_rgb(cr, GB_HL_INK);
        gb_text_draw(cr, &fb, s, r.x + r.w - 6, y + lh / 2, GB_RIGHT, GB_MIDDLE, tw);
        y += lh;
    }
}

static const char *const BARS_TITLE = "Next token: the most likely, in rank order";
static const char *const BARS_SUB = "grey: probability at T = 1; colour: after temperature";

/* The bar chart's rectangle inside the bars panel (as gb_draw_panel places it). */
static gb_rect bars_plot_area(gb_rect area, const gb_theme *t, bool compact, const gb_samp *p, const bars_data *d,
                              const gb_bars *b) {
    gb_rect in = area;
    if (!compact) {
        in = gb_rect_inset(area, t->pad);
        gb_rect_cut_top(&in, gb_panel_header_h(BARS_SUB, t) - t->pad, t->pad);
    }
    gb_rect_cut_bottom(&in, t->font_small * 1.6, 2);
    cut_unshown(&in, p, d, b, t);
    return in;
}

int gb_dist_bar_hit(const gb_samp *p, gb_rect r, const gb_theme *t, bool compact, double x, double y) {
    if (!p->rec_ok) return -1;
    gb_dist_geom g;
    gb_dist_geometry(r, t, compact, &g);
    bars_data d;
    gb_bars b = bars_of(p, t, compact, &d);
    gb_bars_geom bg;
    gb_bars_layout(&b, bars_plot_area(g.bars, t, compact, p, &d, &b), t, &bg);
    int i = gb_bars_hit(&bg, &b, x, y);
    return i >= 0 ? d.ids[i] : -1;
}

static void draw_bars(cairo_t *cr, gb_rect area, const gb_samp *p, const gb_theme *t, bool compact) {
    const gb_sample_record *rec = &p->rec;
    bars_data d;
    gb_bars b = bars_of(p, t, compact, &d);
    gb_rect in = compact ? area : gb_draw_panel(cr, area, BARS_TITLE, BARS_SUB, t);
    gb_rect key = gb_rect_cut_bottom(&in, t->font_small * 1.6, 2);
    gb_rect unshown = cut_unshown(&in, p, &d, &b, t);
    gb_draw_bars(cr, in, &b, t);
    gb_bars_geom g;
    gb_bars_layout(&b, in, t, &g);
    draw_unshown(cr, unshown, p, &d, g.shown, t);
    char s[64];
    if (rec->settings.top_k > 0 && rec->n_topk < rec->vocab) {
        snprintf(s, sizeof s, "top-k = %d: the rest are cut", rec->settings.top_k);
        cut_line(cr, &g, in, rec->n_topk, s, t->fg_dim, t);
    }
    if (rec->settings.top_p < 1 && rec->n_kept < rec->n_topk) {
        snprintf(s, sizeof s, "top-p = %.2f reached: kept %d", rec->settings.top_p, rec->n_kept);
        cut_line(cr, &g, in, rec->n_kept, s, gb_palette(5), t);
    }
    /* the key to the colours */
    gb_font fs = gb_font_small(t);
    double x = key.x;
    struct { gb_rgb c; const char *what; } k[] = {
        {t->masked, "before temperature (T = 1)"}, {t->accent, "after, kept"},
        {gb_rgb_mix(t->accent, t->bg, 0.6), "cut by top-p"}, {gb_rgb_mix(t->fg_dim, t->bg, 0.5), "cut by top-k"},
        {t->highlight, "chosen"}};
    for (int i = 0; i < 5 && !compact; i++) {
        double tw;
        gb_text_size(cr, &fs, k[i].what, &tw, NULL);
        if (x + 14 + tw > key.x + key.w) break;
        gb_set_rgb(cr, k[i].c);
        cairo_rectangle(cr, x, key.y + key.h / 2 - 5, 10, 10);
        cairo_fill(cr);
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fs, k[i].what, x + 14, key.y + key.h / 2, GB_LEFT, GB_MIDDLE, 0);
        x += 14 + tw + 14;
    }
}

/* Cumulative mass by rank within the top-k set (what top-p measures). */
static void draw_curve(cairo_t *cr, gb_rect area, const gb_samp *p, const gb_theme *t) {
    const gb_sample_record *rec = &p->rec;
    int ids[CURVE_MAX];
    int n = gb_dist_top(rec, ids, CURVE_MAX);
    int shown = n;
    if (rec->n_topk + 4 < shown) shown = rec->n_topk + 4 > 8 ? rec->n_topk + 4 : 8;
    if (rec->n_kept + 12 < shown) shown = rec->n_kept + 12;
    if (shown > n) shown = n;
    float x[CURVE_MAX], y[CURVE_MAX];
    double cum = 0, mass = rec->mass_topk > 0 ? rec->mass_topk : 1;
    for (int i = 0; i < shown; i++) {
        if (i < rec->n_topk) cum += rec->probs_tempered[ids[i]] / mass;
        x[i] = (float)(i + 1), y[i] = (float)fmin(1, cum);
    }
    char sub[160];
    if (rec->settings.temperature == 0) snprintf(sub, sizeof sub, "greedy: the best token takes all the mass");
    else if (rec->settings.top_p < 1)
        snprintf(sub, sizeof sub, "top-p = %.2f: the first %d token(s) hold %.3f of the mass; the rest are cut",
                 rec->settings.top_p, rec->n_kept, rec->mass_topp);
    else snprintf(sub, sizeof sub, "no top-p cut: %d tokens kept, mass %.3f", rec->n_kept, rec->mass_topk);
    gb_rect in = gb_draw_panel(cr, area, "Cumulative probability (y) by rank (x)", sub, t);
    float hx[2] = {0.5f, (float)shown + 0.5f}, hy[2] = {(float)rec->settings.top_p, (float)rec->settings.top_p};
    char pl[48];
    snprintf(pl, sizeof pl, "top-p = %.2f", rec->settings.top_p);
    gb_series se[2] = {{.y = y, .x = x, .n = shown, .label = "cumulative mass", .color = t->accent, .markers = true},
                       {.y = hy, .x = hx, .n = 2, .label = pl, .color = gb_palette(5), .dashed = true}};
    /* no y-axis name: the plot may be too short for one; the title says what y is */
    double cursor = rec->settings.top_p < 1 ? rec->n_kept : NAN;
    gb_lineplot lp = {.series = se, .n_series = rec->settings.top_p < 1 ? 2 : 1, .legend = rec->settings.top_p < 1, .x_axis = "rank (1 = most likely)",
                      .y_axis = NULL, .xmin = 0.5, .xmax = shown + 0.5, .ymin = 0, .ymax = 1.05,
                      .cursor_x = cursor};
    gb_draw_lineplot(cr, in, &lp, t);
}

/* The final distribution laid on [0, 1), kept tokens in rank order, and u. */
/* The token the draw gave (for a forced step: what it would have given). */
static int drawn_token(const gb_sample_record *rec) {
    return rec->draw_index >= 0 && rec->draw_index < rec->n_kept ? rec->kept_ids[rec->draw_index] : rec->chosen;
}

static void draw_strip(cairo_t *cr, gb_rect area, const gb_samp *p, const gb_theme *t, bool compact) {
    const gb_sample_record *rec = &p->rec;
    bool forced = gb_samp_shown_forced(p);
    gb_rect in = area;
    if (!compact) {
        char sub[160], dl[48];
        gb_samp_label(p, drawn_token(rec), dl, sizeof dl);
        if (forced) snprintf(sub, sizeof sub, "chosen by hand, not drawn: u = %.4f would have given \"%s\"", rec->draw, dl);
        else if (rec->settings.temperature == 0) snprintf(sub, sizeof sub, "greedy: no draw, the most likely token is taken");
        else snprintf(sub, sizeof sub, "u = %.4f (from seed %llu, step %d): the token under the mark is chosen", rec->draw,
                      (unsigned long long)p->seed, p->shown >= 0 ? gb_session_node_at(p->s, p->shown)->depth + 1 : 0);
        in = gb_draw_panel(cr, area, "The draw: kept tokens laid end to end on [0, 1)", sub, t);
    }
    gb_font fs = gb_font_small(t), fb = gb_font_body(t);
    double bar_h = fmin(in.h * 0.45, t->font * 2.4), y0 = in.y + t->font_small * 1.6;
    if (compact) y0 = in.y + 2;
    gb_rect bar = {in.x, y0, in.w, bar_h};
    double x = bar.x;
    int n = rec->n_kept;
    for (int i = 0; i < n; i++) {
        int id = rec->kept_ids[i];
        double w = bar.w * rec->probs_final[id];
        gb_rgb c = id == rec->chosen ? t->highlight : gb_palette_tint(i % 8);
        gb_set_rgb(cr, c);
        cairo_rectangle(cr, x, bar.y, w, bar.h);
        cairo_fill_preserve(cr);
        gb_set_rgb(cr, t->panel_edge);
        cairo_set_line_width(cr, t->hairline);
        cairo_stroke(cr);
        char lab[48];
        gb_samp_label(p, id, lab, sizeof lab);
        double tw;
        gb_text_size(cr, &fs, lab, &tw, NULL);
        if (tw + 4 < w) {
            gb_set_rgb(cr, gb_text_on(c));
            gb_text_draw(cr, &fs, lab, x + w / 2, bar.y + bar.h / 2, GB_CENTER, GB_MIDDLE, w);
        }
        x += w;
        if (x > bar.x + bar.w + 1) break;
    }
    /* the mark at u */
    double ux = bar.x + bar.w * (rec->settings.temperature == 0 ? rec->probs_final[rec->chosen] / 2 : rec->draw);
    gb_set_rgb(cr, t->fg);
    cairo_move_to(cr, ux, bar.y - 1);
    cairo_line_to(cr, ux - 6, bar.y - 10);
    cairo_line_to(cr, ux + 6, bar.y - 10);
    cairo_close_path(cr);
    cairo_fill(cr);
    cairo_set_line_width(cr, 2);
    cairo_move_to(cr, ux, bar.y);
    cairo_line_to(cr, ux, bar.y + bar.h + 4);
    cairo_stroke(cr);
    char lab[48], s[160];
    gb_samp_label(p, rec->chosen, lab, sizeof lab);
    if (!forced) snprintf(s, sizeof s, "chosen: %s (p = %.3f)", lab, rec->prob_final_chosen);
    else if (rec->prob_final_chosen > 0) snprintf(s, sizeof s, "forced: %s (p = %.3g)", lab, rec->prob_final_chosen);
    else snprintf(s, sizeof s, "forced: %s (cut by these settings)", lab);
    fb.bold = true;
    gb_text_draw(cr, &fb, s, fmin(fmax(ux, bar.x + 120), bar.x + bar.w - 120), bar.y + bar.h + 6, GB_CENTER, GB_TOP,
                 bar.w);
    /* ticks 0 and 1 */
    gb_set_rgb(cr, t->fg_dim);
    gb_text_draw(cr, &fs, "0", bar.x, bar.y - 2, GB_LEFT, GB_BOTTOM, 0);
    gb_text_draw(cr, &fs, "1", bar.x + bar.w, bar.y - 2, GB_RIGHT, GB_BOTTOM, 0);
}

static void draw_summary(cairo_t *cr, gb_rect area, const gb_samp *p, const gb_theme *t, bool compact) {
    const gb_sample_record *rec = &p->rec;
    char l[4][320], set[96];
    gb_sampler_settings_describe(&rec->settings, set, sizeof set);
    snprintf(l[0], sizeof l[0], "1. the model: entropy %.2f nats (like choosing among %.1f tokens)", rec->entropy_t1,
             rec->eff_vocab_t1);
    if (rec->settings.temperature == 0)
        snprintf(l[1], sizeof l[1], "2. greedy (T = 0): the most likely token is taken; nothing is drawn");
    else {
        char k[80], pp[80];
        if (rec->settings.top_k > 0 && rec->n_topk < rec->vocab)
            snprintf(k, sizeof k, "top-k kept %d (mass %.3f)", rec->n_topk, rec->mass_topk);
        else snprintf(k, sizeof k, "no top-k");
        if (rec->settings.top_p < 1) snprintf(pp, sizeof pp, "top-p kept %d (mass %.3f)", rec->n_kept, rec->mass_topp);
        else snprintf(pp, sizeof pp, "no top-p");
        snprintf(l[1], sizeof l[1], "2. temperature %.2f %s; then %s, %s", rec->settings.temperature,
                 rec->settings.temperature < 1 ? "sharpens" : rec->settings.temperature > 1 ? "flattens" : "leaves it as is",
                 k, pp);
    }
    char lab[48];
    gb_samp_label(p, rec->chosen, lab, sizeof lab);
    snprintf(l[2], sizeof l[2], "3. renormalised: entropy %.2f nats; draw u = %.4f falls on \"%s\" (p = %.3f; log p at T = 1: %.3f)",
             rec->entropy_final, rec->draw, lab, rec->prob_final_chosen, rec->logprob_t1_chosen);
    if (rec->settings.temperature == 0)
        snprintf(l[3], sizeof l[3], "Greedy always gives \"%s\" here: raise the temperature to let other tokens in", lab);
    else
        snprintf(l[3], sizeof l[3], "Why \"%s\": the tokens before it hold %.3f of the mass, and u = %.4f falls in its slice "
                 "[%.3f, %.3f)", lab, rec->draw_cum_before, rec->draw, rec->draw_cum_before,
                 rec->draw_cum_before + rec->prob_final_chosen);
    if (gb_samp_shown_forced(p)) {
        char dl[48], fp[64];
        gb_samp_label(p, drawn_token(rec), dl, sizeof dl);
        snprintf(l[2], sizeof l[2], "3. renormalised: entropy %.2f nats; the draw u = %.4f would have given \"%s\"",
                 rec->entropy_final, rec->draw, dl);
        if (rec->prob_final_chosen > 0) snprintf(fp, sizeof fp, "p = %.3g with these settings", rec->prob_final_chosen);
        else snprintf(fp, sizeof fp, "these settings cut it");
        snprintf(l[3], sizeof l[3], "Forced by hand: \"%s\" (the model's p = %.3g, log p %.3f at T = 1; %s)", lab,
                 exp(rec->logprob_t1_chosen), rec->logprob_t1_chosen, fp);
    }
    if (p->have_prev && p->shown == gb_samp_tip(p)) {
        char was[48], ps[96];
        gb_samp_label(p, p->prev_token, was, sizeof was);
        gb_sampler_settings_describe(&p->prev_set, ps, sizeof ps);
        if (p->prev_token == rec->chosen)
            snprintf(l[3], sizeof l[3], "Re-sampled (no forward pass): still \"%s\", as with %s", lab, ps);
        else
            snprintf(l[3], sizeof l[3], "Re-sampled (no forward pass): \"%s\" with %s, was \"%s\" with %s: the same u now "
                     "falls on another token", lab, set, was, ps);
    }
    gb_font fb = gb_font_body(t), fs = gb_font_small(t);
    if (compact) {
        gb_set_rgb(cr, t->fg_dim);
        char s[200];
        if (rec->settings.temperature == 0)
            snprintf(s, sizeof s, "entropy %.2f nats; greedy: the best token, no draw", rec->entropy_t1);
        else
            snprintf(s, sizeof s, "entropy %.2f -> %.2f nats, kept %d, u = %.3f", rec->entropy_t1, rec->entropy_final,
                     rec->n_kept, rec->draw);
        gb_text_draw(cr, &fs, s, area.x, area.y, GB_LEFT, GB_TOP, area.w);
        return;
    }
    char title[160];
    snprintf(title, sizeof title, "The stages (%s)", set);
    gb_rect in = gb_draw_panel(cr, area, title, NULL, t);
    for (int i = 0; i < 4; i++) {
        gb_set_rgb(cr, i == 3 ? t->highlight : t->fg);
        fb.bold = i == 3;
        gb_text_draw(cr, &fb, l[i], in.x, in.y + i * t->font * 1.45, GB_LEFT, GB_TOP, in.w);
    }
}

void gb_dist_draw(cairo_t *cr, gb_rect r, const gb_samp *p, const gb_theme *t, bool compact) {
    if (!p->rec_ok) {
        gb_view_message(cr, r, p->error[0] ? p->error : "Press Step (space) to compute the next token", t);
        return;
    }
    gb_dist_geom g;
    gb_dist_geometry(r, t, compact, &g);
    draw_bars(cr, g.bars, p, t, compact);
    if (!compact) draw_curve(cr, g.cum, p, t);
    draw_strip(cr, g.strip, p, t, compact);
    draw_summary(cr, g.summary, p, t, compact);
}
