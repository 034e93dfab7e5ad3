/* confab-web-root.c: the files the ws: doors serve at GET /.
 *
 * The directory ([web] root, by default $datadir/confab/web) is read
 * once, when the daemon starts or reloads: every regular file in it and
 * in its subdirectories, into memory, keyed by its URL path. A request
 * is then answered from that table alone, so serving a page never waits
 * on the disk in the main loop, and no path a client writes (`..`,
 * symbolic links, NUL) is ever given to the file system. The web client
 * is a handful of small files; the bounds below keep a wrong root (`/`)
 * from filling the daemon.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "confab-error.h"
#include "confab-web-root.h"

#define WEB_FILES_MAX 256
#define WEB_BYTES_MAX (16 * 1024 * 1024)
#define WEB_DEPTH_MAX 4

struct _ConfabWebRoot
{
  GHashTable *files; /* (owned): URL path → WebFile */
  gsize       bytes;
};

typedef struct
{
  GBytes     *body;         /* (owned) */
  const char *content_type; /* static */
} WebFile;

static void
web_file_free (gpointer data)
{
  WebFile *file = data;

  g_bytes_unref (file->body);
  g_free (file);
}

/* By extension, from a fixed table: what a browser needs to run the page
 * (scripts must be JavaScript, or it refuses them under nosniff). */
static const char *
content_type_for (const char *name)
{
  static const struct
  {
    const char *suffix;
    const char *type;
  } types[] = {
    { ".html", "text/html; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".mjs", "text/javascript; charset=utf-8" },
    { ".json", "application/json" },
    { ".webmanifest", "application/manifest+json" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".ico", "image/vnd.microsoft.icon" },
    { ".woff2", "font/woff2" },
    { ".txt", "text/plain; charset=utf-8" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      if (g_str_has_suffix (name, types[i].suffix))
        return types[i].type;
    }
  return "application/octet-stream";
}

ConfabWebRoot *
confab_web_root_new_empty (void)
{
  ConfabWebRoot *self = g_new0 (ConfabWebRoot, 1);

  self->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, web_file_free);
  return self;
}

static gboolean
load_directory (ConfabWebRoot *self,
                GFile         *dir,
                const char    *url_prefix,
                guint          depth,
                GError       **error)
{
  g_autoptr(GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (dir,
                                        G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE
                                                                       "," G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                        G_FILE_QUERY_INFO_NONE, NULL, error);
  if (children == NULL)
    return FALSE;
  for (;;)
    {
      GFileInfo       *info;
      GFile           *child;
      g_autofree char *url = NULL;
      const char      *name;

      if (!g_file_enumerator_iterate (children, &info, &child, NULL, error))
        return FALSE;
      if (info == NULL)
        return TRUE;
      name = g_file_info_get_name (info);
      if (name[0] == '.')
        continue; /* no hidden files, no editor's leftovers */
      url = g_strconcat (url_prefix, "/", name, NULL);
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        {
          if (depth < WEB_DEPTH_MAX && !load_directory (self, child, url, depth + 1, error))
            return FALSE;
        }
      else if (g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR)
        {
          g_autoptr(GBytes) body = NULL;
          WebFile *file;

          if (g_hash_table_size (self->files) >= WEB_FILES_MAX ||
              self->bytes + g_file_info_get_size (info) > WEB_BYTES_MAX)
            {
              g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                           _ ("The web root has more than %u files or %u MiB"),
                           WEB_FILES_MAX, WEB_BYTES_MAX / (1024 * 1024));
              return FALSE;
            }
          body = g_file_load_bytes (child, NULL, NULL, error);
          if (body == NULL)
            return FALSE;
          self->bytes += g_bytes_get_size (body);
          file = g_new0 (WebFile, 1);
          file->body = g_steal_pointer (&body);
          file->content_type = content_type_for (name);
          g_hash_table_replace (self->files, g_steal_pointer (&url), file);
        }
    }
}

/**
 * confab_web_root_load:
 * @directory: the web client's files
 *
 * Returns: (transfer full) (nullable): the files, or %NULL if the
 *   directory cannot be read whole
 */
ConfabWebRoot *
confab_web_root_load (const char *directory,
                      GError    **error)
{
  g_autoptr(ConfabWebRoot) self = confab_web_root_new_empty ();
  g_autoptr(GFile) dir = NULL;

  g_return_val_if_fail (directory != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  dir = g_file_new_for_path (directory);
  if (!load_directory (self, dir, "", 0, error))
    {
      g_prefix_error (error, _ ("Cannot read the web root %s: "), directory);
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
confab_web_root_free (ConfabWebRoot *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->files);
  g_free (self);
}

/**
 * confab_web_root_lookup:
 * @path: the request's path, without its query; "/" is "/index.html",
 *   as is any directory's "/"
 * @content_type: (out): the file's Content-Type
 *
 * Returns: (transfer full) (nullable): the file's bytes, %NULL if there
 *   is none at @path
 */
GBytes *
confab_web_root_lookup (ConfabWebRoot *self,
                        const char    *path,
                        const char   **content_type)
{
  g_autofree char *index = NULL;
  WebFile         *file;

  g_return_val_if_fail (self != NULL && path != NULL && content_type != NULL, NULL);

  if (g_str_has_suffix (path, "/"))
    path = index = g_strconcat (path, "index.html", NULL);
  file = g_hash_table_lookup (self->files, path);
  if (file == NULL)
    return NULL;
  *content_type = file->content_type;
  return g_bytes_ref (file->body);
}
