/* mimetype.c: extension table and content sniffing, no database. */
#include <string.h>

#include "mimetype.h"

static const struct {
	const char *magic;
	size_t len, off;
	const char *type;
} signatures[] = {
	{ "%PDF-", 5, 0, "application/pdf" },
	{ "\x89PNG\r\n\x1a\n", 8, 0, "image/png" },
	{ "\xff\xd8\xff", 3, 0, "image/jpeg" },
	{ "GIF87a", 6, 0, "image/gif" },
	{ "GIF89a", 6, 0, "image/gif" },
	{ "\x1f\x8b", 2, 0, "application/gzip" },
	{ "BZh", 3, 0, "application/x-bzip2" },
	{ "\xfd" "7zXZ\0", 6, 0, "application/x-xz" },
	{ "7z\xbc\xaf\x27\x1c", 6, 0, "application/x-7z-compressed" },
	{ "ustar", 5, 257, "application/x-tar" },
	{ "%!PS", 4, 0, "application/postscript" },
	{ "{\\rtf", 5, 0, "application/rtf" },
	{ "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, 0, "application/x-ole-storage" },
	{ "RIFF", 4, 0, NULL },  /* WEBP or WAV: by extension */
	{ "PK\x03\x04", 4, 0, NULL },  /* ZIP, or OOXML/ODF: by extension */
};

static const struct {
	const char *ext, *type;
} extensions[] = {
	{ "pdf", "application/pdf" }, { "png", "image/png" }, { "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" }, { "gif", "image/gif" }, { "webp", "image/webp" },
	{ "svg", "image/svg+xml" }, { "bmp", "image/bmp" }, { "tif", "image/tiff" },
	{ "tiff", "image/tiff" }, { "ico", "image/vnd.microsoft.icon" }, { "heic", "image/heic" },
	{ "txt", "text/plain" }, { "log", "text/plain" }, { "csv", "text/csv" },
	{ "tsv", "text/tab-separated-values" }, { "html", "text/html" }, { "htm", "text/html" },
	{ "md", "text/markdown" }, { "ics", "text/calendar" }, { "vcf", "text/vcard" },
	{ "xml", "application/xml" }, { "json", "application/json" }, { "yaml", "application/yaml" },
	{ "yml", "application/yaml" }, { "eml", "message/rfc822" }, { "rtf", "application/rtf" },
	{ "zip", "application/zip" }, { "gz", "application/gzip" }, { "tgz", "application/gzip" },
	{ "bz2", "application/x-bzip2" }, { "xz", "application/x-xz" }, { "7z", "application/x-7z-compressed" },
	{ "tar", "application/x-tar" }, { "ps", "application/postscript" },
	{ "doc", "application/msword" }, { "xls", "application/vnd.ms-excel" },
	{ "ppt", "application/vnd.ms-powerpoint" },
	{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
	{ "odt", "application/vnd.oasis.opendocument.text" },
	{ "ods", "application/vnd.oasis.opendocument.spreadsheet" },
	{ "odp", "application/vnd.oasis.opendocument.presentation" },
	{ "wav", "audio/wav" }, { "mp3", "audio/mpeg" }, { "ogg", "audio/ogg" }, { "mp4", "video/mp4" },
	{ "patch", "text/x-diff" }, { "diff", "text/x-diff" },
};

static const char *
by_extension(const char *name)
{
	const char *dot = name != NULL ? strrchr(name, '.') : NULL;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(extensions); i++)
		if (g_ascii_strcasecmp(dot + 1, extensions[i].ext) == 0)
			return extensions[i].type;
	return NULL;
}

/* Whether HEAD looks like text: valid UTF-8, no NUL, few controls. */
static gboolean
is_text(const guchar *head, gsize len)
{
	const char *end = NULL;
	gsize controls = 0;

	if (len == 0)
		return TRUE;
	/* the buffer may end inside a character: accept a cut last one */
	if (!g_utf8_validate((const char *)head, len, &end) && (gsize)((const guchar *)end - head) + 4 < len)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (head[i] == 0)
			return FALSE;
		controls += head[i] < 32 && head[i] != '\n' && head[i] != '\r' && head[i] != '\t' && head[i] != '\f';
	}
	return controls * 100 < len;
}

const char *
mimetype_guess(const char *name, const guchar *head, gsize len)
{
	const char *ext = by_extension(name);

	for (size_t i = 0; head != NULL && i < G_N_ELEMENTS(signatures); i++) {
		const size_t off = signatures[i].off, n = signatures[i].len;

		if (len >= off + n && memcmp(head + off, signatures[i].magic, n) == 0) {
			if (signatures[i].type != NULL)
				return signatures[i].type;
			/* a container: the extension says which kind, else a plain zip */
			return ext != NULL ? ext : (head[0] == 'P' ? "application/zip" : "application/octet-stream");
		}
	}
	if (ext != NULL)
		return ext;
	if (head != NULL && is_text(head, len))
		return "text/plain";
	return "application/octet-stream";
}
