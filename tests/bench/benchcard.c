// SPDX-License-Identifier: GPL-2.0-or-later
/* benchcard: the media benchmark's in-process card (see benchcard.h). */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/bench/benchcard.h"

#define N GW_HW_FRAME_SAMPLES
#define PERIOD_NS (1000000000ULL * N / GW_HW_RATE_HZ)
#define SAMPLE_NS (1000000000ULL / GW_HW_RATE_HZ)
#define LOOP_SAMPLES (10 * GW_HW_RATE_HZ) /* a multiple of N */
#define MARK_EVERY 50			  /* ticks: once a second */
#define MARK_LEN 4
#define ECHO_DELAY 16 /* samples of bulk delay */
#define ECHO_TAPS 4
#define HIST 4 /* written frames kept, a power of two */

/* Echo path: about -10 dB ERL (sum of squares 0.093). */
static const float echo_h[ECHO_TAPS] = { 0.25f, -0.15f, 0.08f, -0.04f };

struct bchan {
	uint32_t offset;	   /* into the shared loop */
	int16_t sent[HIST][N];	   /* frames written, by tick % HIST */
	atomic_uint_fast64_t mark_cap;	/* click capture time, unclaimed */
	atomic_uint_fast64_t mark_sent; /* reflector send of a click */
};

struct gw_hw_card {
	int nchans;
	struct bchan *ch;
	int16_t *loop; /* LOOP_SAMPLES of speech-like signal */
	/* media thread */
	uint64_t tick;	      /* periods so far; this one's index */
	uint64_t deadline_ns; /* this period's deadline */
	atomic_bool measuring;
	/* figures: written by the media thread, read by anyone */
	atomic_uint_fast64_t ticks, missed, late_max, marks_sent;
	atomic_uint_fast64_t hist[GW_MEDIA_LATE_BUCKETS];
	atomic_uint_fast64_t d_n, d_sum, d_max, d_min;
};

uint64_t gw_benchcard_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void add(atomic_uint_fast64_t *a, uint64_t n)
{
	uint64_t v = atomic_load_explicit(a, memory_order_relaxed);

	atomic_store_explicit(a, v + n, memory_order_relaxed);
}

static void set_max(atomic_uint_fast64_t *a, uint64_t v)
{
	if (v > atomic_load_explicit(a, memory_order_relaxed))
		atomic_store_explicit(a, v, memory_order_relaxed);
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* Uniform in [-1, 1). */
static float unif(uint32_t *s)
{
	return (float)lcg(s) / (float)(1u << 23) - 1.0f;
}

/*
 * A speech-like loop: a pitch pulse train (100..180 Hz, gliding) mixed
 * with noise, through two resonators (formants that move every syllable),
 * shaped into syllables of 120..300 ms with pauses of 40..400 ms; scaled
 * to -20 dBm0 RMS over the active parts (0 dBm0: RMS 16050 in 16 bits),
 * peaks clipped at 12000 so nothing comes near the click threshold.
 */
int gw_benchcard_speech(int16_t *out, int n, uint32_t seed)
{
	float *x = calloc((size_t)n, sizeof(*x));
	double phase = 0, f0 = 130, energy = 0;
	float y1a = 0, y2a = 0, y1b = 0, y2b = 0;
	float ra = 0, ca = 0, rb = 0, cb = 0;
	int left = 0, active = 0, syl = 0;
	long nact = 0;
	float env = 0;

	if (!x)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (left-- <= 0) {
			syl = !syl;
			left = syl ? 960 + (int)(lcg(&seed) % 1440)
				   : 320 + (int)(lcg(&seed) % 2880);
			if (syl) { /* new formants and pitch target */
				double fa = 350 + lcg(&seed) % 500;
				double fb = 1000 + lcg(&seed) % 1400;
				ra = 0.97f;
				rb = 0.95f;
				ca = 2 * ra * (float)cos(2 * M_PI * fa / 8000);
				cb = 2 * rb * (float)cos(2 * M_PI * fb / 8000);
				f0 = 100 + lcg(&seed) % 80;
			}
		}
		active = syl;
		env += ((active ? 1.0f : 0.0f) - env) * 0.004f; /* ~30 ms */
		phase += f0 / 8000;
		float e = 0.3f * unif(&seed);
		if (phase >= 1) {
			phase -= 1;
			e += 4.0f;
		}
		float a = e + ca * y1a - ra * ra * y2a;
		y2a = y1a;
		y1a = a;
		float b = a + cb * y1b - rb * rb * y2b;
		y2b = y1b;
		y1b = b;
		x[i] = env * (0.6f * a + 0.02f * b);
		if (env > 0.5f) {
			energy += (double)x[i] * x[i];
			nact++;
		}
	}
	double g = 1605.0 / sqrt(energy / (double)(nact ? nact : 1));
	for (int i = 0; i < n; i++) {
		/* plus a background at about -55 dBm0 */
		double v = g * x[i] + 50.0 * unif(&seed);
		out[i] = (int16_t)(v > 12000 ? 12000 : v < -12000 ? -12000 : v);
	}
	free(x);
	return 0;
}

bool gw_benchcard_talking(int chan, uint64_t t_ns, bool near)
{
	uint64_t ms = t_ns / 1000000 + (uint64_t)chan * 977;

	return (ms % GW_BENCHCARD_TURN_MS < GW_BENCHCARD_TURN_MS / 2) == near;
}

static void bench_close(struct gw_hw_card *c);

static int bench_open(struct gw_hw_card **ret, const char *spec)
{
	struct gw_hw_card *c;
	int n = spec ? atoi(spec) : 0;

	if (n < 1 || n > GW_HW_MAX_CHANS)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->nchans = n;
	c->ch = calloc((size_t)n, sizeof(*c->ch));
	c->loop = calloc(LOOP_SAMPLES, sizeof(*c->loop));
	if (!c->ch || !c->loop) {
		bench_close(c);
		return -ENOMEM;
	}
	if (gw_benchcard_speech(c->loop, LOOP_SAMPLES, 12345) < 0) {
		bench_close(c);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) /* a different talker-time for each */
		c->ch[i].offset = (uint32_t)((i * 7919u * N) % LOOP_SAMPLES);
	atomic_store(&c->d_min, UINT64_MAX);
	c->deadline_ns = gw_benchcard_now_ns();
	*ret = c;
	return 0;
}

static void bench_close(struct gw_hw_card *c)
{
	if (!c)
		return;
	free(c->ch);
	free(c->loop);
	free(c);
}

static enum gw_hw_chan_type bench_chan_type(struct gw_hw_card *c, int chan)
{
	return chan >= 1 && chan <= c->nchans ? GW_HW_CHAN_FXS
					      : GW_HW_CHAN_NONE;
}

static int bench_wait(struct gw_hw_card *c)
{
	uint64_t now = gw_benchcard_now_ns(), next, woke, late;
	bool meas = atomic_load_explicit(&c->measuring, memory_order_relaxed);
	struct timespec ts;

	next = c->deadline_ns + PERIOD_NS;
	/* the previous period's work ends here: after the next deadline? */
	if (meas && c->tick > 0 && now > next)
		add(&c->missed, 1);
	ts.tv_sec = (time_t)(next / 1000000000ULL);
	ts.tv_nsec = (long)(next % 1000000000ULL);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
	woke = gw_benchcard_now_ns();
	late = woke - next;
	if (late > 5 * PERIOD_NS)
		next = woke; /* stalled: resync, as sim.c */
	c->deadline_ns = next;
	c->tick++;
	if (meas) {
		add(&c->ticks, 1);
		add(&c->hist[gw_media_late_bucket(late / 1000)], 1);
		set_max(&c->late_max, late);
	}
	return 0;
}

static int bench_read(struct gw_hw_card *c, int chan, int16_t *frame)
{
	struct bchan *b;
	const int16_t *src, *cur, *prev;

	if (chan < 1 || chan > c->nchans)
		return -EINVAL;
	b = &c->ch[chan - 1];
	src = c->loop + (b->offset + c->tick * N) % LOOP_SAMPLES;
	/* captured in the period before the deadline, while the frame
	 * written two ticks ago played (and the one before it) */
	cur = b->sent[(c->tick - 2) & (HIST - 1)];
	prev = b->sent[(c->tick - 3) & (HIST - 1)];
	bool talk = gw_benchcard_talking(chan, c->deadline_ns, true);
	for (int n = 0; n < N; n++) {
		float e = 0;
		for (int k = 0; k < ECHO_TAPS; k++) {
			int j = n - ECHO_DELAY - k;
			e += echo_h[k] * (float)(j >= 0 ? cur[j] : prev[N + j]);
		}
		float v = (talk ? (float)src[n] : 0.0f) + e;
		frame[n] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
	/* clicks only while the far side is silent: an NLP may rightly
	 * clip a 0.5 ms click that comes with echo */
	if (talk && (c->tick + (uint64_t)chan) % MARK_EVERY == 0) {
		for (int n = 0; n < MARK_LEN; n++)
			frame[n] = (int16_t)(n & 1 ? -GW_BENCHCARD_MARK
						   : GW_BENCHCARD_MARK);
		atomic_store_explicit(&b->mark_cap, c->deadline_ns - PERIOD_NS,
				      memory_order_release);
		if (atomic_load_explicit(&c->measuring, memory_order_relaxed))
			add(&c->marks_sent, 1);
	}
	return 0;
}

static int bench_write(struct gw_hw_card *c, int chan, const int16_t *frame)
{
	struct bchan *b;

	if (chan < 1 || chan > c->nchans)
		return -EINVAL;
	b = &c->ch[chan - 1];
	memcpy(b->sent[c->tick & (HIST - 1)], frame, sizeof(b->sent[0]));
	for (int n = 0; n < N; n++) {
		if (abs(frame[n]) <= GW_BENCHCARD_MARK_THRESHOLD)
			continue;
		uint64_t sent = atomic_exchange_explicit(&b->mark_sent, 0,
							 memory_order_acquire);
		/* played from the next period's start, one block later */
		uint64_t play = c->deadline_ns + PERIOD_NS + (uint64_t)n *
							       SAMPLE_NS;
		if (sent && play > sent &&
		    atomic_load_explicit(&c->measuring, memory_order_relaxed)) {
			uint64_t d = play - sent;
			add(&c->d_n, 1);
			add(&c->d_sum, d);
			set_max(&c->d_max, d);
			if (d < atomic_load_explicit(&c->d_min,
						     memory_order_relaxed))
				atomic_store_explicit(&c->d_min, d,
						      memory_order_relaxed);
		}
		break;
	}
	return 0;
}

static int bench_flush(struct gw_hw_card *c)
{
	(void)c;
	return 0;
}

static int bench_event(struct gw_hw_card *c, struct gw_hw_event *ev)
{
	(void)c;
	(void)ev;
	return 0;
}

static int bench_lineop(struct gw_hw_card *c, int chan, enum gw_hw_lineop op)
{
	(void)op;
	return chan >= 1 && chan <= c->nchans ? 0 : -ENODEV;
}

const struct gw_hw_ops gw_benchcard_ops = {
	.name = "bench",
	.open = bench_open,
	.close = bench_close,
	.chan_type = bench_chan_type,
	.wait = bench_wait,
	.read = bench_read,
	.write = bench_write,
	.flush = bench_flush,
	.event = bench_event,
	.lineop = bench_lineop,
};

void gw_benchcard_measure(struct gw_hw_card *card, bool on)
{
	atomic_store_explicit(&card->measuring, on, memory_order_relaxed);
}

void gw_benchcard_stats(struct gw_hw_card *c, struct gw_benchcard_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->ticks = atomic_load(&c->ticks);
	st->missed_deadlines = atomic_load(&c->missed);
	st->late_ns_max = atomic_load(&c->late_max);
	for (int i = 0; i < GW_MEDIA_LATE_BUCKETS; i++)
		st->late_hist[i] = atomic_load(&c->hist[i]);
	st->to_card.n = atomic_load(&c->d_n);
	st->to_card.sum_ns = atomic_load(&c->d_sum);
	st->to_card.max_ns = atomic_load(&c->d_max);
	st->to_card.min_ns = st->to_card.n ? atomic_load(&c->d_min) : 0;
	st->marks_sent = atomic_load(&c->marks_sent);
}

uint64_t gw_benchcard_mark_claim(struct gw_hw_card *c, int chan)
{
	if (chan < 1 || chan > c->nchans)
		return 0;
	return atomic_exchange_explicit(&c->ch[chan - 1].mark_cap, 0,
					memory_order_acquire);
}

void gw_benchcard_mark_sent(struct gw_hw_card *c, int chan, uint64_t t_ns)
{
	if (chan >= 1 && chan <= c->nchans)
		atomic_store_explicit(&c->ch[chan - 1].mark_sent, t_ns,
				      memory_order_release);
}

double gw_benchcard_self_cost_ns(struct gw_hw_card *c, int ticks)
{
	static int16_t frame[N];
	struct timespec a, b;
	uint64_t tick = c->tick;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (int t = 0; t < ticks; t++) {
		c->tick++;
		for (int i = 1; i <= c->nchans; i++) {
			bench_read(c, i, frame);
			bench_write(c, i, frame);
		}
		bench_flush(c);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	c->tick = tick;
	for (int i = 0; i < c->nchans; i++) {
		memset(c->ch[i].sent, 0, sizeof(c->ch[i].sent));
		atomic_store(&c->ch[i].mark_cap, 0);
		atomic_store(&c->ch[i].mark_sent, 0);
	}
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 +
		(double)(b.tv_nsec - a.tv_nsec)) / ticks;
}
