/* tree.h - the YAML files under a directory, as a load reads them
 * (tree.c), and the map of files by identity it and the watcher use. */
#ifndef XDSD_CONFIG_TREE_H
#define XDSD_CONFIG_TREE_H

#include <stddef.h>
#include <sys/types.h>

#include "xdsd/arena.h"
#include "xdsd/config.h"
#include "xdsd/map.h"

/* A file or directory by identity, whatever path reaches it. */
struct file_id {
    dev_t dev;
    ino_t ino;
};
/* A map from file_id to an index; all zero is an empty map. */
struct inode_map {
    struct map ids;    /* file_id (in keys) -> index + 1 */
    struct arena keys; /* the ids, which the map keeps by address */
    int ready;         /* ids is initialised */
};
/* The value put for id, or SIZE_MAX. */
size_t inode_map_get(const struct inode_map *m, struct file_id id);
/* Map id to value: 1 when id is new, 0 when it was there (the value is
 * replaced). */
int inode_map_put(struct inode_map *m, struct file_id id, size_t value);
/* Free the map's memory. */
void inode_map_release(struct inode_map *m);

/* Is name that of a configuration file (*.yaml, *.yml)? */
int config_is_yaml_name(const char *name);

/* The YAML files under a directory, sorted by name (strcmp), as a load
 * reads them: each real file once, under the first of its paths. */
struct tree_listing {
    char **files;
    struct file_id *ids; /* of each file */
    size_t n, cap;
    int errors; /* directories that could not be read, links that lead nowhere (reported) */
    int links;  /* symbolic links met */
};
/* List the tree under root into *l (which the caller releases), findings
 * into *d. Loops, directories reached twice and files reached by several
 * paths are warnings; links that lead nowhere and unreadable directories
 * errors. */
void tree_list(struct config_diags *d, const char *root, struct tree_listing *l);
/* Free the listing's paths. */
void tree_listing_release(struct tree_listing *l);
/* dir without trailing '/': the prefix of every path a load names. */
char *config_root_name(const char *dir);

#endif
