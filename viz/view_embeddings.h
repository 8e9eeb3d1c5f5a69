/* view_embeddings.h - private to the embeddings view (view_embeddings*.c):
 * its state, shared by the computation/events file and the drawing file. */
#ifndef GB_VIEW_EMBEDDINGS_H
#define GB_VIEW_EMBEDDINGS_H

#include "glassbox/analysis.h"
#include "glassbox/model.h"
#include "glassbox/tokenizer.h"
#include "view.h"

#define EMB_FIT_MAX 10000 /* PCA is fitted on at most this many rows (the first ids) */
#define EMB_NEIGHBORS 8

/* Everything computed once per model (the expensive part). */
typedef struct emb_model_cache {
    const gb_model *model;
    gb_tokenizer *tok;        /* for labels; NULL: ids are shown as #id */
    char tok_error[256];
    gb_pca pca;               /* 3 components of the token embeddings */
    int n_fit;                /* rows the PCA was fitted on */
    float *vocab_xyz;         /* [V, 3] every token projected */
    gb_vindex ix;             /* for nearest neighbours (rows = embed.weight) */
    bool ok;
    char error[256];
} emb_model_cache;

/* Everything computed per prompt. */
typedef struct emb_prompt {
    int *ids, n;              /* the tokens */
    float *embed;             /* [n, d] hook_embed */
    float *path;              /* [n, L + 2, 3]: embedding, input (+ position), after each layer */
    int n_path;               /* L + 2 */
    float emax;               /* max |embed| for a symmetric colour range */
    char problem[320];        /* why there are no tokens (shown instead) */
} emb_prompt;

typedef struct emb_view {
    /* arguments */
    char *own_tok, *ids_arg;
    int token;                /* chosen prompt token (path, neighbours); -1 = last */
    int pick[2];              /* picked vocabulary ids, -1 none */
    /* results */
    emb_model_cache mc;
    emb_prompt pr;
    char *c_prompt;           /* prompt pr was computed for */
    bool computed, job_out;
    /* the points drawn: vocabulary, then the chosen token's path */
    float *pts;               /* [V + n_path, 3] */
    gb_rgb *colors;
    const char **labels;      /* [V + n_path]: only prompt tokens, picks and path points */
    char (*label_buf)[64];
    uint8_t *labelled;
    int n_pts;
    double path_scale;        /* the path is shrunk by this factor to fit the cloud (<= 1) */
    /* heatmap row labels (one per prompt token) and the cell under the pointer */
    char (*row_lab)[64];
    const char **rows;
    int heat_row, heat_col;
    /* neighbours of the selection, cached by id */
    int nb_of;
    gb_neighbor nb[EMB_NEIGHBORS];
    int n_nb;
    /* camera and pointer */
    gb_camera cam;
    bool show_path;
    bool dragging, moved;
    double drag_x, drag_y, yaw0, pitch0;
    int hover;
    double w, h;
    gb_ui ui;
    gb_widget path_t, reset_b;
} emb_view;

typedef struct emb_geom {
    gb_rect controls, heat, sel, scatter;
} emb_geom;

void emb_geometry(const emb_view *v, double w, double h, const gb_shared *sh, emb_geom *g);
/* The scatter's plotting rectangle inside its panel (drawing and hit tests). */
gb_rect emb_scatter_rect(const emb_view *v, const emb_geom *g, const gb_shared *sh);
gb_scatter3d emb_scatter(const emb_view *v);
/* The heatmap of the prompt's vectors and its cell rectangle (drawing and hover). */
gb_heatmap emb_heatmap(const emb_view *v);
gb_rect emb_heat_rect(const emb_geom *g, const gb_shared *sh);
/* The vocabulary id whose neighbours are listed: the last pick, else the chosen token. */
int emb_selected_id(const emb_view *v);
int emb_chosen(const emb_view *v);
void emb_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh);
/* The vocabulary id of the neighbour bar under (x, y), or -1. */
int emb_neighbor_at(const emb_view *v, const emb_geom *g, const gb_shared *sh, double x, double y);

#endif
