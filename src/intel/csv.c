#include "intel/csv.h"

size_t wh_csv_split(char *s, size_t n, char sep, char **f, size_t *fl)
{
	size_t k = 0, i = 0;
	while (k < WH_CSV_MAX_COLS) {
		while (i < n && s[i] == ' ' && sep != ' ')
			i++;   /* ThreatFox writes ", " between fields */
		char *start = s + i;
		size_t o = i;
		if (i < n && s[i] == '"') {
			i++;
			start = s + o;
			size_t w = o;
			while (i < n) {
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"') {
						s[w++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				s[w++] = s[i++];
			}
			f[k] = start;
			fl[k] = w - o;
			while (i < n && s[i] != sep)
				i++;
		} else {
			while (i < n && s[i] != sep)
				i++;
			f[k] = start;
			fl[k] = i - o;
			while (fl[k] && start[fl[k] - 1] == ' ')
				fl[k]--;
		}
		k++;
		if (i >= n)
			break;
		i++;   /* the separator */
	}
	for (size_t j = 0; j < k; j++)
		f[j][fl[j]] = '\0';
	return k;
}
