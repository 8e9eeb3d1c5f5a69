/* fuzz_config_json: gb_config_from_json (the native `glassbox.config`
 * metadata) on arbitrary bytes; a config it accepts must validate and
 * survive a round trip through gb_config_to_json. */
#include "fuzz_common.h"

#include "glassbox/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gb_error err = {0};
    gb_config cfg;
    memset(&cfg, 0, sizeof cfg);
    if (gb_config_from_json((const char *)data, size, &cfg, &err) != GB_OK) {
        fz_check_error(&err);
        return 0;
    }
    char *js = gb_config_to_json(&cfg);
    if (!js) abort();
    gb_config again;
    memset(&again, 0, sizeof again);
    if (gb_config_from_json(js, strlen(js), &again, &err) != GB_OK) {
        fprintf(stderr, "round trip refused: %s\n%s\n", err.msg, js);
        abort();
    }
    free(js);
    return 0;
}
