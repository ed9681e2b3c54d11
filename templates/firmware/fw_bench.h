/* Marker functions of a benchmark build. They do nothing; an instruction counter
 * notes when the program counter reaches them. The build passes
 * -DLM_LAYER_HOOK(i)=lm_layer_mark() so that the model marks every layer boundary. */
#ifndef FW_BENCH_H
#define FW_BENCH_H

void lm_bench_begin(void);
void lm_bench_end(void);
void lm_layer_mark(void);

#endif /* FW_BENCH_H */
