/* lang.c: language identification by frequent words and telling letters
 * (lang.h). A word of a language's list counts 1 for it; a letter only one
 * language uses (ß, ñ, ...) counts 1 too, and one a few share half. Short
 * function words decide most mail of a few sentences reliably; the
 * letters help subjects and short bodies. */
#include <string.h>

#include "lang.h"

static const char *const codes[] = { "en", "de", "fr", "es", "it", "nl", NULL };
#define NLANG 6

/* Each language's frequent function words (space-separated, each between
 * spaces), also what the text index leaves out. */
static const char *const words[NLANG] = {
	" the and to of is in that it for you with have this on are be not my we can your was but"
	" please at from as our do will me has an there would could when any all no so if i am been"
	" what which they their hi hello thanks thank regards dear just get how why does did a were had"
	" he she his her its who or by up out about than then also into ",
	" der die das und ist nicht ich sie es wir ein eine einen zu mit den dem auf für von bitte haben"
	" wird kann mein meine unser unsere noch auch wie bei aus sich nach uns oder aber werden wurde"
	" sind hat ihr ihnen danke hallo grüße gruß freundlichen vielen seit mehr wenn dass keine kein"
	" schon nur im am vom zum zur des einem einer ",
	" le la les et est pas je vous nous une des du pour que qui avec sur dans mon ma mes ce cette"
	" sont avons merci être faire ne il elle au aux plus mais ou votre vos bonjour cordialement"
	" depuis ai suis très sans tout ces leur mon j n c d l qu s y en un de se si sa son ses on"
	" nos notre été fait ",
	" el los las y es no yo que un una por para con en mi mis su sus se del al lo como pero hola"
	" gracias está tengo hemos muy este esta estoy desde cuando también pedido saludos usted ya"
	" hay sin sobre ",
	" il lo gli le e è non io che un una per con di del della mi mio mia sono ho abbiamo grazie"
	" buongiorno ciao questo questa anche ma come dal alla nel nella delle degli saluti cordiali"
	" ancora sempre molto ",
	" de het een en is niet ik je u wij we van voor met op dat die er mijn ons onze zijn heb hebben"
	" wordt kan graag bedankt alstublieft maar ook nog naar bij uit dit deze hallo groet"
	" vriendelijke sinds geen wel al ",
};

/* Letters that only one language uses (ALONE) or a few share (SHARED,
 * with the languages' bits). */
static const struct {
	gunichar ch;
	guint langs;   /* bit i: codes[i] */
} letters[] = {
	{ 0x00DF, 1u << 1 },                       /* ß */
	{ 0x00E4, 1u << 1 }, { 0x00F6, 1u << 1 },  /* ä ö */
	{ 0x00FC, 1u << 1 },                       /* ü */
	{ 0x00E7, 1u << 2 }, { 0x00EA, 1u << 2 },  /* ç ê */
	{ 0x00E2, 1u << 2 }, { 0x00EE, 1u << 2 },  /* â î */
	{ 0x00F4, 1u << 2 }, { 0x0153, 1u << 2 },  /* ô œ */
	{ 0x00EB, (1u << 2) | (1u << 5) },         /* ë */
	{ 0x00E9, (1u << 2) | (1u << 3) },         /* é */
	{ 0x00E8, (1u << 2) | (1u << 4) },         /* è */
	{ 0x00E0, (1u << 2) | (1u << 4) },         /* à */
	{ 0x00F9, (1u << 2) | (1u << 4) },         /* ù */
	{ 0x00F1, 1u << 3 }, { 0x00BF, 1u << 3 },  /* ñ ¿ */
	{ 0x00A1, 1u << 3 }, { 0x00E1, 1u << 3 },  /* ¡ á */
	{ 0x00ED, 1u << 3 }, { 0x00F3, 1u << 3 },  /* í ó */
	{ 0x00FA, 1u << 3 },                       /* ú */
	{ 0x00EC, 1u << 4 }, { 0x00F2, 1u << 4 },  /* ì ò */
};

const char *const *
lang_all(void)
{
	return codes;
}

gboolean
lang_known(const char *code)
{
	for (int i = 0; code != NULL && codes[i] != NULL; i++)
		if (strcmp(codes[i], code) == 0)
			return TRUE;
	return FALSE;
}

/* Whether WORD is in the list L (" a b c "). */
static gboolean
in_list(const char *l, const char *word, gsize n)
{
	for (const char *p = strstr(l, word); p != NULL; p = strstr(p + 1, word))
		if (p[-1] == ' ' && p[n] == ' ')
			return TRUE;
	return FALSE;
}

gboolean
lang_stopword(const char *lang, const char *word)
{
	gsize n = strlen(word);

	if (n == 0 || strchr(word, ' ') != NULL)
		return FALSE;
	for (int i = 0; i < NLANG; i++)
		if ((lang == NULL || *lang == '\0' || strcmp(lang, codes[i]) == 0) && in_list(words[i], word, n))
			return TRUE;
	return FALSE;
}

/* Score the word W (lower case) into SCORE; the number of languages it counts for. */
static void
score_word(const char *w, gsize n, double *score, double *total)
{
	for (int i = 0; i < NLANG; i++)
		if (in_list(words[i], w, n)) {
			score[i] += 1;
			*total += 1;
		}
}

static void
score_letter(gunichar ch, double *score, double *total)
{
	for (size_t k = 0; k < G_N_ELEMENTS(letters); k++) {
		if (letters[k].ch != ch)
			continue;
		for (int i = 0; i < NLANG; i++)
			if (letters[k].langs & (1u << i)) {
				double w = (letters[k].langs & (letters[k].langs - 1)) ? 0.5 : 1.0;

				score[i] += w;
				*total += w;
			}
	}
}

const char *
lang_detect(const char *text, gssize len, double *confidence)
{
	double score[NLANG] = { 0 }, total = 0;
	gsize n = text == NULL ? 0 : len < 0 ? strlen(text) : (gsize)len;
	GString *w = g_string_new(NULL);
	const char *end, *p, *next;
	int best = -1;

	if (n > LANG_MAX_READ)
		n = LANG_MAX_READ;
	end = text + n;
	for (p = text; p != NULL && p <= end; p = next) {
		gunichar ch = p < end ? g_utf8_get_char_validated(p, end - p) : 0;
		next = p < end ? p + 1 : NULL;

		if (ch == (gunichar)-1 || ch == (gunichar)-2)
			ch = 0;   /* an invalid byte: stepped over alone */
		else if (ch != 0)
			next = g_utf8_next_char(p);
		if (ch != 0 && g_unichar_isalpha(ch)) {
			gunichar low = g_unichar_tolower(ch);

			g_string_append_unichar(w, low);
			score_letter(low, score, &total);
			continue;
		}
		if (w->len > 0 && w->len < 24)
			score_word(w->str, w->len, score, &total);
		g_string_truncate(w, 0);
	}
	g_string_free(w, TRUE);
	for (int i = 0; i < NLANG; i++)
		if (score[i] > 0 && (best < 0 || score[i] > score[best]))
			best = i;
	if (confidence != NULL)
		*confidence = best >= 0 && total > 0 ? score[best] / total : 0;
	if (best < 0 || score[best] < LANG_MIN_EVIDENCE)
		return "";
	return codes[best];
}
