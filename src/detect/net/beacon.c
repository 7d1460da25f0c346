/*
 * beacon.c: how much a pair's connections look like a beacon, scored in the
 * way RITA describes its method (the formulas here are whitehawk's own and
 * are written out in docs/flows.md):
 *
 *   timestamps  the intervals between connections: Bowley's quartile skew
 *               (a beacon's intervals are symmetric) and the median absolute
 *               deviation against the median (a beacon's jitter is small)
 *   data sizes  the bytes the originator sends each time: the same two
 *               measures, plus smallness (call-backs are small)
 *   duration    how much of the observed time the pair covers
 *   histogram   connections per time bucket across the pair's span: flat
 *               (or two-valued, as a beacon with a gap in it is)
 *
 * The score is the mean of the four (three when sizes are unknown).
 */
#include "detect/net/netan.h"
#include "util/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Linear interpolation between closest ranks of a sorted array. */
static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)pos;
	double frac = pos - (double)lo;
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + frac * (v[lo + 1] - v[lo]);
}

static double clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* Skew score and MAD score of values (sorted in place); *median, *mad out. */
static void dispersion(double *v, size_t n, double *skew_score, double *mad_score, double *median,
		       double *madv)
{
	qsort(v, n, sizeof(*v), cmp_double);
	double q1 = quantile(v, n, 0.25), q2 = quantile(v, n, 0.5), q3 = quantile(v, n, 0.75);
	double iqr = q3 - q1;
	double bowley = iqr > 1e-9 * (fabs(q2) + 1) ? (q3 + q1 - 2 * q2) / iqr : 0;
	*skew_score = clamp01(1 - fabs(bowley));
	double *dev = wh_xmalloc(n * sizeof(*dev));
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(v[i] - q2);
	qsort(dev, n, sizeof(*dev), cmp_double);
	double mad = quantile(dev, n, 0.5);
	free(dev);
	if (q2 > 0)
		*mad_score = clamp01(1 - mad / q2);
	else
		*mad_score = mad == 0 ? 1 : 0;
	*median = q2;
	*madv = mad;
}

/* The most common value after rounding to `unit`. v is sorted. */
static double mode_of(const double *v, size_t n, double unit)
{
	double best = v[0], cur = NAN;
	size_t bestc = 0, c = 0;
	for (size_t i = 0; i < n; i++) {
		double r = round(v[i] / unit) * unit;
		if (r == cur) {
			c++;
		} else {
			cur = r;
			c = 1;
		}
		if (c > bestc) {
			bestc = c;
			best = r;
		}
	}
	return best;
}

bool wh_beacon_score(const int64_t *ts_in, const uint64_t *sizes, size_t n, int64_t wf, int64_t wl,
		     struct wh_beacon *out)
{
	memset(out, 0, sizeof(*out));
	if (n < 4)
		return false;
	int64_t *ts = wh_xmalloc(n * sizeof(*ts));
	memcpy(ts, ts_in, n * sizeof(*ts));
	qsort(ts, n, sizeof(*ts), cmp_i64);
	/* Connections opened together (a browser's parallel sockets) are one beat. */
	size_t u = 1;
	for (size_t i = 1; i < n; i++)
		if (ts[i] - ts[u - 1] > 10 * 1000000LL)
			ts[u++] = ts[i];
	if (u < 4) {
		free(ts);
		return false;
	}
	size_t nd = u - 1;
	double *d = wh_xmalloc(nd * sizeof(*d));
	for (size_t i = 0; i < nd; i++)
		d[i] = (double)(ts[i + 1] - ts[i]) / 1e9;
	double skew, mad_s, median, mad;
	dispersion(d, nd, &skew, &mad_s, &median, &mad);
	out->ts_score = (skew + mad_s) / 2;
	out->period = median;
	out->jitter = mad;
	out->mode = mode_of(d, nd, median >= 10 ? 1.0 : median >= 1 ? 0.1 : 0.001);
	free(d);

	int parts = 3;
	if (sizes) {
		double *s = wh_xmalloc(n * sizeof(*s));
		for (size_t i = 0; i < n; i++)
			s[i] = (double)sizes[i];
		double sk, ms, med, md;
		dispersion(s, n, &sk, &ms, &med, &md);
		double small = clamp01(1 - mode_of(s, n, 1) / 65535.0);
		free(s);
		out->ds_score = (sk + ms + small) / 3;
		out->have_sizes = true;
		parts = 4;
	}

	/* Duration: the share of the observed time the pair spans, or of the
	 * time buckets it shows up in, whichever is larger. */
	int64_t first = ts[0], last = ts[u - 1];
	if (wf > first)
		wf = first;
	if (wl < last)
		wl = last;
	double window = (double)(wl - wf) / 1e9, span = (double)(last - first) / 1e9;
	double coverage = window > 0 ? span / window : 1;
	double width = window / 24;
	if (width < median)
		width = median;
	if (width < 1e-3)
		width = 1e-3;
	size_t nb = (size_t)(window / width) + 1;
	if (nb > 24 * 366)
		nb = 24 * 366;
	uint32_t *bucket = wh_xcalloc(nb, sizeof(*bucket));
	for (size_t i = 0; i < u; i++) {
		size_t b = (size_t)((double)(ts[i] - wf) / 1e9 / width);
		bucket[b < nb ? b : nb - 1]++;
	}
	size_t occupied = 0;
	for (size_t b = 0; b < nb; b++)
		occupied += bucket[b] > 0;
	double consistency = (double)occupied / (double)nb;
	out->dur_score = clamp01(coverage > consistency ? coverage : consistency);

	/* Histogram over the pair's own span. */
	size_t b0 = (size_t)((double)(first - wf) / 1e9 / width), b1 = (size_t)((double)(last - wf) / 1e9 / width);
	if (b1 >= nb)
		b1 = nb - 1;
	if (b0 > b1)
		b0 = b1;
	size_t m = b1 - b0 + 1;
	if (m < 2) {
		out->hist_score = out->ts_score;   /* one bucket says nothing either way */
	} else {
		double mean = 0, var = 0;
		for (size_t b = b0; b <= b1; b++)
			mean += bucket[b];
		mean /= (double)m;
		for (size_t b = b0; b <= b1; b++)
			var += (bucket[b] - mean) * (bucket[b] - mean);
		double cv = mean > 0 ? sqrt(var / (double)m) / mean : 1;
		double flat = clamp01(1 - cv);
		/* Two levels (a beacon that sleeps at night): the share of buckets
		 * within 10% (at least 1) of the two most common counts. */
		double *c = wh_xmalloc(m * sizeof(*c));
		for (size_t b = b0; b <= b1; b++)
			c[b - b0] = bucket[b];
		qsort(c, m, sizeof(*c), cmp_double);
		double top1 = mode_of(c, m, 1), top2 = top1;
		size_t best = 0;
		for (size_t i = 0; i < m;) {
			size_t j = i;
			while (j < m && c[j] == c[i])
				j++;
			if (c[i] != top1 && j - i > best) {
				best = j - i;
				top2 = c[i];
			}
			i = j;
		}
		size_t near = 0;
		for (size_t i = 0; i < m; i++) {
			double t1 = fmax(1, top1 * 0.1), t2 = fmax(1, top2 * 0.1);
			if (fabs(c[i] - top1) <= t1 || fabs(c[i] - top2) <= t2)
				near++;
		}
		free(c);
		double bimodal = top1 > 0 && top2 > 0 ? (double)near / (double)m : 0;
		out->hist_score = flat > bimodal ? flat : bimodal;
	}
	free(bucket);
	free(ts);
	out->score = (out->ts_score + out->dur_score + out->hist_score + (sizes ? out->ds_score : 0)) / parts;
	return true;
}
