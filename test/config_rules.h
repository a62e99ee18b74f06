/* config_rules.h - shared by the t_config_rules_*.c files: one passing and
 * one failing document per validation rule; the failure must be reported at
 * the exact FILE:LINE:COLUMN with the expected message. Each case marks the
 * spot in its failing document by line and column; add a case by copying one.
 * Static inline because every t_*.c is compiled on its own and linked into
 * one binary. */
#ifndef XDSD_TEST_CONFIG_RULES_H
#define XDSD_TEST_CONFIG_RULES_H

#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "xdsd/config.h"

struct rule_case {
    const char *valid;
    const char *invalid;
    int line, column;
    const char *message;
};

static inline void config_rules_dump(const struct config_diags *d)
{
    config_diags_print(d, stderr);
}

static inline void check_rule(const struct rule_case *c)
{
    struct config_diags d;
    struct config_set *s = config_parse("t.yaml", c->valid, strlen(c->valid), &d);
    if (!CHECK(s != NULL) || !CHECK(d.n_errors == 0))
        config_rules_dump(&d);
    config_unref(s);
    config_diags_release(&d);

    s = config_parse("t.yaml", c->invalid, strlen(c->invalid), &d);
    CHECK(s == NULL);
    int found = 0;
    for (size_t i = 0; i < d.n; i++) {
        const struct config_diag *g = &d.items[i];
        if (g->severity == CONFIG_ERROR && strcmp(g->pos.file, "t.yaml") == 0 &&
            g->pos.line == c->line && g->pos.column == c->column && strstr(g->message, c->message))
            found = 1;
    }
    if (!CHECK(found)) {
        fprintf(stderr, "  expected t.yaml:%d:%d: ...%s\n", c->line, c->column, c->message);
        config_rules_dump(&d);
    }
    config_unref(s);
    config_diags_release(&d);
}

#endif
