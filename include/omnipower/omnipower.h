/**
 * @file omnipower.h
 * @brief libomnipower: everything in one include.
 */
#ifndef OMNIPOWER_OMNIPOWER_H
#define OMNIPOWER_OMNIPOWER_H

#include "omnipower/config.h"
#include "omnipower/core.h"
#include "omnipower/evq.h"
#include "omnipower/hal.h"
#include "omnipower/value.h"
#include "omnipower/display.h"
#include "omnipower/cosem.h"
#include "omnipower/optical.h"
#include "omnipower/dlms_server.h"
#include "omnipower/meter.h"
#include "omnipower/metrology.h"
#include "omnipower/pq.h"
#include "omnipower/pq_event.h"
#include "omnipower/pq_vq.h"
#include "omnipower/tariff.h"
#include "omnipower/axdr.h"
#include "omnipower/apdu.h"
#include "omnipower/hdlc.h"
#include "omnipower/wrapper.h"
#include "omnipower/iec62056_21.h"
#include "omnipower/mcfg.h"
#include "omnipower/storage.h"
#include "omnipower/plog.h"
#include "omnipower/logger.h"
#include "omnipower/registers.h"
#include "omnipower/version.h"

#endif /* OMNIPOWER_OMNIPOWER_H */
