/* lc-compression.c: igzip and zstd GConverters.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include "common/lc-error-private.h"
#include "image/lc-compression-private.h"

const char *
lc_compression_kind_name (LcCompressionKind kind)
{
  switch (kind)
    {
    case LC_COMPRESSION_KIND_GZIP: return "gzip";
    case LC_COMPRESSION_KIND_ZSTD: return "zstd";
    case LC_COMPRESSION_KIND_BZIP2: return "bzip2";
    case LC_COMPRESSION_KIND_XZ: return "xz";
    case LC_COMPRESSION_KIND_NONE:
    default: return "none";
    }
}

LcCompressionKind
lc_compression_detect (const guint8 *d, gsize len)
{
  if (len >= 3 && d[0] == 0x1f && d[1] == 0x8b && d[2] == 0x08)
    return LC_COMPRESSION_KIND_GZIP;
  if (len >= 4 && d[0] == 0x28 && d[1] == 0xb5 && d[2] == 0x2f && d[3] == 0xfd)
    return LC_COMPRESSION_KIND_ZSTD;
  if (len >= 3 && d[0] == 'B' && d[1] == 'Z' && d[2] == 'h')
    return LC_COMPRESSION_KIND_BZIP2;
  if (len >= 6 && memcmp (d, "\xfd" "7zXZ\0", 6) == 0)
    return LC_COMPRESSION_KIND_XZ;
  return LC_COMPRESSION_KIND_NONE;
}

gboolean
lc_compression_detect_stream (GBufferedInputStream *stream, LcCompressionKind *out_kind,
                              GCancellable *cancellable, GError **error)
{
  gsize avail;
  const guint8 *d;

  while ((avail = g_buffered_input_stream_get_available (stream)) < 6)
    {
      gssize n = g_buffered_input_stream_fill (stream, 6 - (gssize) avail, cancellable, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
    }
  d = g_buffered_input_stream_peek_buffer (stream, &avail);
  *out_kind = lc_compression_detect (d, avail);
  return TRUE;
}

/* One GObject type for all four converters. */
typedef enum { CODEC_GUNZIP, CODEC_GZIP, CODEC_UNZSTD, CODEC_ZSTD } CodecMode;

#define LC_TYPE_CODEC (lc_codec_get_type ())
G_DECLARE_FINAL_TYPE (LcCodec, lc_codec, LC, CODEC, GObject)

struct _LcCodec
{
  GObject parent;
  CodecMode mode;
  struct inflate_state *inflate;
  gboolean member_done;           /* gunzip: a member ended, another may follow */
  struct isal_zstream *deflate;
  guint8 *level_buf;
  ZSTD_DStream *dstream;
  ZSTD_CStream *cstream;
  gboolean frame_done;            /* unzstd: at a frame boundary */
  gboolean finished;
};

static void lc_codec_iface_init (GConverterIface *iface);
G_DEFINE_TYPE_WITH_CODE (LcCodec, lc_codec, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_CONVERTER, lc_codec_iface_init))

static void
gunzip_reset (LcCodec *self)
{
  isal_inflate_init (self->inflate);
  self->inflate->crc_flag = ISAL_GZIP;
}

/* A codec that consumed and produced nothing: GConverter wants either a
 * bigger output buffer (@out_full) or more input. */
static GConverterResult
no_progress (gboolean out_full, GError **error)
{
  if (out_full)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "output buffer too small");
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "need more input");
  return G_CONVERTER_ERROR;
}

static GConverterResult
convert_gunzip (LcCodec *self, const guint8 *in, gsize in_size, guint8 *out, gsize out_size,
                GConverterFlags flags, gsize *bytes_read, gsize *bytes_written, GError **error)
{
  struct inflate_state *st = self->inflate;
  gsize consumed = 0, produced = 0;

  for (;;)
    {
      int ret;

      if (self->member_done)
        {
          if (consumed == in_size)
            break;
          /* Another member must follow; anything else is garbage. */
          if (in[consumed] != 0x1f)
            {
              g_set_error (error, LC_ERROR, LC_ERROR_INVALID_DATA,
                           "gzip: unexpected data after the end of the compressed stream");
              return G_CONVERTER_ERROR;
            }
          gunzip_reset (self);
          self->member_done = FALSE;
        }
      st->next_in = (guint8 *) in + consumed;
      st->avail_in = (uint32_t) MIN (in_size - consumed, G_MAXUINT32);
      st->next_out = out + produced;
      st->avail_out = (uint32_t) MIN (out_size - produced, G_MAXUINT32);
      ret = isal_inflate (st);
      consumed = (gsize) (st->next_in - in);
      produced = (gsize) (st->next_out - out);
      if (ret < 0)
        {
          g_set_error (error, LC_ERROR, LC_ERROR_INVALID_DATA, "gzip: %s",
                       ret == ISAL_INCORRECT_CHECKSUM ? "checksum mismatch" : "invalid compressed data");
          return G_CONVERTER_ERROR;
        }
      if (st->block_state == ISAL_BLOCK_FINISH)
        {
          self->member_done = TRUE;
          continue;
        }
      break;   /* needs more input or more output space */
    }

  if (consumed == 0 && produced == 0)
    {
      if (flags & G_CONVERTER_INPUT_AT_END)
        {
          if (self->member_done)
            {
              *bytes_read = *bytes_written = 0;
              return G_CONVERTER_FINISHED;
            }
          g_set_error (error, LC_ERROR, LC_ERROR_INVALID_DATA, "gzip: unexpected end of compressed data");
          return G_CONVERTER_ERROR;
        }
      return no_progress (out_size - produced == 0 || st->avail_out == 0, error);
    }
  *bytes_read = consumed;
  *bytes_written = produced;
  if ((flags & G_CONVERTER_INPUT_AT_END) && consumed == in_size && self->member_done)
    return G_CONVERTER_FINISHED;
  return G_CONVERTER_CONVERTED;
}

static GConverterResult
convert_gzip (LcCodec *self, const guint8 *in, gsize in_size, guint8 *out, gsize out_size,
              GConverterFlags flags, gsize *bytes_read, gsize *bytes_written, GError **error)
{
  struct isal_zstream *zs = self->deflate;
  int ret;

  zs->next_in = (guint8 *) in;
  zs->avail_in = (uint32_t) MIN (in_size, G_MAXUINT32);
  zs->next_out = out;
  zs->avail_out = (uint32_t) MIN (out_size, G_MAXUINT32);
  zs->end_of_stream = (flags & G_CONVERTER_INPUT_AT_END) && zs->avail_in == in_size ? 1 : 0;
  ret = isal_deflate (zs);
  if (ret != COMP_OK)
    {
      g_set_error (error, LC_ERROR, LC_ERROR_FAILED, "gzip compression failed (%d)", ret);
      return G_CONVERTER_ERROR;
    }
  *bytes_read = (gsize) (zs->next_in - in);
  *bytes_written = (gsize) (zs->next_out - out);
  if (zs->internal_state.state == ZSTATE_END)
    return G_CONVERTER_FINISHED;
  if (*bytes_read == 0 && *bytes_written == 0)
    return no_progress (out_size < 64, error);
  return G_CONVERTER_CONVERTED;
}

static GConverterResult
convert_unzstd (LcCodec *self, const guint8 *in, gsize in_size, guint8 *out, gsize out_size,
                GConverterFlags flags, gsize *bytes_read, gsize *bytes_written, GError **error)
{
  ZSTD_inBuffer ib = { in, in_size, 0 };
  ZSTD_outBuffer ob = { out, out_size, 0 };

  for (;;)
    {
      size_t before_in = ib.pos, before_out = ob.pos, ret;

      if (ob.pos == ob.size || (ib.pos == ib.size && self->frame_done))
        break;
      ret = ZSTD_decompressStream (self->dstream, &ob, &ib);
      if (ZSTD_isError (ret))
        {
          g_set_error (error, LC_ERROR, LC_ERROR_INVALID_DATA, "zstd: %s", ZSTD_getErrorName (ret));
          return G_CONVERTER_ERROR;
        }
      self->frame_done = ret == 0;
      if (ib.pos == before_in && ob.pos == before_out)
        break;
    }
  *bytes_read = ib.pos;
  *bytes_written = ob.pos;
  if ((flags & G_CONVERTER_INPUT_AT_END) && ib.pos == in_size)
    {
      if (self->frame_done)
        return G_CONVERTER_FINISHED;
      if (ib.pos == 0 && ob.pos == 0)
        {
          g_set_error (error, LC_ERROR, LC_ERROR_INVALID_DATA, "zstd: unexpected end of compressed data");
          return G_CONVERTER_ERROR;
        }
    }
  if (ib.pos == 0 && ob.pos == 0)
    return no_progress (out_size == 0, error);
  return G_CONVERTER_CONVERTED;
}

static GConverterResult
convert_zstd (LcCodec *self, const guint8 *in, gsize in_size, guint8 *out, gsize out_size,
              GConverterFlags flags, gsize *bytes_read, gsize *bytes_written, GError **error)
{
  ZSTD_inBuffer ib = { in, in_size, 0 };
  ZSTD_outBuffer ob = { out, out_size, 0 };
  gboolean end = (flags & G_CONVERTER_INPUT_AT_END) != 0;
  size_t ret;

  ret = ZSTD_compressStream2 (self->cstream, &ob, &ib, end ? ZSTD_e_end : ZSTD_e_continue);
  if (ZSTD_isError (ret))
    {
      g_set_error (error, LC_ERROR, LC_ERROR_FAILED, "zstd: %s", ZSTD_getErrorName (ret));
      return G_CONVERTER_ERROR;
    }
  *bytes_read = ib.pos;
  *bytes_written = ob.pos;
  if (end && ib.pos == in_size && ret == 0)
    return G_CONVERTER_FINISHED;
  if (ib.pos == 0 && ob.pos == 0)
    return no_progress (out_size < ZSTD_CStreamOutSize () / 4, error);
  return G_CONVERTER_CONVERTED;
}

static GConverterResult
lc_codec_convert (GConverter *converter, const void *inbuf, gsize inbuf_size, void *outbuf,
                  gsize outbuf_size, GConverterFlags flags, gsize *bytes_read,
                  gsize *bytes_written, GError **error)
{
  LcCodec *self = LC_CODEC (converter);

  *bytes_read = *bytes_written = 0;
  switch (self->mode)
    {
    case CODEC_GUNZIP:
      return convert_gunzip (self, inbuf, inbuf_size, outbuf, outbuf_size, flags, bytes_read,
                             bytes_written, error);
    case CODEC_GZIP:
      return convert_gzip (self, inbuf, inbuf_size, outbuf, outbuf_size, flags, bytes_read,
                           bytes_written, error);
    case CODEC_UNZSTD:
      return convert_unzstd (self, inbuf, inbuf_size, outbuf, outbuf_size, flags, bytes_read,
                             bytes_written, error);
    case CODEC_ZSTD:
    default:
      return convert_zstd (self, inbuf, inbuf_size, outbuf, outbuf_size, flags, bytes_read,
                           bytes_written, error);
    }
}

static void
lc_codec_setup (LcCodec *self)
{
  switch (self->mode)
    {
    case CODEC_GUNZIP:
      if (!self->inflate)
        self->inflate = g_new0 (struct inflate_state, 1);
      gunzip_reset (self);
      self->member_done = FALSE;
      break;
    case CODEC_GZIP:
      if (!self->deflate)
        {
          self->deflate = g_new0 (struct isal_zstream, 1);
          self->level_buf = g_malloc (ISAL_DEF_LVL1_DEFAULT);
        }
      isal_deflate_init (self->deflate);
      self->deflate->gzip_flag = IGZIP_GZIP;
      self->deflate->level = 1;
      self->deflate->level_buf = self->level_buf;
      self->deflate->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
      break;
    case CODEC_UNZSTD:
      if (!self->dstream)
        self->dstream = ZSTD_createDStream ();
      ZSTD_initDStream (self->dstream);
      self->frame_done = FALSE;
      break;
    case CODEC_ZSTD:
      if (!self->cstream)
        self->cstream = ZSTD_createCStream ();
      ZSTD_CCtx_reset (self->cstream, ZSTD_reset_session_and_parameters);
      ZSTD_CCtx_setParameter (self->cstream, ZSTD_c_compressionLevel, 3);
      break;
    }
}

static void
lc_codec_reset (GConverter *converter)
{
  lc_codec_setup (LC_CODEC (converter));
}

static void
lc_codec_iface_init (GConverterIface *iface)
{
  iface->convert = lc_codec_convert;
  iface->reset = lc_codec_reset;
}

static void
lc_codec_finalize (GObject *object)
{
  LcCodec *self = LC_CODEC (object);

  g_free (self->inflate);
  g_free (self->deflate);
  g_free (self->level_buf);
  if (self->dstream)
    ZSTD_freeDStream (self->dstream);
  if (self->cstream)
    ZSTD_freeCStream (self->cstream);
  G_OBJECT_CLASS (lc_codec_parent_class)->finalize (object);
}

static void
lc_codec_class_init (LcCodecClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lc_codec_finalize;
}

static void
lc_codec_init (LcCodec *self)
{
}

static GConverter *
codec_new (CodecMode mode)
{
  LcCodec *self = g_object_new (LC_TYPE_CODEC, NULL);

  self->mode = mode;
  lc_codec_setup (self);
  return G_CONVERTER (self);
}

GConverter *
lc_decompressor_new (LcCompressionKind kind, GError **error)
{
  if (kind == LC_COMPRESSION_KIND_GZIP)
    return codec_new (CODEC_GUNZIP);
  if (kind == LC_COMPRESSION_KIND_ZSTD)
    return codec_new (CODEC_UNZSTD);
  lc_fail (error, LC_ERROR_UNSUPPORTED, "decompressing %s is not supported",
           lc_compression_kind_name (kind));
  return NULL;
}

GConverter *
lc_compressor_new (LcCompressionKind kind, GError **error)
{
  if (kind == LC_COMPRESSION_KIND_GZIP)
    return codec_new (CODEC_GZIP);
  if (kind == LC_COMPRESSION_KIND_ZSTD)
    return codec_new (CODEC_ZSTD);
  lc_fail (error, LC_ERROR_UNSUPPORTED, "compressing with %s is not supported",
           lc_compression_kind_name (kind));
  return NULL;
}

GInputStream *
lc_decompress_stream (GInputStream *base, LcCompressionKind kind, GError **error)
{
  g_autoptr(GConverter) conv = NULL;

  if (kind == LC_COMPRESSION_KIND_NONE)
    return g_object_ref (base);
  conv = lc_decompressor_new (kind, error);
  if (!conv)
    return NULL;
  return g_converter_input_stream_new (base, conv);
}
