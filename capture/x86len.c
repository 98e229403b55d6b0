/* x86len.c - x86-64 instruction lengths. See x86len.h.
 *
 * Intel SDM vol. 2: 2.1 (instruction format), 2.2.1 (REX), 2.3 (VEX),
 * 2.7 (EVEX), appendix A (opcode maps). Only the 64-bit mode encodings.
 */
#include "x86len.h"

#include <stdbool.h>

/* what follows an opcode (appendix A's operand columns, reduced to size) */
enum {
	F_BAD = 0,     /* undefined, invalid in 64-bit mode, or not decoded here */
	F_NONE = 1,    /* no ModRM, no immediate */
	F_M = 2,       /* ModRM (with SIB and displacement) */
	F_I8 = 4,      /* imm8 / rel8 */
	F_I16 = 8,     /* imm16 (RET iw, ENTER's first) */
	F_IZ = 16,     /* imm16 with a 66 prefix, else imm32 (REX.W keeps 32) */
	F_REL32 = 32,  /* rel32 of CALL, JMP, Jcc (a 66 prefix is refused: Intel
			* and AMD disagree on its length) */
	F_IV = 64,     /* MOV r, imm: imm64 with REX.W, imm16 with 66, else imm32 */
	F_MOFFS = 128, /* A0-A3: an 8-byte address (4 with a 67 prefix) */
	F_GRP3 = 256,  /* F6/F7: an immediate only for /0 and /1 (TEST) */
	F_POP = 512,   /* 8F: only /0 (POP); other forms are AMD's XOP */
};

#define M F_M
#define MI8 (F_M | F_I8)
#define MIZ (F_M | F_IZ)
#define N F_NONE
#define B F_BAD

/* the one-byte map; prefixes (26 2E 36 3E 40-4F 64-67 F0 F2 F3) and the
 * escapes (0F, C4, C5, 62) are handled before the table */
// clang-format off
static const uint16_t map1[256] = {
	/* 00 */ M, M, M, M, F_I8, F_IZ, B, B, M, M, M, M, F_I8, F_IZ, B, B,
	/* 10 */ M, M, M, M, F_I8, F_IZ, B, B, M, M, M, M, F_I8, F_IZ, B, B,
	/* 20 */ M, M, M, M, F_I8, F_IZ, B, B, M, M, M, M, F_I8, F_IZ, B, B,
	/* 30 */ M, M, M, M, F_I8, F_IZ, B, B, M, M, M, M, F_I8, F_IZ, B, B,
	/* 40 */ B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
	/* 50 */ N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
	/* 60 */ B, B, B, M, B, B, B, B, F_IZ, MIZ, F_I8, MI8, N, N, N, N,
	/* 70 */ F_I8, F_I8, F_I8, F_I8, F_I8, F_I8, F_I8, F_I8,
	/* 78 */ F_I8, F_I8, F_I8, F_I8, F_I8, F_I8, F_I8, F_I8,
	/* 80 */ MI8, MIZ, B, MI8, M, M, M, M, M, M, M, M, M, M, M, F_M | F_POP,
	/* 90 */ N, N, N, N, N, N, N, N, N, N, B, N, N, N, N, N,
	/* A0 */ F_MOFFS, F_MOFFS, F_MOFFS, F_MOFFS, N, N, N, N, F_I8, F_IZ, N, N, N, N, N, N,
	/* B0 */ F_I8, F_I8, F_I8, F_I8, F_I8, F_I8, F_I8, F_I8,
	/* B8 */ F_IV, F_IV, F_IV, F_IV, F_IV, F_IV, F_IV, F_IV,
	/* C0 */ MI8, MI8, F_I16, N, B, B, MI8, MIZ, F_I16 | F_I8, N, F_I16, N, N, F_I8, B, N,
	/* D0 */ M, M, M, M, B, B, B, N, M, M, M, M, M, M, M, M,
	/* E0 */ F_I8, F_I8, F_I8, F_I8, F_I8, F_I8, F_I8, F_I8, F_REL32, F_REL32, B, F_I8, N, N, N, N,
	/* F0 */ B, N, B, B, N, N, F_M | F_GRP3, F_M | F_GRP3, N, N, N, N, N, N, M, M,
};

/* the two-byte map (0F xx); 0F 38 and 0F 3A are escapes handled apart */
static const uint16_t map0f[256] = {
	/* 00 */ M, M, M, M, B, N, N, N, N, N, B, N, B, M, B, B,
	/* 10 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 20 */ M, M, M, M, B, B, B, B, M, M, M, M, M, M, M, M,
	/* 30 */ N, N, N, N, N, N, B, N, B, B, B, B, B, B, B, B,
	/* 40 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 50 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 60 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 70 */ MI8, MI8, MI8, MI8, M, M, M, N, M, M, B, B, M, M, M, M,
	/* 80 */ F_REL32, F_REL32, F_REL32, F_REL32, F_REL32, F_REL32, F_REL32, F_REL32,
	/* 88 */ F_REL32, F_REL32, F_REL32, F_REL32, F_REL32, F_REL32, F_REL32, F_REL32,
	/* 90 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* A0 */ N, N, N, M, MI8, M, B, B, N, N, N, M, MI8, M, M, M,
	/* B0 */ M, M, M, M, M, M, M, M, M, M, MI8, M, M, M, M, M,
	/* C0 */ M, M, MI8, M, MI8, MI8, MI8, M, N, N, N, N, N, N, N, N,
	/* D0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* E0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* F0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
};
// clang-format on

#undef M
#undef MI8
#undef MIZ
#undef N
#undef B

/* bytes after ModRM: SIB and displacement (SDM 2.1.5, tables 2-2 and
 * 2-3). A 67 prefix selects 32-bit addressing in 64-bit mode, which has
 * the same encoding lengths; 16-bit addressing does not exist there.
 * @return the count, -1 when truncated */
static int modrm_tail(const uint8_t *p, size_t n, size_t at)
{
	uint8_t modrm, mod, rm;
	int len = 0;

	if (at >= n)
		return -1;
	modrm = p[at];
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)
		return 0;
	if (rm == 4) { /* SIB */
		if (at + 1 >= n)
			return -1;
		len = 1;
		if (mod == 0 && (p[at + 1] & 7) == 5)
			len += 4; /* no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		len += 4; /* RIP-relative disp32 */
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len;
}

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26:
	case 0x2e:
	case 0x36:
	case 0x3e:
	case 0x64:
	case 0x65:
	case 0x66:
	case 0x67:
	case 0xf0:
	case 0xf2:
	case 0xf3:
		return true;
	}
	return false;
}

/* the end of a VEX/EVEX-encoded instruction: at is the opcode's index,
 * map 1 (0F), 2 (0F38) or 3 (0F3A); ModRM always follows except for
 * VZEROUPPER/VZEROALL (VEX 0F 77) */
static int vex_tail(const uint8_t *p, size_t n, size_t at, unsigned map, bool evex)
{
	uint8_t op;
	int imm = 0, t;

	if (at >= n)
		return -1;
	op = p[at];
	if (map == 1 && op == 0x77 && !evex)
		return (int)at + 1;
	if (map == 3)
		imm = 1;
	else if (map == 1 &&
		 ((op >= 0x70 && op <= 0x73) || op == 0xc2 || (op >= 0xc4 && op <= 0xc6)))
		imm = 1;
	else if (map != 1 && map != 2 && !(evex && (map == 5 || map == 6)))
		return -1;
	t = modrm_tail(p, n, at + 1);
	if (t < 0)
		return -1;
	return (int)at + 2 + t + imm;
}

int x86_insn_len(const uint8_t *p, size_t n)
{
	size_t i = 0;
	bool opsize = false, adsize = false, rexw = false, rex = false;
	bool rep_f2 = false, two = false;
	uint16_t f;
	uint8_t op;
	int len, t;

	if (n > X86_MAX_INSN_LEN)
		n = X86_MAX_INSN_LEN;
	/* legacy prefixes in any order, then at most one REX right before
	 * the opcode; a REX followed by a legacy prefix is ignored (SDM 2.2.1) */
	for (; i < n; i++) {
		if (is_legacy_prefix(p[i])) {
			rex = rexw = false;
			if (p[i] == 0x66)
				opsize = true;
			else if (p[i] == 0x67)
				adsize = true;
			else if (p[i] == 0xf2)
				rep_f2 = true;
		} else if ((p[i] & 0xf0) == 0x40) {
			rex = true;
			rexw = p[i] & 8;
		} else {
			break;
		}
	}
	if (i >= n)
		return -1;
	op = p[i];

	if (op == 0xc4 || op == 0xc5 || op == 0x62) {
		/* VEX and EVEX: in 64-bit mode these bytes are never LES/LDS/BOUND.
		 * A REX, 66, F2, F3 or F0 before them is #UD (SDM 2.3.2). */
		bool bad_prefix = rex;
		for (size_t k = 0; k < i; k++)
			if (p[k] == 0x66 || p[k] == 0xf2 || p[k] == 0xf3 || p[k] == 0xf0)
				bad_prefix = true;
		if (bad_prefix)
			return -1;
		if (op == 0xc5)
			len = vex_tail(p, n, i + 2, 1, false);
		else if (op == 0xc4) {
			if (i + 1 >= n)
				return -1;
			len = vex_tail(p, n, i + 3, p[i + 1] & 0x1f, false);
		} else {
			/* EVEX P0: R X B R' 0 m m m; P1: W vvvv 1 pp */
			if (i + 2 >= n)
				return -1;
			if ((p[i + 1] & 0x08) || !(p[i + 2] & 0x04))
				return -1;
			len = vex_tail(p, n, i + 4, p[i + 1] & 0x07, true);
		}
		if (len < 0 || (size_t)len > n)
			return -1;
		return len;
	}

	if (op == 0x0f) {
		two = true;
		if (++i >= n)
			return -1;
		op = p[i];
		if (op == 0x38 || op == 0x3a) {
			/* three-byte maps: every opcode has ModRM; 0F3A an imm8 */
			t = modrm_tail(p, n, i + 2);
			if (t < 0)
				return -1;
			len = (int)i + 3 + t + (op == 0x3a);
			return (size_t)len > n ? -1 : len;
		}
		f = map0f[op];
		/* 0F 78 with 66/F2 is AMD's EXTRQ/INSERTQ (two immediates); 0F B8
		 * without F3 is JMPE (IA-64 only) */
		if (op == 0x78 && (opsize || rep_f2))
			return -1;
		if (op == 0xb8) {
			bool f3 = false;
			for (size_t k = 0; k < i; k++)
				f3 |= p[k] == 0xf3;
			if (!f3)
				return -1;
		}
	} else {
		f = map1[op];
	}
	if (f == F_BAD)
		return -1;

	i++; /* past the opcode */
	len = (int)i;
	if (f & F_M) {
		if (i >= n)
			return -1;
		uint8_t reg = (p[i] >> 3) & 7;
		if ((f & F_POP) && reg != 0)
			return -1;
		/* the groups' undefined forms (SDM table A-6): C6/C7 take only /0
		 * and XABORT/XBEGIN (C6 F8, C7 F8), FE only /0 /1, FF not /7 */
		if (!two) {
			if ((op == 0xc6 || op == 0xc7) && reg != 0 && p[i] != 0xf8)
				return -1;
			if ((op == 0xfe && reg > 1) || (op == 0xff && reg == 7))
				return -1;
		}
		if ((f & F_GRP3) && reg <= 1)
			f |= (op == 0xf6) ? F_I8 : F_IZ;
		/* MOV to/from CR and DR (0F 20-23) ignore mod: always the
		 * register form (SDM vol. 2, MOV-Move to/from Control Registers) */
		t = (two && op >= 0x20 && op <= 0x23) ? 0 : modrm_tail(p, n, i);
		if (t < 0)
			return -1;
		len += 1 + t;
	}
	if (f & F_I16)
		len += 2;
	if (f & F_I8)
		len += 1;
	if (f & F_IZ)
		len += (opsize && !rexw) ? 2 : 4;
	if (f & F_REL32) {
		if (opsize)
			return -1;
		len += 4;
	}
	if (f & F_IV)
		len += rexw ? 8 : opsize ? 2 : 4;
	if (f & F_MOFFS)
		len += adsize ? 4 : 8;
	if ((size_t)len > n)
		return -1;
	return len;
}

int x86_is_ret(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len && (is_legacy_prefix(p[i]) || (p[i] & 0xf0) == 0x40))
		i++;
	if (i >= len)
		return 0;
	if (p[i] == 0xc3)
		return i + 1 == len;
	if (p[i] == 0xc2)
		return i + 3 == len;
	return 0;
}
