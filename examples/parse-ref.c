/* parse-ref: shows how libcontainers reads image references.
 *
 *   cc parse-ref.c $(pkg-config --cflags --libs libcontainers) -o parse-ref
 *   ./parse-ref busybox quay.io/podman/stable:v5 'Alpine'
 *
 * With no argument it parses "busybox". Exit status 1 if any reference is
 * invalid.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <containers/containers.h>

static int
show (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) ref = lc_image_ref_parse (text, &error);
  g_autofree char *full = NULL;
  g_autofree char *familiar = NULL;

  if (ref == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  full = lc_image_ref_to_string (ref);
  familiar = lc_image_ref_to_familiar_string (ref);
  printf ("%s\n  reference: %s\n  familiar:  %s\n  domain:    %s\n  path:      %s\n"
          "  tag:       %s\n  digest:    %s\n",
          text, full, familiar, lc_image_ref_get_domain (ref), lc_image_ref_get_path (ref),
          lc_image_ref_get_tag (ref) ? lc_image_ref_get_tag (ref) : "(none)",
          lc_image_ref_get_digest (ref) ? lc_image_ref_get_digest (ref) : "(none)");
  return 0;
}

int
main (int argc, char **argv)
{
  int status = 0;

  printf ("libcontainers %s\n", lc_version ());
  if (argc < 2)
    return show ("busybox");
  for (int i = 1; i < argc; i++)
    status |= show (argv[i]);
  return status;
}
