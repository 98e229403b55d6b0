/* test_capture_x86len.c - capture/x86len.c on hand-written instructions.
 *
 * Properties under test:
 *  - each encoding below has the length the Intel SDM gives it (checked
 *    when written with `objdump -D -b binary -m i386:x86-64`): prefixes,
 *    REX, ModRM/SIB/disp8/disp32 (RIP-relative, no-base SIB), every
 *    immediate kind (imm8/16/32/64, the 66 prefix and REX.W on it, the
 *    8-byte moffs of A0-A3 and 4 with 67), rel8/rel32, F6/F7 /0 with and
 *    /2 /3 without an immediate, the 0F, 0F38, 0F3A maps, VEX (C5, C4)
 *    and EVEX;
 *  - what cannot be decoded is -1, never a guess: opcodes invalid in
 *    64-bit mode, AMD XOP, a prefix VEX forbids, a 66 on a rel32 branch,
 *    truncated bytes, more than 15 bytes;
 *  - x86_is_ret: C3, C2 iw, F3 C3 are near returns; far returns, other
 *    instructions and a RET given the wrong length are not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "x86len.h"

struct vec {
	const char *what;
	uint8_t b[16];
	size_t n; /* bytes given to the decoder */
	int len;  /* expected */
};

/* lengths per the SDM; confirmed with objdump when written */
static const struct vec good[] = {
    {"ret", {0xc3}, 1, 1},
    {"ret $8", {0xc2, 0x08, 0x00}, 3, 3},
    {"repz ret", {0xf3, 0xc3}, 2, 2},
    {"push rbp", {0x55}, 1, 1},
    {"push r12", {0x41, 0x54}, 2, 2},
    {"movabs rax, imm64", {0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}, 10, 10},
    {"mov eax, imm32", {0xb8, 1, 2, 3, 4}, 5, 5},
    {"mov ax, imm16", {0x66, 0xb8, 1, 2}, 4, 4},
    {"mov r8d, imm32", {0x41, 0xb8, 1, 2, 3, 4}, 6, 6},
    {"movabs al, moffs64", {0xa0, 1, 2, 3, 4, 5, 6, 7, 8}, 9, 9},
    {"movabs rax, moffs64", {0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8}, 10, 10},
    {"addr32 mov al, moffs32", {0x67, 0xa0, 1, 2, 3, 4}, 6, 6},
    {"call rel32", {0xe8, 0, 0, 0, 0}, 5, 5},
    {"jmp rel32", {0xe9, 0, 0, 0, 0}, 5, 5},
    {"jmp rel8", {0xeb, 0x10}, 2, 2},
    {"je rel32", {0x0f, 0x84, 0, 0, 0, 0}, 6, 6},
    {"jne rel8", {0x75, 0xf0}, 2, 2},
    {"test al, imm8", {0xf6, 0xc0, 0x01}, 3, 3},
    {"not al", {0xf6, 0xd0}, 2, 2},
    {"test eax, imm32", {0xf7, 0xc0, 1, 2, 3, 4}, 6, 6},
    {"test ax, imm16", {0x66, 0xf7, 0xc0, 1, 2}, 5, 5},
    {"test rax, imm32", {0x48, 0xf7, 0xc0, 1, 2, 3, 4}, 7, 7},
    {"test rax, imm32 (66 and REX.W)", {0x66, 0x48, 0xf7, 0xc0, 1, 2, 3, 4}, 8, 8},
    {"neg eax", {0xf7, 0xd8}, 2, 2},
    {"testb [rip+d32], imm8", {0xf6, 0x05, 1, 2, 3, 4, 0x01}, 7, 7},
    {"add ax, imm16", {0x66, 0x81, 0xc0, 1, 2}, 5, 5},
    {"add rsp, imm32", {0x48, 0x81, 0xc4, 1, 2, 3, 4}, 7, 7},
    {"add esp, imm8", {0x83, 0xc4, 0x08}, 3, 3},
    {"mov rax, [rip+d32]", {0x48, 0x8b, 0x05, 1, 2, 3, 4}, 7, 7},
    {"lea rcx, [rip+d32]", {0x48, 0x8d, 0x0d, 1, 2, 3, 4}, 7, 7},
    {"mov rax, [rsp]", {0x48, 0x8b, 0x04, 0x24}, 4, 4},
    {"mov rax, [rsp+8]", {0x48, 0x8b, 0x44, 0x24, 0x08}, 5, 5},
    {"mov rax, [rsp+d32]", {0x48, 0x8b, 0x84, 0x24, 1, 2, 3, 4}, 8, 8},
    {"mov eax, [d32] (SIB, no base)", {0x8b, 0x04, 0x25, 1, 2, 3, 4}, 7, 7},
    {"mov eax, [rax*1+d32]", {0x8b, 0x04, 0x05, 1, 2, 3, 4}, 7, 7},
    {"mov eax, [r13] (mod 01)", {0x41, 0x8b, 0x45, 0x00}, 4, 4},
    {"cmp rsp, [r14+0x10]", {0x49, 0x3b, 0x66, 0x10}, 4, 4},
    {"mov rax, fs:[0]", {0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0}, 9, 9},
    {"nopl [rax+rax+0]", {0x0f, 0x1f, 0x44, 0x00, 0x00}, 5, 5},
    {"nopw [rax+rax+d32]", {0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0}, 9, 9},
    {"cs nopw", {0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0}, 10, 10},
    {"endbr64", {0xf3, 0x0f, 0x1e, 0xfa}, 4, 4},
    {"syscall", {0x0f, 0x05}, 2, 2},
    {"bt eax, 5", {0x0f, 0xba, 0xe0, 0x05}, 4, 4},
    {"imul eax, eax, imm8", {0x6b, 0xc0, 0x05}, 3, 3},
    {"imul eax, eax, imm32", {0x69, 0xc0, 1, 2, 3, 4}, 6, 6},
    {"enter 16, 0", {0xc8, 0x10, 0x00, 0x00}, 4, 4},
    {"lock cmpxchg [rdx], rcx", {0xf0, 0x48, 0x0f, 0xb1, 0x0a}, 5, 5},
    {"movb [rip+d32], imm8", {0xc6, 0x05, 1, 2, 3, 4, 0x01}, 7, 7},
    {"movl [rip+d32], imm32", {0xc7, 0x05, 1, 2, 3, 4, 5, 6, 7, 8}, 10, 10},
    {"mov rax, imm32 (C7)", {0x48, 0xc7, 0xc0, 1, 2, 3, 4}, 7, 7},
    {"movups xmm0, [rax]", {0x0f, 0x10, 0x00}, 3, 3},
    {"pshufd xmm0, xmm1, imm8", {0x66, 0x0f, 0x70, 0xc1, 0x1b}, 5, 5},
    {"pshufb xmm0, xmm1 (0F38)", {0x66, 0x0f, 0x38, 0x00, 0xc1}, 5, 5},
    {"palignr xmm0, xmm1, 8 (0F3A)", {0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08}, 6, 6},
    {"aesenc xmm0, [rax+8]", {0x66, 0x0f, 0x38, 0xdc, 0x40, 0x08}, 6, 6},
    {"vmovdqa xmm0, [rip+d32] (C5)", {0xc5, 0xf9, 0x6f, 0x05, 1, 2, 3, 4}, 8, 8},
    {"vzeroupper", {0xc5, 0xf8, 0x77}, 3, 3},
    {"vbroadcastss xmm0, xmm0 (C4 0F38)", {0xc4, 0xe2, 0x79, 0x18, 0xc0}, 5, 5},
    {"vpalignr (C4 0F3A, imm8)", {0xc4, 0xe3, 0x79, 0x0f, 0xc1, 0x04}, 6, 6},
    {"vpshufd ymm0, ymm1, imm8 (C5 0F 70)", {0xc5, 0xfd, 0x70, 0xc1, 0x1b}, 5, 5},
    {"vmovaps zmm0, zmm1 (EVEX)", {0x62, 0xf1, 0x7c, 0x48, 0x28, 0xc1}, 6, 6},
    {"vmovdqa64 zmm0, [rsp+0x40] (EVEX disp8*N)",
     {0x62, 0xf1, 0xfd, 0x48, 0x6f, 0x44, 0x24, 0x01},
     8,
     8},
    {"int3", {0xcc}, 1, 1},
    {"only the first instruction counts", {0x90, 0xc3}, 2, 1},
};

static const struct vec bad[] = {
    {"empty", {0}, 0, -1},
    {"push es (invalid in 64-bit)", {0x06}, 1, -1},
    {"pusha (invalid in 64-bit)", {0x60}, 1, -1},
    {"aam (invalid in 64-bit)", {0xd4, 0x0a}, 2, -1},
    {"0F 04 (undefined)", {0x0f, 0x04}, 2, -1},
    {"3DNow! 0F 0F", {0x0f, 0x0f, 0xc1, 0x9e}, 4, -1},
    {"AMD XOP (8F, reg != 0)", {0x8f, 0xe8, 0x78, 0xc0, 0xc1, 0x01}, 6, -1},
    {"F3 before VEX", {0xf3, 0xc5, 0xf8, 0x77}, 4, -1},
    {"REX before VEX", {0x48, 0xc5, 0xf8, 0x77}, 4, -1},
    {"66 on call rel32", {0x66, 0xe8, 0, 0, 0, 0}, 6, -1},
    {"call rel32 cut short", {0xe8, 0, 0}, 3, -1},
    {"only a REX", {0x48}, 1, -1},
    {"ModRM missing", {0x48, 0x8b}, 2, -1},
    {"SIB missing", {0x48, 0x8b, 0x04}, 3, -1},
    {"disp32 cut short", {0x48, 0x8b, 0x05, 1, 2}, 5, -1},
    {"movabs cut short", {0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7}, 9, -1},
    {"EVEX with its fixed bit clear", {0x62, 0xf1, 0x78, 0x48, 0x28, 0xc1}, 6, -1},
    {"VEX map 4 (undefined)", {0xc4, 0xe4, 0x79, 0x18, 0xc0}, 5, -1},
    {"C6 /1 (undefined)", {0xc6, 0xc8, 0x01}, 3, -1},
    {"FF /7 (undefined)", {0xff, 0xf8}, 2, -1},
    {"15 prefixes and an opcode (16 bytes)",
     {0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
      0x90},
     16,
     -1},
};

static void check(const struct vec *v, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		int got = x86_insn_len(v[i].b, v[i].n);
		if (got != v[i].len)
			fail_msg("%s: length %d, want %d", v[i].what, got, v[i].len);
	}
}

static void test_lengths(void **state)
{
	(void)state;
	check(good, sizeof(good) / sizeof(good[0]));
}

static void test_undecodable(void **state)
{
	(void)state;
	check(bad, sizeof(bad) / sizeof(bad[0]));
}

/* 14 prefixes and a 1-byte opcode are 15 bytes: the longest legal */
static void test_fifteen(void **state)
{
	uint8_t b[16];

	(void)state;
	memset(b, 0x66, 14);
	b[14] = 0x90;
	assert_int_equal(x86_insn_len(b, 15), 15);
	assert_int_equal(x86_insn_len(b, 14), -1);
}

static void test_is_ret(void **state)
{
	static const uint8_t c3[] = {0xc3}, c2[] = {0xc2, 0x10, 0x00}, f3c3[] = {0xf3, 0xc3},
			     cb[] = {0xcb}, ca[] = {0xca, 0x08, 0x00}, e8[] = {0xe8, 0, 0, 0, 0},
			     c3nop[] = {0xc3, 0x90}, rexc3[] = {0x48, 0xc3};

	(void)state;
	assert_int_equal(x86_is_ret(c3, 1), 1);
	assert_int_equal(x86_is_ret(c2, 3), 1);
	assert_int_equal(x86_is_ret(f3c3, 2), 1);
	assert_int_equal(x86_is_ret(rexc3, 2), 1);
	assert_int_equal(x86_is_ret(cb, 1), 0);
	assert_int_equal(x86_is_ret(ca, 3), 0);
	assert_int_equal(x86_is_ret(e8, 5), 0);
	assert_int_equal(x86_is_ret(c3nop, 2), 0);
	assert_int_equal(x86_is_ret(c2, 1), 0);
	assert_int_equal(x86_is_ret(c3, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_undecodable),
	    cmocka_unit_test(test_fifteen),
	    cmocka_unit_test(test_is_ret),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
