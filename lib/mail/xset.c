/* xset.c: encode and decode structured X-Desk values, strictly. */
#include <string.h>

#include "xset.h"

typedef struct item {
	char *key;
	char *value;   /* NUL-terminated, may hold NULs */
	gsize len;
} item;

struct xset {
	GArray *items;
};

static void
item_clear(gpointer p)
{
	item *it = p;

	g_free(it->key);
	g_free(it->value);
}

xset *
xset_new(void)
{
	xset *s = g_new(xset, 1);

	s->items = g_array_new(FALSE, TRUE, sizeof(item));
	g_array_set_clear_func(s->items, item_clear);
	return s;
}

void
xset_free(xset *s)
{
	if (s == NULL)
		return;
	g_array_unref(s->items);
	g_free(s);
}

gboolean
xset_key_valid(const char *key)
{
	if (key == NULL || !g_ascii_islower(*key) || strlen(key) > 32)
		return FALSE;
	for (const char *p = key; *p != '\0'; p++)
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '-')
			return FALSE;
	return TRUE;
}

/* N bytes of V and a NUL. */
static char *
bytes_dup(const char *v, gsize n)
{
	char *c = g_malloc(n + 1);

	memcpy(c, v, n);
	c[n] = '\0';
	return c;
}

static void
push(xset *s, const char *key, char *value, gsize len)
{
	item it = { g_strdup(key), value, len };

	g_array_append_val(s->items, it);
}

gboolean
xset_add_len(xset *s, const char *key, const char *value, gssize len)
{
	gsize n;

	g_return_val_if_fail(s != NULL && xset_key_valid(key), FALSE);
	if (value == NULL)
		value = "";
	n = len < 0 ? strlen(value) : (gsize)len;
	if (n > XSET_VALUE_MAX)
		return FALSE;
	push(s, key, bytes_dup(value, n), n);
	return TRUE;
}

gboolean
xset_add(xset *s, const char *key, const char *value)
{
	return xset_add_len(s, key, value, -1);
}

gboolean
xset_add_uint(xset *s, const char *key, guint v)
{
	char buf[16];

	g_snprintf(buf, sizeof buf, "%u", v);
	return xset_add(s, key, buf);
}

void
xset_append(xset *s, const xset *from)
{
	for (guint i = 0; from != NULL && i < from->items->len; i++) {
		const item *it = &g_array_index(from->items, item, i);

		push(s, it->key, g_memdup2(it->value, it->len + 1), it->len);
	}
}

xset *
xset_copy(const xset *s)
{
	xset *c = xset_new();

	xset_append(c, s);
	return c;
}

void
xset_remove(xset *s, const char *key)
{
	for (guint i = s->items->len; i-- > 0;)
		if (strcmp(g_array_index(s->items, item, i).key, key) == 0)
			g_array_remove_index(s->items, i);
}

guint
xset_len(const xset *s)
{
	return s != NULL ? s->items->len : 0;
}

const char *
xset_key(const xset *s, guint i)
{
	return g_array_index(s->items, item, i).key;
}

const char *
xset_value(const xset *s, guint i, gsize *len)
{
	const item *it = &g_array_index(s->items, item, i);

	if (len != NULL)
		*len = it->len;
	return it->value;
}

const char *
xset_get(const xset *s, const char *key)
{
	for (guint i = 0; i < xset_len(s); i++) {
		const item *it = &g_array_index(s->items, item, i);

		if (strcmp(it->key, key) == 0)
			return strlen(it->value) == it->len ? it->value : NULL;
	}
	return NULL;
}

char *
xset_lookup(const char *text, const char *key)
{
	xset *s = xset_decode(text, NULL);
	char *v = g_strdup(xset_get(s, key));

	xset_free(s);
	return v;
}

char **
xset_strv(const char *text)
{
	xset *s = xset_decode(text, NULL);
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; i < xset_len(s); i++)
		g_ptr_array_add(out, g_strdup_printf("%s=%s", xset_key(s, i), xset_value(s, i, NULL)));
	g_ptr_array_add(out, NULL);
	xset_free(s);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* Bytes written as they are: nothing that ends an item or a header,
 * starts an escape, or reads differently in a header (quotes, comments,
 * angle brackets, backslash, white space, 8-bit, controls). */
static gboolean
safe_byte(guchar c)
{
	return g_ascii_isalnum(c) || (c != '\0' && strchr("-._~+@/:,!*#$&'?^{|}", c) != NULL);
}

static void
encode_item(GString *out, const item *it)
{
	static const char hex[] = "0123456789ABCDEF";

	g_string_append(out, it->key);
	g_string_append_c(out, '=');
	for (gsize i = 0; i < it->len; i++) {
		guchar c = (guchar)it->value[i];

		if (safe_byte(c)) {
			g_string_append_c(out, (char)c);
		} else {
			g_string_append_c(out, '%');
			g_string_append_c(out, hex[c >> 4]);
			g_string_append_c(out, hex[c & 15]);
		}
	}
}

char *
xset_encode(const xset *s)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < xset_len(s); i++) {
		if (i > 0)
			g_string_append(out, "; ");
		encode_item(out, &g_array_index(s->items, item, i));
	}
	return g_string_free(out, FALSE);
}

char *
xset_encode_folded(const xset *s, size_t first_line_used)
{
	GString *out = g_string_new(NULL), *one = g_string_new(NULL);
	size_t col = first_line_used;

	for (guint i = 0; i < xset_len(s); i++) {
		g_string_truncate(one, 0);
		encode_item(one, &g_array_index(s->items, item, i));
		if (i > 0) {
			g_string_append_c(out, ';');
			col++;
			if (col + 1 + one->len > 78) {
				g_string_append(out, "\n ");
				col = 1;
			} else {
				g_string_append_c(out, ' ');
				col++;
			}
		}
		g_string_append_len(out, one->str, one->len);
		col += one->len;
	}
	g_string_free(one, TRUE);
	return g_string_free(out, FALSE);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One item "key=value" of P..END (white space around it taken off). */
static gboolean
decode_item(xset *s, const char *p, const char *end)
{
	const char *eq;
	char *key;
	GString *v;
	gboolean ok;

	while (p < end && g_ascii_isspace(*p))
		p++;
	while (end > p && g_ascii_isspace(end[-1]))
		end--;
	eq = memchr(p, '=', end - p);
	if (eq == NULL)
		return FALSE;
	key = g_strndup(p, eq - p);
	ok = xset_key_valid(key);
	v = g_string_new(NULL);
	for (const char *c = eq + 1; ok && c < end; c++) {
		if (*c == '%') {
			int hi, lo;

			if (end - c < 3 || (hi = hexval(c[1])) < 0 || (lo = hexval(c[2])) < 0) {
				ok = FALSE;
				break;
			}
			g_string_append_c(v, (char)(hi << 4 | lo));
			c += 2;
		} else if (safe_byte((guchar)*c)) {
			g_string_append_c(v, *c);
		} else {
			ok = FALSE;
		}
	}
	ok = ok && v->len <= XSET_VALUE_MAX;
	if (ok) {
		gsize len = v->len;

		push(s, key, g_string_free(v, FALSE), len);
	} else {
		g_string_free(v, TRUE);
	}
	g_free(key);
	return ok;
}

xset *
xset_decode(const char *text, guint *bad)
{
	xset *s = xset_new();
	guint dropped = 0;
	const char *p = text != NULL ? text : "";

	while (*p != '\0') {
		const char *end = strchr(p, ';');
		const char *stop = end != NULL ? end : p + strlen(p);
		const char *q = p;

		while (q < stop && g_ascii_isspace(*q))
			q++;
		if (q < stop && !decode_item(s, p, stop))
			dropped++;
		p = end != NULL ? end + 1 : stop;
	}
	if (bad != NULL)
		*bad = dropped;
	return s;
}
