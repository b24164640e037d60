/* lc-registry-client.c: the Docker Registry HTTP API v2 client (libcurl).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <curl/curl.h>
#include <glib/gstdio.h>
#include <json-c/json.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "lc-certs-private.h"
#include "lc-registries-conf-private.h"
#include "lc-registry-private.h"

#define ERROR_BODY_MAX (64u * 1024u)
#define TOKEN_BODY_MAX (1024u * 1024u)
#define TAGS_BODY_MAX (16u * 1024u * 1024u)

/* --- WWW-Authenticate ---------------------------------------------------- */

static gboolean
is_tchar (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

LcAuthChallenge *
lc_auth_challenge_parse (const char *value)
{
  g_autoptr(LcAuthChallenge) ch = g_new0 (LcAuthChallenge, 1);
  const char *p = value, *start;

  ch->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  while (*p == ' ' || *p == '\t')
    p++;
  start = p;
  while (is_tchar (*p))
    p++;
  if (p == start)
    return NULL;
  ch->scheme = g_ascii_strdown (start, p - start);

  for (;;)
    {
      g_autofree char *name = NULL;
      GString *val;

      while (*p == ' ' || *p == '\t')
        p++;
      start = p;
      while (is_tchar (*p))
        p++;
      if (p == start)
        break;
      name = g_ascii_strdown (start, p - start);
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p != '=')
        break;
      p++;
      while (*p == ' ' || *p == '\t')
        p++;
      val = g_string_new (NULL);
      if (*p == '"')
        {
          gboolean closed = FALSE;
          for (p++; *p; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                g_string_append_c (val, *++p);
              else if (*p == '"')
                {
                  closed = TRUE;
                  p++;
                  break;
                }
              else
                g_string_append_c (val, *p);
            }
          if (!closed)
            {
              g_string_free (val, TRUE);
              break;
            }
        }
      else
        {
          start = p;
          while (is_tchar (*p))
            p++;
          if (p == start)
            {
              g_string_free (val, TRUE);
              break;
            }
          g_string_append_len (val, start, p - start);
        }
      g_hash_table_replace (ch->params, g_steal_pointer (&name), g_string_free (val, FALSE));
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p != ',')
        break;
      p++;
    }
  return g_steal_pointer (&ch);
}

void
lc_auth_challenge_free (LcAuthChallenge *challenge)
{
  if (challenge == NULL)
    return;
  g_free (challenge->scheme);
  g_clear_pointer (&challenge->params, g_hash_table_unref);
  g_free (challenge);
}

const char *
lc_auth_challenge_get (LcAuthChallenge *challenge, const char *name)
{
  return g_hash_table_lookup (challenge->params, name);
}

/* --- digests ------------------------------------------------------------- */

char *
lc_registry_compute_digest (GBytes *data, const char *like)
{
  GChecksumType type = G_CHECKSUM_SHA256;
  const char *algo = "sha256";
  g_autoptr(GChecksum) sum = NULL;

  if (like != NULL && g_str_has_prefix (like, "sha512:"))
    type = G_CHECKSUM_SHA512, algo = "sha512";
  else if (like != NULL && g_str_has_prefix (like, "sha384:"))
    type = G_CHECKSUM_SHA384, algo = "sha384";
  sum = g_checksum_new (type);
  g_checksum_update (sum, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  return g_strdup_printf ("%s:%s", algo, g_checksum_get_string (sum));
}

/* --- the client ---------------------------------------------------------- */

typedef struct {
  char *token;
  gint64 expires;   /* g_get_real_time () microseconds */
} Token;

static void
token_free (Token *t)
{
  if (t == NULL)
    return;
  g_free (t->token);
  g_free (t);
}

struct _LcRegistryClient {
  gint ref_count;
  char *registry;       /* as in the reference: "docker.io", "127.0.0.1:5000" */
  char *host;           /* what we connect to: "registry-1.docker.io" */
  char *repo;           /* "library/busybox" */
  const char *actions;  /* "pull", "pull,push", "*" */
  gboolean tls_verify;
  char *ca_bundle;      /* a temporary PEM file: system CAs + certs.d *.crt */
  char *client_cert;
  char *client_key;
  LcCredentials *creds; /* nullable */
  char *user_agent;
  guint retry_times;
  guint stall_timeout;
  gboolean no_scope;    /* login checks: token requests without a scope */

  GMutex ping_lock;
  gboolean pinged;
  char *scheme;
  GPtrArray *challenges;   /* LcAuthChallenge* */

  GMutex token_lock;
  GHashTable *tokens;      /* extra scope ("" for none) -> Token* */

  CURLSH *share;
  GMutex share_locks[CURL_LOCK_DATA_LAST];

  GMutex pool_lock;
  GPtrArray *idle;         /* CURL*: handles (and their connections) to reuse */
};

#define IDLE_HANDLES_MAX 8

static CURL *
handle_get (LcRegistryClient *self)
{
  CURL *h = NULL;

  g_mutex_lock (&self->pool_lock);
  if (self->idle->len > 0)
    h = g_ptr_array_steal_index (self->idle, self->idle->len - 1);
  g_mutex_unlock (&self->pool_lock);
  return h != NULL ? h : curl_easy_init ();
}

static void
handle_put (LcRegistryClient *self, CURL *h)
{
  if (h == NULL)
    return;
  curl_easy_reset (h);   /* keeps the live connections */
  g_mutex_lock (&self->pool_lock);
  if (self->idle->len < IDLE_HANDLES_MAX)
    {
      g_ptr_array_add (self->idle, h);
      h = NULL;
    }
  g_mutex_unlock (&self->pool_lock);
  if (h != NULL)
    curl_easy_cleanup (h);
}

static void
share_lock (CURL *handle, curl_lock_data data, curl_lock_access access, void *userptr)
{
  LcRegistryClient *self = userptr;
  g_mutex_lock (&self->share_locks[data]);
}

static void
share_unlock (CURL *handle, curl_lock_data data, void *userptr)
{
  LcRegistryClient *self = userptr;
  g_mutex_unlock (&self->share_locks[data]);
}

static gsize curl_initialized;

static void
ensure_curl (void)
{
  if (g_once_init_enter (&curl_initialized))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&curl_initialized, 1);
    }
}

/* System CAs (curl's default bundle) + the *.crt files, in a private
 * temporary file: certs.d CAs are added to the system trust, not put in
 * its place, and libcurl-gnutls takes one CA file. */
static char *
make_ca_bundle (GPtrArray *ca_files, GError **error)
{
  g_autoptr(GString) pem = g_string_new (NULL);
  g_autofree char *path = NULL;
  char *system_ca = NULL;
  CURL *probe = curl_easy_init ();
  int fd;

  if (probe != NULL)
    {
      curl_easy_getinfo (probe, CURLINFO_CAINFO, &system_ca);
      if (system_ca != NULL)
        {
          g_autofree char *data = NULL;
          gsize len = 0;
          if (g_file_get_contents (system_ca, &data, &len, NULL))
            {
              g_string_append_len (pem, data, len);
              g_string_append_c (pem, '\n');
            }
        }
      curl_easy_cleanup (probe);
    }
  for (guint i = 0; i < ca_files->len; i++)
    {
      g_autofree char *data = NULL;
      gsize len = 0;
      g_autoptr(GError) local = NULL;
      if (!g_file_get_contents (ca_files->pdata[i], &data, &len, &local))
        return lc_fail (error, LC_ERROR_TLS, "reading CA certificate: %s", local->message), NULL;
      g_string_append_len (pem, data, len);
      g_string_append_c (pem, '\n');
    }
  fd = g_file_open_tmp ("lc-registry-ca-XXXXXX.pem", &path, NULL);
  if (fd < 0)
    return lc_fail (error, LC_ERROR_IO, "cannot create a temporary CA bundle"), NULL;
  if (write (fd, pem->str, pem->len) != (ssize_t) pem->len)
    {
      close (fd);
      g_unlink (path);
      return lc_fail (error, LC_ERROR_IO, "cannot write a temporary CA bundle"), NULL;
    }
  close (fd);
  return g_steal_pointer (&path);
}

LcRegistryClient *
lc_registry_client_new (LcContext *context, LcImageRef *ref, LcRegistryAccess access, gboolean insecure,
                        LcRegistryOptions *options, GError **error)
{
  g_autoptr(LcRegistryClient) self = g_new0 (LcRegistryClient, 1);
  LcRegistryOptions *opts = lc_registry_options_or_default (options);
  g_autofree char *cert_dir = NULL;
  g_autoptr(LcCertsDir) certs = NULL;

  ensure_curl ();
  self->ref_count = 1;
  g_mutex_init (&self->ping_lock);
  g_mutex_init (&self->token_lock);
  g_mutex_init (&self->pool_lock);
  self->idle = g_ptr_array_new ();
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    g_mutex_init (&self->share_locks[i]);
  self->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) token_free);
  self->challenges = g_ptr_array_new_with_free_func ((GDestroyNotify) lc_auth_challenge_free);
  self->registry = g_strdup (lc_image_ref_get_domain (ref));
  self->host = g_strdup (g_str_equal (self->registry, "docker.io") ? "registry-1.docker.io" : self->registry);
  self->repo = g_strdup (lc_image_ref_get_path (ref));
  self->actions = access == LC_REGISTRY_ACCESS_PULL ? "pull" : access == LC_REGISTRY_ACCESS_PUSH ? "pull,push" : "*";
  self->tls_verify = opts->tls_verify >= 0 ? opts->tls_verify != 0 : !insecure;
  self->user_agent = g_strdup (lc_context_get_user_agent (context));
  self->retry_times = opts->retry_times;
  self->stall_timeout = opts->stall_timeout;

  self->share = curl_share_init ();
  curl_share_setopt (self->share, CURLSHOPT_LOCKFUNC, share_lock);
  curl_share_setopt (self->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
  curl_share_setopt (self->share, CURLSHOPT_USERDATA, self);
  curl_share_setopt (self->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt (self->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  /* Not CURL_LOCK_DATA_CONNECT: libcurl does not support sharing
   * connections between threads; easy handles are pooled instead, and each
   * keeps its connections alive across requests. */

  cert_dir = lc_certs_find_dir (context, opts->cert_dir, self->registry);
  if (cert_dir != NULL)
    {
      certs = lc_certs_load_dir (cert_dir, error);
      if (certs == NULL)
        return NULL;
      lc_debug ("registry", "using certificates in %s for %s", cert_dir, self->registry);
      if (certs->ca_files->len > 0)
        {
          self->ca_bundle = make_ca_bundle (certs->ca_files, error);
          if (self->ca_bundle == NULL)
            return NULL;
        }
      self->client_cert = g_strdup (certs->client_cert);
      self->client_key = g_strdup (certs->client_key);
    }

  if (opts->no_creds)
    self->creds = NULL;
  else if (opts->username != NULL)
    self->creds = lc_credentials_new (opts->username, opts->password);
  else
    {
      g_auto(GStrv) files = NULL;
      g_autofree char *key = g_strdup_printf ("%s/%s", self->registry, self->repo);
      if (opts->auth_file != NULL)
        {
          files = g_new0 (char *, 2);
          files[0] = g_strdup (opts->auth_file);
        }
      else
        files = lc_auth_default_files (context);
      if (!lc_auth_lookup ((const char * const *) files, key, &self->creds, error))
        return NULL;
    }
  lc_debug ("registry", "client for %s/%s (%s), tls-verify %s, %s", self->registry, self->repo,
            self->actions, self->tls_verify ? "true" : "false",
            self->creds != NULL ? "with credentials" : "anonymous");
  return g_steal_pointer (&self);
}

LcRegistryClient *
lc_registry_client_ref (LcRegistryClient *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
lc_registry_client_unref (LcRegistryClient *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  if (self->idle != NULL)
    {
      for (guint i = 0; i < self->idle->len; i++)
        curl_easy_cleanup (self->idle->pdata[i]);
      g_ptr_array_unref (self->idle);
    }
  g_mutex_clear (&self->pool_lock);
  if (self->share != NULL)
    curl_share_cleanup (self->share);
  if (self->ca_bundle != NULL)
    g_unlink (self->ca_bundle);
  g_free (self->ca_bundle);
  g_free (self->client_cert);
  g_free (self->client_key);
  lc_credentials_free (self->creds);
  g_free (self->user_agent);
  g_free (self->registry);
  g_free (self->host);
  g_free (self->repo);
  g_free (self->scheme);
  g_clear_pointer (&self->challenges, g_ptr_array_unref);
  g_clear_pointer (&self->tokens, g_hash_table_unref);
  g_mutex_clear (&self->ping_lock);
  g_mutex_clear (&self->token_lock);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    g_mutex_clear (&self->share_locks[i]);
  g_free (self);
}

const char *
lc_registry_client_get_registry (LcRegistryClient *self)
{
  return self->registry;
}

const char *
lc_registry_client_get_repository (LcRegistryClient *self)
{
  return self->repo;
}

/* --- one HTTP exchange --------------------------------------------------- */

typedef struct {
  const char *method;
  char *url;
  GPtrArray *headers;          /* char* "Name: value" */
  GBytes *body;                /* replayable body */
  GInputStream *body_stream;   /* a stream: never retried */
  gint64 body_size;            /* of body_stream, -1 unknown */
  const char *extra_scope;     /* for Bearer tokens */
  gboolean auth;               /* authenticate (after ping) */
  gboolean no_retry;
  gsize max_body;
  gboolean follow;             /* follow redirects */
} Req;

typedef struct {
  long status;
  GByteArray *body;
  GPtrArray *headers;          /* "name: value" of the last response, names lower case */
  gboolean too_big;
  GError *stream_error;        /* the body stream's failure */
  gsize body_offset;           /* replayable body read position */
  gboolean stream_eof;
  gsize max_body;
  GInputStream *body_stream;
  GChecksum *stream_hash;      /* of what was read from body_stream */
  guint64 stream_bytes;
  GBytes *body_bytes;
  GCancellable *cancellable;
} Resp;

static void
req_clear (Req *r)
{
  g_clear_pointer (&r->url, g_free);
  g_clear_pointer (&r->headers, g_ptr_array_unref);
}

static void
resp_clear (Resp *r)
{
  g_clear_pointer (&r->body, g_byte_array_unref);
  g_clear_pointer (&r->headers, g_ptr_array_unref);
  g_clear_error (&r->stream_error);
}

static void
resp_reset (Resp *r)
{
  GCancellable *c = r->cancellable;
  GChecksum *h = r->stream_hash;
  resp_clear (r);
  memset (r, 0, sizeof *r);
  r->cancellable = c;
  r->stream_hash = h;
  r->max_body = ERROR_BODY_MAX;
  r->body = g_byte_array_new ();
  r->headers = g_ptr_array_new_with_free_func (g_free);
}

static const char *
resp_header (Resp *r, const char *name)
{
  gsize n = strlen (name);
  for (guint i = 0; r->headers != NULL && i < r->headers->len; i++)
    {
      const char *h = r->headers->pdata[i];
      if (g_ascii_strncasecmp (h, name, n) == 0 && h[n] == ':')
        {
          h += n + 1;
          while (*h == ' ' || *h == '\t')
            h++;
          return h;
        }
    }
  return NULL;
}

static size_t
header_cb (char *buffer, size_t size, size_t nitems, void *userdata)
{
  Resp *r = userdata;
  gsize len = size * nitems;
  g_autofree char *line = g_strndup (buffer, len);

  g_strchomp (line);
  if (g_str_has_prefix (line, "HTTP/"))
    {
      /* A new response (a redirect, 100 Continue): forget earlier headers. */
      g_ptr_array_set_size (r->headers, 0);
      return len;
    }
  if (*line != '\0' && strchr (line, ':') != NULL)
    g_ptr_array_add (r->headers, g_steal_pointer (&line));
  return len;
}

static size_t
write_cb (char *ptr, size_t size, size_t nmemb, void *userdata)
{
  Resp *r = userdata;
  gsize len = size * nmemb;

  if (r->body->len + len > r->max_body)
    {
      r->too_big = TRUE;
      return 0;   /* CURLE_WRITE_ERROR */
    }
  g_byte_array_append (r->body, (const guint8 *) ptr, (guint) len);
  return len;
}

static size_t
read_bytes_cb (char *buffer, size_t size, size_t nitems, void *userdata)
{
  Resp *r = userdata;
  gsize total = 0;
  const guint8 *data = g_bytes_get_data (r->body_bytes, &total);
  gsize n = MIN (size * nitems, total - r->body_offset);

  memcpy (buffer, data + r->body_offset, n);
  r->body_offset += n;
  return n;
}

static size_t
read_stream_cb (char *buffer, size_t size, size_t nitems, void *userdata)
{
  Resp *r = userdata;
  gssize n = g_input_stream_read (r->body_stream, buffer, size * nitems, r->cancellable, &r->stream_error);

  if (n < 0)
    return CURL_READFUNC_ABORT;
  if (n == 0)
    r->stream_eof = TRUE;
  if (r->stream_hash != NULL)
    g_checksum_update (r->stream_hash, (const guchar *) buffer, (gsize) n);
  r->stream_bytes += (guint64) n;
  return (size_t) n;
}

static int
xferinfo_cb (void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
  GCancellable *c = clientp;
  return c != NULL && g_cancellable_is_cancelled (c) ? 1 : 0;
}

static struct curl_slist *
build_headers (GPtrArray *lines)
{
  struct curl_slist *list = NULL;
  for (guint i = 0; lines != NULL && i < lines->len; i++)
    list = curl_slist_append (list, lines->pdata[i]);
  return list;
}

static CURL *
easy_new (LcRegistryClient *self, const char *url, GCancellable *cancellable)
{
  CURL *h = handle_get (self);

  curl_easy_setopt (h, CURLOPT_URL, url);
  curl_easy_setopt (h, CURLOPT_SHARE, self->share);
  curl_easy_setopt (h, CURLOPT_USERAGENT, self->user_agent);
  curl_easy_setopt (h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (h, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt (h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (h, CURLOPT_LOW_SPEED_TIME, (long) self->stall_timeout);
  curl_easy_setopt (h, CURLOPT_SSL_VERIFYPEER, self->tls_verify ? 1L : 0L);
  curl_easy_setopt (h, CURLOPT_SSL_VERIFYHOST, self->tls_verify ? 2L : 0L);
  if (self->ca_bundle != NULL)
    curl_easy_setopt (h, CURLOPT_CAINFO, self->ca_bundle);
  else if (!self->tls_verify)
    {
      /* Nothing is verified, so no trust store: libcurl-gnutls otherwise
       * parses the whole system CA bundle (several MiB of heap, tens of
       * milliseconds) on every TLS connection, verified or not — including
       * the HTTPS ping that precedes falling back to plain HTTP. */
      curl_easy_setopt (h, CURLOPT_CAINFO, NULL);
      curl_easy_setopt (h, CURLOPT_CAPATH, NULL);
    }
  if (self->client_cert != NULL)
    {
      curl_easy_setopt (h, CURLOPT_SSLCERT, self->client_cert);
      curl_easy_setopt (h, CURLOPT_SSLKEY, self->client_key);
    }
  /* Bigger buffers than the 16 KiB / 64 KiB defaults: fewer callbacks
   * and system calls on multi-megabyte layers. Not much bigger: each
   * parallel transfer's buffers are resident for its whole length. */
  curl_easy_setopt (h, CURLOPT_BUFFERSIZE, 512L * 1024L);
  curl_easy_setopt (h, CURLOPT_UPLOAD_BUFFERSIZE, 256L * 1024L);
  curl_easy_setopt (h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (h, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
  curl_easy_setopt (h, CURLOPT_XFERINFODATA, cancellable);
  return h;
}

/* Maps a libcurl failure to the error codes callers act on. */
static gboolean
fail_curl (GError **error, CURLcode rc, const char *errbuf, const char *what, GCancellable *cancellable)
{
  const char *msg = errbuf != NULL && *errbuf != '\0' ? errbuf : curl_easy_strerror (rc);
  LcError code;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  switch (rc)
    {
    case CURLE_OPERATION_TIMEDOUT:
      code = LC_ERROR_TIMEOUT;
      break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_INVALIDCERTSTATUS:
      code = LC_ERROR_TLS;
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_TOO_MANY_REDIRECTS:
      code = LC_ERROR_NETWORK;
      break;
    default:
      code = LC_ERROR_FAILED;
      break;
    }
  return lc_fail (error, code, "%s: %s", what, msg);
}

/* Transient transport failures worth another attempt (connection reset,
 * empty reply, truncated reply). */
static gboolean
is_retryable_curl (CURLcode rc)
{
  return rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
         rc == CURLE_PARTIAL_FILE || rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM;
}

static gboolean
is_retryable_status (long status)
{
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/* One attempt. FALSE only for transport failures (*out_rc tells which). */
static gboolean
perform_once (LcRegistryClient *self, Req *req, GPtrArray *auth_headers, Resp *resp, CURLcode *out_rc,
              GCancellable *cancellable, GError **error)
{
  CURL *h;
  struct curl_slist *headers = NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  CURLcode rc;
  g_autofree char *what = g_strdup_printf ("%s %s", req->method, req->url);

  resp_reset (resp);
  resp->max_body = req->max_body > 0 ? req->max_body : ERROR_BODY_MAX;
  h = easy_new (self, req->url, cancellable);
  headers = build_headers (req->headers);
  for (guint i = 0; auth_headers != NULL && i < auth_headers->len; i++)
    headers = curl_slist_append (headers, auth_headers->pdata[i]);
  curl_easy_setopt (h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (h, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (h, CURLOPT_HEADERDATA, resp);
  curl_easy_setopt (h, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (h, CURLOPT_WRITEDATA, resp);
  if (req->follow)
    {
      curl_easy_setopt (h, CURLOPT_FOLLOWLOCATION, 1L);
      curl_easy_setopt (h, CURLOPT_MAXREDIRS, 10L);
    }

  if (g_str_equal (req->method, "HEAD"))
    curl_easy_setopt (h, CURLOPT_NOBODY, 1L);
  else if (g_str_equal (req->method, "GET"))
    ;
  else if (req->body_stream != NULL)
    {
      resp->body_stream = req->body_stream;
      curl_easy_setopt (h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt (h, CURLOPT_CUSTOMREQUEST, req->method);
      curl_easy_setopt (h, CURLOPT_READFUNCTION, read_stream_cb);
      curl_easy_setopt (h, CURLOPT_READDATA, resp);
      if (req->body_size >= 0)
        curl_easy_setopt (h, CURLOPT_INFILESIZE_LARGE, (curl_off_t) req->body_size);
      headers = curl_slist_append (headers, "Expect:");
    }
  else
    {
      gsize size = req->body != NULL ? g_bytes_get_size (req->body) : 0;
      resp->body_bytes = req->body;
      if (req->body != NULL)
        {
          curl_easy_setopt (h, CURLOPT_UPLOAD, 1L);
          curl_easy_setopt (h, CURLOPT_READFUNCTION, read_bytes_cb);
          curl_easy_setopt (h, CURLOPT_READDATA, resp);
          curl_easy_setopt (h, CURLOPT_INFILESIZE_LARGE, (curl_off_t) size);
          headers = curl_slist_append (headers, "Expect:");
        }
      else if (g_str_equal (req->method, "POST"))
        {
          curl_easy_setopt (h, CURLOPT_POST, 1L);
          curl_easy_setopt (h, CURLOPT_POSTFIELDSIZE, 0L);
          curl_easy_setopt (h, CURLOPT_POSTFIELDS, "");
        }
      else if (g_str_equal (req->method, "PUT"))
        {
          curl_easy_setopt (h, CURLOPT_UPLOAD, 1L);
          curl_easy_setopt (h, CURLOPT_INFILESIZE_LARGE, (curl_off_t) 0);
          resp->body_bytes = NULL;
          curl_easy_setopt (h, CURLOPT_READFUNCTION, read_bytes_cb);
          curl_easy_setopt (h, CURLOPT_READDATA, resp);
        }
      curl_easy_setopt (h, CURLOPT_CUSTOMREQUEST, req->method);
    }
  if (g_str_equal (req->method, "PUT") && req->body == NULL && req->body_stream == NULL)
    {
      static GBytes *empty;
      if (g_once_init_enter (&empty))
        g_once_init_leave (&empty, g_bytes_new_static ("", 0));
      resp->body_bytes = empty;
    }
  curl_easy_setopt (h, CURLOPT_HTTPHEADER, headers);

  rc = curl_easy_perform (h);
  curl_easy_getinfo (h, CURLINFO_RESPONSE_CODE, &resp->status);
  handle_put (self, h);
  curl_slist_free_all (headers);
  *out_rc = rc;
  lc_debug ("registry", "%s -> %ld (%s)", what, resp->status, rc == CURLE_OK ? "ok" : curl_easy_strerror (rc));
  if (rc == CURLE_OK)
    return TRUE;
  if (resp->stream_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&resp->stream_error));
      return FALSE;
    }
  if (rc == CURLE_WRITE_ERROR && resp->too_big)
    return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: the response is larger than %" G_GSIZE_FORMAT " bytes",
                    what, resp->max_body);
  return fail_curl (error, rc, errbuf, what, cancellable);
}

static gboolean
cancellable_sleep (guint64 ms, GCancellable *cancellable, GError **error)
{
  if (cancellable == NULL)
    {
      g_usleep (ms * 1000);
      return TRUE;
    }
  {
    GPollFD pfd;
    if (!g_cancellable_make_pollfd (cancellable, &pfd))
      {
        g_usleep (ms * 1000);
        return !g_cancellable_set_error_if_cancelled (cancellable, error);
      }
    g_poll (&pfd, 1, (gint) MIN (ms, G_MAXINT));
    g_cancellable_release_fd (cancellable);
  }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* Retry-After: seconds or an HTTP date; -1 when absent or unusable. */
static gint64
retry_after_ms (const char *value)
{
  char *end;
  gint64 secs;

  if (value == NULL)
    return -1;
  secs = g_ascii_strtoll (value, &end, 10);
  if (end != value && *end == '\0' && secs >= 0)
    return secs * 1000;
  {
    time_t t = curl_getdate (value, NULL);
    gint64 now = g_get_real_time () / G_USEC_PER_SEC;
    if (t > now)
      return ((gint64) t - now) * 1000;
  }
  return -1;
}

static gboolean ensure_pinged (LcRegistryClient *self, GCancellable *cancellable, GError **error);
static gboolean auth_headers_for (LcRegistryClient *self, const char *extra_scope, GPtrArray *out,
                                  GCancellable *cancellable, GError **error);

/* The scope a 401 answer's Bearer challenge asks for when the token had
 * too little (error="insufficient_scope", scope="type:name:actions"). */
static char *
insufficient_scope (Resp *resp)
{
  for (guint i = 0; i < resp->headers->len; i++)
    {
      const char *h = resp->headers->pdata[i];
      g_autoptr(LcAuthChallenge) ch = NULL;
      const char *err, *scope;

      if (g_ascii_strncasecmp (h, "www-authenticate:", 17) != 0)
        continue;
      ch = lc_auth_challenge_parse (h + 17);
      if (ch == NULL || !g_str_equal (ch->scheme, "bearer"))
        continue;
      err = lc_auth_challenge_get (ch, "error");
      scope = lc_auth_challenge_get (ch, "scope");
      if (err != NULL && g_str_equal (err, "insufficient_scope") && scope != NULL && *scope != '\0' &&
          strchr (scope, ' ') == NULL)
        return g_strdup (scope);
    }
  return NULL;
}

/* A request with authentication and retries: transient failures (reset
 * connections, 5xx, 429) are retried with exponential backoff, but only
 * when the body can be sent again. */
static gboolean
perform (LcRegistryClient *self, Req *req, Resp *resp, GCancellable *cancellable, GError **error)
{
  guint attempts = req->body_stream != NULL || req->no_retry ? 1 : self->retry_times + 1;
  guint64 delay = 1000;
  g_autofree char *wider_scope = NULL;
  const char *saved_scope = req->extra_scope;

  resp->cancellable = cancellable;
  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GPtrArray) auth = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GError) local = NULL;
      CURLcode rc = CURLE_OK;
      gint64 wait;

      if (req->auth)
        {
          if (!ensure_pinged (self, cancellable, error) ||
              !auth_headers_for (self, req->extra_scope, auth, cancellable, error))
            return FALSE;
        }
      if (perform_once (self, req, auth, resp, &rc, cancellable, &local))
        {
          /* A Bearer token without enough scope: the registry says which
           * one it wants (error="insufficient_scope"); ask once more with
           * it, as containers/image does. */
          if (resp->status == 401 && req->auth && req->body_stream == NULL && wider_scope == NULL)
            {
              wider_scope = insufficient_scope (resp);
              if (wider_scope != NULL && g_strcmp0 (wider_scope, saved_scope) != 0)
                {
                  lc_debug ("registry", "%s %s: insufficient scope, asking for %s", req->method, req->url,
                            wider_scope);
                  req->extra_scope = wider_scope;
                  attempt--;
                  continue;
                }
            }
          req->extra_scope = saved_scope;
          if (!is_retryable_status (resp->status) || attempt >= attempts)
            return TRUE;
          wait = resp->status == 429 ? retry_after_ms (resp_header (resp, "retry-after")) : -1;
          if (wait < 0)
            wait = (gint64) delay;
          wait = MIN (wait, 60000);
          lc_debug ("registry", "%s %s: HTTP %ld, retrying in %" G_GINT64_FORMAT " ms (attempt %u of %u)",
                    req->method, req->url, resp->status, wait, attempt + 1, attempts);
        }
      else
        {
          if (!is_retryable_curl (rc) || attempt >= attempts || resp->stream_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          wait = (gint64) delay;
          lc_debug ("registry", "%s, retrying in %" G_GINT64_FORMAT " ms (attempt %u of %u)",
                    local->message, wait, attempt + 1, attempts);
        }
      if (!cancellable_sleep ((guint64) wait, cancellable, error))
        return FALSE;
      delay = MIN (delay * 2, 60000);
    }
}

/* The registry's error JSON ({"errors":[{"code","message"}]}), or the
 * first bytes of the body. */
static char *
describe_error_body (Resp *resp)
{
  struct json_object *root = NULL, *errors, *first, *v;
  g_autofree char *text = NULL;
  char *out = NULL;

  if (resp->body == NULL || resp->body->len == 0)
    return NULL;
  text = g_strndup ((const char *) resp->body->data, resp->body->len);
  root = json_tokener_parse (text);
  if (root != NULL && json_object_object_get_ex (root, "errors", &errors) &&
      json_object_is_type (errors, json_type_array) && json_object_array_length (errors) > 0 &&
      (first = json_object_array_get_idx (errors, 0)) != NULL && json_object_is_type (first, json_type_object))
    {
      const char *code = json_object_object_get_ex (first, "code", &v) ? json_object_get_string (v) : NULL;
      const char *msg = json_object_object_get_ex (first, "message", &v) ? json_object_get_string (v) : NULL;
      if (code != NULL)
        {
          g_autofree char *lower = g_ascii_strdown (code, -1);
          for (char *p = lower; *p; p++)
            if (*p == '_')
              *p = ' ';
          out = g_strdup_printf ("%s: %s", lower, msg != NULL ? msg : "");
        }
      else if (msg != NULL)
        out = g_strdup (msg);
    }
  else if (root != NULL && json_object_object_get_ex (root, "details", &v))
    out = g_strdup (json_object_get_string (v));
  json_object_put (root);
  if (out == NULL)
    {
      gsize n = MIN (resp->body->len, 50);
      g_autofree char *head = g_utf8_make_valid (text, n);
      g_strchomp (head);
      out = g_strdup_printf ("\"%s\"", head);
    }
  return out;
}

/* An HTTP status that is not the one expected, as a GError. */
static gboolean
fail_http (GError **error, Resp *resp, const char *what)
{
  g_autofree char *detail = describe_error_body (resp);
  LcError code;
  const char *reason;

  switch (resp->status)
    {
    case 401:
    case 403:
      code = LC_ERROR_UNAUTHORIZED;
      reason = resp->status == 401 ? "unauthorized" : "forbidden";
      break;
    case 404:
      code = LC_ERROR_NOT_FOUND;
      reason = "not found";
      break;
    case 429:
      code = LC_ERROR_NETWORK;
      reason = "too many requests";
      break;
    default:
      code = resp->status >= 500 ? LC_ERROR_NETWORK : LC_ERROR_FAILED;
      reason = resp->status >= 500 ? "server error" : "unexpected status";
      break;
    }
  if (detail != NULL)
    return lc_fail (error, code, "%s: %s (HTTP %ld %s)", what, detail, resp->status, reason);
  return lc_fail (error, code, "%s: HTTP %ld %s", what, resp->status, reason);
}

/* --- ping and tokens ----------------------------------------------------- */

static gboolean
ping_scheme (LcRegistryClient *self, const char *scheme, gboolean no_retry, Resp *resp,
             GCancellable *cancellable, GError **error)
{
  Req req = { 0 };
  gboolean ok;

  req.method = "GET";
  req.url = g_strdup_printf ("%s://%s/v2/", scheme, self->host);
  req.headers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (req.headers, g_strdup ("Docker-Distribution-API-Version: registry/2.0"));
  req.no_retry = no_retry;
  ok = perform (self, &req, resp, cancellable, error);
  req_clear (&req);
  if (!ok)
    return FALSE;
  if (resp->status != 200 && resp->status != 401)
    return fail_http (error, resp, "pinging container registry");
  return TRUE;
}

static gboolean
ensure_pinged (LcRegistryClient *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(GError) https_error = NULL;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->ping_lock);
  Resp resp = { 0 };
  const char *scheme = "https";

  if (self->pinged)
    return TRUE;
  if (!ping_scheme (self, "https", !self->tls_verify, &resp, cancellable, &https_error))
    {
      if (self->tls_verify || g_error_matches (https_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          resp_clear (&resp);
          g_propagate_prefixed_error (error, g_steal_pointer (&https_error),
                                      "pinging container registry %s: ", self->registry);
          return FALSE;
        }
      lc_debug ("registry", "HTTPS ping of %s failed (%s); trying HTTP", self->registry, https_error->message);
      scheme = "http";
      if (!ping_scheme (self, "http", FALSE, &resp, cancellable, error))
        {
          resp_clear (&resp);
          g_prefix_error (error, "pinging container registry %s: ", self->registry);
          return FALSE;
        }
    }
  self->scheme = g_strdup (scheme);
  for (guint i = 0; i < resp.headers->len; i++)
    {
      const char *h = resp.headers->pdata[i];
      if (g_ascii_strncasecmp (h, "www-authenticate:", 17) == 0)
        {
          LcAuthChallenge *ch = lc_auth_challenge_parse (h + 17);
          if (ch != NULL)
            g_ptr_array_add (self->challenges, ch);
        }
    }
  self->pinged = TRUE;
  resp_clear (&resp);
  lc_debug ("registry", "%s speaks %s, %u challenge(s)", self->registry, scheme, self->challenges->len);
  return TRUE;
}

gboolean
lc_registry_client_ping (LcRegistryClient *self, GCancellable *cancellable, GError **error)
{
  return ensure_pinged (self, cancellable, error);
}

static char *
query_escape (const char *s)
{
  return g_uri_escape_string (s, NULL, FALSE);
}

static Token *
fetch_token (LcRegistryClient *self, LcAuthChallenge *ch, const char *extra_scope, GCancellable *cancellable,
             GError **error)
{
  const char *realm = lc_auth_challenge_get (ch, "realm");
  const char *service = lc_auth_challenge_get (ch, "service");
  g_autofree char *base_scope = g_strdup_printf ("repository:%s:%s", self->repo, self->actions);
  g_autoptr(GString) url = NULL;
  g_autoptr(GString) form = NULL;
  Req req = { 0 };
  Resp resp = { 0 };
  struct json_object *root = NULL, *v;
  const char *token = NULL;
  gint64 expires_in = 60, issued = g_get_real_time ();
  Token *t = NULL;
  gboolean ok;
  gboolean have_creds = self->creds != NULL && *self->creds->username != '\0' && *self->creds->password != '\0';

  if (realm == NULL || (!g_str_has_prefix (realm, "https://") && !g_str_has_prefix (realm, "http://")))
    return lc_fail (error, LC_ERROR_UNAUTHORIZED, "%s: the Bearer challenge has no usable realm",
                    self->registry), NULL;
  req.headers = g_ptr_array_new_with_free_func (g_free);
  if (self->creds != NULL && self->creds->identity_token != NULL)
    {
      /* OAuth2 refresh-token grant. */
      g_autofree char *e1 = query_escape (base_scope);
      g_autofree char *rt = query_escape (self->creds->identity_token);
      form = g_string_new (NULL);
      g_string_append_printf (form, "grant_type=refresh_token&refresh_token=%s&client_id=containers%%2Fimage&scope=%s",
                              rt, e1);
      if (extra_scope != NULL)
        {
          g_autofree char *e2 = query_escape (extra_scope);
          g_string_append_printf (form, "&scope=%s", e2);
        }
      if (service != NULL && *service != '\0')
        {
          g_autofree char *es = query_escape (service);
          g_string_append_printf (form, "&service=%s", es);
        }
      req.method = "POST";
      req.url = g_strdup (realm);
      req.body = g_bytes_new (form->str, form->len);
      g_ptr_array_add (req.headers, g_strdup ("Content-Type: application/x-www-form-urlencoded"));
    }
  else
    {
      char sep = strchr (realm, '?') != NULL ? '&' : '?';
      url = g_string_new (realm);
      if (self->creds != NULL && *self->creds->username != '\0')
        {
          g_autofree char *a = query_escape (self->creds->username);
          g_string_append_printf (url, "%caccount=%s", sep, a);
          sep = '&';
        }
      if (!self->no_scope)
        {
          g_autofree char *e1 = query_escape (base_scope);
          g_string_append_printf (url, "%cscope=%s", sep, e1);
          sep = '&';
        }
      if (extra_scope != NULL)
        {
          g_autofree char *e2 = query_escape (extra_scope);
          g_string_append_printf (url, "%cscope=%s", sep, e2);
          sep = '&';
        }
      if (service != NULL && *service != '\0')
        {
          g_autofree char *es = query_escape (service);
          g_string_append_printf (url, "%cservice=%s", sep, es);
        }
      req.method = "GET";
      req.url = g_string_free (g_steal_pointer (&url), FALSE);
      if (have_creds)
        {
          g_autofree char *plain = g_strconcat (self->creds->username, ":", self->creds->password, NULL);
          g_autofree char *b64 = g_base64_encode ((const guchar *) plain, strlen (plain));
          g_ptr_array_add (req.headers, g_strdup_printf ("Authorization: Basic %s", b64));
          explicit_bzero (plain, strlen (plain));
        }
    }
  req.max_body = TOKEN_BODY_MAX;
  ok = perform (self, &req, &resp, cancellable, error);
  g_clear_pointer (&req.body, g_bytes_unref);
  req_clear (&req);
  if (!ok)
    {
      resp_clear (&resp);
      return NULL;
    }
  if (resp.status == 401 || resp.status == 403)
    {
      lc_fail (error, LC_ERROR_UNAUTHORIZED, "unable to retrieve auth token: invalid username/password (HTTP %ld from %s)",
               resp.status, realm);
      resp_clear (&resp);
      return NULL;
    }
  if (resp.status != 200)
    {
      fail_http (error, &resp, "requesting a token");
      resp_clear (&resp);
      return NULL;
    }
  g_byte_array_append (resp.body, (const guint8 *) "", 1);
  root = json_tokener_parse ((const char *) resp.body->data);
  resp_clear (&resp);
  if (root == NULL || !json_object_is_type (root, json_type_object))
    {
      json_object_put (root);
      return lc_fail (error, LC_ERROR_INVALID_DATA, "the token server %s answered something that is not JSON",
                      realm), NULL;
    }
  if (json_object_object_get_ex (root, "token", &v) && json_object_is_type (v, json_type_string) &&
      *json_object_get_string (v) != '\0')
    token = json_object_get_string (v);
  else if (json_object_object_get_ex (root, "access_token", &v) && json_object_is_type (v, json_type_string))
    token = json_object_get_string (v);
  if (token == NULL || *token == '\0')
    {
      json_object_put (root);
      return lc_fail (error, LC_ERROR_INVALID_DATA, "the token server %s gave no token", realm), NULL;
    }
  if (json_object_object_get_ex (root, "expires_in", &v) && json_object_is_type (v, json_type_int))
    expires_in = json_object_get_int64 (v);
  if (expires_in < 60)
    expires_in = 60;
  if (json_object_object_get_ex (root, "issued_at", &v) && json_object_is_type (v, json_type_string))
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (json_object_get_string (v), NULL);
      if (dt != NULL)
        issued = g_date_time_to_unix (dt) * G_USEC_PER_SEC;
    }
  t = g_new0 (Token, 1);
  t->token = g_strdup (token);
  t->expires = issued + expires_in * G_USEC_PER_SEC;
  json_object_put (root);
  lc_debug ("registry", "got a token for %s (scope %s%s%s), valid %" G_GINT64_FORMAT " s", self->registry,
            base_scope, extra_scope ? " + " : "", extra_scope ? extra_scope : "", expires_in);
  return t;
}

static gboolean
auth_headers_for (LcRegistryClient *self, const char *extra_scope, GPtrArray *out, GCancellable *cancellable,
                  GError **error)
{
  for (guint i = 0; i < self->challenges->len; i++)
    {
      LcAuthChallenge *ch = self->challenges->pdata[i];

      if (g_str_equal (ch->scheme, "basic"))
        {
          g_autofree char *plain = g_strconcat (self->creds ? self->creds->username : "", ":",
                                                self->creds ? self->creds->password : "", NULL);
          g_autofree char *b64 = g_base64_encode ((const guchar *) plain, strlen (plain));
          g_ptr_array_add (out, g_strdup_printf ("Authorization: Basic %s", b64));
          explicit_bzero (plain, strlen (plain));
          return TRUE;
        }
      if (g_str_equal (ch->scheme, "bearer"))
        {
          g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->token_lock);
          const char *key = extra_scope != NULL ? extra_scope : "";
          Token *t = g_hash_table_lookup (self->tokens, key);

          if (t == NULL || g_get_real_time () >= t->expires)
            {
              t = fetch_token (self, ch, extra_scope, cancellable, error);
              if (t == NULL)
                return FALSE;
              g_hash_table_replace (self->tokens, g_strdup (key), t);
            }
          g_ptr_array_add (out, g_strdup_printf ("Authorization: Bearer %s", t->token));
          return TRUE;
        }
    }
  return TRUE;
}

/* --- requests ------------------------------------------------------------ */

static void
req_init (LcRegistryClient *self, Req *req, const char *method, const char *path_fmt, ...) G_GNUC_PRINTF (4, 5);

static void
req_init (LcRegistryClient *self, Req *req, const char *method, const char *path_fmt, ...)
{
  va_list ap;
  g_autofree char *path = NULL;

  memset (req, 0, sizeof *req);
  va_start (ap, path_fmt);
  path = g_strdup_vprintf (path_fmt, ap);
  va_end (ap);
  req->method = method;
  req->url = g_strdup_printf ("%s://%s%s", self->scheme != NULL ? self->scheme : "https", self->host, path);
  req->headers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (req->headers, g_strdup ("Docker-Distribution-API-Version: registry/2.0"));
  req->auth = TRUE;
  /* Redirects only for reads: a redirected PUT or POST would need its
   * body again, and upload locations come in 202 answers anyway. */
  req->follow = g_str_equal (method, "GET") || g_str_equal (method, "HEAD");
}

static void
add_manifest_accept (Req *req)
{
  static const char *types[] = { LC_MEDIA_TYPE_OCI_MANIFEST, LC_MEDIA_TYPE_DOCKER_V2S2,
                                 LC_MEDIA_TYPE_DOCKER_V2S1_SIGNED, LC_MEDIA_TYPE_DOCKER_V2S1,
                                 LC_MEDIA_TYPE_DOCKER_LIST, LC_MEDIA_TYPE_OCI_INDEX, NULL };
  for (const char **t = types; *t; t++)
    g_ptr_array_add (req->headers, g_strdup_printf ("Accept: %s", *t));
}

/* The scheme is known only after the ping: requests are built after it. */
#define PING_OR_FAIL(self, cancellable, error, ret) \
  if (!ensure_pinged ((self), (cancellable), (error))) return (ret)

static gboolean
is_digest (const char *s)
{
  return strchr (s, ':') != NULL;
}

GBytes *
lc_registry_client_get_manifest (LcRegistryClient *self, const char *ref, char **out_media_type,
                                 char **out_digest, GCancellable *cancellable, GError **error)
{
  Req req;
  Resp resp = { 0 };
  g_autoptr(GBytes) body = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *what = g_strdup_printf ("reading manifest %s in %s/%s", ref, self->registry, self->repo);
  const char *ctype, *dcd;

  PING_OR_FAIL (self, cancellable, error, NULL);
  req_init (self, &req, "GET", "/v2/%s/manifests/%s", self->repo, ref);
  add_manifest_accept (&req);
  req.max_body = LC_REGISTRY_MAX_MANIFEST_SIZE;
  if (!perform (self, &req, &resp, cancellable, error))
    {
      req_clear (&req);
      resp_clear (&resp);
      g_prefix_error (error, "%s: ", what);
      return NULL;
    }
  req_clear (&req);
  if (resp.status != 200)
    {
      fail_http (error, &resp, what);
      resp_clear (&resp);
      return NULL;
    }
  body = g_bytes_new (resp.body->data, resp.body->len);
  digest = lc_registry_compute_digest (body, is_digest (ref) ? ref : NULL);
  dcd = resp_header (&resp, "docker-content-digest");
  if (is_digest (ref) && !g_str_equal (digest, ref))
    {
      lc_fail (error, LC_ERROR_DIGEST_MISMATCH, "%s: manifest does not match provided manifest digest %s (got %s)",
               what, ref, digest);
      resp_clear (&resp);
      return NULL;
    }
  if (dcd != NULL && g_str_has_prefix (dcd, "sha256:") && g_str_has_prefix (digest, "sha256:") &&
      !g_str_equal (dcd, digest))
    {
      lc_fail (error, LC_ERROR_DIGEST_MISMATCH, "%s: Docker-Content-Digest %s does not match the manifest (%s)",
               what, dcd, digest);
      resp_clear (&resp);
      return NULL;
    }
  ctype = resp_header (&resp, "content-type");
  if (out_media_type != NULL)
    *out_media_type = ctype != NULL && *ctype != '\0' ? g_strndup (ctype, strcspn (ctype, "; \t")) : NULL;
  if (out_digest != NULL)
    *out_digest = g_steal_pointer (&digest);
  resp_clear (&resp);
  return g_steal_pointer (&body);
}

char *
lc_registry_client_head_manifest (LcRegistryClient *self, const char *ref, GCancellable *cancellable,
                                  GError **error)
{
  Req req;
  Resp resp = { 0 };
  g_autofree char *what = g_strdup_printf ("reading manifest %s in %s/%s", ref, self->registry, self->repo);
  const char *dcd;
  char *out;

  PING_OR_FAIL (self, cancellable, error, NULL);
  req_init (self, &req, "HEAD", "/v2/%s/manifests/%s", self->repo, ref);
  add_manifest_accept (&req);
  if (!perform (self, &req, &resp, cancellable, error))
    {
      req_clear (&req);
      resp_clear (&resp);
      return NULL;
    }
  req_clear (&req);
  if (resp.status != 200)
    {
      fail_http (error, &resp, what);
      resp_clear (&resp);
      return NULL;
    }
  dcd = resp_header (&resp, "docker-content-digest");
  if (dcd == NULL)
    {
      resp_clear (&resp);
      return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: no Docker-Content-Digest header", what), NULL;
    }
  out = g_strdup (dcd);
  resp_clear (&resp);
  return out;
}

gboolean
lc_registry_client_put_manifest (LcRegistryClient *self, const char *ref, GBytes *manifest,
                                 const char *media_type, char **out_digest, GCancellable *cancellable,
                                 GError **error)
{
  Req req;
  Resp resp = { 0 };
  g_autofree char *what = g_strdup_printf ("writing manifest %s to %s/%s", ref, self->registry, self->repo);
  g_autofree char *digest = lc_registry_compute_digest (manifest, is_digest (ref) ? ref : NULL);
  const char *dcd;

  PING_OR_FAIL (self, cancellable, error, FALSE);
  req_init (self, &req, "PUT", "/v2/%s/manifests/%s", self->repo, ref);
  req.body = manifest;
  if (media_type != NULL)
    g_ptr_array_add (req.headers, g_strdup_printf ("Content-Type: %s", media_type));
  if (!perform (self, &req, &resp, cancellable, error))
    {
      req_clear (&req);
      resp_clear (&resp);
      return g_prefix_error (error, "%s: ", what), FALSE;
    }
  req_clear (&req);
  if (resp.status < 200 || resp.status >= 400)
    {
      fail_http (error, &resp, what);
      resp_clear (&resp);
      return FALSE;
    }
  dcd = resp_header (&resp, "docker-content-digest");
  if (dcd == NULL)
    lc_debug ("registry", "%s: no Docker-Content-Digest in the answer", what);
  else if (!g_str_equal (dcd, digest))
    {
      lc_fail (error, LC_ERROR_DIGEST_MISMATCH, "%s: the registry stored digest %s, expected %s", what, dcd, digest);
      resp_clear (&resp);
      return FALSE;
    }
  resp_clear (&resp);
  if (out_digest != NULL)
    *out_digest = g_steal_pointer (&digest);
  return TRUE;
}

gboolean
lc_registry_client_delete_manifest (LcRegistryClient *self, const char *digest, GCancellable *cancellable,
                                    GError **error)
{
  Req req;
  Resp resp = { 0 };
  g_autofree char *what = g_strdup_printf ("deleting manifest %s in %s/%s", digest, self->registry, self->repo);

  PING_OR_FAIL (self, cancellable, error, FALSE);
  req_init (self, &req, "DELETE", "/v2/%s/manifests/%s", self->repo, digest);
  add_manifest_accept (&req);
  if (!perform (self, &req, &resp, cancellable, error))
    {
      req_clear (&req);
      resp_clear (&resp);
      return g_prefix_error (error, "%s: ", what), FALSE;
    }
  req_clear (&req);
  if (resp.status != 202 && resp.status != 200)
    {
      fail_http (error, &resp, what);
      resp_clear (&resp);
      return FALSE;
    }
  resp_clear (&resp);
  return TRUE;
}

gboolean
lc_registry_client_verify_login (LcRegistryClient *self, GCancellable *cancellable, GError **error)
{
  Req req;
  Resp resp = { 0 };
  gboolean ok;

  PING_OR_FAIL (self, cancellable, error, FALSE);
  if (self->challenges->len == 0)
    {
      lc_debug ("registry", "%s asks for no authentication", self->registry);
      return TRUE;
    }
  self->no_scope = TRUE;
  req_init (self, &req, "GET", "/v2/");
  ok = perform (self, &req, &resp, cancellable, error);
  self->no_scope = FALSE;
  g_hash_table_remove_all (self->tokens);
  req_clear (&req);
  if (ok && resp.status != 200)
    ok = resp.status == 401 || resp.status == 403
           ? lc_fail (error, LC_ERROR_UNAUTHORIZED, "invalid username/password (HTTP %ld)", resp.status)
           : fail_http (error, &resp, "checking the credentials");
  resp_clear (&resp);
  return ok;
}

gboolean
lc_registry_client_has_blob (LcRegistryClient *self, const char *digest, gboolean *out_has, gint64 *out_size,
                             GCancellable *cancellable, GError **error)
{
  Req req;
  Resp resp = { 0 };
  g_autofree char *what = g_strdup_printf ("checking whether blob %s exists in %s/%s", digest, self->registry, self->repo);
  const char *cl;

  *out_has = FALSE;
  if (out_size != NULL)
    *out_size = -1;
  PING_OR_FAIL (self, cancellable, error, FALSE);
  req_init (self, &req, "HEAD", "/v2/%s/blobs/%s", self->repo, digest);
  if (!perform (self, &req, &resp, cancellable, error))
    {
      req_clear (&req);
      resp_clear (&resp);
      return FALSE;
    }
  req_clear (&req);
  if (resp.status == 404)
    {
      resp_clear (&resp);
      return TRUE;
    }
  if (resp.status != 200)
    {
      fail_http (error, &resp, what);
      resp_clear (&resp);
      return FALSE;
    }
  cl = resp_header (&resp, "content-length");
  *out_has = TRUE;
  if (out_size != NULL && cl != NULL)
    *out_size = g_ascii_strtoll (cl, NULL, 10);
  resp_clear (&resp);
  return TRUE;
}

/* Resolves a Location header against the URL it came from. */
static char *
resolve_location (const char *base, const char *location, GError **error)
{
  CURLU *u = curl_url ();
  char *s = NULL;
  char *out = NULL;

  if (curl_url_set (u, CURLUPART_URL, base, 0) == CURLUE_OK &&
      curl_url_set (u, CURLUPART_URL, location, 0) == CURLUE_OK &&
      curl_url_get (u, CURLUPART_URL, &s, 0) == CURLUE_OK)
    {
      out = g_strdup (s);
      curl_free (s);
    }
  curl_url_cleanup (u);
  if (out == NULL)
    lc_fail (error, LC_ERROR_INVALID_DATA, "invalid Location \"%s\" from the registry", location);
  return out;
}

static gboolean
cancel_upload (LcRegistryClient *self, const char *url, GCancellable *cancellable)
{
  Req req = { 0 };
  Resp resp = { 0 };
  g_autoptr(GError) local = NULL;

  req.method = "DELETE";
  req.url = g_strdup (url);
  req.headers = g_ptr_array_new_with_free_func (g_free);
  req.auth = TRUE;
  req.no_retry = TRUE;
  perform (self, &req, &resp, cancellable, &local);
  req_clear (&req);
  resp_clear (&resp);
  return TRUE;
}

gboolean
lc_registry_client_mount_blob (LcRegistryClient *self, const char *digest, const char *from_repo,
                               gboolean *out_mounted, GCancellable *cancellable, GError **error)
{
  Req req;
  Resp resp = { 0 };
  g_autofree char *ed = query_escape (digest);
  g_autofree char *ef = query_escape (from_repo);
  g_autofree char *scope = g_strdup_printf ("repository:%s:pull", from_repo);
  g_autoptr(GError) local = NULL;

  *out_mounted = FALSE;
  PING_OR_FAIL (self, cancellable, error, FALSE);
  req_init (self, &req, "POST", "/v2/%s/blobs/uploads/?mount=%s&from=%s", self->repo, ed, ef);
  req.extra_scope = scope;
  if (!perform (self, &req, &resp, cancellable, &local))
    {
      lc_debug ("registry", "mounting %s from %s failed: %s", digest, from_repo, local->message);
      req_clear (&req);
      resp_clear (&resp);
      return !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
             (g_propagate_error (error, g_steal_pointer (&local)), FALSE);
    }
  if (resp.status == 201)
    *out_mounted = TRUE;
  else if (resp.status == 202)
    {
      const char *loc = resp_header (&resp, "location");
      g_autofree char *url = loc != NULL ? resolve_location (req.url, loc, NULL) : NULL;
      if (url != NULL)
        cancel_upload (self, url, cancellable);
    }
  lc_debug ("registry", "mount of %s from %s into %s: HTTP %ld", digest, from_repo, self->repo, resp.status);
  req_clear (&req);
  resp_clear (&resp);
  return TRUE;
}

gboolean
lc_registry_client_put_blob (LcRegistryClient *self, GInputStream *stream, const char *digest, gint64 size,
                             char **out_digest, gint64 *out_size, GCancellable *cancellable, GError **error)
{
  Req req;
  Resp resp = { 0 };
  g_autofree char *what = g_strdup_printf ("uploading blob %s to %s/%s", digest ? digest : "(digest computed)",
                                           self->registry, self->repo);
  g_autofree char *location = NULL;
  g_autofree char *ed = NULL;
  g_autofree char *computed = NULL;
  g_autoptr(GChecksum) hash = digest == NULL ? g_checksum_new (G_CHECKSUM_SHA256) : NULL;
  guint64 sent = 0;
  const char *loc;
  char extra;
  gssize n;

  PING_OR_FAIL (self, cancellable, error, FALSE);

  /* 1. POST: start an upload session. */
  req_init (self, &req, "POST", "/v2/%s/blobs/uploads/", self->repo);
  if (!perform (self, &req, &resp, cancellable, error))
    goto fail_prefix;
  if (resp.status != 202 || (loc = resp_header (&resp, "location")) == NULL)
    {
      fail_http (error, &resp, what);
      goto fail;
    }
  location = resolve_location (req.url, loc, error);
  if (location == NULL)
    goto fail;
  req_clear (&req);

  /* 2. One PATCH carrying the whole stream (never retried: the stream
   *    cannot be replayed). */
  memset (&req, 0, sizeof req);
  req.method = "PATCH";
  req.url = g_strdup (location);
  req.headers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (req.headers, g_strdup ("Content-Type: application/octet-stream"));
  req.body_stream = stream;
  req.body_size = size;
  req.auth = TRUE;
  resp.stream_hash = hash;
  if (!perform (self, &req, &resp, cancellable, error))
    {
      cancel_upload (self, location, NULL);
      goto fail_prefix;
    }
  sent = resp.stream_bytes;
  if (resp.status < 200 || resp.status >= 400)
    {
      fail_http (error, &resp, what);
      cancel_upload (self, location, NULL);
      goto fail;
    }
  /* The stream must end here: its final read is where a verifying stream
   * reports a digest or size mismatch. Nothing is committed before. */
  if (!resp.stream_eof)
    {
      n = g_input_stream_read (stream, &extra, 1, cancellable, error);
      if (n != 0)
        {
          if (n > 0)
            lc_fail (error, LC_ERROR_DIGEST_MISMATCH, "%s: the blob is larger than %" G_GINT64_FORMAT " bytes",
                     what, size);
          cancel_upload (self, location, NULL);
          goto fail_prefix_once;
        }
    }
  loc = resp_header (&resp, "location");
  if (loc != NULL)
    {
      g_autofree char *next = resolve_location (location, loc, error);
      if (next == NULL)
        goto fail;
      g_free (location);
      location = g_steal_pointer (&next);
    }
  req_clear (&req);

  if (digest == NULL)
    {
      computed = g_strdup_printf ("sha256:%s", g_checksum_get_string (hash));
      digest = computed;
    }
  if (size >= 0 && (gint64) sent != size)
    {
      lc_fail (error, LC_ERROR_DIGEST_MISMATCH, "%s: read %" G_GUINT64_FORMAT " bytes, expected %" G_GINT64_FORMAT,
               what, sent, size);
      cancel_upload (self, location, NULL);
      goto fail;
    }
  ed = query_escape (digest);

  /* 3. PUT ?digest=: commit. */
  memset (&req, 0, sizeof req);
  req.method = "PUT";
  req.url = g_strdup_printf ("%s%cdigest=%s", location, strchr (location, '?') != NULL ? '&' : '?', ed);
  req.headers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (req.headers, g_strdup ("Content-Type: application/octet-stream"));
  req.auth = TRUE;
  if (!perform (self, &req, &resp, cancellable, error))
    goto fail_prefix;
  if (resp.status != 201)
    {
      fail_http (error, &resp, what);
      goto fail;
    }
  req_clear (&req);
  resp_clear (&resp);
  if (out_digest != NULL)
    *out_digest = g_strdup (digest);
  if (out_size != NULL)
    *out_size = (gint64) sent;
  return TRUE;

fail_prefix:
  g_prefix_error (error, "%s: ", what);
fail_prefix_once:
fail:
  req_clear (&req);
  resp_clear (&resp);
  return FALSE;
}

char **
lc_registry_client_list_tags (LcRegistryClient *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *path = g_strdup_printf ("/v2/%s/tags/list", self->repo);
  g_autofree char *what = g_strdup_printf ("fetching tags list of %s/%s", self->registry, self->repo);
  guint pages = 0;

  PING_OR_FAIL (self, cancellable, error, NULL);
  while (path != NULL)
    {
      Req req;
      Resp resp = { 0 };
      struct json_object *root, *tags;
      const char *link;

      if (++pages > 10000)
        return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: too many pages", what), NULL;
      req_init (self, &req, "GET", "%s", path);
      req.max_body = TAGS_BODY_MAX;
      if (!perform (self, &req, &resp, cancellable, error))
        {
          req_clear (&req);
          resp_clear (&resp);
          return g_prefix_error (error, "%s: ", what), NULL;
        }
      req_clear (&req);
      if (resp.status != 200)
        {
          fail_http (error, &resp, what);
          resp_clear (&resp);
          return NULL;
        }
      g_byte_array_append (resp.body, (const guint8 *) "", 1);
      root = json_tokener_parse ((const char *) resp.body->data);
      if (root == NULL || !json_object_is_type (root, json_type_object))
        {
          json_object_put (root);
          resp_clear (&resp);
          return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: the answer is not a JSON object", what), NULL;
        }
      if (json_object_object_get_ex (root, "tags", &tags) && !json_object_is_type (tags, json_type_null))
        {
          if (!json_object_is_type (tags, json_type_array))
            {
              json_object_put (root);
              resp_clear (&resp);
              return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: \"tags\" is not an array", what), NULL;
            }
          for (gsize i = 0; i < json_object_array_length (tags); i++)
            {
              struct json_object *t = json_object_array_get_idx (tags, i);
              const char *s = json_object_is_type (t, json_type_string) ? json_object_get_string (t) : NULL;
              gboolean valid = s != NULL && *s != '\0' && strlen (s) <= 128 &&
                               (g_ascii_isalnum (s[0]) || s[0] == '_');
              for (const char *p = s; valid && *p; p++)
                if (!g_ascii_isalnum (*p) && *p != '_' && *p != '.' && *p != '-')
                  valid = FALSE;
              if (s == NULL || *s == '\0' || strchr (s, ':') != NULL)
                continue;   /* Nexus' empty tags, Artifactory's digests */
              if (!valid)
                {
                  lc_fail (error, LC_ERROR_INVALID_DATA, "%s: invalid tag \"%s\"", what, s);
                  json_object_put (root);
                  resp_clear (&resp);
                  return NULL;
                }
              g_strv_builder_add (b, s);
            }
        }
      json_object_put (root);
      g_clear_pointer (&path, g_free);
      link = resp_header (&resp, "link");
      if (link != NULL)
        {
          g_autofree char *target = g_strndup (link, strcspn (link, ";"));
          g_autofree char *full = NULL;
          g_autofree char *base = g_strdup_printf ("%s://%s/v2/", self->scheme, self->host);
          CURLU *u;
          char *p = NULL, *q = NULL;

          g_strstrip (target);
          if (*target == '<')
            memmove (target, target + 1, strlen (target));
          if (*target != '\0' && target[strlen (target) - 1] == '>')
            target[strlen (target) - 1] = '\0';
          full = resolve_location (base, target, error);
          if (full == NULL)
            {
              resp_clear (&resp);
              return NULL;
            }
          /* Only its path and query, on this registry. */
          u = curl_url ();
          curl_url_set (u, CURLUPART_URL, full, 0);
          curl_url_get (u, CURLUPART_PATH, &p, 0);
          if (curl_url_get (u, CURLUPART_QUERY, &q, 0) != CURLUE_OK)
            q = NULL;
          path = q != NULL ? g_strdup_printf ("%s?%s", p, q) : g_strdup (p);
          curl_free (p);
          curl_free (q);
          curl_url_cleanup (u);
        }
      resp_clear (&resp);
    }
  return g_strv_builder_end (b);
}

/* --- blob streams -------------------------------------------------------- */

/* A blob download runs curl_easy_perform in a thread of its own, which
 * writes the body into one end of a socket pair; the caller reads the
 * other end through an LcBlobStream. Closing the stream early closes the
 * socket, which fails the next write and ends the transfer. */
typedef struct {
  gint ref_count;
  LcRegistryClient *client;
  CURL *easy;
  struct curl_slist *headers;
  int wfd;
  GMutex lock;
  GCond cond;
  gboolean started;     /* the first body byte or the end has come */
  gboolean done;
  CURLcode rc;
  long status;
  gint64 content_length;
  GByteArray *error_body;
  char errbuf[CURL_ERROR_SIZE];
  gint aborted;         /* atomic: the reader went away */
  GCancellable *cancellable;
  Resp hdrs;            /* headers of the final response */
} BlobXfer;

static void
xfer_unref (BlobXfer *x)
{
  if (!g_atomic_int_dec_and_test (&x->ref_count))
    return;
  if (x->easy != NULL)
    handle_put (x->client, x->easy);
  curl_slist_free_all (x->headers);
  if (x->wfd >= 0)
    close (x->wfd);
  g_mutex_clear (&x->lock);
  g_cond_clear (&x->cond);
  g_clear_pointer (&x->error_body, g_byte_array_unref);
  g_clear_object (&x->cancellable);
  resp_clear (&x->hdrs);
  lc_registry_client_unref (x->client);
  g_free (x);
}

static void
xfer_signal_started (BlobXfer *x)
{
  g_mutex_lock (&x->lock);
  x->started = TRUE;
  g_cond_broadcast (&x->cond);
  g_mutex_unlock (&x->lock);
}

static size_t
blob_write_cb (char *ptr, size_t size, size_t nmemb, void *userdata)
{
  BlobXfer *x = userdata;
  gsize len = size * nmemb, off = 0;

  if (!x->started)
    {
      curl_off_t cl = -1;
      curl_easy_getinfo (x->easy, CURLINFO_RESPONSE_CODE, &x->status);
      curl_easy_getinfo (x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
      x->content_length = cl;
      xfer_signal_started (x);
    }
  if (x->status != 200)
    {
      if (x->error_body->len + len <= ERROR_BODY_MAX)
        g_byte_array_append (x->error_body, (const guint8 *) ptr, (guint) len);
      return len;
    }
  while (off < len)
    {
      ssize_t n = send (x->wfd, ptr + off, len - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return 0;   /* the reader closed: abort the transfer */
      off += (gsize) n;
    }
  return len;
}

static int
blob_xferinfo_cb (void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
  BlobXfer *x = clientp;
  return g_atomic_int_get (&x->aborted) ? 1 : 0;
}

static gpointer
blob_thread (gpointer data)
{
  BlobXfer *x = data;
  CURLcode rc = curl_easy_perform (x->easy);

  if (x->status == 0)
    curl_easy_getinfo (x->easy, CURLINFO_RESPONSE_CODE, &x->status);
  g_mutex_lock (&x->lock);
  x->rc = rc;
  x->done = TRUE;
  x->started = TRUE;
  g_cond_broadcast (&x->cond);
  g_mutex_unlock (&x->lock);
  /* EOF for the reader. */
  shutdown (x->wfd, SHUT_WR);
  lc_debug ("registry", "blob transfer ended: HTTP %ld, %s", x->status, curl_easy_strerror (rc));
  xfer_unref (x);
  return NULL;
}

#define LC_TYPE_BLOB_STREAM (lc_blob_stream_get_type ())
G_DECLARE_FINAL_TYPE (LcBlobStream, lc_blob_stream, LC, BLOB_STREAM, GInputStream)

struct _LcBlobStream {
  GInputStream parent;
  int fd;
  BlobXfer *x;
  GThread *thread;
  char *what;
};

G_DEFINE_TYPE (LcBlobStream, lc_blob_stream, G_TYPE_INPUT_STREAM)

static void
blob_stream_stop (LcBlobStream *self)
{
  if (self->x != NULL)
    {
      g_atomic_int_set (&self->x->aborted, 1);
      if (self->fd >= 0)
        {
          shutdown (self->fd, SHUT_RDWR);
          close (self->fd);
          self->fd = -1;
        }
      if (self->thread != NULL)
        g_thread_join (g_steal_pointer (&self->thread));
      xfer_unref (g_steal_pointer (&self->x));
    }
}

static gssize
lc_blob_stream_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
  LcBlobStream *self = LC_BLOB_STREAM (stream);
  BlobXfer *x = self->x;
  gssize n;

  if (x == NULL || self->fd < 0)
    return 0;
  for (;;)
    {
      struct pollfd fds[2] = { { .fd = self->fd, .events = POLLIN } };
      GPollFD cpfd;
      int nfds = 1;
      gboolean have_cfd = cancellable != NULL && g_cancellable_make_pollfd (cancellable, &cpfd);

      if (have_cfd)
        {
          fds[1].fd = cpfd.fd;
          fds[1].events = POLLIN;
          nfds = 2;
        }
      n = poll (fds, nfds, -1);
      if (have_cfd)
        g_cancellable_release_fd (cancellable);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return -1;
      if (n < 0 && errno != EINTR)
        return lc_fail_errno (error, "%s", self->what), -1;
      if (n <= 0)
        continue;
      n = read (self->fd, buffer, count);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n < 0)
        return lc_fail_errno (error, "%s", self->what), -1;
      break;
    }
  if (n == 0)
    {
      /* EOF: the transfer has ended; was it complete? */
      CURLcode rc;
      g_mutex_lock (&x->lock);
      while (!x->done)
        g_cond_wait (&x->cond, &x->lock);
      rc = x->rc;
      g_mutex_unlock (&x->lock);
      if (rc != CURLE_OK)
        return fail_curl (error, rc, x->errbuf, self->what, cancellable), -1;
    }
  return n;
}

static gboolean
lc_blob_stream_close (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  blob_stream_stop (LC_BLOB_STREAM (stream));
  return TRUE;
}

static void
lc_blob_stream_finalize (GObject *object)
{
  LcBlobStream *self = LC_BLOB_STREAM (object);
  blob_stream_stop (self);
  g_free (self->what);
  G_OBJECT_CLASS (lc_blob_stream_parent_class)->finalize (object);
}

static void
lc_blob_stream_class_init (LcBlobStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lc_blob_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = lc_blob_stream_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = lc_blob_stream_close;
}

static void
lc_blob_stream_init (LcBlobStream *self)
{
  self->fd = -1;
}

/* One attempt at starting a blob download. Returns the stream, or NULL
 * with *out_retry set when a new attempt may help (nothing has been
 * handed to the caller yet, so a retry is safe). */
static GInputStream *
start_blob (LcRegistryClient *self, const char *digest, GPtrArray *auth, gint64 *out_size, gboolean *out_retry,
            gint64 *out_wait, GCancellable *cancellable, GError **error)
{
  g_autofree char *what = g_strdup_printf ("reading blob %s in %s/%s", digest, self->registry, self->repo);
  g_autofree char *url = g_strdup_printf ("%s://%s/v2/%s/blobs/%s", self->scheme, self->host, self->repo, digest);
  BlobXfer *x = g_new0 (BlobXfer, 1);
  LcBlobStream *stream;
  int sv[2];
  gboolean ok;

  *out_retry = FALSE;
  *out_wait = -1;
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    {
      g_free (x);
      return lc_fail_errno (error, "socketpair"), NULL;
    }
  {
    int bufsize = 4 * 1024 * 1024;
    setsockopt (sv[1], SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);
    setsockopt (sv[0], SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
  }
  x->ref_count = 1;
  x->client = lc_registry_client_ref (self);
  x->wfd = sv[1];
  x->content_length = -1;
  x->error_body = g_byte_array_new ();
  x->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_mutex_init (&x->lock);
  g_cond_init (&x->cond);
  x->hdrs.headers = g_ptr_array_new_with_free_func (g_free);
  x->easy = easy_new (self, url, NULL);
  x->headers = curl_slist_append (NULL, "Docker-Distribution-API-Version: registry/2.0");
  for (guint i = 0; i < auth->len; i++)
    x->headers = curl_slist_append (x->headers, auth->pdata[i]);
  curl_easy_setopt (x->easy, CURLOPT_HTTPHEADER, x->headers);
  curl_easy_setopt (x->easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (x->easy, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt (x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
  curl_easy_setopt (x->easy, CURLOPT_WRITEFUNCTION, blob_write_cb);
  curl_easy_setopt (x->easy, CURLOPT_WRITEDATA, x);
  curl_easy_setopt (x->easy, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (x->easy, CURLOPT_HEADERDATA, &x->hdrs);
  curl_easy_setopt (x->easy, CURLOPT_XFERINFOFUNCTION, blob_xferinfo_cb);
  curl_easy_setopt (x->easy, CURLOPT_XFERINFODATA, x);

  stream = g_object_new (LC_TYPE_BLOB_STREAM, NULL);
  stream->fd = sv[0];
  stream->x = x;
  stream->what = g_strdup (what);
  g_atomic_int_inc (&x->ref_count);   /* the thread's */
  stream->thread = g_thread_new ("lc-blob", blob_thread, x);

  /* Wait for the status of the final response (or the end). */
  g_mutex_lock (&x->lock);
  while (!x->started)
    {
      if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
        break;
      g_cond_wait_until (&x->cond, &x->lock, g_get_monotonic_time () + G_TIME_SPAN_SECOND / 5);
    }
  g_mutex_unlock (&x->lock);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      g_object_unref (stream);
      return NULL;
    }

  if (x->status == 200)
    {
      lc_debug ("registry", "GET %s -> 200, %" G_GINT64_FORMAT " bytes", url, x->content_length);
      if (out_size != NULL)
        *out_size = x->content_length;
      return G_INPUT_STREAM (stream);
    }

  /* Not a 200: let the transfer finish to read the error body. */
  g_mutex_lock (&x->lock);
  while (!x->done)
    g_cond_wait (&x->cond, &x->lock);
  g_mutex_unlock (&x->lock);
  if (x->status == 0 || (x->rc != CURLE_OK && x->status == 200))
    {
      *out_retry = is_retryable_curl (x->rc);
      ok = fail_curl (error, x->rc, x->errbuf, what, cancellable);
    }
  else
    {
      Resp r = { 0 };
      r.status = x->status;
      r.body = x->error_body;
      *out_retry = is_retryable_status (x->status);
      if (x->status == 429)
        *out_wait = retry_after_ms (resp_header (&x->hdrs, "retry-after"));
      ok = fail_http (error, &r, what);
    }
  (void) ok;
  g_object_unref (stream);
  return NULL;
}

GInputStream *
lc_registry_client_get_blob (LcRegistryClient *self, const char *digest, gint64 *out_size,
                             GCancellable *cancellable, GError **error)
{
  guint64 delay = 1000;

  if (out_size != NULL)
    *out_size = -1;
  PING_OR_FAIL (self, cancellable, error, NULL);
  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GPtrArray) auth = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GError) local = NULL;
      gboolean retry;
      gint64 wait;
      GInputStream *s;

      if (!auth_headers_for (self, NULL, auth, cancellable, error))
        return NULL;
      s = start_blob (self, digest, auth, out_size, &retry, &wait, cancellable, &local);
      if (s != NULL)
        return s;
      if (!retry || attempt > self->retry_times)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      if (wait < 0)
        wait = (gint64) delay;
      wait = MIN (wait, 60000);
      lc_debug ("registry", "%s; retrying in %" G_GINT64_FORMAT " ms", local->message, wait);
      if (!cancellable_sleep ((guint64) wait, cancellable, error))
        return NULL;
      delay = MIN (delay * 2, 60000);
    }
}
