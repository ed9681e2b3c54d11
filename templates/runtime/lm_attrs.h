/* litemicro runtime: compiler attributes used by generated code, each behind one macro.
 * (Kept apart from lm_common.h for now; the two may merge.) Define a macro before this
 * header is included to supply it for a compiler that is not GCC-compatible. */
#ifndef LM_ATTRS_H
#define LM_ATTRS_H

/* LM_ALIGN(n): place the object it follows on an n-byte boundary (the arena: kernels read
 * int32 words from it). */
#ifndef LM_ALIGN
#if defined(__GNUC__) || defined(__clang__)
#define LM_ALIGN(n) __attribute__((aligned(n)))
#else
#error "lm_attrs.h: define LM_ALIGN(n) for this compiler (an n-byte alignment attribute)"
#endif
#endif

/* LM_SECTION(name): place the object it follows in the linker section `name`, a string
 * (litemicro gen --arena-section / --weights-section). Your linker script decides where that
 * section goes; a section it does not name is placed by the linker next to similar ones. */
#ifndef LM_SECTION
#if defined(__GNUC__) || defined(__clang__)
#define LM_SECTION(name) __attribute__((section(name)))
#else
#error "lm_attrs.h: define LM_SECTION(name) for this compiler (a linker-section attribute)"
#endif
#endif

#endif /* LM_ATTRS_H */
