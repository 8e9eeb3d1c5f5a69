/* lesson_player_args.c - a lesson step's state as the arguments of a view. */
#include <stdlib.h>
#include <string.h>

#include "lesson_player.h"

void gb_lesson_view_args(const gb_lesson_state *st, gb_view_args *a, char **tok_path) {
    gb_view_args_defaults(a);
    *tok_path = NULL;
    a->model = st->model;
    a->prompt = st->prompt;
    if (st->layer >= 0) a->layer = st->layer;
    if (st->head >= 0) a->head = st->head;
    if (st->tokenizer && st->view && strcmp(st->view, "tokenization") == 0) {
        *tok_path = gb_lesson_tokenizer_path(st->tokenizer);
        a->tokenizer = *tok_path;
        a->model = NULL; /* the view shows the lesson's tokenizer, not the model's */
    }
}
