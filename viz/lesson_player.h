/* lesson_player.h - lessons in the viewer: a step's state as view arguments,
 * and the player (narrative panel, next/previous) the window shows beside the
 * live views. */
#ifndef GB_LESSON_PLAYER_H
#define GB_LESSON_PLAYER_H

#include "glassbox/lesson.h"
#include "view.h"

/* Fill view arguments from a step's state (model, prompt, layer, head,
 * tokenizer). A step with @tokenizer shows that tokenizer in the tokenization
 * view, without the model. *tok_path receives a malloc'd path the args point
 * into (free it after the view is destroyed); may stay NULL. */
void gb_lesson_view_args(const gb_lesson_state *st, gb_view_args *a, char **tok_path);

#endif
