/* load.c - a load from end to end. config_load() and config_parse() are
 * its entry points; cache.c enters it for the reloads of a directory,
 * args.c for `xdsd validate`. The steps, each in its own file:
 *
 *   read files     builder.c (tree.c lists a directory)
 *   YAML           yaml.c: a tree of nodes with their positions
 *   decode         unit.c: the envelope of each document; decode*.c: its
 *                  spec, each value's position kept (pos.c)
 *   build the set  set.c: each kind sorted, duplicates reported
 *   validate       validate.c, validate_vs.c: each resource (once per
 *                  unit); crossref.c, conflicts.c, gwselect.c: across them
 *   the set        set.c, made when nothing is wrong
 *
 * Findings go through diag.c at every step. What a reload reuses (the
 * parsed files, what the checks across resources found) is behind reuse.h. */
#include "build.h"

#include <string.h>

#include "diag.h"
#include "validate.h"

/* Check u once (units are shared from load to load). */
static void check_unit(struct builder *b, struct config_unit *u)
{
    if (u->checked)
        return;
    struct vctx v = {b, &u->check_diags, &u->pos, NULL, NULL};
    validate_unit(&v, u);
    u->checked = 1;
    pos_compact(&u->pos);
}

/* Run the per-resource rules on every unit not checked yet. */
static void check_units(struct builder *b)
{
    /* units carried from the last load were checked by it */
    if (b->carried) {
        for (size_t i = 0; i < b->n_fresh; i++)
            check_unit(b, (struct config_unit *)b->fresh[i]);
        file_list_seal(&b->files);
        return;
    }
    for (size_t i = 0; i < b->n_units; i++)
        check_unit(b, b->units[i]);
    file_list_seal(&b->files);
}

struct config_set *builder_finish(struct builder *b)
{
    check_units(b);
    size_t dups[CONFIG_NKINDS];
    builder_sort(b, dups);
    /* the per-resource findings of the units that have some, in order */
    for (size_t i = 0; i < b->files.n; i++)
        for (size_t j = 0; b->files.items[i]->diags && j < b->files.items[i]->n; j++)
            if (b->files.items[i]->f[j].unit)
                diags_append(b->diags, &b->files.items[i]->f[j].unit->check_diags);
    struct vctx v = {b, b->diags, NULL, NULL, NULL};
    validate_cross(&v);
    diag_sort(b->diags);
    struct config_set *s = NULL;
    if (b->diags->n_errors == 0) {
        builder_fill_set(b);
        s = b->set;
    } else {
        config_unref(b->set);
    }
    builder_release(b, dups);
    return s;
}

struct config_set *config_load(const char *dir, struct config_diags *diags, size_t *nfiles)
{
    struct builder b;
    builder_init(&b, diags);
    builder_add_path(&b, dir);
    if (nfiles)
        *nfiles = b.nfiles;
    return builder_finish(&b);
}

struct config_set *config_parse(const char *name, const char *buf, size_t len,
                                struct config_diags *diags)
{
    struct builder b;
    builder_init(&b, diags);
    builder_add_buffer(&b, name, buf, len);
    return builder_finish(&b);
}

struct config_set *config_parse_sources(const struct config_source *src, size_t n,
                                        struct config_diags *diags)
{
    struct builder b;
    builder_init(&b, diags);
    for (size_t i = 0; i < n; i++)
        builder_add_buffer(&b, src[i].name, src[i].data, src[i].len);
    return builder_finish(&b);
}
