// SPDX-License-Identifier: GPL-2.0-or-later
/* hw: backend lookup and names (see hw/hw.h). */
#include <string.h>

#include "hw/hw.h"

static const struct gw_hw_ops *const backends[] = {
	&gw_hw_sim_ops,
	&gw_hw_dahdi_ops,
};

const struct gw_hw_ops *gw_hw_find(const char *name)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

const char *gw_hw_chan_type_name(enum gw_hw_chan_type type)
{
	switch (type) {
	case GW_HW_CHAN_FXS:
		return "fxs";
	case GW_HW_CHAN_FXO:
		return "fxo";
	default:
		return "none";
	}
}

const char *gw_hw_event_name(enum gw_hw_event_type type)
{
	switch (type) {
	case GW_HW_EV_OFFHOOK:
		return "off-hook";
	case GW_HW_EV_ONHOOK:
		return "on-hook";
	case GW_HW_EV_RING_BEGIN:
		return "ring-begin";
	case GW_HW_EV_RING_END:
		return "ring-end";
	case GW_HW_EV_POLARITY:
		return "polarity-reversal";
	case GW_HW_EV_LOOP_DROP:
		return "loop-drop";
	case GW_HW_EV_ALARM:
		return "alarm";
	case GW_HW_EV_NOALARM:
		return "alarm-cleared";
	case GW_HW_EV_FLASH:
		return "hook-flash";
	case GW_HW_EV_PULSE_DIGIT:
		return "pulse-digit";
	case GW_HW_EV_LOOP_BACK:
		return "loop-current-back";
	case GW_HW_EV_DIAL_DONE:
		return "dial-done";
	}
	return "unknown";
}
