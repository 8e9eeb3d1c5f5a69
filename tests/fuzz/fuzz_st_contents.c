/* fuzz_st_contents: the export module's safetensors contents reader
 * (gb_st_contents_read) on arbitrary bytes. */
#include "fuzz_common.h"

#include "glassbox/export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_write("in.safetensors", data, size);
    gb_error err = {0};
    gb_st_contents c;
    memset(&c, 0, sizeof c);
    if (gb_st_contents_read(path, &c, &err) != GB_OK) {
        fz_check_error(&err);
        return 0;
    }
    (void)gb_st_contents_find(&c, "x");
    (void)gb_st_contents_meta(&c, "x");
    gb_st_contents_free(&c);
    return 0;
}
