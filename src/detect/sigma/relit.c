/*
 * relit.c: a literal that every match of a regular expression contains.
 *
 * Rules with `|re` have no literal for the Hyperscan prefilter, so without
 * help each of them would run PCRE2 on every event of its logsource. Most
 * of their expressions spell out some plain text that any match must
 * contain ("\$PSHome\[" in `\$PSHome\[\s*\d{1,3}\s*\]`), and an event whose
 * field lacks that text cannot match. This finds the longest such run.
 *
 * It is deliberately conservative: it reads the top level of the pattern
 * only (a group, a class, an escape that is not a plain character, an
 * optional character end the current run), and gives up on alternation at
 * the top level and on syntax that changes how the pattern reads (extended
 * mode, \Q...\E, verbs). The result is compared case-insensitively (ASCII),
 * which can only let more events through. Under caseless matching PCRE2
 * also folds K to the Kelvin sign and S to the long s, so a caseless run
 * stops at those letters.
 *
 * Pure: pattern in, literal out.
 */
#include "detect/sigma/sigma_int.h"

#include <string.h>

static bool is_quant(const char *p, size_t i, size_t n)
{
	if (i >= n)
		return false;
	if (p[i] == '*' || p[i] == '+' || p[i] == '?')
		return true;
	if (p[i] != '{')
		return false;
	/* {n}, {n,}, {n,m}; a brace that is not one of these is literal */
	size_t j = i + 1;
	bool digits = false;
	while (j < n && p[j] >= '0' && p[j] <= '9') {
		j++;
		digits = true;
	}
	if (j < n && p[j] == ',') {
		j++;
		while (j < n && p[j] >= '0' && p[j] <= '9') {
			j++;
			digits = true;
		}
	}
	return digits && j < n && p[j] == '}';
}

/* Skip a quantifier at p[i] (and a lazy or possessive mark after it).
 * *zero: it allows zero repetitions. Returns the index after it. */
static size_t skip_quant(const char *p, size_t i, size_t n, bool *zero)
{
	*zero = false;
	if (p[i] == '*' || p[i] == '?') {
		*zero = true;
		i++;
	} else if (p[i] == '+') {
		i++;
	} else {
		/* {n...}: zero when n is 0 */
		size_t j = i + 1;
		bool nonzero = false;
		while (j < n && p[j] >= '0' && p[j] <= '9') {
			nonzero |= p[j] != '0';
			j++;
		}
		*zero = !nonzero;
		while (j < n && p[j] != '}')
			j++;
		i = j + 1;
	}
	if (i < n && (p[i] == '?' || p[i] == '+'))
		i++;
	return i;
}

/* Skip a character class starting at p[i] == '['; returns the index after
 * its closing bracket, or n when it does not close. */
static size_t skip_class(const char *p, size_t i, size_t n)
{
	i++;
	if (i < n && p[i] == '^')
		i++;
	if (i < n && p[i] == ']')
		i++;   /* a leading ] is a member */
	while (i < n && p[i] != ']') {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
			/* [:alpha:] */
			const char *e = memchr(p + i + 2, ']', n - i - 2);
			if (!e)
				return n;
			i = (size_t)(e - p);
		}
		i++;
	}
	return i < n ? i + 1 : n;
}

/* Skip a group starting at p[i] == '('; returns the index after its
 * closing parenthesis, or n. */
static size_t skip_group(const char *p, size_t i, size_t n)
{
	int depth = 0;
	while (i < n) {
		if (p[i] == '\\') {
			i += 2;
			continue;
		}
		if (p[i] == '[') {
			i = skip_class(p, i, n);
			continue;
		}
		if (p[i] == '(')
			depth++;
		else if (p[i] == ')' && --depth == 0)
			return i + 1;
		i++;
	}
	return n;
}

/* Does the pattern turn on caseless matching anywhere ((?i), (?mi:...))? */
static bool inline_caseless(const char *p, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (p[i] == '\\') {
			i++;
			continue;
		}
		if (p[i] != '(' || p[i + 1] != '?')
			continue;
		for (size_t j = i + 2; j < n && p[j] != ')' && p[j] != ':'; j++) {
			if (p[j] == '-')
				break;
			if (p[j] == 'i')
				return true;
		}
	}
	return false;
}

size_t sg_re_literal(const char *p, size_t n, bool caseless, char *out, size_t cap)
{
	if (n >= 2 && memmem(p, n, "(*", 2))
		return 0;   /* verbs: (*UCP), (*CR) ... change how the rest reads */
	if (memmem(p, n, "\\Q", 2))
		return 0;
	/* (?x), (?ix) ...: extended mode, where whitespace and # mean something else */
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] == '\\') {
			i++;
			continue;
		}
		if (p[i] != '(' || p[i + 1] != '?')
			continue;
		for (size_t j = i + 2; j < n && p[j] != ')' && p[j] != ':' && p[j] != '-'; j++)
			if (p[j] == 'x')
				return 0;
	}
	caseless |= inline_caseless(p, n);
	char run[SG_MAX_VALUE];
	size_t rn = 0, best = 0;
	bool have = false;
	size_t i = 0;
#define END_RUN()                                          \
	do {                                               \
		if (rn > best && rn <= cap) {              \
			memcpy(out, run, rn);              \
			best = rn;                         \
			have = true;                       \
		}                                          \
		rn = 0;                                    \
	} while (0)
	while (i < n) {
		char c = p[i];
		size_t atom = rn;   /* where the next atom starts in run */
		bool literal = false;
		size_t next = i + 1;
		if (c == '|') {
			return 0;   /* top-level alternation: no one literal is needed */
		} else if (c == '\\') {
			if (i + 1 >= n)
				return 0;
			unsigned char e = (unsigned char)p[i + 1];
			next = i + 2;
			if (!((e >= '0' && e <= '9') || (e >= 'A' && e <= 'Z') || (e >= 'a' && e <= 'z')) && e < 0x80) {
				c = (char)e;   /* \. \\ \$ \[ ... a punctuation character itself */
				literal = true;
			}
		} else if (c == '[') {
			next = skip_class(p, i, n);
		} else if (c == '(') {
			next = skip_group(p, i, n);
		} else if (c == '.' || c == '^' || c == '$' || c == ')') {
			/* not a literal character */
		} else {
			literal = true;
		}
		if (literal && caseless && (c == 'k' || c == 'K' || c == 's' || c == 'S' || (unsigned char)c >= 0x80)) {
			literal = false;
			while (next < n && ((unsigned char)p[next] & 0xc0) == 0x80)
				next++;
		}
		if (literal) {
			if (rn < sizeof(run))
				run[rn++] = c;
			else
				literal = false;
			/* a UTF-8 sequence is one character: keep its bytes together */
			if ((unsigned char)c >= 0xc0) {
				while (next < n && ((unsigned char)p[next] & 0xc0) == 0x80 && rn < sizeof(run))
					run[rn++] = p[next++];
			}
		}
		if (next < n && is_quant(p, next, n)) {
			bool zero;
			next = skip_quant(p, next, n, &zero);
			if (literal && zero)
				rn = atom;   /* the character may be absent */
			END_RUN();      /* what follows a repeat is not next to what precedes it */
		} else if (!literal) {
			END_RUN();
		}
		i = next;
	}
	END_RUN();
#undef END_RUN
	return have ? best : 0;
}
