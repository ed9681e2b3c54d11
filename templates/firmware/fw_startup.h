/* What the startup code offers the firmware harness. */
#ifndef FW_STARTUP_H
#define FW_STARTUP_H

#include <stdint.h>

/* Exit code of the firmware after a fault or an unexpected exception. */
#define LM_FAULT_EXIT_CODE 99

/* Bytes of the main stack touched so far (high-water mark of the painted region). */
uint32_t lm_stack_used_bytes(void);

#endif /* FW_STARTUP_H */
