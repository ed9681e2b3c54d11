/* Startup code for litemicro firmware on emulated Cortex-M boards (QEMU MPS2 / MPS3).
 *
 * Reset: enable the FPU / Helium unit where the core has one, copy .data from flash,
 * zero .bss, paint the stack, open the semihosting handles, then exit(main()).
 * Any fault or unexpected exception prints "LM_FAULT exception=N pc=0x..." over
 * semihosting and exits with code 99.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "fw_startup.h"

#define LM_SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define LM_CPACR_CP10_CP11_FULL_ACCESS (0xFu << 20)
#define LM_STACK_PAINT 0x5AA5A55Au

/* Defined by the linker script. */
extern uint32_t __data_load__[], __data_start__[], __data_end__[];
extern uint32_t __bss_start__[], __bss_end__[];
extern uint32_t __stack_limit__[], __stack_top__[];

extern int main(void);
extern void initialise_monitor_handles(void);

void Reset_Handler(void);
void lm_fault_entry(void);

typedef void (*lm_vector_t)(void);

__attribute__((section(".vectors"), used))
static const lm_vector_t lm_vector_table[16] = {
    (lm_vector_t)__stack_top__, /* initial main stack pointer */
    Reset_Handler,
    lm_fault_entry, /* NMI */
    lm_fault_entry, /* HardFault */
    lm_fault_entry, /* MemManage */
    lm_fault_entry, /* BusFault */
    lm_fault_entry, /* UsageFault */
    lm_fault_entry, /* SecureFault (ARMv8-M) */
    0, 0, 0,
    lm_fault_entry, /* SVCall */
    lm_fault_entry, /* DebugMonitor */
    0,
    lm_fault_entry, /* PendSV */
    lm_fault_entry, /* SysTick */
};

static void lm_paint_stack(void)
{
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (volatile uint32_t *p = __stack_limit__; p < sp - 16;) {
        *p++ = LM_STACK_PAINT;
    }
}

void Reset_Handler(void)
{
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    LM_SCB_CPACR |= LM_CPACR_CP10_CP11_FULL_ACCESS;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    const uint32_t *src = __data_load__;
    for (uint32_t *dst = __data_start__; dst < __data_end__;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = __bss_start__; dst < __bss_end__;) {
        *dst++ = 0u;
    }
    lm_paint_stack();
    initialise_monitor_handles();
    exit(main());
}

uint32_t lm_stack_used_bytes(void)
{
    const uint32_t *p = __stack_limit__;
    while (p < __stack_top__ && *p == LM_STACK_PAINT) {
        p++;
    }
    return (uint32_t)((const char *)__stack_top__ - (const char *)p);
}

static char *lm_put_hex32(char *p, uint32_t value)
{
    static const char digits[] = "0123456789abcdef";
    for (int shift = 28; shift >= 0; shift -= 4) {
        *p++ = digits[(value >> shift) & 0xFu];
    }
    return p;
}

/* Called from lm_fault_entry with the stacked exception frame and the IPSR. */
__attribute__((used, noreturn))
static void lm_fault_report(const uint32_t *frame, uint32_t ipsr)
{
    static const char head[] = "LM_FAULT exception=0x";
    static const char mid[] = " pc=0x";
    char line[64];
    char *p = line;
    for (const char *s = head; *s; s++) *p++ = *s;
    p = lm_put_hex32(p, ipsr & 0x1FFu);
    for (const char *s = mid; *s; s++) *p++ = *s;
    p = lm_put_hex32(p, frame[6]);
    *p++ = '\n';
    write(2, line, (size_t)(p - line));
    _exit(LM_FAULT_EXIT_CODE);
}

__attribute__((naked))
void lm_fault_entry(void)
{
    __asm__ volatile(
        "mrs r0, msp\n\t"
        "mrs r1, ipsr\n\t"
        "ldr r2, =lm_fault_report\n\t"
        "bx r2\n\t"
        ".ltorg\n\t");
}
