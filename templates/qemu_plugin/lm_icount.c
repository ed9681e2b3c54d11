/*
 * litemicro instruction counter: a QEMU TCG plugin for Cortex-M guests.
 *
 * Counts every executed instruction exactly (one callback per executed
 * instruction) and estimates Cortex-M4 cycles (see lm_cycles.h). At each
 * executed entry of a marker function it records the running counts; at exit
 * it writes them to a text file:
 *
 *     mark <name> <instructions> <cycles>     one line per marker hit, in order
 *     total <instructions> <cycles>
 *
 * A mark's counts exclude the marker's own first instruction and include the
 * taken-branch penalty of the call that reached it.
 *
 * Arguments: out=PATH, and any of begin=ADDR, end=ADDR, layer=ADDR (hex or
 * decimal; the Thumb bit is ignored).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lm_cycles.h"

/* ---- The part of the QEMU plugin API (version 1, QEMU 7.2) used here. ---- */
#define LM_EXPORT __attribute__((visibility("default")))
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);

LM_EXPORT int qemu_plugin_version = 1;
/* ------------------------------------------------------------------------- */

enum { MARK_BEGIN, MARK_END, MARK_LAYER, MARK_COUNT, MARK_NONE = -1 };
static const char *const mark_names[MARK_COUNT] = {"begin", "end", "layer"};

struct insn_info {
    uint64_t pc;
    uint8_t size, kind, cycles;
    int8_t mark;
};

struct hit {
    int mark;
    uint64_t insns, cycles;
};

static uint64_t mark_addr[MARK_COUNT];
static int mark_set[MARK_COUNT];
static char out_path[4096];
static uint64_t n_insns, n_cycles;
static const struct insn_info *prev;
static struct hit *hits;
static size_t n_hits, cap_hits;

static void record_hit(int mark)
{
    if (n_hits == cap_hits) {
        cap_hits = cap_hits ? 2 * cap_hits : 256;
        hits = realloc(hits, cap_hits * sizeof *hits);
        if (!hits) {
            qemu_plugin_outs("lm_icount: out of memory\n");
            abort();
        }
    }
    hits[n_hits++] = (struct hit){mark, n_insns, n_cycles};
}

static void on_exec(unsigned int vcpu, void *udata)
{
    const struct insn_info *in = udata;
    unsigned cycles = in->cycles;
    (void)vcpu;
    if (prev) {
        if (in->pc != prev->pc + prev->size)
            n_cycles += LM_TAKEN_BRANCH_CYCLES;   /* the previous one branched */
        else if (in->kind == LM_KIND_LOAD && prev->kind == LM_KIND_LOAD)
            cycles = LM_PIPELINED_LOAD_CYCLES;
    }
    if (in->mark != MARK_NONE)
        record_hit(in->mark);
    n_insns++;
    n_cycles += cycles;
    prev = in;
}

static int mark_at(uint64_t pc)
{
    for (int m = 0; m < MARK_COUNT; m++)
        if (mark_set[m] && mark_addr[m] == pc)
            return m;
    return MARK_NONE;
}

/* Records are never freed: the translated code keeps pointers to them. */
static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    struct insn_info *info = calloc(n ? n : 1, sizeof *info);
    (void)id;
    if (!info) {
        qemu_plugin_outs("lm_icount: out of memory\n");
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        const uint8_t *data = qemu_plugin_insn_data(insn);
        size_t size = qemu_plugin_insn_size(insn);
        unsigned kind = LM_KIND_OTHER, cycles = 1;
        /* Near the end of a page QEMU 7.2 also hands over the next halfword, which
         * it read to see whether the next instruction crosses the page: the
         * instruction's own size comes from its first halfword. */
        unsigned own = lm_thumb_size((uint16_t)(data[0] | data[1] << 8));
        if (size > own)
            size = own;
        lm_classify(data, size, &kind, &cycles);
        info[i].pc = qemu_plugin_insn_vaddr(insn);
        info[i].size = (uint8_t)size;
        info[i].kind = (uint8_t)kind;
        info[i].cycles = (uint8_t)cycles;
        info[i].mark = (int8_t)mark_at(info[i].pc);
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_exec, QEMU_PLUGIN_CB_NO_REGS, &info[i]);
    }
}

static void write_results(qemu_plugin_id_t id, void *udata)
{
    FILE *f = fopen(out_path, "w");
    (void)id;
    (void)udata;
    if (!f) {
        qemu_plugin_outs("lm_icount: cannot write the output file\n");
        return;
    }
    for (size_t i = 0; i < n_hits; i++)
        fprintf(f, "mark %s %llu %llu\n", mark_names[hits[i].mark],
                (unsigned long long)hits[i].insns, (unsigned long long)hits[i].cycles);
    fprintf(f, "total %llu %llu\n", (unsigned long long)n_insns, (unsigned long long)n_cycles);
    fclose(f);
}

static int parse_arg(const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return -1;
    size_t klen = (size_t)(eq - arg);
    if (klen == 3 && strncmp(arg, "out", 3) == 0) {
        if (strlen(eq + 1) >= sizeof out_path)
            return -1;
        strcpy(out_path, eq + 1);
        return 0;
    }
    for (int m = 0; m < MARK_COUNT; m++) {
        if (klen == strlen(mark_names[m]) && strncmp(arg, mark_names[m], klen) == 0) {
            char *end;
            mark_addr[m] = strtoull(eq + 1, &end, 0) & ~(uint64_t)1;
            mark_set[m] = 1;
            return (*end == '\0' && end != eq + 1) ? 0 : -1;
        }
    }
    return -1;
}

LM_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                  int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (parse_arg(argv[i]) != 0) {
            qemu_plugin_outs("lm_icount: bad argument (want out=PATH, begin=|end=|layer=ADDR)\n");
            return -1;
        }
    }
    if (!out_path[0]) {
        qemu_plugin_outs("lm_icount: missing out=PATH\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, write_results, NULL);
    return 0;
}
