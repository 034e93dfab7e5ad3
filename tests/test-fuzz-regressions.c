/* test-fuzz-regressions.c: the fuzz targets' inputs as unit tests.
 *
 * Replays, through the very entry points the libFuzzer targets use
 * (tests/fuzz/fuzz-*.c, with all their invariant checks), every seed in
 * tests/fuzz/corpus/TARGET/ and every input that once made a target fail,
 * kept in tests/fuzz/regressions/TARGET/, plus the JSON conformance files
 * of tests/data/json. One test case per file, so a regression names the
 * input that brought it back. Runs in every build, fuzzing or not.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "fuzz/fuzz-common.h"

typedef int (*FuzzFunc) (const uint8_t *data,
                         size_t         size);

typedef struct
{
  const char *name;
  FuzzFunc    func;
} Target;

static const Target targets[] = {
  { "framer", confab_fuzz_framer },
  { "text-protocol", confab_fuzz_text_protocol },
  { "json-protocol", confab_fuzz_json_protocol },
  { "config", confab_fuzz_config },
  { "irc-message", confab_fuzz_irc_message },
  { "ws-frame", confab_fuzz_ws_frame },
  { "cluster-wire", confab_fuzz_cluster_wire },
};

typedef struct
{
  FuzzFunc func;
  char    *path; /* (owned) */
} Case;

static void
case_free (gpointer data)
{
  Case *c = data;

  g_free (c->path);
  g_free (c);
}

static void
test_replay (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize            len;

  g_file_get_contents (c->path, &contents, &len, &error);
  g_assert_no_error (error);
  g_test_message ("%s: %" G_GSIZE_FORMAT " bytes", c->path, len);
  /* A broken invariant aborts inside, which fails this case. */
  g_assert_cmpint (c->func ((const uint8_t *) contents, len), ==, 0);
}

/* GLib 2.74 has no g_ptr_array_sort_values(): these get pointers to
 * the elements. */
static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Adds one case per regular file of @dir (sorted, so the numbering is
 * stable). Returns the number added; a missing directory adds none. */
static guint
add_dir (GPtrArray  *cases,
         const char *target,
         FuzzFunc    func,
         const char *kind,
         const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL)
    return 0;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (name[0] != '.' && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      Case            *c = g_new0 (Case, 1);
      g_autofree char *test_path = NULL;

      name = g_ptr_array_index (names, i);
      c->func = func;
      c->path = g_build_filename (dir, name, NULL);
      g_ptr_array_add (cases, c);
      test_path = g_strdup_printf ("/fuzz/%s/%s/%s", target, kind, name);
      g_test_add_data_func (test_path, c, test_replay);
    }
  return names->len;
}

static void
test_corpus_present (gconstpointer data)
{
  guint n = GPOINTER_TO_UINT (data);

  g_test_summary ("Every fuzz target has a seed corpus (a wrong path "
                  "would otherwise make this whole suite pass empty)");
  g_assert_cmpuint (n, >=, 3);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (case_free);
  int status;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  confab_fuzz_init ();

  for (gsize i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      const Target    *t = &targets[i];
      g_autofree char *corpus = g_test_build_filename (G_TEST_DIST, "fuzz", "corpus", t->name, NULL);
      g_autofree char *regressions = g_test_build_filename (G_TEST_DIST, "fuzz", "regressions", t->name, NULL);
      g_autofree char *present = g_strdup_printf ("/fuzz/%s/corpus-present", t->name);
      guint            n;

      n = add_dir (cases, t->name, t->func, "corpus", corpus);
      g_test_add_data_func (present, GUINT_TO_POINTER (n), test_corpus_present);
      add_dir (cases, t->name, t->func, "regression", regressions);
    }

  /* The JSON conformance corpus, valid and invalid alike. */
  for (guint i = 0; i < 2; i++)
    {
      const char      *kind = i == 0 ? "valid" : "invalid";
      g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "data", "json", kind, NULL);
      g_autofree char *label = g_strconcat ("data-", kind, NULL);

      add_dir (cases, "json-protocol", confab_fuzz_json_protocol, label, dir);
    }

  status = g_test_run ();
  return status;
}
