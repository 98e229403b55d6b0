/* x86len.h - the length of one x86-64 instruction, for placing uprobes.
 *
 * x86_insn_len() decodes only as much as the length needs: prefixes, REX,
 * the opcode maps (1-byte, 0F, 0F38, 0F3A, VEX C4/C5, EVEX 62), ModRM,
 * SIB, displacement and immediate (Intel SDM vol. 2, ch. 2 and app. A).
 * It is 64-bit mode only. When an opcode is unknown, invalid in 64-bit
 * mode or cut short, it says so (-1) and never guesses: a uprobe placed
 * off an instruction boundary corrupts the probed program. Deliberately
 * refused although some CPU runs them: AMD XOP (8F with reg != 0), 3DNow!
 * (0F 0F), SSE4a EXTRQ/INSERTQ with immediates, and a 66 prefix on a rel32
 * CALL/JMP/Jcc (Intel and AMD disagree on its length). 9B (WAIT) is one
 * byte of its own, as the SDM has it (objdump prints "9B D9 /6" as one
 * FSTENV). A linear sweep trusts that a function holds no data between
 * its instructions: true of Go's compiler output, not of every assembly
 * function (crypto/internal/boring/sig's markers are data).
 *
 * Pure functions over caller-owned bytes; no allocation, no state.
 */
#ifndef CAP_X86LEN_H
#define CAP_X86LEN_H

#include <stddef.h>
#include <stdint.h>

#define X86_MAX_INSN_LEN 15 /* SDM vol. 2 2.1: longer is #UD */

/*! x86_insn_len() : p holds n bytes starting at an instruction boundary.
 *  @return the instruction's length (1..15), or -1 when it cannot be
 *  decoded: unknown or 64-bit-invalid opcode, longer than 15 bytes, or
 *  the instruction runs past p + n. */
int x86_insn_len(const uint8_t *p, size_t n);

/*! x86_is_ret() : p holds one whole instruction of len bytes (as
 *  x86_insn_len() measured it).
 *  @return 1 when it is a near return: C3, C2 iw, with or without
 *  prefixes (F3 C3 "rep ret", 66, REX.W); 0 otherwise (also for the far
 *  returns CA/CB, which compilers do not emit in user code). */
int x86_is_ret(const uint8_t *p, size_t len);

#endif
