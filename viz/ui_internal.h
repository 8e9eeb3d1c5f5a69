/* ui_internal.h - widget geometry shared by ui.c (events) and ui_draw.c. */
#ifndef GB_UI_INTERNAL_H
#define GB_UI_INTERNAL_H

#include "ui.h"

void gb_ui_slider_parts(const gb_widget *w, const gb_theme *t, gb_rect *label, gb_rect *track,
                        gb_rect *value);
double gb_ui_slider_x(const gb_widget *w, gb_rect track);
gb_rect gb_ui_dropdown_item(const gb_widget *w, const gb_theme *t, int i);
double gb_ui_list_row_h(const gb_theme *t);
/* x offset of byte index in the text box's text (unscrolled). */
double gb_ui_text_x(const gb_widget *w, const gb_theme *t, size_t index);

#endif
