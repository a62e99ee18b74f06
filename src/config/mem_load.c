/* mem_load.c - named buffers loaded again and again (config_mem.h): the
 * builder's reuse of parsed files, which a directory's cache uses, fed with
 * the file list of the last load of the same buffers. */
#include "xdsd/config_mem.h"

#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "xdsd/util.h"

struct config_mem {
    struct file_list files; /* of the last load, sorted by name */
};

struct config_mem *config_mem_new(void)
{
    return xcalloc(1, sizeof(struct config_mem));
}

void config_mem_free(struct config_mem *m)
{
    if (m == NULL)
        return;
    file_list_release(&m->files);
    free(m);
}

struct config_set *config_mem_load(struct config_mem *m, const struct config_source *src, size_t n,
                                   struct config_diags *diags)
{
    struct builder b;
    builder_init(&b, diags);
    /* set, the builder leaves its own file list to us */
    b.reuse = &m->files;
    for (size_t i = 0; i < n; i++)
        builder_add_buffer(&b, src[i].name, src[i].data, src[i].len);
    struct config_set *s = builder_finish(&b);
    file_list_release(&m->files);
    m->files = b.files;
    return s;
}
