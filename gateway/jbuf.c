// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "gateway/jbuf.h"

#define MASK (GW_JBUF_SAMPLES - 1)

void gw_jbuf_init(struct gw_jbuf *jb, uint32_t delay_samples)
{
	memset(jb, 0, sizeof(*jb));
	if (delay_samples > GW_JBUF_SAMPLES / 2)
		delay_samples = GW_JBUF_SAMPLES / 2;
	jb->delay_samples = delay_samples;
}

static void restart(struct gw_jbuf *jb, uint32_t ssrc, uint32_t ts)
{
	memset(jb->valid, 0, sizeof(jb->valid));
	jb->started = true;
	jb->playing = false;
	jb->ssrc = ssrc;
	jb->play_ts = ts - jb->delay_samples;
	jb->newest_ts = ts;
}

int gw_jbuf_put(struct gw_jbuf *jb, uint32_t ssrc, uint32_t ts,
		const int16_t *samples, int n)
{
	int32_t ahead;

	if (n <= 0 || n > GW_JBUF_SAMPLES / 4)
		return -EINVAL;
	if (!jb->started || ssrc != jb->ssrc) {
		if (jb->started)
			jb->resyncs++;
		restart(jb, ssrc, ts);
	}
	ahead = (int32_t)(ts - jb->play_ts);
	if (ahead < -(int32_t)(GW_JBUF_SAMPLES / 4)) {
		/* Far behind: the sender restarted its clock. Start over. */
		jb->resyncs++;
		restart(jb, ssrc, ts);
		ahead = (int32_t)(ts - jb->play_ts);
	}
	if (ahead < 0) {
		jb->late++;
		return -ETIME;
	}
	if (ahead + n > GW_JBUF_SAMPLES - GW_JBUF_SAMPLES / 8) {
		/* Far ahead: a timestamp jump or a long stall. Start over. */
		jb->resyncs++;
		restart(jb, ssrc, ts);
	}
	for (int i = 0; i < n; i++) {
		uint32_t pos = (ts + (uint32_t)i) & MASK;
		jb->store[pos] = samples[i];
		jb->valid[pos] = 1;
	}
	if ((int32_t)(ts + (uint32_t)n - jb->newest_ts) > 0)
		jb->newest_ts = ts + (uint32_t)n;
	return 0;
}

int gw_jbuf_get(struct gw_jbuf *jb, int16_t *out, int n)
{
	int got = 0;

	if (!jb->started) {
		memset(out, 0, (size_t)n * sizeof(*out));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		uint32_t pos = (jb->play_ts + (uint32_t)i) & MASK;
		if (jb->valid[pos]) {
			out[i] = jb->store[pos];
			jb->valid[pos] = 0;
			got++;
		} else {
			out[i] = 0;
		}
	}
	/* Count a gap only once playout has reached real packets. */
	if (got)
		jb->playing = true;
	if (jb->playing && got < n && (int32_t)(jb->newest_ts - jb->play_ts) > 0)
		jb->concealed += (uint64_t)(n - got);
	jb->played += (uint64_t)got;
	jb->play_ts += (uint32_t)n;
	return got;
}
